"""Surface grids: the loss over the view window, cached.

`surface_grid()` computes the loss over the view window once per (problem, dims, slice base,
resolution) and keeps it in a small bounded LRU cache (GRID_CACHE entries; the values are read-only). The
surface and contour grids travel as float32 typed arrays (`{"dtype": "f4", "bdata": base64, "shape"}`, which
plotly.js decodes, as it does for figures plotly.py serialises from NumPy): 5.3 bytes a value instead of
about 8 as text. They are sent with the full figures only (problem, view or optimizer list changed); a
hyperparameter change ships only the changed runs' payload (layouts/callbacks.py: render).
"""

from __future__ import annotations

import functools
import hashlib
from types import MappingProxyType

import numpy as np

from surfaces import Problem, get_problem

from .numbers import as_f4, frozen, log10, rounded

GRID_N = 61
CURVE_N = 201  # points of a 1-parameter problem's loss curve
SIDE_STRIDE = 2  # side-by-side 3-D panels of 2×2 and more use every 2nd grid point (61 -> 31): small panels
GRID_CACHE = 32  # surface grids kept per process (~0.1 MB each)


# ----------------------------------------------------------------------------- grid
def surface_grid(problem_id: str | Problem, dims=(0, 1), base=None, n: int = GRID_N) -> dict:
    """The loss over the view window (a fresh dict over cached read-only values): `xs`, `ys` (tuples),
    `z` (ys × xs, float32 values), `zc` (the colour: log10 L where L spans decades), `z_range`, names,
    dims, window, minima. `base` fixes the other parameters of a slice (problems with more than 2).
    The cache key names the loss: a built-in's id, a typed loss's text and window, a data set's hash
    (`grid_key`), so a user's problem shares the cache without ever getting another loss's grid."""
    problem = as_problem(problem_id)
    dims = (0,) if problem.dim == 1 else tuple(int(d) for d in dims)
    if base is not None and problem.dim > len(dims):  # only the fixed parameters matter (more cache hits)
        base = tuple(0.0 if d in dims else float(v) for d, v in enumerate(base))
    else:
        base = None
    return dict(_grid(_Keyed(problem), dims, base, int(n)))


def as_problem(problem: str | Problem) -> Problem:
    return get_problem(problem) if isinstance(problem, str) else problem


def grid_key(problem: Problem) -> tuple:
    """What a problem's grid depends on: the id of a built-in; the text and window of a typed loss; the data
    of an own-data problem (its hash)."""
    if problem.id == "custom":
        return ("custom", problem.text, tuple(problem.window))
    if problem.id == "data":
        X, Y = np.ascontiguousarray(problem.X), np.ascontiguousarray(problem.Y)
        return ("data", hashlib.sha256(X.tobytes() + b"|" + Y.tobytes()).hexdigest(), X.shape)
    return (problem.id,)


class _Keyed:
    """A problem as a cache key: equal when grid_key is (the cache holds the problem while it holds the grid)."""

    __slots__ = ("key", "problem")

    def __init__(self, problem: Problem):
        self.problem, self.key = problem, grid_key(problem)

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Keyed) and other.key == self.key


@functools.lru_cache(maxsize=GRID_CACHE)
def _grid(keyed: _Keyed, dims: tuple, base: tuple | None, n: int) -> MappingProxyType:
    """surface_grid's values, computed once per key (bounded LRU; nothing in it can be changed)."""
    problem = keyed.problem
    names = tuple(problem.param_names)
    if problem.dim == 1:
        xs, L = problem.curve(n=CURVE_N)
        return MappingProxyType({"dim": 1, "xs": tuple(rounded(xs)), "z": frozen(as_f4(L)),
                                 "log": bool(problem.log_color), "names": names, "dims": (0,),
                                 "window": (tuple(problem.window[0]),)})
    xs, ys, Z = problem.grid(n, dims=dims, base=base)
    zc = log10(Z) if problem.log_color else Z  # colour (and contour levels): log where L spans decades
    return MappingProxyType({
        "dim": problem.dim, "xs": tuple(rounded(xs)), "ys": tuple(rounded(ys)), "z": frozen(as_f4(Z)),
        "zc": frozen(as_f4(zc)), "z_range": _z_range(Z), "log": bool(problem.log_color), "names": names,
        "dims": dims, "window": tuple(tuple(problem.window[d]) for d in dims),
        "minima": tuple((m[dims[0]], m[dims[1]]) for m in problem.minima) if problem.minima else ()})


def _z_range(Z: np.ndarray) -> tuple[float, float]:
    """The 3-D z axis: the surface's own range, padded (a diverged path cannot stretch it)."""
    z = Z[np.isfinite(Z)]
    lo, hi = (float(z.min()), float(z.max())) if z.size else (0.0, 1.0)
    pad = 0.04 * (hi - lo or 1.0)
    return float(f"{lo - pad:.4g}"), float(f"{hi + pad:.4g}")


def coarse(grid: dict, stride: int) -> dict:
    """Every `stride`-th grid point (ends kept when n - 1 is a multiple of stride), for small panels."""
    return {**grid, "xs": grid["xs"][::stride], "ys": grid["ys"][::stride], "z": grid["z"][::stride, ::stride],
            "zc": grid["zc"][::stride, ::stride]}
