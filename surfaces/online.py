"""Reddi, Kale & Kumar (2018), "On the convergence of Adam and beyond": the online problem on which
Adam provably drifts to the worst point while AMSGrad converges.

One parameter x ∈ [−1, 1]; the loss of round t is f_t(x) = C·x when t mod 3 = 1 and −x otherwise.
Written as a dataset of three "points" taken in order by stochastic batching (one per update), so the
engine needs nothing special; the feasible set is enforced by `project`. Over a cycle the loss is
(C − 2)·x, minimised at x = −1; with β₁ = 0, β₂ = 1/(1 + C²) Adam's rare large gradient C is forgotten
so fast that the two −1 gradients win and x goes to +1.
"""

from __future__ import annotations

import numpy as np

from .base import Array, Problem


class ReddiProblem(Problem):
    def __init__(self, C: float = 3.0):
        self.C = C
        self.id = "reddi"
        self.name = "Adam's counterexample (Reddi et al. 2018)"
        self.description = (f"Online losses C·x, −x, −x, … (C = {C:g}) on x ∈ [−1, 1]: the best x is −1. "
                            "Adam is pulled to +1, AMSGrad reaches −1.")
        self.param_names = ("x",)
        self.n_points = 3
        self.slopes = np.array([C, -1.0, -1.0])  # (N,) gradient of each round's loss
        self.start, self.window, self.minima = (0.0,), ((-1.0, 1.0),), ((-1.0,),)
        self.log_color = False

    def loss(self, P: Array) -> Array:
        return P[:, 0] * self.slopes.sum()

    def grad(self, P: Array, idx: Array | None = None) -> Array:
        slopes = self.slopes if idx is None else self.slopes[idx]
        total = slopes.sum(axis=-1) if np.ndim(slopes) > 1 else np.sum(slopes)
        return np.broadcast_to(np.reshape(total, (-1, 1)), P.shape).astype(float)

    def project(self, P: Array) -> Array:
        return np.clip(P, -1.0, 1.0)
