"""Pure NumPy problems: the course's sigmoid datasets, classic analytic surfaces, and the user's own:
a typed loss (`custom`, surfaces/custom.py) or a CSV of data (`data`, surfaces/owndata.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from .analytic import ANALYTIC, Analytic
from .base import Problem
from .custom import CustomLoss, LossError, check_loss, custom_problem, parse_loss, parse_window, window_text
from .online import OnlineLinear, reddi, sparse_stream
from .owndata import DataError, data_problem, load_data, parse_data
from .sigmoid import SigmoidProblem, sigmoid, sigmoid_2pt, sigmoid_sparse, sigmoid_sparse_4d, sigmoid_valley

_FACTORIES: dict[str, Callable[[], Problem]] = {
    "sigmoid-2pt": sigmoid_2pt,
    "sigmoid-valley": sigmoid_valley,
    "sigmoid-sparse": sigmoid_sparse,
    "sigmoid-sparse-4d": sigmoid_sparse_4d,
    **{a.id: (lambda a=a: a) for a in ANALYTIC},
    "reddi": reddi,
    "sparse-stream": sparse_stream,
}
PROBLEM_IDS: tuple[str, ...] = tuple(_FACTORIES)
USER_PROBLEMS: tuple[str, ...] = ("custom", "data")  # built from what the user gives


class UnknownProblem(ValueError):
    """An unknown problem id; the message lists the known ones."""


@cache
def get_problem(name: str) -> Problem:
    """The problem with this id (built once; problems are read-only)."""
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise UnknownProblem(f"unknown problem {name!r} (known: {', '.join(PROBLEM_IDS)})") from None


ProblemError = (UnknownProblem, LossError, DataError)  # what make_problem raises for bad user input


def make_problem(name: str, *, loss: str | None = None, window=None, data: str | Path | bytes | None = None
                 ) -> Problem:
    """Any problem: a built-in id (as `get_problem`), "custom" from a typed loss in x and y (window
    "X0:X1,Y0:Y1" or ((x0, x1), (y0, y1)), default −5..5), or "data" from a CSV (a path, or its bytes).
    Bad input raises one of ProblemError with a message for the user."""
    if name == "custom":
        if loss is None:
            raise LossError("problem custom needs a loss in x and y (--loss \"EXPR\")")
        bounds = parse_window(window) if window is None or isinstance(window, str) else \
            parse_window(window_text(window))
        return custom_problem(loss, bounds)
    if loss is not None or window is not None:
        raise LossError(f"a typed loss and its window go with problem custom, not {name!r}")
    if name == "data":
        if data is None:
            raise DataError("problem data needs a CSV file with columns x (or x1..x4) and y (--data FILE.csv)")
        return data_problem(*parse_data(data)) if isinstance(data, bytes) else load_data(data)
    if data is not None:
        raise DataError(f"a data file goes with problem data, not {name!r}")
    return get_problem(name)


__all__ = ["ANALYTIC", "PROBLEM_IDS", "USER_PROBLEMS", "Analytic", "CustomLoss", "DataError", "LossError",
           "OnlineLinear", "Problem", "ProblemError", "SigmoidProblem", "UnknownProblem", "check_loss",
           "custom_problem", "data_problem", "get_problem", "load_data", "make_problem", "parse_data",
           "parse_loss", "parse_window", "sigmoid", "sigmoid_2pt", "sigmoid_sparse", "sigmoid_sparse_4d",
           "sigmoid_valley", "window_text"]
