"""Learning-rate schedules (DESIGN.md §3): η_t from η₀, the 0-based update index t, its epoch e and
the planned number of updates T. The first update uses η₀ (except warm-up, which ramps up to it).
`armijo` is a step-size control rather than a formula: every update starts its trial rate at η₀ and
the engine backtracks with `backtrack` (DESIGN.md §7); its rate() is η₀, the first trial.

A schedule is declared once (id, parameters with ranges, formula) and parsed from a spec string such
as "step:drop=0.5,every=5". `Schedule.rate` works on scalars or arrays of t, so the page can preview
η over all steps in one call. halve-on-increase is the one schedule with state: the engine tells it
the full loss at the end of every epoch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .hyper import Hyper, SpecError, parse_pairs

Array = np.ndarray


def _warm_restarts(t: Array, t0: int, t_mult: float) -> tuple[Array, Array]:
    """SGDR position: (t_cur, T_i) for each t — cycles of length t0, t0·t_mult, t0·t_mult², …"""
    t_cur = np.asarray(t, dtype=float).copy()
    period = np.full_like(t_cur, float(t0))
    while (over := t_cur >= period).any():
        t_cur = np.where(over, t_cur - period, t_cur)
        period = np.where(over, period * t_mult, period)
    return t_cur, period


def _triangular(t: Array, eta0, eta_max: float, step_size: int) -> Array:
    cycle = np.floor(1 + t / (2 * step_size))
    x = np.abs(t / step_size - 2 * cycle + 1)
    return eta0 + (eta_max - eta0) * np.maximum(0.0, 1.0 - x)


def _warmup(t: Array, eta0, steps: int) -> Array:
    t = np.asarray(t, dtype=float)
    return eta0 * np.where(t < steps, (t + 1) / steps, np.sqrt(steps / np.maximum(t + 1, 1)))


def _cosine(t, T, eta0, eta_min):
    return eta_min + 0.5 * (eta0 - eta_min) * (1 + np.cos(np.pi * np.asarray(t) / max(T, 1)))


# rate(eta0, t, e, T, p) for the stateless schedules; p holds the parsed parameters.
_RATES: dict[str, Callable] = {
    "constant": lambda eta0, t, e, T, p: eta0 * np.ones_like(np.asarray(t, dtype=float)),
    "step": lambda eta0, t, e, T, p: eta0 * p["drop"] ** np.floor(np.asarray(e) / p["every"]),
    "exponential": lambda eta0, t, e, T, p: eta0 * np.exp(-p["k"] * np.asarray(t)),
    "inverse-time": lambda eta0, t, e, T, p: eta0 / (1 + p["k"] * np.asarray(t)),
    "halve-on-increase": lambda eta0, t, e, T, p: eta0 * np.ones_like(np.asarray(t, dtype=float)),
    "cosine": lambda eta0, t, e, T, p: _cosine(t, T, eta0, p["eta_min"]),
    "warm-restarts": lambda eta0, t, e, T, p: (
        lambda cur, per: p["eta_min"] + 0.5 * (eta0 - p["eta_min"]) * (1 + np.cos(np.pi * cur / per))
    )(*_warm_restarts(t, p["t0"], p["t_mult"])),
    "triangular": lambda eta0, t, e, T, p: _triangular(np.asarray(t, dtype=float), eta0, p["eta_max"],
                                                       p["step_size"]),
    "warmup": lambda eta0, t, e, T, p: _warmup(t, eta0, p["steps"]),
    "armijo": lambda eta0, t, e, T, p: eta0 * np.ones_like(np.asarray(t, dtype=float)),
}


@dataclass(frozen=True)
class ScheduleKind:
    id: str
    name: str
    params: tuple[Hyper, ...]
    formula: str  # LaTeX
    help: str

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "formula": self.formula, "help": self.help,
                "params": [p.as_dict() for p in self.params]}


def _k(default: float = 0.01) -> Hyper:
    return Hyper("k", "k", default, "decay rate per update", lo=0.0, hi=10.0)


def _eta_min() -> Hyper:
    return Hyper("eta_min", "η_min", 0.0, "lowest learning rate", lo=0.0, hi=1e6)


SCHEDULES: dict[str, ScheduleKind] = {s.id: s for s in (
    ScheduleKind("constant", "Constant", (), r"\eta_t = \eta_0", "the same η for every update"),
    ScheduleKind("step", "Step decay", (
        Hyper("drop", "drop", 0.5, "factor applied every `every` epochs", lo=1e-6, hi=1.0),
        Hyper("every", "every", 5, "epochs between drops", lo=1, hi=1e6, kind="int")),
        r"\eta_t = \eta_0 \cdot \mathrm{drop}^{\lfloor e / \mathrm{every} \rfloor}",
        "multiply η by `drop` every `every` epochs"),
    ScheduleKind("exponential", "Exponential decay", (_k(),), r"\eta_t = \eta_0 e^{-k t}",
                 "η shrinks by a constant factor every update"),
    ScheduleKind("inverse-time", "1/t decay", (_k(),), r"\eta_t = \frac{\eta_0}{1 + k t}",
                 "η shrinks like 1/t"),
    ScheduleKind("halve-on-increase", "Halve on increase", (),
                 r"\eta \leftarrow \eta/2 \text{ after an epoch whose loss went up}",
                 "halve η after an epoch whose end-of-epoch loss is higher than the previous one's"),
    ScheduleKind("cosine", "Cosine annealing", (_eta_min(),),
                 r"\eta_t = \eta_{min} + \tfrac12(\eta_0-\eta_{min})(1+\cos(\pi t/T))",
                 "half a cosine from η₀ down to η_min over the whole run"),
    ScheduleKind("warm-restarts", "Cosine with warm restarts (SGDR)", (
        Hyper("t0", "T₀", 100, "length of the first cycle in updates", lo=1, hi=1e6, kind="int"),
        Hyper("t_mult", "T_mult", 2, "each cycle is this many times longer", lo=1, hi=10),
        _eta_min()),
        r"\eta_t = \eta_{min} + \tfrac12(\eta_0-\eta_{min})(1+\cos(\pi T_{cur}/T_i))",
        "cosine annealing that restarts at η₀, each cycle longer"),
    ScheduleKind("triangular", "Triangular cyclic", (
        Hyper("eta_max", "η_max", 1.0, "top of the cycle", lo=1e-6, hi=1e6, log=True),
        Hyper("step_size", "step size", 50, "updates from bottom to top", lo=1, hi=1e6, kind="int")),
        r"\eta_t = \eta_0 + (\eta_{max}-\eta_0)\max(0, 1-|t/s - 2\lfloor 1 + t/2s\rfloor + 1|)",
        "Smith 2017: η climbs linearly to η_max and back, again and again"),
    ScheduleKind("warmup", "Linear warm-up, then 1/√t", (
        Hyper("steps", "steps", 100, "updates of linear warm-up", lo=1, hi=1e6, kind="int"),),
        r"\eta_t = \eta_0 \frac{t+1}{s}\ (t<s),\quad \eta_0\sqrt{s/(t+1)}\ (t \ge s)",
        "ramp η up from η₀/s to η₀, then decay like 1/√t (the Transformer recipe)"),
    ScheduleKind("armijo", "Armijo line search", (
        Hyper("c", "c", 1e-4, "sufficient decrease: the loss must fall by at least c·g·Δθ", lo=0.0, hi=0.999),
        Hyper("shrink", "shrink", 0.5, "factor applied to η after each failed trial", lo=0.01, hi=0.99),
        Hyper("tries", "tries", 30, "most shrinks per update (the last trial is then kept)", lo=0, hi=100,
              kind="int")),
        r"\eta \leftarrow \mathrm{shrink}\cdot\eta \ \text{ while } "
        r"L(\theta'(\eta)) > L(\theta) + c\, g\cdot(\theta'(\eta) - \theta)",
        "backtracking: every update tries η₀ and shrinks it until the loss falls enough (Armijo 1966)"),
)}


def _spec_value(v) -> str:
    """A parameter in a spec: 0.01, or lo..hi for a sweep's (R, 1) array of values."""
    if np.ndim(v) == 0:
        return f"{v:g}"
    return f"{np.min(v):g}..{np.max(v):g}"


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: kind + parameter values. Build with `parse_schedule`. A real-valued
    parameter may be an (R, 1) array (one value per run: analysis/ sweeps schedule.k this way)."""

    id: str = "constant"
    params: dict = field(default_factory=dict)

    @property
    def spec(self) -> str:
        if not self.params:
            return self.id
        return self.id + ":" + ",".join(f"{k}={_spec_value(v)}" for k, v in self.params.items())

    @property
    def line_search(self) -> bool:
        return self.id == "armijo"

    def start(self, R: int):
        """Initial schedule state for R runs (only halve-on-increase keeps any)."""
        if self.id == "halve-on-increase":
            return np.ones((R, 1)), np.full(R, np.inf)
        return None

    def rate(self, eta0, t, epoch, T: int):
        """η for update t (0-based) in epoch `epoch`; eta0 scalar or (R, 1); t scalar or array.
        For halve-on-increase this is η₀; the engine multiplies in the state's halving factor."""
        return _RATES[self.id](eta0, t, epoch, T, self.params)

    def end_epoch(self, state, loss: Array):
        """halve-on-increase: halve the factor of runs whose end-of-epoch loss went up."""
        if state is None:
            return None
        factor, previous = state
        went_up = (loss > previous)[:, None]
        return np.where(went_up, factor * 0.5, factor), loss.copy()

    def preview(self, eta0: float, T: int, updates_per_epoch: int = 1) -> Array:
        """η over updates 0..T−1 for the page's preview (halve-on-increase shown as constant)."""
        t = np.arange(max(T, 1))
        return np.broadcast_to(self.rate(eta0, t, t // updates_per_epoch, T), t.shape).astype(float)


def parse_schedule(text: str | None) -> Schedule:
    """'exponential:k=0.01' -> Schedule; SpecError names an unknown id, parameter or bad value."""
    text = (text or "constant").strip()
    name, _, rest = text.partition(":")
    name = name.strip()
    kind = SCHEDULES.get(name)
    if kind is None:
        raise SpecError(f"unknown schedule {name!r} (known: {', '.join(SCHEDULES)})")
    given = parse_pairs(rest, f"schedule {name}")
    known = {p.name: p for p in kind.params}
    for key in given:
        if key not in known:
            have = ", ".join(known) or "no parameters"
            raise SpecError(f"schedule {name} has no parameter {key!r} (it has: {have})")
    values = {p.name: p.coerce(given.get(p.name, p.default), f"schedule {name}") for p in kind.params}
    return Schedule(name, values)


def backtrack(trial: Callable, loss_at: Callable, P: Array, g: Array, L0: Array, eta: Array, *, c: float,
              shrink: float, tries: int) -> tuple[Array, tuple, Array, Array]:
    """Armijo backtracking for R runs at once (DESIGN.md §7).

    trial(eta) -> (P_new, extras): the optimizer's proposed point θ′(η) for every run (η: (R, 1)) and
    whatever else the update produced (a tuple of arrays with R rows, e.g. its new state);
    loss_at(P_new) -> (R,) the loss on the update's batch; L0: (R,) that loss at P.
    While L(θ′(η)) > L(θ) + c·g·(θ′(η) − θ) (or is not finite) and fewer than `tries` shrinks were made,
    η ← shrink·η for the failing runs only. Returns (θ′, extras, accepted η (R, 1), loss evaluations (R,)).
    """
    P_new, extras = trial(eta)
    L_new = loss_at(P_new)
    evaluations = np.ones(len(P))
    searching = np.isfinite(L0)  # a run that has already diverged does not search
    for _ in range(tries):
        bad = searching & ~(L_new <= L0 + c * (g * (P_new - P)).sum(axis=1))
        if not bad.any():
            break
        eta = np.where(bad[:, None], shrink * eta, eta)
        P_try, extras_try = trial(eta)
        L_try = loss_at(P_try)
        P_new = np.where(bad[:, None], P_try, P_new)
        L_new = np.where(bad, L_try, L_new)
        extras = _pick_rows(bad, extras_try, extras)
        evaluations += bad
    return P_new, extras, eta, evaluations


def _pick_rows(mask: Array, new, old):
    """new where mask (per run, first axis) else old, through nested tuples of (R, …) arrays."""
    if isinstance(old, tuple):
        picked = [_pick_rows(mask, n, o) for n, o in zip(new, old, strict=True)]
        return type(old)(*picked) if hasattr(old, "_fields") else tuple(picked)
    return np.where(mask.reshape((-1,) + (1,) * (np.ndim(old) - 1)), new, old)
