"""The problem base class: what every problem offers besides its loss and gradient.

A problem is a loss over parameters P of shape (R, D) (R runs at once), its analytic gradient, a
default start, a view window for plots, and its known minima. `grid` evaluates the loss on a 2-D
slice (two chosen parameters vary, the others stay at `base`) in one vectorized call.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

Array = np.ndarray


class Problem(ABC):
    id: str = ""
    name: str = ""
    description: str = ""
    param_names: tuple[str, ...] = ()
    n_points: int | None = None  # None: analytic surface without data
    start: tuple[float, ...] = ()
    window: tuple[tuple[float, float], ...] = ()  # (lo, hi) per parameter
    minima: tuple[tuple[float, ...], ...] = ()
    log_color: bool = True  # the loss spans decades: colour surfaces on a log scale

    # --- the protocol the engine uses -------------------------------------------------------
    @abstractmethod
    def loss(self, P: Array) -> Array:  # (R,)
        """Full-data loss of each run."""

    @abstractmethod
    def grad(self, P: Array, idx: Array | None = None) -> Array:  # (R, D)
        """Gradient of the loss summed over the points `idx` (all when None)."""

    def loss_and_grad(self, P: Array) -> tuple[Array, Array]:
        return self.loss(P), self.grad(P)

    def project(self, P: Array) -> Array:
        return P

    # --- helpers for plots and the CLI --------------------------------------------------------
    @property
    def dim(self) -> int:
        return len(self.param_names)

    def random_starts(self, n: int, seed: int = 0) -> Array:
        """n starts drawn uniformly inside the view window (seeded)."""
        lo, hi = np.array(self.window, dtype=float).T
        return np.random.default_rng(seed).uniform(lo, hi, size=(n, self.dim))

    def in_window(self, point) -> bool:
        p = np.asarray(point, dtype=float)
        lo, hi = np.array(self.window, dtype=float).T
        return bool(np.all((p >= lo) & (p <= hi)))

    def grid(self, n: int = 101, dims: tuple[int, int] = (0, 1), base=None,
             window=None) -> tuple[Array, Array, Array]:
        """Loss on an n×n grid over parameters `dims` (others fixed at `base`): xs (n,), ys (n,),
        Z (n, n) with Z[i, j] = loss at (xs[j], ys[i])."""
        base = np.array(self.start if base is None else base, dtype=float)
        window = window or (self.window[dims[0]], self.window[dims[1]])
        xs = np.linspace(*window[0], n)
        ys = np.linspace(*window[1], n)
        X, Y = np.meshgrid(xs, ys)
        P = np.repeat(base[None, :], X.size, axis=0)
        P[:, dims[0]], P[:, dims[1]] = X.ravel(), Y.ravel()
        with np.errstate(all="ignore"):
            Z = self.loss(P).reshape(X.shape)
        return xs, ys, Z

    def curve(self, n: int = 201, dim: int = 0, base=None) -> tuple[Array, Array]:
        """Loss along one parameter (others at `base`): for 1-parameter problems and slices."""
        base = np.array(self.start if base is None else base, dtype=float)
        xs = np.linspace(*self.window[dim], n)
        P = np.repeat(base[None, :], n, axis=0)
        P[:, dim] = xs
        with np.errstate(all="ignore"):
            return xs, self.loss(P)

    def describe(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description,
                "params": list(self.param_names), "n_points": self.n_points,
                "start": list(self.start), "window": [list(w) for w in self.window],
                "minima": [list(m) for m in self.minima]}
