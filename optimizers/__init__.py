"""Pure NumPy optimizers: update rules, hyperparameter declarations, schedules and the batched engine."""

from .engine import MAX_STEPS, Batching, Trajectory, parse_batching, run
from .hyper import Hyper, SpecError
from .registry import CONVENTIONS, OPTIMIZERS, Optimizer, get_optimizer
from .schedules import SCHEDULES, Schedule, parse_schedule
from .spec import RunSpec, parse_spec, run_spec

__all__ = [
    "CONVENTIONS", "MAX_STEPS", "OPTIMIZERS", "SCHEDULES", "Batching", "Hyper", "Optimizer", "RunSpec",
    "Schedule", "SpecError", "Trajectory", "get_optimizer", "parse_batching", "parse_schedule",
    "parse_spec", "run", "run_spec",
]
