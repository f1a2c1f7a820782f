"""What a sweep varies: axes `NAME=LO:HI:N[:log]` checked against an optimizer spec (DESIGN.md §7).

An axis names a hyperparameter of the spec's optimizer (`eta`, `gamma`, `beta1`, …) or a parameter
of the spec's schedule (`schedule.k`). Parsing refuses, with a message naming the bad part: unknown
names, names that are not real numbers (switches, choices, whole-number schedule parameters), names the
spec already fixes, reversed or empty ranges, non-positive log ranges, values outside the declared
range, more than two axes, and grids over the cell budget.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from optimizers import RunSpec, SpecError
from optimizers.hyper import Hyper, parse_number
from optimizers.schedules import SCHEDULES

MAX_AXES = 2
MAX_CELLS = 10_000  # sweep cells (runs) in one grid
MAX_BASIN = 200  # basin maps: at most 200 × 200 starts
SCHEDULE_PREFIX = "schedule."


@dataclass(frozen=True)
class Axis:
    """One varied name: n values from lo to hi inclusive, evenly or geometrically spaced."""

    name: str  # "eta" or "schedule.k"
    lo: float
    hi: float
    n: int
    log: bool = False

    def values(self) -> np.ndarray:  # (n,)
        if self.n == 1:
            return np.array([self.lo])
        return (np.geomspace if self.log else np.linspace)(self.lo, self.hi, self.n)

    @property
    def text(self) -> str:
        return f"{self.name}={self.lo!r}:{self.hi!r}:{self.n}" + (":log" if self.log else "")

    @property
    def is_schedule(self) -> bool:
        return self.name.startswith(SCHEDULE_PREFIX)


def parse_axis(text: str) -> Axis:
    """'eta=0.01:10:50:log' -> Axis; SpecError names the bad part (the range alone, not the spec)."""
    name, sep, rest = str(text).strip().partition("=")
    name = name.strip()
    if not sep or not name:
        raise SpecError(f"--vary {text!r} is not of the form NAME=LO:HI:N[:log]")
    parts = [p.strip() for p in rest.split(":")]
    log = len(parts) == 4 and parts[3].lower() == "log"
    if len(parts) not in (3, 4) or (len(parts) == 4 and not log):
        raise SpecError(f"--vary {text!r} is not of the form NAME=LO:HI:N[:log]")
    lo = parse_number(parts[0], f"--vary {name} LO")
    hi = parse_number(parts[1], f"--vary {name} HI")
    n = parse_number(parts[2], f"--vary {name} N")
    return make_axis(name, lo, hi, n, log)


def make_axis(name: str, lo: float, hi: float, n, log: bool = False) -> Axis:
    """Check the range on its own (the page builds axes from numbers, the CLI from text)."""
    if not float(n).is_integer() or not 1 <= n <= MAX_CELLS:
        raise SpecError(f"--vary {name}: N={n:g} must be a whole number in [1, {MAX_CELLS}]")
    n = int(n)
    if lo > hi:
        raise SpecError(f"--vary {name}: the range {lo:g}:{hi:g} is reversed (LO must not exceed HI)")
    if lo == hi and n > 1:
        raise SpecError(f"--vary {name}: the range {lo:g}:{hi:g} is empty (LO = HI); use N=1 for one value")
    if log and lo <= 0:
        raise SpecError(f"--vary {name}: a :log range needs LO > 0 (got {lo:g})")
    return Axis(name, float(lo), float(hi), n, bool(log))


def axis_hyper(spec: RunSpec, axis: Axis) -> Hyper:
    """The declaration an axis varies; SpecError for unknown, fixed or non-numeric names."""
    if axis.is_schedule:
        if spec.schedule is None:
            raise SpecError(f"--vary {axis.name}: {spec.text!r} has no schedule "
                            f"(add one, e.g. '{spec.text}|schedule=exponential:k=0.01')")
        pname = axis.name[len(SCHEDULE_PREFIX):]
        kind = SCHEDULES[spec.schedule.id]
        hyper = next((p for p in kind.params if p.name == pname), None)
        if hyper is None:
            have = ", ".join(SCHEDULE_PREFIX + p.name for p in kind.params) or "no parameters"
            raise SpecError(f"--vary {axis.name}: schedule {kind.id} has no parameter {pname!r} (it has: {have})")
    else:
        try:
            hyper = spec.optimizer.hyper(axis.name)
        except SpecError as err:
            raise SpecError(f"--vary {axis.name}: {err}") from None
        if axis.name in spec.hp:
            raise SpecError(f"--vary {axis.name}: {spec.text!r} fixes {axis.name}; "
                            f"leave it out of the spec to vary it")
    if hyper.kind != "float":
        what = {"int": "a whole number", "bool": "a switch", "choice": "a choice"}[hyper.kind]
        raise SpecError(f"--vary {axis.name}: {axis.name} is {what}, not a real number to vary")
    hyper.coerce(np.array([axis.lo, axis.hi]), axis.name.split(".")[0])  # the range inside the declared one
    return hyper


def check_axes(spec: RunSpec, axes: list[Axis]) -> None:
    if not 1 <= len(axes) <= MAX_AXES:
        raise SpecError(f"give one or two --vary axes ({len(axes)} given)")
    names = [a.name for a in axes]
    if len(set(names)) != len(names):
        raise SpecError(f"--vary {names[0]} is given twice")
    for axis in axes:
        axis_hyper(spec, axis)
    cells = int(np.prod([a.n for a in axes]))
    if cells > MAX_CELLS:
        raise SpecError(f"the grid has {cells} cells, more than the limit of {MAX_CELLS}")


def cell_values(axes: list[Axis]) -> np.ndarray:
    """(cells, n_axes): every combination, the first axis outer, the second inner."""
    mesh = np.meshgrid(*(a.values() for a in axes), indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def with_values(spec: RunSpec, axes: list[Axis], values: np.ndarray) -> RunSpec:
    """The spec with each axis set to a column of `values` ((R,) arrays, or scalars for one cell)."""
    hp = dict(spec.hp)
    schedule = spec.schedule
    for axis, column in zip(axes, np.asarray(values, dtype=float).T, strict=True):
        if axis.is_schedule:
            pname = axis.name[len(SCHEDULE_PREFIX):]
            value = column.reshape(-1, 1) if column.ndim else float(column)
            schedule = dataclasses.replace(schedule, params={**schedule.params, pname: value})
        else:
            hp[axis.name] = column if column.ndim else float(column)
    return dataclasses.replace(spec, hp=hp, schedule=schedule)


def spec_text(spec: RunSpec) -> str:
    """A spec string that parses back to exactly this configuration (values in repr: exact floats)."""
    hp = ",".join(f"{k}={_exact(v)}" for k, v in spec.hp.items())
    text = spec.optimizer.id + (f":{hp}" if hp else "")
    if spec.schedule is not None:
        params = ",".join(f"{k}={_exact(v)}" for k, v in spec.schedule.params.items())
        text += f"|schedule={spec.schedule.id}" + (f":{params}" if params else "")
    if spec.batch is not None:
        text += f"|batch={spec.batch}"
    return text


def _exact(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))
