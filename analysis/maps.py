"""Sweeps, hyperparameter maps and basin maps: many runs in ONE batched engine call (DESIGN.md §7).

A sweep turns each cell of a 1-D or 2-D hyperparameter grid into one run (hyperparameters and
schedule parameters as (R,) arrays); a basin map turns each point of an N×N grid of starts into one
run (starts as rows of P). The engine is called with `record=False` and a `Summary` as its `on_row`
hook, so memory is O(R·D) whatever the number of steps: only what the views need is kept — final
params and loss, the lowest loss, the first step at or below the target, and the divergence step.
`progress(done, total)` is called at most every `PROGRESS_EVERY` seconds (and at the end); it may raise
to cancel the work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizers import MAX_STEPS, SpecError, parse_batching, parse_spec, run_spec
from optimizers.engine import MAX_WORK, Problem
from optimizers.spec import RunSpec

from .grid import MAX_BASIN, Axis, cell_values, check_axes, spec_text, with_values

Array = np.ndarray
TARGET_TOL = 1e-4  # default target: the best known minimum's loss + 1e-4
MINIMUM_TOL = 1e-3  # a final point within 1e-3 × the window's diagonal of a known minimum "reached" it
PROGRESS_EVERY = 0.1  # seconds between progress reports (the page polls every 0.2 s)
Progress = Callable[[int, int], None]


class Summary:
    """The engine's on_row hook: running per-run summary of R runs (no trajectory kept).

    A run's values freeze at its divergence row, as `Trajectory.final_*` do (later rows are no data).
    Per row: one reduction for the divergence check, one pass for the lowest loss, and one compare into
    a kept buffer for the first hit of the target (no arrays allocated unless a run diverged or reached
    the target at this row). Rows are not kept: holding the engine's arrays for later would stop NumPy
    from reusing their (cached) memory, which costs more than the passes it saves.
    """

    def __init__(self, R: int, D: int, steps: int, target: float, progress: Progress | None = None):
        self.steps, self.target, self.progress = steps, target, progress
        self.final_params = np.full((R, D), np.nan)  # (R, D) of runs that diverged, frozen
        self.final_loss = np.full(R, np.nan)
        self.min_loss = np.full(R, np.nan)  # (R,) lowest loss up to the last recorded row
        self.hit = np.full(R, -1)  # (R,) first row with loss ≤ target, -1 if none
        self.unhit = np.ones(R, bool)  # (R,) hit < 0, kept rather than recomputed every row
        self.diverged_at = np.full(R, -1)
        self.last_P: Array | None = None
        self.last_loss: Array | None = None
        self.frozen = np.zeros(R, bool)
        self.any_frozen = False
        self.below = np.empty(R, bool)  # this row's loss ≤ target, for runs not there before
        self.next_report = time.monotonic() + PROGRESS_EVERY

    def __call__(self, k: int, P: Array, loss: Array, diverged_at: Array) -> None:
        if self.any_frozen or diverged_at.max() == k:  # diverged_at ≤ k: the max is k iff a run diverged now
            dead = self.frozen  # diverged before this row: no data
            new = (diverged_at == k) & ~dead
            loss = np.where(dead, np.nan, loss)
            self.final_params[new], self.final_loss[new] = P[new], loss[new]
            self.diverged_at[new] = k
            self.frozen = dead | new
            self.any_frozen = True
        self.last_P, self.last_loss = P, loss  # the engine makes new arrays every row: no copy needed
        np.fmin(self.min_loss, loss, out=self.min_loss)  # fmin skips NaN
        below = np.less_equal(loss, self.target, out=self.below)
        below &= self.unhit
        if below.any():
            np.putmask(self.hit, below, k)
            self.unhit ^= below  # below ⊆ unhit
        if self.progress is not None and time.monotonic() >= self.next_report:
            self.progress(k, self.steps)
            self.next_report = time.monotonic() + PROGRESS_EVERY

    def finish(self) -> None:
        """Final values of the runs that did not diverge: the last row the engine reached."""
        alive = ~self.frozen
        self.final_params[alive] = self.last_P[alive]
        self.final_loss[alive] = self.last_loss[alive]
        if self.progress is not None:
            self.progress(self.steps, self.steps)


@dataclass(frozen=True)
class MapResult:
    """R runs' summaries; `columns` are the leading CSV columns (the varied values or the starts)."""

    problem: str
    spec: str  # the spec as given
    steps: int
    target: float
    columns: dict[str, Array]  # name -> (R,) leading columns
    shape: tuple[int, ...]  # (n1,) or (n1, n2): the grid, first axis outer
    final_params: Array  # (R, D)
    final_loss: Array  # (R,)
    min_loss: Array  # (R,)
    steps_to_target: Array  # (R,) -1 if never
    diverged_at: Array  # (R,) -1 if not
    param_names: tuple[str, ...]
    minimum: Array | None = None  # (R,) basin maps: index of the minimum reached, -1 if none
    base: RunSpec | None = None  # sweeps: the spec the axes vary
    axes: tuple[Axis, ...] = ()
    dims: tuple[int, int] = (0, 1)  # basin maps: the two parameters the starts vary (columns start_<name>)
    origin: Array | None = None  # basin maps: the first start (D,): the other parameters' values

    def cell_spec(self, i: int) -> str:
        """Sweeps: the spec string of cell i, exact (it parses back to the cell's values)."""
        row = np.array([self.columns[a.name][i] for a in self.axes])
        return spec_text(with_values(self.base, list(self.axes), row))

    @property
    def cell_specs(self) -> tuple[str, ...]:
        return tuple(self.cell_spec(i) for i in range(self.runs)) if self.axes else ()

    @property
    def runs(self) -> int:
        return len(self.final_loss)

    def grid(self, values: Array) -> Array:
        """(n1, n2) view of an (R,) column: [i, j] is the i-th value of axis 1 and j-th of axis 2."""
        return np.asarray(values).reshape(self.shape)

    def frame(self) -> pd.DataFrame:
        """§7's CSV: leading columns, [final params,] final_loss, [minimum,] min_loss, steps, diverged_at."""
        out = dict(self.columns)
        if self.minimum is not None:  # basin: start_<p>, final_<p>, final_loss, minimum, steps, diverged
            for name in [c[len("start_"):] for c in self.columns]:
                out[f"final_{name}"] = self.final_params[:, self.param_names.index(name)]
            out["final_loss"] = self.final_loss
            out["minimum"] = _optional(self.minimum)
        else:
            out["final_loss"] = self.final_loss
            out["min_loss"] = self.min_loss
        out["steps_to_target"] = _optional(self.steps_to_target)
        out["diverged_at"] = _optional(self.diverged_at)
        return pd.DataFrame(out)

    def to_csv(self) -> str:
        return self.frame().to_csv(index=False, float_format="%.17g", lineterminator="\n")


def _optional(values: Array) -> pd.Series:
    """-1 → empty cell, else the whole number."""
    return pd.Series(np.where(values >= 0, values, 0), dtype="Int64").mask(values < 0)


def default_target(problem: Problem) -> float:
    """The best known minimum's loss + 1e-4 (1e-4 when the problem lists no minimum)."""
    minima = np.asarray(getattr(problem, "minima", ()), dtype=float)
    if minima.size == 0:
        return TARGET_TOL
    with np.errstate(all="ignore"):
        return float(np.nanmin(problem.loss(minima.reshape(len(minima), -1)))) + TARGET_TOL


def _check_budget(runs: int, steps: int) -> None:
    if not 0 <= steps <= MAX_STEPS:
        raise SpecError(f"--steps={steps} must be in [0, {MAX_STEPS}]")
    if runs * (steps + 1) > MAX_WORK:
        raise SpecError(f"{runs} runs × {steps + 1} rows is more than the limit of {MAX_WORK:.0e}; "
                        f"use fewer cells or steps")


def _summarize(problem: Problem, spec: RunSpec, starts: Array, steps: int, target: float,
               convention: str, progress: Progress | None) -> Summary:
    R, D = starts.shape
    summary = Summary(R, D, steps, target, progress)
    batching = parse_batching(spec.batch) if spec.batch else None
    run_spec(problem, spec, starts, steps, convention=convention, batching=batching,
             record_internals=False, record=False, on_row=summary)
    summary.finish()
    return summary


def sweep(problem: Problem, spec: RunSpec | str, vary: list[Axis], steps: int, *, start=None,
          target: float | None = None, convention: str = "lecture",
          progress: Progress | None = None) -> MapResult:
    """Every cell of the grid over `vary` (first axis outer) as one run, all in one engine call."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    check_axes(spec, vary)
    values = cell_values(vary)  # (R, n_axes)
    R = len(values)
    _check_budget(R, steps)
    start = np.asarray(problem.start if start is None else start, dtype=float).reshape(1, -1)
    target = default_target(problem) if target is None else float(target)
    s = _summarize(problem, with_values(spec, vary, values), np.repeat(start, R, axis=0), steps, target,
                   convention, progress)
    return MapResult(problem.id, spec.text, steps, target, {a.name: values[:, i] for i, a in enumerate(vary)},
                     tuple(a.n for a in vary), s.final_params, s.final_loss, s.min_loss, s.hit, s.diverged_at,
                     tuple(problem.param_names), base=spec, axes=tuple(vary))


def check_dims(dims, problem: Problem) -> tuple[int, int]:
    """The two parameters a basin map varies: different indices below the problem's dimension."""
    ok = (isinstance(dims, (tuple, list)) and len(dims) == 2 and all(type(d) is int for d in dims)
          and dims[0] != dims[1] and all(0 <= d < problem.dim for d in dims))
    if not ok:
        names = ", ".join(f"{i} {n}" for i, n in enumerate(problem.param_names))
        raise SpecError(f"--dims={','.join(map(str, dims)) if isinstance(dims, (tuple, list)) else dims}: "
                        f"give two different parameters of {problem.id} ({names})")
    return int(dims[0]), int(dims[1])


def basin_starts(problem: Problem, n: int, window=None, dims: tuple[int, int] = (0, 1), base=None) -> Array:
    """(n·n, D): `base` (default: the problem's start) with dims[0] (outer) and dims[1] (inner) on an n×n
    grid over the window (default: those parameters' view window), ends included."""
    window = window or (problem.window[dims[0]], problem.window[dims[1]])
    xs, ys = (np.linspace(float(lo), float(hi), n) for lo, hi in window)
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    base = np.asarray(problem.start if base is None else base, dtype=float).reshape(-1)
    P = np.repeat(base[None, :], n * n, axis=0)
    P[:, dims[0]], P[:, dims[1]] = X.ravel(), Y.ravel()
    return P


def check_window(window, problem: Problem, dims: tuple[int, int] = (0, 1)):
    """((x0, x1), (y0, y1)) of the parameters dims; default: their view window."""
    if window is None:
        return tuple(tuple(map(float, problem.window[d])) for d in dims)
    (x0, x1), (y0, y1) = window
    for name, lo, hi in (("X", x0, x1), ("Y", y0, y1)):
        if not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
            raise SpecError(f"--window: {name}0={lo:g} must be below {name}1={hi:g}")
    return (float(x0), float(x1)), (float(y0), float(y1))


def nearest_minimum(problem: Problem, final: Array, window, dims: tuple[int, int] = (0, 1)) -> Array:
    """(R,) index of the known minimum within 1e-3 × the window's diagonal of each final point, -1 if none."""
    minima = np.asarray(problem.minima, dtype=float).reshape(len(problem.minima), -1)  # (M, D)
    out = np.full(len(final), -1)
    if minima.size == 0:
        return out
    diagonal = float(np.hypot(window[0][1] - window[0][0], window[1][1] - window[1][0]))
    columns = np.ascontiguousarray(final.T)  # (D, R): one pass per parameter and minimum, no (R, M, D) array
    best = np.full(len(final), np.inf)
    with np.errstate(invalid="ignore"):
        for i, minimum in enumerate(minima):
            squared = np.zeros(len(final))
            for column, m in zip(columns, minimum, strict=True):
                d = column - m
                d *= d
                squared += d
            distance = np.sqrt(squared)
            closer = (distance <= MINIMUM_TOL * diagonal) & (distance < best)
            out[closer], best[closer] = i, distance[closer]
    return out


def basin(problem: Problem, spec: RunSpec | str, n: int, steps: int, *, window=None,
          target: float | None = None, convention: str = "lecture", dims: tuple[int, int] = (0, 1),
          start=None, progress: Progress | None = None) -> MapResult:
    """N×N starts over the window (parameters dims[0] outer, dims[1] inner, the others at `start`, default
    the problem's) as rows of P, one engine call."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    if problem.dim < 2:
        raise SpecError(f"{problem.id} has one parameter: a basin map needs two")
    if not float(n).is_integer() or not 2 <= n <= MAX_BASIN:
        raise SpecError(f"--grid={n} must be a whole number in [2, {MAX_BASIN}]")
    n = int(n)
    dims = check_dims(tuple(dims), problem)
    window = check_window(window, problem, dims)
    _check_budget(n * n, steps)
    if start is not None and np.shape(start) != (problem.dim,):
        raise SpecError(f"--start: {problem.id} needs {problem.dim} coordinates ({', '.join(problem.param_names)})")
    starts = basin_starts(problem, n, window, dims, start)
    if not np.isfinite(starts).all():
        raise SpecError("--start: the coordinates must be finite numbers")
    target = default_target(problem) if target is None else float(target)
    s = _summarize(problem, spec, starts, steps, target, convention, progress)
    names = tuple(problem.param_names)
    columns = {f"start_{names[d]}": starts[:, d] for d in dims}
    minimum = np.where(s.diverged_at < 0, nearest_minimum(problem, s.final_params, window, dims), -1)
    return MapResult(problem.id, spec.text, steps, target, columns, (n, n), s.final_params, s.final_loss,
                     s.min_loss, s.hit, s.diverged_at, names, minimum=minimum, dims=dims, origin=starts[0].copy())
