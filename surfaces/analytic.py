"""Classic analytic test surfaces f(x, y) with hand-written gradients and known minima.

They have no data points, so only full-batch runs make sense on them. `Analytic` takes the function
and its gradient as plain formulas in x and y (arrays of shape (R,)) and does the batching.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .base import Array, Problem

IN_PLACE_RUNS = 512  # from this many runs on, a surface with a row kernel uses it (see loss_and_grad)


class Analytic(Problem):
    columns_first = True  # every formula reads x and y: the engine keeps P's columns contiguous (F order)

    def __init__(self, id: str, name: str, f: Callable, df: Callable, *, start, window, minima,
                 description: str, log_color: bool = True, fused: Callable | None = None,
                 fused_rows: Callable | None = None):
        self.id, self.name, self.description = id, name, description
        self.f, self.df = f, df
        self.fused = fused  # fused(x, y) -> (f, gx, gy): terms shared between loss and gradient computed once
        self.fused_rows = fused_rows  # fused_rows(Q) -> (f, G): the same on Q = (x; y) as (2, R) rows
        self.param_names = ("x", "y")
        self.start, self.window, self.minima = tuple(start), tuple(window), tuple(minima)
        self.log_color = log_color

    def loss(self, P: Array) -> Array:
        return self.f(P[:, 0], P[:, 1])

    def grad(self, P: Array, idx: Array | None = None) -> Array:
        x, y = np.ascontiguousarray(P.T)
        G = np.empty((2, P.shape[0]))
        G[0], G[1] = self.df(x, y)  # a component may be a constant (the bowl's, the ravine's)
        return G.T

    def loss_and_grad(self, P: Array) -> tuple[Array, Array]:
        """Loss (R,) and gradient (R, 2), the gradient as the view G.T of rows G (2, R).

        With the engine's column-contiguous P (F order), Q = P.T is a view, no copy, and every operation
        runs over contiguous rows. From IN_PLACE_RUNS runs on (basin maps: 10,000 starts), a surface's row
        kernel works on both rows at once, in place where it can: half the NumPy calls, fewer temporaries;
        below that, call overhead dominates and the plain expressions are faster (a single run: 9 µs against
        14 µs). Both compute the same operations in the same order: the same bits."""
        Q = np.ascontiguousarray(P.T)  # (2, R): the columns once, contiguous; a view when P is in F order
        if self.fused_rows is not None and P.shape[0] >= IN_PLACE_RUNS:
            f, G = self.fused_rows(Q)
            return f, G.T
        G = np.empty((2, P.shape[0]))
        x, y = Q
        f, G[0], G[1] = self.fused(x, y) if self.fused is not None else (self.f(x, y), *self.df(x, y))
        return f, G.T


def _himmelblau_fused(x, y):
    """Loss and gradient sharing a = x² + y − 11 and b = x + y² − 7."""
    a, b = x * x + y - 11, x + y * y - 7
    return a * a + b * b, 4 * x * a + 2 * b, 2 * a + 4 * y * b


HIMMELBLAU_SHIFT = np.array([[11.0], [7.0]])


def _himmelblau_rows(Q):
    """_himmelblau_fused on Q = (x; y), both rows at once: (a; b) = Q² + (y; x) − (11; 7), f = a² + b² and
    (gx; gy) = 4Q·(a; b) + 2(b; a). The same operations in the same order (x + y² = y² + x: IEEE addition
    commutes), so the same bits, in 9 NumPy calls instead of 17."""
    AB = Q * Q
    AB += Q[::-1]
    AB -= HIMMELBLAU_SHIFT
    S = AB * AB
    f = S[0] + S[1]
    G = np.multiply(Q, 4)
    G *= AB
    np.multiply(AB[::-1], 2, out=S)
    G += S
    return f, G


def _beale_terms(x, y):
    return 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3


def _beale(x, y):
    a, b, c = _beale_terms(x, y)
    return a**2 + b**2 + c**2


def _beale_grad(x, y):
    a, b, c = _beale_terms(x, y)
    return (2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
            2 * a * x + 4 * b * x * y + 6 * c * x * y**2)


TAU = 2 * np.pi

ANALYTIC: tuple[Analytic, ...] = (
    Analytic("bowl", "Bowl", lambda x, y: 0.5 * (x**2 + y**2), lambda x, y: (x, y),
             start=(-4.0, 3.0), window=((-5, 5), (-5, 5)), minima=((0.0, 0.0),), log_color=False,
             description="½(x² + y²): round, the same curvature everywhere; GD goes straight in."),
    Analytic("ravine", "Ravine", lambda x, y: 0.5 * (0.1 * x**2 + 10 * y**2),
             lambda x, y: (0.1 * x, 10 * y),
             start=(-4.5, 1.0), window=((-5, 5), (-2, 2)), minima=((0.0, 0.0),),
             description="½(0.1x² + 10y²): curvature 100× larger across than along — GD zig-zags."),
    Analytic("saddle", "Saddle", lambda x, y: x**2 - y**2 + 0.25 * y**4,
             lambda x, y: (2 * x, -2 * y + y**3),
             start=(-2.0, 0.01), window=((-2.5, 2.5), (-2.5, 2.5)),
             minima=((0.0, np.sqrt(2.0)), (0.0, -np.sqrt(2.0))), log_color=False,
             description="x² − y² + y⁴/4: a saddle at the origin between two minima (0, ±√2)."),
    Analytic("rosenbrock", "Rosenbrock", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
             lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)),
             start=(-1.5, 2.0), window=((-2, 2), (-1, 3)), minima=((1.0, 1.0),),
             description="(1 − x)² + 100(y − x²)²: a curved banana valley, minimum at (1, 1)."),
    Analytic("beale", "Beale", _beale, _beale_grad,
             start=(1.0, 1.4), window=((-4.5, 4.5), (-4.5, 4.5)), minima=((3.0, 0.5),),
             description="Beale's function: flat plateaus and sharp ridges, minimum at (3, ½)."),
    Analytic("himmelblau", "Himmelblau",
             lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
             lambda x, y: (4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
                           2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)),
             fused=_himmelblau_fused, fused_rows=_himmelblau_rows,
             start=(0.0, 0.0), window=((-5, 5), (-5, 5)),
             minima=((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                     (3.584428, -1.848126)),
             description="(x² + y − 11)² + (x + y² − 7)²: four equal minima — where you end "
                         "depends on where you start."),
    Analytic("rastrigin", "Rastrigin",
             lambda x, y: 20 + x**2 + y**2 - 10 * (np.cos(TAU * x) + np.cos(TAU * y)),
             lambda x, y: (2 * x + 10 * TAU * np.sin(TAU * x), 2 * y + 10 * TAU * np.sin(TAU * y)),
             start=(3.2, -2.1), window=((-5.12, 5.12), (-5.12, 5.12)), minima=((0.0, 0.0),),
             log_color=False,
             description="A bowl covered in ripples: many local minima, the global one at (0, 0)."),
    Analytic("plateau", "Plateau", lambda x, y: 1 - np.exp(-(x**2 + 4 * y**2) / 8),
             lambda x, y: (np.exp(-(x**2 + 4 * y**2) / 8) * x / 4,
                           np.exp(-(x**2 + 4 * y**2) / 8) * y),
             start=(5.0, 2.0), window=((-6, 6), (-4, 4)), minima=((0.0, 0.0),), log_color=False,
             description="1 − exp(−(x² + 4y²)/8): almost flat far out, a well in the middle — "
                         "small gradients make GD crawl until it reaches the slope."),
)
