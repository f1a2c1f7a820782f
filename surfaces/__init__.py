"""Pure NumPy problems: the course's sigmoid datasets and classic analytic surfaces."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from .analytic import ANALYTIC, Analytic
from .base import Problem
from .online import OnlineLinear, reddi, sparse_stream
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


class UnknownProblem(ValueError):
    """An unknown problem id; the message lists the known ones."""


@cache
def get_problem(name: str) -> Problem:
    """The problem with this id (built once; problems are read-only)."""
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise UnknownProblem(f"unknown problem {name!r} (known: {', '.join(PROBLEM_IDS)})") from None


__all__ = ["ANALYTIC", "PROBLEM_IDS", "Analytic", "OnlineLinear", "Problem", "SigmoidProblem", "UnknownProblem",
           "get_problem", "sigmoid", "sigmoid_2pt", "sigmoid_sparse", "sigmoid_sparse_4d",
           "sigmoid_valley"]
