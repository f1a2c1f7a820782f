"""Optimizer spec strings, shared by the CLI, the page's URL and exports (DESIGN.md §5):

    ID[:hp=v,...][|schedule=ID[:p=v,...]][|batch=MODE]

e.g. "adam:eta=0.1,beta1=0.9", "gd:eta=1|schedule=step:drop=0.5,every=5", "momentum|batch=stochastic".
Schedule and batch are per optimizer; specs that do not name them take the run's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

from .engine import Batching, Problem, Trajectory, parse_batching, run
from .hyper import SpecError, parse_pairs
from .registry import Optimizer, get_optimizer
from .schedules import Schedule, parse_schedule


@dataclass(frozen=True)
class RunSpec:
    text: str  # the spec as given: the optimizer's label in tables and files
    optimizer: Optimizer
    hp: dict  # values the user set (checked); defaults are filled in by the engine
    schedule: Schedule | None  # None: use the run's default
    batch: str | None  # None: use the run's default


def parse_spec(text: str) -> RunSpec:
    """Parse one optimizer spec; SpecError names the bad part."""
    if not text.strip().isprintable():  # a newline or tab would be carried into CSV labels and titles
        raise SpecError(f"optimizer spec {text.strip()!r} contains a control character")
    head, *options = [part.strip() for part in text.strip().split("|")]
    name, _, hp_text = head.partition(":")
    opt = get_optimizer(name.strip())
    hp = {}
    for key, value in parse_pairs(hp_text, f"optimizer {opt.id}").items():
        hp[key] = opt.hyper(key).coerce(value, opt.id)
    schedule = batch = None
    seen: set[str] = set()
    for option in options:
        key, sep, value = option.partition("=")
        key = key.strip()
        if not sep:
            raise SpecError(f"{text!r}: {option!r} is not of the form schedule=... or batch=...")
        if key in seen:
            raise SpecError(f"{text!r}: {key}= is given twice")
        seen.add(key)
        if key == "schedule":
            schedule = parse_schedule(value)
        elif key == "batch":
            parse_batching(value)  # validate now, apply with the run's shuffle/seed later
            batch = value.strip()
        else:
            raise SpecError(f"{text!r}: unknown option {key!r} (use schedule= or batch=)")
    return RunSpec(text.strip(), opt, hp, schedule, batch)


def run_spec(problem: Problem, spec: RunSpec | str, starts, steps: int, *,
             convention: str = "lecture", schedule: Schedule | None = None,
             batching: Batching | None = None, **kwargs) -> Trajectory:
    """Run one spec; its own schedule/batch win over the defaults given here."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    batching = batching or Batching()
    if spec.batch is not None:
        batching = parse_batching(spec.batch, batching.shuffle, batching.seed)
    return run(problem, spec.optimizer, starts, steps, spec.hp, convention=convention,
               schedule=spec.schedule or schedule, batching=batching, label=spec.text, **kwargs)
