"""The batched engine: R runs × T updates of one optimizer on one problem in one vectorized loop.

The engine knows problems only through a small protocol (see `Problem`); it never imports surfaces/.
Each update: η_t from the schedule, the gradient on this update's batch (at NAG's look-ahead point if
the rule has one), the rule's update, then the full-data loss. A run whose loss turns non-finite or
exceeds `bound` is marked diverged at that step and its later rows are NaN ("no data"), never clipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Protocol

import numpy as np
import pandas as pd

from .fast import run_one
from .hyper import SpecError
from .registry import Optimizer, get_optimizer
from .schedules import Schedule, backtrack

Array = np.ndarray

MAX_STEPS = 100_000  # documented cap on updates per run
MAX_WORK = 50_000_000  # cap on runs × steps in one call (memory for the recorded trajectory)
DEFAULT_BOUND = 1e6  # a loss above this counts as divergence


class Problem(Protocol):
    """What the engine needs from a problem. P has shape (R, D); idx picks data points."""

    id: str
    param_names: tuple[str, ...]
    n_points: int | None  # None: analytic surface, no data (full batch only)

    def loss(self, P: Array) -> Array: ...  # (R,) full-data loss

    def grad(self, P: Array, idx: Array | None = None) -> Array: ...  # (R, D) summed over idx

    def loss_and_grad(self, P: Array) -> tuple[Array, Array]: ...  # full data, one pass

    def project(self, P: Array) -> Array: ...  # onto the feasible set (identity for most)

    # optional: `columns_first = True` when the problem reads P column by column (the analytic surfaces):
    # the engine then keeps P in F order, each parameter's R values contiguous (same values, fewer copies)


@dataclass(frozen=True)
class Batching:
    """How data points are grouped into updates: full, stochastic (K = 1) or minibatch:K."""

    mode: str = "full"
    size: int = 0
    shuffle: bool = False
    seed: int | tuple[int, ...] | None = None

    @property
    def spec(self) -> str:
        return f"minibatch:{self.size}" if self.mode == "minibatch" else self.mode

    def batch_size(self, n_points: int | None) -> int | None:
        if self.mode == "full" or n_points is None:
            return n_points
        return 1 if self.mode == "stochastic" else min(self.size, n_points)

    def updates_per_epoch(self, n_points: int | None) -> int:
        if self.mode == "full" or n_points is None:
            return 1
        return math.ceil(n_points / self.batch_size(n_points))


def parse_batching(text: str | None, shuffle: bool = False, seed=None) -> Batching:
    """'full' | 'stochastic' | 'minibatch:K' -> Batching; SpecError for anything else."""
    text = (text or "full").strip().lower()
    mode, _, size = text.partition(":")
    if mode in ("full", "stochastic") and not size:
        return Batching(mode, 0, shuffle, seed)
    if mode == "minibatch":
        try:
            k = int(size)
        except ValueError:
            raise SpecError(f"batch {text!r}: the minibatch size must be a whole number, e.g. minibatch:10") from None
        if k < 1:
            raise SpecError(f"batch {text!r}: the minibatch size must be at least 1")
        return Batching("minibatch", k, shuffle, seed)
    raise SpecError(f"unknown batch mode {text!r} (use full, stochastic or minibatch:K)")


class _Batches:
    """Index arrays for each update: data order, or a fresh seeded permutation every epoch."""

    def __init__(self, batching: Batching, n_points: int, runs: int):
        self.k = batching.batch_size(n_points)
        self.per_epoch = batching.updates_per_epoch(n_points)
        self.n = n_points
        self.shuffle = batching.shuffle
        seed = batching.seed
        if np.ndim(seed) == 0:
            self.rngs = [np.random.default_rng(seed)]
        else:
            if len(seed) != runs:
                raise SpecError(f"{len(seed)} seeds given for {runs} runs")
            self.rngs = [np.random.default_rng(s) for s in seed]
        self.order = np.arange(n_points)[None, :]

    def __call__(self, t: int) -> Array:
        position = t % self.per_epoch
        if position == 0 and self.shuffle:
            self.order = np.stack([rng.permutation(self.n) for rng in self.rngs])
        idx = self.order[:, position * self.k:(position + 1) * self.k]
        return idx[0] if idx.shape[0] == 1 else idx


@dataclass
class Trajectory:
    """The record of R runs of one optimizer. Row k is the state after k updates (row 0: the start).

    `eta[k]` and the internals `grad[k]`, `lr[k]` describe the update that produced row k (row 0 of
    eta holds η for the first update, row 0 of grad and lr is NaN). `state[name][k]` is the optimizer's
    state after k updates. Rows after a run's `diverged_at` are NaN.
    """

    problem: str
    param_names: tuple[str, ...]
    optimizer: str
    label: str
    convention: str
    hp: dict
    schedule: str
    batching: str
    params: Array  # (T+1, R, D)
    loss: Array  # (T+1, R)
    eta: Array  # (T+1, R)
    epoch: Array  # (T+1,) epochs completed after row k
    diverged_at: Array  # (R,) first diverged row, -1 if none
    diverged_reason: list[str]
    bound: float
    grad: Array | None = None  # (T+1, R, D)
    lr: Array | None = None  # (T+1, R, D) effective per-parameter learning rate
    lookahead: Array | None = None  # (T+1, R, D) where the gradient was evaluated (NAG)
    state: dict[str, Array] = field(default_factory=dict)  # name -> (T+1, R, D)
    start_step: int = 0  # update count before row 0 (non-zero when resumed)
    last_state: dict = field(default_factory=dict)  # optimizer state after the last update
    evaluations: Array | None = None  # (T+1, R) loss evaluations of the armijo line search per update

    def checkpoint(self) -> dict:
        """JSON-able state to continue these runs with `run(..., resume=...)`."""
        return {"step": self.start_step + self.steps, "params": self.params[-1].tolist(),
                "state": self.last_state}

    @property
    def steps(self) -> int:
        return self.params.shape[0] - 1

    @property
    def runs(self) -> int:
        return self.params.shape[1]

    def last_row(self, r: int) -> int:
        """Index of the last recorded row of run r (the divergence row if it diverged)."""
        return int(self.diverged_at[r]) if self.diverged_at[r] >= 0 else self.steps

    def final_loss(self) -> Array:
        return np.array([self.loss[self.last_row(r), r] for r in range(self.runs)])

    def final_params(self) -> Array:
        return np.stack([self.params[self.last_row(r), r] for r in range(self.runs)])

    def divergence_message(self, r: int = 0) -> str:
        if self.diverged_at[r] < 0:
            return ""
        return f"diverged at step {int(self.diverged_at[r])}: {self.diverged_reason[r]}"

    def to_frame(self, internals: bool = False) -> pd.DataFrame:
        """Tidy table: one row per (run, step) up to each run's last recorded step."""
        T1, R, D = self.params.shape
        step = np.repeat(np.arange(T1), R)
        run = np.tile(np.arange(R), T1)
        columns = {"optimizer": self.label, "run": run, "step": step,
                   "epoch": np.repeat(self.epoch, R)}
        for d, name in enumerate(self.param_names):
            columns[name] = self.params[:, :, d].ravel()
        columns["loss"] = self.loss.ravel()
        columns["eta"] = self.eta.ravel()
        if internals:
            extra = {"grad": self.grad, "lr": self.lr, "lookahead": self.lookahead, **self.state}
            for key, arr in extra.items():
                if arr is not None:
                    for d, name in enumerate(self.param_names):
                        columns[f"{key}_{name}"] = arr[:, :, d].ravel()
        frame = pd.DataFrame(columns)
        last = np.array([self.last_row(r) for r in range(R)])
        return frame[frame["step"].to_numpy() <= last[run]].reset_index(drop=True)


def resolve_hp(optimizer: Optimizer, values: dict | None, convention: str, runs: int) -> dict:
    """Defaults of the convention + checked user values; floats become (R, 1) arrays."""
    values = dict(values or {})
    for name in values:
        optimizer.hyper(name)  # raises SpecError for an unknown name
    out = {}
    for h in optimizer.hypers:
        value = h.coerce(values.get(h.name, h.default_for(convention)), optimizer.id)
        if h.kind == "choice":
            out[h.name] = value
            continue
        if h.kind == "bool" and np.ndim(value) == 0:
            out[h.name] = bool(value)  # a plain bool lets the rules skip per-run selection
            continue
        arr = np.asarray(value, dtype=bool if h.kind == "bool" else float)
        if arr.ndim and arr.shape != (runs,):
            raise SpecError(f"{optimizer.id}: {h.name} has {arr.shape[0]} values for {runs} runs")
        out[h.name] = np.broadcast_to(arr.reshape(-1, 1), (runs, 1)) if arr.ndim else arr
    return out


def _plain(value):
    """hp value for the record: scalar or list."""
    arr = np.asarray(value)
    if arr.dtype.kind in "US":
        return str(value)
    flat = np.unique(arr)
    return flat[0].item() if flat.size == 1 else arr.ravel().tolist()


def _whole(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _checked_request(starts, steps, resume: dict | None) -> Array:
    """(R, D) float starts, after refusing what no run can be: a step count or resume step that is not a
    whole number in [0, MAX_STEPS], ragged or non-finite starts (a resumed run that already diverged may
    carry NaN). Checked before any work, so a forged checkpoint is an error, not a 10¹⁵-step replay."""
    if not _whole(steps) or not 0 <= steps <= MAX_STEPS:
        raise SpecError(f"steps={steps!r} must be a whole number in [0, {MAX_STEPS}]")
    if resume is not None:
        if not isinstance(resume, dict) or not {"step", "params", "state"} <= set(resume):
            raise SpecError("the checkpoint to resume from needs step, params and state")
        if not _whole(resume["step"]) or not 0 <= resume["step"] <= MAX_STEPS:
            raise SpecError(f"the checkpoint's step={resume['step']!r} must be a whole number in [0, {MAX_STEPS}]")
        starts = resume["params"]
    try:
        P = np.array(starts, dtype=float, ndmin=2)
    except (TypeError, ValueError, OverflowError):
        raise SpecError("the starts are not an (R, D) array of numbers") from None
    if P.ndim != 2 or P.size == 0 or P.size > MAX_WORK:
        raise SpecError(f"the starts have shape {P.shape}, not (R, D) with R·D ≤ {MAX_WORK:.0e}")
    if resume is None and not np.isfinite(P).all():
        raise SpecError("the starts must be finite numbers")
    return P


def run(problem: Problem, optimizer: str | Optimizer, starts, steps: int, hp: dict | None = None, *,
        convention: str = "lecture", schedule: Schedule | None = None,
        batching: Batching | None = None, bound: float = DEFAULT_BOUND,
        record_internals: bool = True, label: str | None = None,
        resume: dict | None = None, record: bool = True, on_row: Callable | None = None) -> Trajectory:
    """Run R = len(starts) runs for `steps` updates. hp values may be scalars or (R,) arrays.

    `on_row(k, P, loss, diverged_at)` is called after row k (0..steps) with that row's (R, D) params,
    (R,) loss and the divergence steps so far; it may raise to stop the run. With `record=False` the
    returned Trajectory holds only row 0 (memory O(R·D) whatever `steps`): sweeps and basin maps keep
    their own running summary through `on_row` (analysis/).

    `resume` (a `Trajectory.checkpoint()`) continues earlier runs from their last state: `starts` is
    ignored, the update count, bias corrections and schedules go on from where they stopped (the
    hyperparameters may differ: that is how the page's Live mode changes η mid-run).
    """
    starts = _checked_request(starts, steps, resume)
    opt = get_optimizer(optimizer) if isinstance(optimizer, str) else optimizer
    rule = opt.rule(convention)
    schedule = schedule or Schedule()
    batching = batching or Batching()
    P = np.array(starts, dtype=float, ndmin=2)
    R, D = P.shape
    if R > 1 and getattr(problem, "columns_first", False):
        P = np.asfortranarray(P)  # the rules' elementwise operations keep the layout: P, g, state all F order
    if D != len(problem.param_names):
        raise SpecError(f"{problem.id} has {len(problem.param_names)} parameters "
                        f"({', '.join(problem.param_names)}); a start with {D} was given")
    if not 0 <= steps <= MAX_STEPS:
        raise SpecError(f"steps={steps} is outside [0, {MAX_STEPS}]")
    if R * (steps + 1) > MAX_WORK:
        raise SpecError(f"{R} runs × {steps} steps is more than the limit of {MAX_WORK:.0e}")
    if problem.n_points is None and batching.mode != "full":
        raise SpecError(f"{problem.id} is an analytic surface without data points: use batch full")
    hp_values = resolve_hp(opt, hp, convention, R)
    hp_ns = SimpleNamespace(**hp_values)
    eta0 = hp_values["eta"]

    n = problem.n_points
    per_epoch = batching.updates_per_epoch(n)
    batches = _Batches(batching, n, R) if n is not None and batching.mode != "full" else None
    fused = batches is None and rule.lookahead is None
    if schedule.line_search and batches is not None and not hasattr(problem, "batch_loss"):
        raise SpecError(f"the armijo line search needs the loss of a batch, which {problem.id} does not "
                        "provide: use batch full")
    evaluations = np.zeros((steps + 1, R)) if schedule.line_search else None
    sched_state = schedule.start(R)
    t0 = int(resume["step"]) if resume is not None else 0
    if batches is not None:
        for t in range(0, t0 - t0 % per_epoch, per_epoch):  # replay the shuffles of past epochs
            batches(t)

    rows = steps + 1 if record else 1
    params = np.empty((rows, R, D))  # rows are written as the loop goes; the rest NaN at the end
    loss = np.empty((rows, R))
    eta = np.empty((rows, R))
    record_internals = record_internals and record
    state = rule.init(P)
    if resume is not None:
        try:
            state = type(state)(*(np.array(resume["state"][f], dtype=float).reshape(np.shape(v))
                                  for f, v in zip(state._fields, state, strict=False)))
        except (KeyError, ValueError, TypeError):
            raise SpecError(f"the saved state does not fit {opt.id}: start again instead") from None
    tracked = [name for name, v in zip(state._fields, state, strict=False) if v.shape == P.shape]
    rec = {}
    if record_internals:
        rec = {name: np.empty((steps + 1, R, D)) for name in ("grad", "lr", *tracked)}
        if rule.lookahead is not None:
            rec["lookahead"] = np.empty((steps + 1, R, D))
        for name in ("grad", "lr", "lookahead"):
            if name in rec:
                rec[name][0] = np.nan  # no update has happened at row 0
        for name in tracked:
            rec[name][0] = getattr(state, name)
    diverged_at = np.full(R, -1)
    reasons = [""] * R

    with np.errstate(all="ignore"):
        if fused:
            current_loss, g_next = problem.loss_and_grad(P)
        else:
            current_loss = problem.loss(P)
        params[0], loss[0] = P, current_loss
        alive = _check(current_loss, P, bound, 0, diverged_at, reasons, np.ones(R, bool))
        if on_row is not None:
            on_row(0, P, current_loss, diverged_at)
        sched_state = schedule.end_epoch(sched_state, current_loss)  # the start is "epoch 0"'s end
        written = 1
        etas = _Rates(schedule, eta0, t0, steps, per_epoch, R)
        eta[0] = etas.at(0)[:, 0]
        done = 0  # updates already made by the fast path for one run (fast.py), when it applies
        plain = batches is None and sched_state is None and evaluations is None and on_row is None and record
        if R == 1 and plain and alive.any():
            fast = run_one(problem, rule, state, hp_values, P, schedule, t0, steps, per_epoch, bound,
                           params, loss, eta, rec)
            if fast is not None:
                P, state, current_loss, written = fast
                alive = _check(current_loss, P, bound, written - 1, diverged_at, reasons, alive)
                done = steps
        for t in range(t0 + done, t0 + steps):
            if not alive.any():
                break
            i = t - t0
            if sched_state is None:
                eta_t = etas.at(i)
            else:
                eta_t = etas.at(i) * sched_state[0]
            hp_ns.eta = eta_t
            idx = batches(t) if batches else None
            if fused:
                g = g_next
            else:
                Q = rule.lookahead(P, state, hp_ns, t + 1) if rule.lookahead else P
                g = problem.grad(Q, idx)
            if evaluations is None:
                delta, state, lr = rule.update(g, state, hp_ns, t + 1)
                P = problem.project(P + delta)
            else:
                P, state, lr, eta_t, evaluations[i + 1] = _armijo(problem, rule, schedule, P, g, state, hp_ns,
                                                                  t + 1, idx, current_loss)
            if fused:
                current_loss, g_next = problem.loss_and_grad(P)
            else:
                current_loss = problem.loss(P)
            k = i + 1
            written = k + 1
            if record:
                params[k], loss[k], eta[k] = P, current_loss, eta_t[:, 0]
            if record_internals:
                rec["grad"][k], rec["lr"][k] = g, lr
                if rule.lookahead:
                    rec["lookahead"][k] = Q
                for name in tracked:
                    rec[name][k] = getattr(state, name)
            if (t + 1) % per_epoch == 0:
                sched_state = schedule.end_epoch(sched_state, current_loss)
            alive = _check(current_loss, P, bound, k, diverged_at, reasons, alive)
            if on_row is not None:
                on_row(k, P, current_loss, diverged_at)

    searched = () if evaluations is None else (evaluations,)
    for arr in (params, loss, eta, *rec.values(), *searched):
        arr[written:] = np.nan  # all runs diverged early: the loop stopped
    _blank_after_divergence(diverged_at, params, loss, eta, *rec.values(), *searched)
    return Trajectory(
        problem=problem.id, param_names=tuple(problem.param_names), optimizer=opt.id,
        label=label or opt.id, convention=convention,
        hp={k: _plain(v) for k, v in hp_values.items()}, schedule=schedule.spec,
        batching=batching.spec, params=params, loss=loss, eta=eta,
        epoch=(t0 + np.arange(rows)) / per_epoch, diverged_at=diverged_at,
        diverged_reason=reasons, bound=bound, grad=rec.get("grad"), lr=rec.get("lr"),
        lookahead=rec.get("lookahead"),
        state={name: rec[name] for name in tracked} if record_internals else {},
        start_step=t0, last_state={f: np.asarray(v).tolist() for f, v in zip(state._fields, state, strict=False)},
        evaluations=evaluations,
    )


def _armijo(problem: Problem, rule, schedule: Schedule, P: Array, g: Array, state, hp_ns, t: int,
            idx: Array | None, loss_at_P: Array):
    """One update under the armijo step-size control (DESIGN.md §7): the optimizer's update is tried
    from η₀ = hp_ns.eta and backtracked on the loss of this update's batch (the full loss, already known
    at P, for full batch). Returns (P, state, lr, accepted η (R, 1), loss evaluations (R,))."""
    batch_loss = problem.loss if idx is None else (lambda Q: problem.batch_loss(Q, idx))
    L0 = loss_at_P if idx is None else batch_loss(P)

    def trial(eta):
        hp_ns.eta = eta
        delta, new_state, lr = rule.update(g, state, hp_ns, t)
        return problem.project(P + delta), (new_state, lr)

    P_new, (new_state, lr), eta, evaluations = backtrack(trial, batch_loss, P, g, L0, hp_ns.eta, **schedule.params)
    hp_ns.eta = eta
    return P_new, new_state, lr, eta, evaluations + (idx is not None)


class _Rates:
    """The schedule's η for rows 0..steps, a block of ~65,536 values at a time: bounded memory, not R × T
    (a sweep of 10,000 runs with per-run η₀ or schedule parameters would otherwise hold R × T rates)."""

    def __init__(self, schedule: Schedule, eta0, t0: int, steps: int, per_epoch: int, R: int):
        self.schedule, self.eta0, self.t0, self.steps, self.per_epoch, self.R = schedule, eta0, t0, steps, per_epoch, R
        self.length = max(8, 2**16 // R)  # rows per block
        self.first, self.block = -self.length, None  # no block yet

    def at(self, i: int) -> Array:  # (R, 1) η of row i (the update from row i to i + 1)
        if not self.first <= i < self.first + self.length:
            self.first = i - i % self.length
            t = self.t0 + np.arange(self.first, min(self.first + self.length, self.steps + 1))
            rate = self.schedule.rate(self.eta0, t, t // self.per_epoch, self.t0 + self.steps)
            # one rate for all runs stays (1, T): a (1, 1) η multiplies an (R, D) array as a scalar does,
            # while a stride-0 (R, 1) view makes NumPy loop over rows of D = 2 (a 10,000-run map: 2× slower)
            self.block = rate.reshape(1, -1) if np.ndim(rate) == 1 else np.broadcast_to(rate, (self.R, len(t)))
        return self.block[:, i - self.first:i - self.first + 1]


def _check(current_loss: Array, P: Array, bound: float, k: int, diverged_at: Array,
           reasons: list[str], alive: Array) -> Array:
    """Mark runs that diverge at row k; return the mask of runs still alive after it."""
    if np.isfinite(current_loss.sum() + P.sum()) and current_loss.max() <= bound:  # the common case
        return alive
    finite_p = np.isfinite(P).all(axis=1)
    bad = ~(current_loss <= bound) | ~np.isfinite(current_loss) | ~finite_p
    for r in np.flatnonzero(bad & (diverged_at < 0)):
        diverged_at[r] = k
        if not finite_p[r]:
            reasons[r] = "parameters overflowed"
        elif np.isnan(current_loss[r]):
            reasons[r] = "loss is NaN"
        elif np.isinf(current_loss[r]) and not np.isinf(bound):
            reasons[r] = f"loss exceeded {bound:g}"
        elif np.isinf(current_loss[r]):
            reasons[r] = "loss overflowed to infinity"
        else:
            reasons[r] = f"loss exceeded {bound:g}"
    return diverged_at < 0


def _blank_after_divergence(diverged_at: Array, *arrays: Array) -> None:
    for r in np.flatnonzero(diverged_at >= 0):
        for arr in arrays:
            arr[diverged_at[r] + 1:, r] = np.nan
