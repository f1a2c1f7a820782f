"""Pure figure builders: (grid, trajectory payload, options) -> dict, Plotly's JSON figure form. No Dash, no server.

The builders return plain dicts (`{"data": [...], "layout": {...}}`), never `go.Figure`: validating a figure
object costs most of a page render, and the dicts are the same JSON that Plotly would send. Every page
figure carries the one small shared template (`theme.TEMPLATE`), not plotly.py's default one. The tests
validate the dicts with `go.Figure(d)`; exports (layouts/publication.py) keep their own go.Figure builders.

Surfaces: `surface_grid()` computes the loss over the view window once per (problem, dims, slice base,
resolution) and keeps it in a small bounded LRU cache (GRID_CACHE entries; the values are read-only). The
surface and contour grids travel as float32 typed arrays (`{"dtype": "f4", "bdata": base64, "shape"}`, which
plotly.js decodes, as it does for figures plotly.py serialises from NumPy): 5.3 bytes a value instead of
about 8 as text. They are sent with the full figures only (problem, view or optimizer list changed); a
hyperparameter change ships only the changed runs' payload (layouts/callbacks.py: render).

Trajectories travel to the browser once, as a compact *payload* (`payload()`): per run the kept step
indices `k` and, at those steps, the parameters `p`, `loss`, `eta` and, for adaptive methods, the
effective per-parameter learning rate `lr`, rounded to 5 significant digits. Steps that would not move
anything on screen (sub-pixel moves, loss/η changes below 0.5 %) are dropped ("send only what is drawn");
playback shows the last kept step at or before the current one, which looks the same.

Every trajectory trace carries `meta = {"run", "at", "x", "y"[, "z", "zlog"]}` naming the payload fields
it shows and which rows (`all`, `upto` the current step, `cur` = the marker, `first`, `div` = the
divergence marker, `chg` = Live-mode change points, `fit` = model-fit curve). A `div` marker with
`pin` (the view box) is pinned to the box's edge when the run left it and, with `arrow`, drawn as an arrow
pointing the way the run went; one list in a corner of the map names the diverged runs (`divergence_note`),
the status banner and the hover text give the true values. `fill()` computes the trace
from the payload; assets/descent.js does the same in the browser (for updates and playback), so a
hyperparameter change only ships the payload, never the surface grid. The server fills the traces of the
figures it sends (at the last step, values rounded to SIG digits as the payload); the browser keeps them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
from types import MappingProxyType

import numpy as np

from optimizers import SpecError, Trajectory, parse_batching, parse_spec
from surfaces import Problem, get_problem

from . import theme

GRID_N = 61
CURVE_N = 201  # points of a 1-parameter problem's loss curve
SIDE_STRIDE = 2  # side-by-side 3-D panels of 2×2 and more use every 2nd grid point (61 -> 31): small panels
GRID_CACHE = 32  # surface grids kept per process (~0.1 MB each)
SIG = 5
MOVE_TOL = 1 / 1500  # of the window span: below a pixel on any screen
LOG_TOL = 1 / 800  # of the decades a log-scaled series spans (at least one decade)
MAX_COLS = 3
LEGEND_MAX = 4  # optimizers named in the contour's legend (one row or two above the map)
PREVIEW_POINTS = 600  # the η_t preview is ~250 px wide: 2 or more points a pixel
F4_MAX = 3.0e38  # beyond float32: such a grid is sent as float64


# ----------------------------------------------------------------------------- numbers
def rounded(a, sig: int = SIG) -> list:
    """Floats rounded to `sig` significant digits (a flat list; NaN/inf -> None, JSON null). Vectorised: scaled by
    an exact power of ten, rounded, scaled back, which gives the double nearest the decimal (its repr is short);
    magnitudes beyond 10^±22 of the scale fall back to Python's formatting."""
    a = np.asarray(a, dtype=float).ravel()
    out = a.copy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        k = sig - 1 - np.floor(np.log10(np.abs(a)))  # decimals to keep; inf where a is 0, NaN where not finite
    up = np.isfinite(k) & (k >= 0) & (k <= 22)
    down = np.isfinite(k) & (k < 0) & (k >= -22)
    out[up] = np.round(a[up] * 10.0 ** k[up]) / 10.0 ** k[up]
    out[down] = np.round(a[down] / 10.0 ** -k[down]) * 10.0 ** -k[down]
    vals = out.tolist()
    for i in np.flatnonzero(np.isfinite(a) & (a != 0) & ~up & ~down).tolist():
        vals[i] = float(f"{vals[i]:.{sig}g}")
    for i in np.flatnonzero(~np.isfinite(a)).tolist():
        vals[i] = None
    return vals


def _log10(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.where(a > 0, a, np.nan))


def typed(a) -> dict:
    """A NumPy array as a Plotly typed array (base64 little-endian float32, float64 when out of its range)."""
    a = np.asarray(a, dtype=float)
    finite = np.abs(a[np.isfinite(a)])
    dtype = "f8" if finite.size and finite.max() > F4_MAX else "f4"
    out = {"dtype": dtype, "bdata": base64.b64encode(a.astype("<" + dtype).tobytes()).decode()}
    if a.ndim > 1:
        out["shape"] = ", ".join(str(s) for s in a.shape)
    return out


def untyped(spec: dict) -> np.ndarray:
    """Inverse of typed (tests, exports)."""
    a = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<" + spec["dtype"]).astype(float)
    return a.reshape([int(s) for s in spec["shape"].split(",")]) if "shape" in spec else a


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


def _as_f4(a: np.ndarray) -> np.ndarray:
    """Values as the browser receives them (float32 unless out of its range)."""
    with np.errstate(over="ignore"):
        return a if np.nanmax(np.abs(np.where(np.isfinite(a), a, 0)), initial=0) > F4_MAX else \
            a.astype(np.float32).astype(float)


# ----------------------------------------------------------------------------- grid
def surface_grid(problem_id: str | Problem, dims=(0, 1), base=None, n: int = GRID_N) -> dict:
    """The loss over the view window (a fresh dict over cached read-only values): `xs`, `ys` (tuples),
    `z` (ys × xs, float32 values), `zc` (the colour: log10 L where L spans decades), `z_range`, names,
    dims, window, minima. `base` fixes the other parameters of a slice (problems with more than 2).
    The cache key names the loss: a built-in's id, a typed loss's text and window, a data set's hash
    (`grid_key`), so a user's problem shares the cache without ever getting another loss's grid."""
    problem = _problem(problem_id)
    dims = (0,) if problem.dim == 1 else tuple(int(d) for d in dims)
    if base is not None and problem.dim > len(dims):  # only the fixed parameters matter (more cache hits)
        base = tuple(0.0 if d in dims else float(v) for d, v in enumerate(base))
    else:
        base = None
    return dict(_grid(_Keyed(problem), dims, base, int(n)))


def _problem(problem: str | Problem) -> Problem:
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
        return MappingProxyType({"dim": 1, "xs": tuple(rounded(xs)), "z": _frozen(_as_f4(L)),
                                 "log": bool(problem.log_color), "names": names, "dims": (0,),
                                 "window": (tuple(problem.window[0]),)})
    xs, ys, Z = problem.grid(n, dims=dims, base=base)
    zc = _log10(Z) if problem.log_color else Z  # colour (and contour levels): log where L spans decades
    return MappingProxyType({
        "dim": problem.dim, "xs": tuple(rounded(xs)), "ys": tuple(rounded(ys)), "z": _frozen(_as_f4(Z)),
        "zc": _frozen(_as_f4(zc)), "z_range": _z_range(Z), "log": bool(problem.log_color), "names": names,
        "dims": dims, "window": tuple(tuple(problem.window[d]) for d in dims),
        "minima": tuple((m[dims[0]], m[dims[1]]) for m in problem.minima) if problem.minima else ()})


def _z_range(Z: np.ndarray) -> tuple[float, float]:
    """The 3-D z axis: the surface's own range, padded (a diverged path cannot stretch it)."""
    z = Z[np.isfinite(Z)]
    lo, hi = (float(z.min()), float(z.max())) if z.size else (0.0, 1.0)
    pad = 0.04 * (hi - lo or 1.0)
    return float(f"{lo - pad:.4g}"), float(f"{hi + pad:.4g}")


def _coarse(grid: dict, stride: int) -> dict:
    """Every `stride`-th grid point (ends kept when n - 1 is a multiple of stride), for small panels."""
    return {**grid, "xs": grid["xs"][::stride], "ys": grid["ys"][::stride], "z": grid["z"][::stride, ::stride],
            "zc": grid["zc"][::stride, ::stride]}


# ----------------------------------------------------------------------------- payload
def keep_rows(traj: Trajectory, r: int, spans: np.ndarray, decimate: bool = True) -> np.ndarray:
    """Indices of the rows worth drawing for run r: the start, the last row and every row that moves a
    parameter by more than MOVE_TOL of the window, or the log of loss/η/lr by more than LOG_TOL of the
    decades that series spans (the y axes of those plots are logarithmic)."""
    last = traj.last_row(r)
    if not decimate or last < 2:
        return np.arange(last + 1)
    loss = traj.loss[: last + 1, r, None]
    cols = [traj.params[: last + 1, r] / (spans * MOVE_TOL),
            _log_scaled(loss) if _positive(loss) else _lin_scaled(loss), _log_scaled(traj.eta[: last + 1, r, None])]
    if traj.lr is not None:
        cols.append(_log_scaled(traj.lr[: last + 1, r]))
    F = np.nan_to_num(np.concatenate(cols, axis=1), nan=1e9).tolist()  # (K, m), threshold 1
    keep, ref = [0], F[0]
    for k in range(1, last):
        row = F[k]
        if max(abs(a - b) for a, b in zip(row, ref, strict=True)) > 1:
            keep.append(k)
            ref = row
    keep.append(last)
    return np.array(keep)


def _positive(a: np.ndarray) -> bool:
    """Every finite value above 0: a log scale shows them all (else the loss is sent and drawn linear)."""
    finite = a[np.isfinite(a)]
    return bool(finite.size == 0 or finite.min() > 0)


def _lin_scaled(a: np.ndarray) -> np.ndarray:
    """(K, m) values in units of LOG_TOL of the range the block spans (a loss that goes below 0)."""
    finite = a[np.isfinite(a)]
    span = float(finite.max() - finite.min()) if finite.size else 0.0
    return a / ((span or 1.0) * LOG_TOL)


def _log_scaled(a: np.ndarray) -> np.ndarray:
    """(K, m) log10 values in units of LOG_TOL of the decades the whole block spans."""
    logs = _log10(a)
    finite = logs[np.isfinite(logs)]
    span = max(float(finite.max() - finite.min()), 1.0) if finite.size else 1.0
    return logs / (span * LOG_TOL)


def run_rows(traj: Trajectory, r: int, rows: np.ndarray, offset: int = 0, spans=None) -> dict:
    """One packed block of run r at `rows` (step numbers shifted by `offset`, for Live chunks)."""
    out = {"n": int(len(rows)), "k": pack(rows + offset, "int"),
           "p": [pack(traj.params[rows, r, d], "lin", None if spans is None else spans[d])
                 for d in range(traj.params.shape[2])],
           "loss": pack(traj.loss[rows, r], "log" if _positive(traj.loss[: traj.last_row(r) + 1, r]) else "lin"),
           "eta": pack(traj.eta[rows, r], "log")}
    if traj.lr is not None and _adaptive(traj):
        out["lr"] = [pack(traj.lr[rows, r, d], "log") for d in range(traj.lr.shape[2])]
    return out


# ----------------------------------------------------------------------------- codec (mirrors descent.js)
Q = 65534  # uint16 levels; 65535 marks a missing value (NaN, or ≤ 0 on a log scale)


def pack(values, how: str, span: float | None = None) -> dict:
    """A series in few bytes. how: int (steps), lin (parameters), log (loss, η, lr: log10 is sent).

    Constant series -> {"c": v}; consecutive steps -> {"r0": k0}; else uint16 levels between lo and hi
    ({"lo", "hi", "q": base64}), or float32 ({"f4": base64}) for parameters that left the window far
    behind (a diverging run) where 65534 levels would blur the path inside the window."""
    a = np.asarray(values, dtype=float)
    if how == "int" and a.size and np.array_equal(a, a[0] + np.arange(a.size)):
        return {"r0": int(a[0])}
    if how == "log":
        a = _log10(a)
    finite = a[np.isfinite(a)]
    if finite.size == a.size and (a.size == 0 or finite.min() == finite.max()):
        return {"c": float(f"{finite[0]:.{SIG}g}") if a.size else 0.0, "log": how == "log"}
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if how == "lin" and span is not None and hi - lo > 20 * span:
        return {"f4": base64.b64encode(a.astype("<f4").tobytes()).decode()}
    hi = hi if hi > lo else lo + 1.0
    q = np.where(np.isfinite(a), np.round((np.nan_to_num(a, nan=lo) - lo) / (hi - lo) * Q), Q + 1)
    return {"lo": lo, "hi": hi, "q": base64.b64encode(q.astype("<u2").tobytes()).decode(), "log": how == "log"}


def unpack(block: dict, n: int) -> list:
    """Inverse of pack (None where a value is missing)."""
    if "r0" in block:
        return list(range(block["r0"], block["r0"] + n))
    if "c" in block:
        vals = np.full(n, block["c"], dtype=float)
    elif "f4" in block:
        vals = np.frombuffer(base64.b64decode(block["f4"]), dtype="<f4").astype(float)
    else:
        q = np.frombuffer(base64.b64decode(block["q"]), dtype="<u2").astype(float)
        vals = np.where(q > Q, np.nan, block["lo"] + q / Q * (block["hi"] - block["lo"]))
    if block.get("log"):
        vals = 10.0 ** vals
    return [float(v) if math.isfinite(v) else None for v in vals]


def decode_run(run: dict) -> dict:
    """A run's blocks as plain lists: k, p (per parameter), loss, eta, lr (per parameter, if sent)."""
    out: dict = {"k": [], "loss": [], "eta": [], "p": None, "lr": None}
    for b in run["blocks"]:
        n = b["n"]
        for key in ("k", "loss", "eta"):
            out[key] += unpack(b[key], n)
        for key in ("p", "lr"):
            if key in b:
                parts = [unpack(x, n) for x in b[key]]
                out[key] = parts if out[key] is None else [a + c for a, c in zip(out[key], parts, strict=True)]
    if out["lr"] is None:
        del out["lr"]
    out["e"] = [round(k) / run.get("upe", 1) for k in out["k"]]  # the epoch of each kept step (whole steps: D3)
    return out


def _adaptive(traj: Trajectory) -> bool:
    from optimizers import OPTIMIZERS
    return bool(OPTIMIZERS[traj.optimizer].adaptive)


def run_payload(traj: Trajectory, r: int, opt: int, spans: np.ndarray, decimate: bool = True) -> dict:
    rows = keep_rows(traj, r, spans, decimate)
    label = run_name(traj.label, None if traj.runs == 1 else r)
    return {"opt": opt, "r": r, "label": label, "spec": traj.label, "color": theme.color(opt), "upe": per_epoch(traj),
            "div": int(traj.diverged_at[r]), "msg": traj.divergence_message(r), "changes": [],
            "lr": traj.lr is not None and _adaptive(traj), "blocks": [run_rows(traj, r, rows, spans=spans)],
            "cloud": traj.runs > 1}  # one of several starts: drawn thin, with its end point


def per_epoch(traj: Trajectory) -> int:
    """Updates per epoch of a run (1 for full batch, N for stochastic, ⌈N/K⌉ for mini-batches of K): its
    trajectory's epoch column counts up by 1 / per_epoch a row."""
    return max(1, round(1 / (traj.epoch[1] - traj.epoch[0]))) if len(traj.epoch) > 1 else 1


def payload(trajs: list[Trajectory], problem_id: str | Problem, dims=(0, 1), decimate: bool = True) -> dict:
    """Everything the browser needs to draw and play the trajectories."""
    problem = _problem(problem_id)
    spans = np.array([hi - lo for lo, hi in problem.window], dtype=float)
    runs = [run_payload(t, r, i, spans, decimate) for i, t in enumerate(trajs) for r in range(t.runs)]
    out = {"runs": runs, "names": list(problem.param_names), "dims": [int(d) for d in dims][: problem.dim],
           "log": bool(problem.log_color), "data": fit_data(problem)}
    return out


def fit_data(problem) -> dict | None:
    """Data points for the model-fit panel of sigmoid problems (None for analytic surfaces)."""
    X = getattr(problem, "X", None)
    if X is None:
        return None
    if X.shape[1] == 1:
        lo, hi = float(X.min()), float(X.max())
        pad = max(1.0, 0.15 * (hi - lo))
        return {"X": rounded(X[:, 0]), "Y": rounded(problem.Y), "xs": rounded(np.linspace(lo - pad, hi + pad, 80))}
    return {"X": [rounded(row) for row in X], "Y": rounded(problem.Y)}


# ----------------------------------------------------------------------------- fill (mirrors descent.js)
def field(run: dict, name: str) -> list:
    head, _, d = name.partition(".")
    return run[head][int(d)] if d else run[head]


def index_at(k: list[int], step: int | None) -> int:
    """Last kept index whose step is ≤ step (the last index for step None)."""
    if step is None:
        return len(k) - 1
    lo, hi = 0, len(k) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if k[mid] <= step:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _rows_for(meta: dict, run: dict, idx: int) -> list[int]:
    at = meta["at"]
    n = len(run["k"])
    if at == "all":
        return list(range(n))
    if at == "upto":
        return list(range(idx + 1))
    if at == "cur":
        return [idx]
    if at == "first":
        return [0]
    if at == "div":
        return [n - 1] if run["div"] >= 0 else []
    if at == "chg":
        return [index_at(run["k"], s) for s in run["changes"]]
    return []


def _pick(values: list, rows: list[int], log: bool = False) -> list:
    out = [values[i] for i in rows]
    if log:
        out = [math.log10(v) if v is not None and v > 0 else None for v in out]
    return out


def fill(trace: dict, pl: dict, step: int | None = None) -> dict:
    """Set x/y(/z) of a trajectory trace from the payload at playback step `step` (None = the end)."""
    meta = trace.get("meta") or {}
    if "run" not in meta or meta["run"] >= len(pl["runs"]):
        return trace
    runs = pl.get("decoded")
    run = runs[meta["run"]] if runs else {**pl["runs"][meta["run"]], **decode_run(pl["runs"][meta["run"]])}
    idx = index_at(run["k"], step)
    if meta["at"] == "fit":
        trace.update(_fit_xy(run, idx, pl["data"]))
        return trace
    rows = _rows_for(meta, run, idx)
    trace["x"] = _pick(field(run, meta["x"]), rows)
    trace["y"] = _pick(field(run, meta["y"]), rows, meta.get("ylog", False))
    if meta.get("z"):
        trace["z"] = _pick(field(run, meta["z"]), rows, meta.get("zlog", False))
    if meta.get("c"):  # the step of each point, for a click on an epoch axis (layouts/callbacks.py: inspect)
        trace["customdata"] = _pick(field(run, meta["c"]), rows)
    if meta.get("legend"):
        trace["name"] = run["label"] + meta.get("suffix", "")
    if meta.get("pin") and trace["x"]:
        _pin(trace, meta, run)
    return trace


def _pin(trace: dict, meta: dict, run: dict) -> None:
    """Pin a divergence marker that left the view box to the box's edge, an arrow the way the run went
    (assets/descent.js: pin)."""
    moved = []
    for key, (lo, hi) in zip("xyz", meta["pin"], strict=False):
        v = trace[key][0]
        c = hi if v is None else min(max(v, lo), hi)
        moved.append(1.0 if v is None else (v - c) / (hi - lo))
        trace[key] = [c]
    pinned = any(m != 0 for m in moved)
    mx, my = moved[0], moved[1]
    if meta.get("arrow"):
        arrow = pinned and (mx != 0 or my != 0)
        trace["marker"] = {**trace.get("marker", {}), "symbol": ["arrow" if arrow else "x"],
                           "angle": [round(math.degrees(math.atan2(mx, my))) if arrow else 0]}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def _fit_xy(run: dict, idx: int, data: dict) -> dict:
    theta = [p[idx] for p in run["p"]]
    if any(v is None for v in theta):
        return {"x": [], "y": []}
    if "xs" in data:
        w, b = theta
        return {"x": data["xs"], "y": [_sigmoid(w * x + b) for x in data["xs"]]}
    w, b = theta[:-1], theta[-1]
    pred = [_sigmoid(sum(wi * xi for wi, xi in zip(w, row, strict=True)) + b) for row in data["X"]]
    return {"x": data["Y"], "y": pred}


# ----------------------------------------------------------------------------- divergence list (mirrors descent.js)
DIV_LINES = 6  # runs a map's divergence list names; the rest are counted ("… and 3 more")
CORNERS = ((0, 1), (1, 1), (0, 0), (1, 0))  # the list's corner (x, y in the plot's fractions), in order of preference
DIV_NOTE = "dl-div"  # the list's annotation name; a side-by-side panel's is "dl-div:<run>"


def _div_end(run: dict, dims, box) -> tuple[tuple[float, float] | None, bool]:
    """Where a diverged run's marker sits, as fractions of the view box (None without a box: a 1-parameter
    curve), and whether the run left the box (its marker is pinned to the edge: _pin)."""
    if box is None:
        return None, False
    out, left = [], False
    for d, (lo, hi) in zip(dims, box, strict=False):
        v = run["p"][d][-1]
        c = hi if v is None else min(max(v, lo), hi)
        left = left or v is None or c != v
        out.append((c - lo) / (hi - lo))
    return (out[0], out[1]), left


def _corner(points: list) -> tuple[int, int]:
    """The corner farthest (in the larger of the two fractions) from the nearest marker."""
    def room(c):
        return min((max(abs(p[0] - c[0]), abs(p[1] - c[1])) for p in points), default=1.0)
    return max(CORNERS, key=room)  # max keeps the first of equals: CORNERS' order


def divergence_note(pl: dict, grid: dict, only: int | None = None, axes: str = "") -> dict:
    """The annotation naming a map's diverged runs, one line each ("✕ GD (η=2) → step 7": → when the run left
    the map, "at" when it stopped inside), in the plot's corner farthest from their markers; hidden when none
    diverged. One block of text: labels of runs that diverged close together can never overlap (D9).
    `only`: the run of one side-by-side panel (`axes`: that panel's axis suffix); assets/descent.js: divNote."""
    runs = decoded(pl)["decoded"]
    box = grid["window"] if grid["dim"] > 1 else None
    picked = [j for j in (range(len(runs)) if only is None else [only]) if runs[j]["div"] >= 0]
    lines, points = [], []
    for j in picked:
        at, left = _div_end(runs[j], grid["dims"], box)
        points += [at] if at else []
        words = f"{'→' if left else 'at'} step {runs[j]['div']}"
        if only is not None:
            lines.extend(["diverged", words])  # two short lines: a panel is narrow
        elif len(lines) < DIV_LINES:
            lines.append(f'<span style="color:{runs[j]["color"]}">✕</span> {runs[j]["label"]} {words}')
    if only is None and lines:
        more = len(picked) - len(lines)
        lines = ["<b>diverged</b>", *lines] + ([f"… and {more} more (see the table)"] if more > 0 else [])
    cx, cy = _corner(points) if box is not None else (1, 1)
    ref = ("paper", "paper") if only is None else (f"x{axes} domain", f"y{axes} domain")
    return {"name": DIV_NOTE if only is None else f"{DIV_NOTE}:{only}", "text": "<br>".join(lines) or " ",
            "visible": bool(lines), "showarrow": False, "align": "left", "x": cx, "y": cy, "xref": ref[0],
            "yref": ref[1], "xanchor": "left" if cx == 0 else "right", "yanchor": "top" if cy == 1 else "bottom",
            "bgcolor": "rgba(255,255,255,0.88)", "bordercolor": theme.DIVERGED, "borderwidth": 1, "borderpad": 4,
            "font": {"size": theme.FONT_SIZE - 1}}


def decoded(pl: dict) -> dict:
    """The payload with its runs decoded once for the server's own filling (`decoded`: values rounded to SIG
    digits, steps as integers). Not for the browser: send `pl` itself."""
    if "decoded" in pl:
        return pl
    runs = []
    for run in pl["runs"]:
        d = decode_run(run)
        plain = {**run, "blocks": [], "k": [round(k) for k in d["k"]], "e": rounded(d["e"]), "loss": rounded(d["loss"]),
                 "eta": rounded(d["eta"]), "p": [rounded(p) for p in d["p"] or []]}
        if "lr" in d:
            plain["lr"] = [rounded(a) for a in d["lr"]]
        runs.append(plain)
    return {**pl, "decoded": runs}


def filled(fig: dict, pl: dict, step: int | None = None) -> dict:
    """The figure with every trajectory trace computed from the payload (in place; returns fig)."""
    pl = decoded(pl)
    for trace in fig["data"]:
        if "meta" in trace:
            fill(trace, pl, step)
    return fig


# ----------------------------------------------------------------------------- builders
def figure(data: list, **layout) -> dict:
    """A figure dict with the page's template."""
    return {"data": data, "layout": {"template": theme.template(), **layout}}


def _title(text: str) -> dict:
    return {"title": {"text": text}}


def _axis_title(grid: dict, d: int) -> str:
    return grid["names"][grid["dims"][d]]


def _zt(grid: dict) -> str:
    return "log₁₀ L" if grid["log"] else "L"


def _tag(grid: dict) -> str:
    """The part of a uirevision that names the view (a new problem or slice resets zoom and camera)."""
    return f"{list(grid['names'])}-{list(grid['dims'])}"


def _runs_layout(n: int) -> tuple[int, int]:
    """Rows and columns of small multiples: as square as possible (4 → 2×2, 5–6 → 2×3)."""
    cols = min(max(math.ceil(math.sqrt(max(n, 1))), 1), MAX_COLS)
    if n <= MAX_COLS and n <= 3:
        cols = max(n, 1)
    return math.ceil(max(n, 1) / cols), cols


def _cells(rows: int, cols: int, h: float, v: float) -> list[tuple[list, list]]:
    """Paper domains ([x0, x1], [y0, y1]) of a rows × cols grid of panels, row by row from the top, with
    spacings h and v (plotly.subplots.make_subplots' geometry)."""
    w, ht = (1 - h * (cols - 1)) / cols, (1 - v * (rows - 1)) / rows
    at = lambda a: min(max(round(a, 12), 0.0), 1.0)  # not -5.6e-17 from rounding: Plotly wants [0, 1]
    return [([at(c * (w + h)), at(c * (w + h) + w)], [at(1 - r * (ht + v) - ht), at(1 - r * (ht + v))])
            for r in range(rows) for c in range(cols)]


def _panel_names(runs: list[dict], cols: int) -> list[str]:
    """Small-multiple titles: one line ("Momentum (η=1, γ=0.9)") up to two columns, wrapped beyond (narrow panels);
    from the spec, so a title follows the run's settings."""
    return [run_name(r["spec"]) if cols <= 2 else short_label(r["spec"]) for r in runs]


def _panel_titles(cells: list, titles: list[str]) -> list[dict]:
    return [{"font": {"size": theme.FONT_SIZE}, "showarrow": False, "text": t, "x": (xd[0] + xd[1]) / 2,
             "xanchor": "center", "xref": "paper", "y": yd[1], "yanchor": "bottom", "yref": "paper"}
            for t, (xd, yd) in zip(titles, cells, strict=False)]


def _suffix(i: int) -> str:
    return "" if i == 0 else str(i + 1)


def _shared_axes(rows: int, cols: int, cells: list, window) -> dict:
    """2-D axes of a panel grid: x shared per column (tick labels on the bottom row), y per row (first column)."""
    out = {}
    for i, (xd, yd) in enumerate(cells):
        r, c, s = i // cols, i % cols, _suffix(i)
        x = {"anchor": f"y{s}", "domain": xd, "range": list(window[0])}
        y = {"anchor": f"x{s}", "domain": yd, "range": list(window[1])}
        if r < rows - 1:
            x.update(matches=f"x{_suffix((rows - 1) * cols + c)}", showticklabels=False)
        if c > 0:
            y.update(matches=f"y{_suffix(r * cols)}", showticklabels=False)
        out[f"xaxis{s}"], out[f"yaxis{s}"] = x, y
    return out


def _path_traces(j: int, run: dict, grid: dict, three_d: bool, legend: bool, on: dict | None = None) -> list[dict]:
    """Ghost of the whole path, the path so far, the current-step marker, start and divergence
    (`on`: the subplot axes or scene of a side-by-side panel)."""
    dx, dy = (f"p.{grid['dims'][0]}", f"p.{grid['dims'][1]}") if grid["dim"] > 1 else ("p.0", "loss")
    base = {"x": dx, "y": dy, "run": j}
    pin = {"pin": _view_box(grid, three_d), "arrow": not three_d} if grid["dim"] > 1 else {}
    if three_d:
        base.update(z="loss")
    c, name = run["color"], run["label"]
    common = {"type": "scatter3d" if three_d else "scatter", "legendgroup": f"run{j}", **(on or {})}
    width = (6 if three_d else 3) / (3 if run.get("cloud") else 1)
    size = (7 if three_d else 13) - (4 if run.get("cloud") else 0)
    return [
        {**common, "mode": "lines", "line": {"color": c, "width": width / 2}, "opacity": 0.35, "hoverinfo": "skip",
         "showlegend": False, "meta": {**base, "at": "all"}},
        {**common, "mode": "lines", "line": {"color": c, "width": width}, "name": name, "showlegend": legend,
         "meta": {**base, "at": "upto", "legend": True}},
        {**common, "mode": "markers", "marker": {"color": c, "line": {"color": "#000", "width": 2}, "size": size},
         "showlegend": False, "name": name, "hovertemplate": "%{fullData.name}<extra>current step</extra>",
         "meta": {**base, "at": "cur", "legend": True}},
        {**common, "mode": "markers", "marker": {"color": "#fff", "line": {"color": c, "width": 3}, "symbol": "circle",
                                                 "size": size - 2},
         "showlegend": False, "hovertemplate": "start<extra></extra>", "meta": {**base, "at": "first"}},
        # 3-D: a diamond (WebGL draws "x" as a glyph its font lacks: an empty rectangle, D9). No text beside it:
        # several runs' labels piled up (D9); the map's divergence list names them (divergence_note)
        {**common, "mode": "markers", "marker": {"color": c, "symbol": "diamond" if three_d else "x", "size": size + 6,
                                                 "line": {"color": theme.DIVERGED, "width": 2.5}},
         "showlegend": False, "hovertemplate": f"{name}: {run['msg'] or 'diverged'}<extra></extra>",
         "meta": {**base, "at": "div", **pin}, **({} if three_d else {"cliponaxis": False})},
        {**common, "mode": "markers", "marker": {"color": "#FFD700", "symbol": "diamond", "size": size + 2,
                                                 "line": {"color": "#000", "width": 2}},
         "showlegend": False, "hovertemplate": "η changed here (Live)<extra></extra>", "meta": {**base, "at": "chg"}},
    ]


def _view_box(grid: dict, three_d: bool) -> list:
    """The plotted window [[x0, x1], [y0, y1](, [z0, z1])]: a 3-D scene keeps the surface's own z range, so a
    diverged path (loss 1e6 and more) cannot stretch the z axis and flatten the surface."""
    box = [list(grid["window"][0]), list(grid["window"][1])]
    return box + [list(grid["z_range"])] if three_d else box


SHORT_NAMES = {"gd": "GD", "nag": "NAG", "qhm": "QHM"}  # legends: the rest use the optimizer's own name


def run_parts(spec_text: str) -> tuple[str, list[str]]:
    """A spec as a reader names it: ("Adam", ["η=0.1", "β₁=0.9"]) for "adam:eta=0.1,beta1=0.9" — the
    course's symbols for the values the spec sets, then the schedule's and batch mode's names."""
    try:
        spec = parse_spec(spec_text)
    except SpecError:
        return spec_text, []
    opt = spec.optimizer
    parts = []
    for h in opt.hypers:
        if h.name not in spec.hp:
            continue
        v = spec.hp[h.name]
        if h.kind == "bool":
            parts.append(f"{h.symbol} {'on' if v else 'off'}")
        elif h.kind == "choice":
            parts.append(f"{h.symbol} {v}")
        else:  # β₂ = 0.9995 keeps its nines (0.9995 is not 0.9999 or 1)
            parts.append(f"{h.symbol}={float(v):.{6 if h.slider_scale == 'near1' else 4}g}")
    if spec.schedule is not None and spec.schedule.id != "constant":
        parts.append(spec.schedule.id)
    if spec.batch and spec.batch != "full":
        parts.append(spec.batch.replace(":", " "))
    return SHORT_NAMES.get(opt.id, opt.name), parts


def run_name(spec_text: str, run: int | None = None) -> str:
    """Legend and table name of a run: "Adam (η=0.1, β₁=0.9)", "… #2" for the second of several starts."""
    name, parts = run_parts(spec_text)
    text = f"{name} ({', '.join(parts)})" if parts else name
    return text if run is None else f"{text} #{run + 1}"


def short_label(label: str, width: int = 16) -> str:
    """A run's name for a small panel title: the optimizer on its own line, its settings wrapped at commas
    ("momentum:eta=1,gamma=0.9" -> "Momentum<br>η=1, γ=0.9")."""
    head, parts = run_parts(label)
    lines, line = [head], ""
    for part in parts:
        if line and len(line) + len(part) + 2 > width:
            lines.append(line)
            line = part
        else:
            line = f"{line}, {part}" if line else part
    return "<br>".join(lines + [line] if line else lines)


def _surface_trace(grid: dict, showscale: bool, on: dict | None = None) -> dict:
    trace = {"type": "surface", "x": list(grid["xs"]), "y": list(grid["ys"]), "z": typed(grid["z"]),
             "colorscale": theme.SURFACE_SCALE, "showscale": showscale, "opacity": 0.92,
             "hovertemplate": "%{x:.3g}, %{y:.3g}<br>L = %{z:.4g}<extra></extra>",
             "contours": {"z": {"show": True, "usecolormap": False, "color": "#555", "width": 1,
                                "project": {"z": False}}}, **(on or {})}
    if grid["log"]:  # otherwise the colour is z itself, Plotly's default
        trace["surfacecolor"] = typed(grid["zc"])
    return trace


def _contour_trace(grid: dict, showscale: bool, on: dict | None = None) -> dict:
    return {"type": "contour", "x": list(grid["xs"]), "y": list(grid["ys"]), "z": typed(grid["zc"]),
            "colorscale": theme.SURFACE_SCALE, "ncontours": 22, "showscale": showscale,
            "line": {"color": "#444", "width": 1},
            "hovertemplate": "click to start here: (%{x:.3g}, %{y:.3g})<extra></extra>",
            "colorbar": {"title": {"text": _zt(grid)}, "thickness": 14},
            "contours": {"coloring": "heatmap", "showlines": True}, **(on or {})}


def _minima_traces(grid: dict, legend: bool = True, on: dict | None = None) -> list[dict]:
    pts = grid.get("minima") or []
    if not pts:
        return []
    return [{"type": "scatter", "x": [p[0] for p in pts], "y": [p[1] for p in pts], "mode": "markers",
             "name": "minimum", "marker": {"symbol": "star", "size": 16, "color": "#FFD700",
                                           "line": {"color": "#000", "width": 1.5}},
             "hovertemplate": "minimum (%{x:.3g}, %{y:.3g})<extra></extra>",
             **({} if legend else {"showlegend": False}), **(on or {})}]


def _curve_figure(grid: dict, pl: dict, step: int | None) -> dict:
    """1-parameter problems: the loss curve L(θ) with the paths on it."""
    curve = {"type": "scatter", "x": list(grid["xs"]), "y": rounded(grid["z"]), "mode": "lines",
             "line": {"color": "#333", "width": 2}, "name": "L(θ)", "hoverinfo": "skip"}
    paths = [tr for j, run in enumerate(pl["runs"]) for tr in _path_traces(j, run, grid, three_d=False, legend=True)]
    fig = figure([curve, *paths], xaxis=_title(grid["names"][0]), yaxis=_title("L"),
                 annotations=[divergence_note(pl, grid)], uirevision=f"curve-{list(grid['names'])}")
    return filled(fig, pl, step)


def surface_figure(grid: dict, pl: dict, mode: str = "overlay", step: int | None = None) -> dict:
    """3-D loss surface with the trajectories (small multiples, one per run, in side-by-side mode)."""
    if grid["dim"] == 1:
        return _curve_figure(grid, pl, step)
    runs = pl["runs"]
    scene = {"xaxis": {**_title(_axis_title(grid, 0)), "range": list(grid["window"][0])},
             "yaxis": {**_title(_axis_title(grid, 1)), "range": list(grid["window"][1])},
             "zaxis": {**_title("L"), "range": list(grid["z_range"])},
             "camera": {"eye": {"x": -1.5, "y": -1.5, "z": 1.1}}, "aspectmode": "cube"}
    side = mode == "side" and len(runs) > 1
    common = {"margin": {"l": 0, "r": 0, "t": 52 if mode == "side" else 30, "b": 0}, "showlegend": False,
              "uirevision": f"surface-{_tag(grid)}-{mode}"}
    if not side:
        data = [_surface_trace(grid, showscale=False)]
        data += [tr for j, run in enumerate(runs) for tr in _path_traces(j, run, grid, three_d=True, legend=False)]
        return filled(figure(data, scene=scene, **common), pl, step)
    rows, cols = _runs_layout(len(runs))
    cells = _cells(rows, cols, 0.02, 0.12 if rows > 1 else 0.06)  # room for the lower row's titles
    panel = _coarse(grid, SIDE_STRIDE) if rows * cols >= 4 else grid  # small panels: a quarter of the points
    data, scenes = [], {}
    for j, run in enumerate(runs):
        on = {"scene": f"scene{_suffix(j)}"}
        data.append(_surface_trace(panel, showscale=False, on=on))
        data += _path_traces(j, run, grid, three_d=True, legend=False, on=on)
    for i, (xd, yd) in enumerate(cells):
        scenes[f"scene{_suffix(i)}"] = {"domain": {"x": xd, "y": yd}, **scene}
    fig = figure(data, **scenes, annotations=_panel_titles(cells, _panel_names(runs, cols)),
                 **common)
    return filled(fig, pl, step)


def contour_figure(grid: dict, pl: dict, mode: str = "overlay", step: int | None = None) -> dict:
    """Contour map with the trajectories; click sets the start. Side-by-side: one panel per run."""
    if grid["dim"] == 1:
        return step_figure(pl, "params", step)
    runs = pl["runs"]
    # legend in one compact row above the map: inside it would block clicks that set the start
    common = {"clickmode": "event",
              "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left",
                         "font": {"size": theme.FONT_SIZE - 1}, "itemwidth": 30, "borderwidth": 0},
              "margin": {"l": 60, "r": 10, "t": 50 if mode != "side" else 56, "b": 50},
              "uirevision": f"contour-{_tag(grid)}-{mode}"}
    if not (mode == "side" and len(runs) > 1):
        named = [run.get("r", 0) == 0 for run in runs]  # one legend entry per optimizer, not per start
        legend = sum(named) <= LEGEND_MAX  # more would push the map down: the table names them instead
        data = [_contour_trace(grid, showscale=True), *_minima_traces(grid, legend=legend)]
        data += [tr for j, run in enumerate(runs)
                 for tr in _path_traces(j, run, grid, three_d=False, legend=legend and named[j])]
        note = [] if legend else [{"text": f"{sum(named)} optimizers: the comparison table names each colour",
                                   "showarrow": False, "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                                   "xref": "paper", "yref": "paper", "font": {"size": theme.FONT_SIZE - 1}}]
        fig = figure(data, xaxis={"range": list(grid["window"][0]), **_title(_axis_title(grid, 0))},
                     yaxis={"range": list(grid["window"][1]), **_title(_axis_title(grid, 1))},
                     annotations=[*note, divergence_note(pl, grid)], **common)
        return filled(fig, pl, step)
    rows, cols = _runs_layout(len(runs))
    cells = _cells(rows, cols, 0.03, 0.13 if rows > 1 else 0.08)
    data = []
    for j, run in enumerate(runs):
        on = {"xaxis": f"x{_suffix(j)}", "yaxis": f"y{_suffix(j)}"}
        data += [_contour_trace(grid, showscale=False, on=on), *_minima_traces(grid, legend=False, on=on)]
        data += _path_traces(j, run, grid, three_d=False, legend=False, on=on)
    notes = [divergence_note(pl, grid, only=j, axes=_suffix(j)) for j in range(len(runs))]
    fig = figure(data, **_shared_axes(rows, cols, cells, grid["window"]),
                 annotations=_panel_titles(cells, _panel_names(runs, cols)) + notes, **common)
    return filled(fig, pl, step)


STEP_PLOTS = {
    "loss": ("loss L (log scale)", True),
    "eta": ("η (dashed: effective lr)", True),
    "params": ("parameters θ", False),
}
DASHES = ("dash", "dot", "dashdot", "longdash", "longdashdot")


def _series(which: str, run: dict, names: list[str]) -> list[tuple[str, str, str]]:
    """(payload field, suffix of the run's name, dash) of each line a run draws on a step plot."""
    if which == "loss":
        return [("loss", "", "solid")]
    if which == "eta":
        return [("eta", ": η", "solid")] + \
            [(f"lr.{d}", f": lr {n}", DASHES[d % 5]) for d, n in enumerate(names) if run["lr"]]
    styles = ("solid", *DASHES)
    return [(f"p.{d}", f": {n}", styles[d % len(styles)]) for d, n in enumerate(names)]


X_AXES = {"step": ("k", "step", "step %{x}"), "epoch": ("e", "epoch", "epoch %{x:.4g} (step %{customdata})")}


def step_figure(pl: dict, which: str, step: int | None = None, x_axis: str = "step") -> dict:
    """Loss, η (+ effective per-parameter learning rate) or parameters against the step, or against the epoch
    (`x_axis`: a scenario's hint; each run's updates per epoch from its batch mode, so the runs line up by
    passes over the data)."""
    x, x_title, x_hover = X_AXES.get(x_axis, X_AXES["step"])
    at_x = {"x": x, **({"c": "k"} if x != "k" else {})}
    title, log_y = STEP_PLOTS[which]
    if which == "loss" and not all(v is None or v > 0 for run in decoded(pl)["decoded"] for v in run["loss"]):
        title, log_y = "loss L (linear scale: L ≤ 0 occurs)", False  # a log axis would drop those points
    data = []
    for j, run in enumerate(pl["runs"]):
        c, group = run["color"], f"run{j}"
        for f, suffix, dash in _series(which, run, pl["names"]):
            data.append({"type": "scatter", "mode": "lines", "line": {"color": c, "width": 2.5, "dash": dash},
                         "name": run["label"] + suffix, "legendgroup": group,
                         "meta": {"run": j, "at": "all", **at_x, "y": f, "legend": True, "suffix": suffix},
                         "hovertemplate": f"%{{fullData.name}}<br>{x_hover}: %{{y:.4g}}<extra></extra>"})
            data.append({"type": "scatter", "mode": "markers",
                         "marker": {"color": c, "size": 10, "line": {"color": "#000", "width": 1.5}},
                         "showlegend": False, "legendgroup": group, "hoverinfo": "skip",
                         "meta": {"run": j, "at": "cur", **at_x, "y": f}})
        if run["div"] >= 0 and which == "loss":
            data.append({"type": "scatter", "mode": "markers",
                         "marker": {"color": theme.DIVERGED, "symbol": "x", "size": 16}, "showlegend": False,
                         "hovertemplate": run["msg"] + "<extra></extra>",
                         "meta": {"run": j, "at": "div", **at_x, "y": "loss"}})
    fig = figure(data, xaxis=_title(x_title), showlegend=False,
                 title={"text": title, "font": {"size": 15}, "x": 0.01, "xanchor": "left", "y": 0.98},
                 yaxis={"type": "log" if log_y else "linear", "exponentformat": "power"},  # 10⁻⁶, never µ
                 hovermode="closest", clickmode="event", margin={"l": 60, "r": 10, "t": 32, "b": 45},
                 uirevision=f"{which}-{pl['names']}-{log_y}-{x_axis}")
    return filled(fig, pl, step)


def step_click(click):
    """A click on a step plot with its x as the step: on an epoch axis the step is the point's customdata (a
    number, or the click is left as it came; scenarios.schema.click_point checks what the browser sent)."""
    points = click.get("points") if isinstance(click, dict) else None
    point = points[0] if isinstance(points, list) and points and isinstance(points[0], dict) else None
    step = point.get("customdata") if point else None
    if type(step) not in (int, float):
        return click
    return {**click, "points": [{**point, "x": step}, *points[1:]]}


def fit_figure(pl: dict, step: int | None = None) -> dict:
    """Model fit for sigmoid problems: the data and σ(wx+b) at the current step (4-d: predicted vs target)."""
    data = pl.get("data")
    if data is None:
        return figure([], annotations=[{"text": "model fit:<br>only for the<br>sigmoid problems", "showarrow": False,
                                        "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                                        "font": {"size": theme.FONT_SIZE}}],  # on two lines it was cut (D9)
                      xaxis={"visible": False}, yaxis={"visible": False})
    one_d = "xs" in data
    if one_d:
        traces = [{"type": "scatter", "x": data["X"], "y": data["Y"], "mode": "markers", "name": "data (x, y)",
                   "marker": {"color": "#000", "size": 12, "symbol": "circle-open", "line": {"width": 3}}}]
    else:
        traces = [{"type": "scatter", "x": [0, 1], "y": [0, 1], "mode": "lines", "name": "perfect fit",
                   "line": {"color": "#777", "dash": "dot"}}]
    traces += [{"type": "scatter", "mode": "lines" if one_d else "markers", "name": run["label"],
                "line": {"color": run["color"], "width": 3}, "marker": {"color": run["color"], "size": 8},
                "meta": {"run": j, "at": "fit", "legend": True}} for j, run in enumerate(pl["runs"])]
    fig = figure(traces, margin={"l": 60, "r": 10, "t": 32, "b": 45},
                 title={"text": "model fit σ(w·x + b)", "font": {"size": 15}, "x": 0.01, "y": 0.98},
                 xaxis=_title("x" if one_d else "target y"), yaxis={**_title("prediction"), "range": [-0.05, 1.05]},
                 showlegend=False, uirevision=f"fit-{pl['names']}")
    return filled(fig, pl, step)


def sparkline_rows(values, most: int = PREVIEW_POINTS) -> np.ndarray:
    """Indices worth drawing of a series over the steps in a small plot: all of them up to `most`; else the
    corners of a piecewise-linear series (the ends and every step where the slope changes: exact for step,
    triangular and warm-up schedules), and if those are still more than `most`, the first, lowest and highest
    of each of most/3 equal runs of steps (a line thinner than a pixel per run looks the same)."""
    v = np.nan_to_num(np.asarray(values, dtype=float))
    n = v.size
    if n <= most:
        return np.arange(n)
    scale = float(np.max(np.abs(v))) or 1.0
    corners = np.flatnonzero(np.abs(np.diff(v, 2)) > 1e-9 * scale) + 1
    keep = np.unique(np.concatenate([[0, n - 1], corners]))
    if keep.size <= most:
        return keep
    runs = np.array_split(np.arange(n), most // 3)
    picks = [[r[0], r[np.argmin(v[r])], r[np.argmax(v[r])]] for r in runs]
    return np.unique(np.concatenate([[n - 1], np.ravel(picks)]))


def preview_figure(values, title: str = "η over the steps") -> dict:
    """The small η_t preview beside a schedule picker (at most PREVIEW_POINTS points of the line)."""
    values = np.asarray(values, dtype=float)
    rows = sparkline_rows(values)
    trace = {"type": "scatter", "y": rounded(values[rows], 4), "mode": "lines",
             "line": {"color": "#0072B2", "width": 2}, "hovertemplate": "step %{x}: η=%{y:.3g}<extra></extra>"}
    if rows.size < values.size:
        trace["x"] = rows.tolist()
    return figure([trace], height=110, margin={"l": 50, "r": 5, "t": 22, "b": 25},
                  title={"text": title, "font": {"size": 14}, "x": 0.02, "y": 0.97},
                  font={"size": 14}, xaxis={"showgrid": False}, yaxis={"nticks": 3})


def schedule_preview(settings: dict, text: str, problem) -> dict:
    """The η_t preview of one optimizer's spec over the settings' steps (drawn with the control panel, so a
    schedule picked from the list or loaded with a scenario shows at once)."""
    spec = parse_spec(text)
    eta0 = spec.hp.get("eta", spec.optimizer.hyper("eta").default_for(settings["convention"]))
    per_epoch = parse_batching(spec.batch or "full").updates_per_epoch(problem.n_points)
    sched = spec.schedule
    steps = max(settings["steps"], 1)
    values = sched.preview(eta0, steps, per_epoch) if sched is not None else np.full(steps, eta0)
    return preview_figure(values, f"η over {steps} steps" + (f" ({sched.id})" if sched else ""))


def all_figures(grid: dict, pl: dict, mode: str = "overlay", x_axis: str = "step") -> dict[str, dict]:
    """The page's six figures, keyed like layouts.ids.FIGURES' names (the payload decoded once for all);
    `x_axis`: the step plots' x (scenarios.settings.VIEW_X_AXES)."""
    pl = decoded(pl)
    return {"surface": surface_figure(grid, pl, mode), "contour": contour_figure(grid, pl, mode),
            "loss": step_figure(pl, "loss", x_axis=x_axis), "eta": step_figure(pl, "eta", x_axis=x_axis),
            "params": step_figure(pl, "params", x_axis=x_axis), "fit": fit_figure(pl)}
