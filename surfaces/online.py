"""Online linear problems: the loss of round t is s_t·x for a fixed sequence of slopes s_t, taken in
order by stochastic batching (one "point" per update). The gradient stream is then exactly the
slopes, whatever x is — the clean setting in which the papers argue about adaptive methods.

- reddi: Reddi, Kale & Kumar (2018), "On the convergence of Adam and beyond": slopes C, −1, −1, …
  on x ∈ [−1, 1]. Over a cycle the loss is (C − 2)·x, minimised at x = −1; with β₁ = 0 and
  β₂ = 1/(1 + C²) Adam forgets the rare large gradient so fast that the −1s win and x goes to +1,
  while AMSGrad, which keeps the largest v, converges to −1.
- sparse-stream: a gradient of 1 every tenth round and 0 otherwise (a rare feature). Adam's
  bias-corrected v̂ sinks during every run of zeros, so its effective η/√v̂ saw-tooths; AdaMax's
  u = max(β₂u, |g|) only decays by β₂ per round, so η/u stays steady.
"""

from __future__ import annotations

import numpy as np

from .base import Array, Problem


class OnlineLinear(Problem):
    def __init__(self, id: str, name: str, slopes, *, start: float, window: tuple[float, float],
                 minimum: float, description: str):
        self.id, self.name, self.description = id, name, description
        self.slopes = np.array(slopes, dtype=float)  # (N,) gradient of each round's loss
        self.param_names = ("x",)
        self.n_points = len(self.slopes)
        self.start, self.window, self.minima = (start,), (window,), ((minimum,),)
        self.log_color = False

    def loss(self, P: Array) -> Array:
        return P[:, 0] * self.slopes.sum()

    def grad(self, P: Array, idx: Array | None = None) -> Array:
        slopes = self.slopes if idx is None else self.slopes[idx]
        total = slopes.sum(axis=-1) if np.ndim(slopes) > 1 else np.sum(slopes)
        return np.broadcast_to(np.reshape(total, (-1, 1)), P.shape).astype(float)

    def project(self, P: Array) -> Array:
        return np.clip(P, *self.window[0])


def reddi(C: float = 3.0) -> OnlineLinear:
    return OnlineLinear(
        "reddi", "Adam's counterexample (Reddi et al. 2018)", [C, -1.0, -1.0], start=0.0,
        window=(-1.0, 1.0), minimum=-1.0,
        description=f"Online losses {C:g}·x, −x, −x, … on x ∈ [−1, 1]: the best x is −1. "
                    "Adam is pulled to +1, AMSGrad reaches −1.")


def sparse_stream() -> OnlineLinear:
    return OnlineLinear(
        "sparse-stream", "A rare gradient: 1 every tenth round", [1.0] + [0.0] * 9, start=0.0,
        window=(-5.0, 1.0), minimum=-5.0,
        description="Gradients 1, 0, 0, …, 0 (period 10) for a linear loss on x ∈ [−5, 1]: how each "
                    "method's effective learning rate behaves when a feature is rarely seen.")
