"""The course's sigmoid neuron f(x) = σ(w·x + b) and its datasets.

Loss (DESIGN.md §3): L = Σ_i ½ (y_i − f(x_i))², summed over the points of the batch;
gradient ∂L/∂(w, b) = Σ_i (f_i − y_i) f_i (1 − f_i) (x_i, 1).

For full-batch work the points are grouped by identical x (the sparse datasets have ~80 of 100 x
equal to 0): with n_u points at x_u, Σy and Σy² per group, the loss and gradient need one sigmoid
per distinct x instead of one per point. The per-point form is used for stochastic and mini-batches.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy import tanh

from .base import Array, Problem

DATA = Path(__file__).parent / "data"
MAX_FLOAT_GROUPS = 8  # distinct x up to which one run's loss and gradient are faster on floats than in NumPy


def rowdot(A: Array, B: Array) -> Array:
    """Σ_k A[r, k] B[k, d] (or B[r, k, d]) summed in an order that does not depend on R, so a run
    gives the same bits alone or in a batch (a BLAS matmul blocks differently for different R)."""
    Bb = B if B.ndim == 3 else B[None]
    return rowsum(A[:, :, None] * Bb)


FEW = 8  # NumPy sums up to 7 terms left to right: a loop over columns gives the same bits


def rowsum(A: Array) -> Array:
    """Σ over axis 1 of (R, U) or (R, U, D). With few terms, one vector add per term: the same bits as
    A.sum(axis=1) but ~25× faster at U = 2 (NumPy's reduction pays per row on short rows; sweeps and
    basin maps run thousands of rows)."""
    if A.shape[1] >= FEW:
        return A.sum(axis=1)
    out = A[:, 0].copy()
    for u in range(1, A.shape[1]):
        out += A[:, u]
    return out


def sigmoid(z: Array) -> Array:
    """σ(z) without overflow warnings for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class SigmoidProblem(Problem):
    """A sigmoid neuron with Din inputs; params (w1..wDin, b) or (w, b) when Din = 1."""

    def __init__(self, id: str, name: str, X, Y, *, start, window, minima=(), description=""):
        self.id, self.name, self.description = id, name, description
        self.X = np.array(X, dtype=float).reshape(len(Y), -1)  # (N, Din)
        self.Y = np.array(Y, dtype=float)  # (N,)
        din = self.X.shape[1]
        self.param_names = ("w", "b") if din == 1 else (*(f"w{i + 1}" for i in range(din)), "b")
        self.n_points = len(self.Y)
        self.start, self.window, self.minima = tuple(start), tuple(window), tuple(minima)
        # groups of identical x for the full-batch fast path
        self.Xu, inverse = np.unique(self.X, axis=0, return_inverse=True)  # (U, Din)
        inverse = inverse.ravel()
        self.count = np.bincount(inverse).astype(float)  # (U,)
        self.sum_y = np.bincount(inverse, weights=self.Y)  # (U,)
        self.mean_y = self.sum_y / self.count  # (U,) ȳ per group
        # ½ Σ_i (y_i − ȳ_group)²: the part of the loss no (w, b) can remove; with it the loss is
        # ½ Σ_u n_u (f_u − ȳ_u)² + residual, accurate to full relative precision near a minimum
        self.residual = 0.5 * float(np.sum((self.Y - self.mean_y[inverse]) ** 2))
        self.groups = tuple(zip(self.Xu.tolist(), self.count.tolist(), self.mean_y.tolist(), strict=True))

    def predict(self, P: Array, X: Array) -> Array:
        """f for every run and point: (R, n)."""
        if X.shape[1] >= FEW:
            return sigmoid((P[:, None, :-1] * X[None]).sum(axis=2) + P[:, -1:])
        z = P[:, None, 0] * X[None, :, 0]  # (R, n): Σ_k w_k x_k, term by term (see rowsum)
        for k in range(1, X.shape[1]):
            z += P[:, None, k] * X[None, :, k]
        return sigmoid(z + P[:, -1:])

    def loss(self, P: Array) -> Array:
        r = self.predict(P, self.Xu) - self.mean_y  # (R, U)
        return self.residual + 0.5 * rowsum(self.count * r * r)

    def loss_and_grad(self, P: Array) -> tuple[Array, Array]:
        f = self.predict(P, self.Xu)  # (R, U)
        r = f - self.mean_y
        loss = self.residual + 0.5 * rowsum(self.count * r * r)
        delta = self.count * r * f * (1.0 - f)  # (R, U): Σ_group (f − y) f (1 − f)
        g = np.empty_like(P)
        g[:, :-1] = rowdot(delta, self.Xu)
        g[:, -1] = rowsum(delta)
        return loss, g

    def loss_and_grad_floats(self):
        """loss_and_grad of one run on plain floats, `(w..., b) -> (loss, (∂w..., ∂b))`, for the engine's
        fast path at R = 1: NumPy spends ~15 µs in call overhead on a (1, D) array, this ~2 µs. The same
        operations in the same order and NumPy's tanh, so the same bits. None when there are too many
        distinct x for plain floats to win."""
        if len(self.groups) > MAX_FLOAT_GROUPS:
            return None
        groups, residual = self.groups, self.residual
        if self.X.shape[1] > 1:
            return lambda p: _loss_and_grad_floats(groups, residual, p)
        groups = tuple((x[0], n, y) for x, n, y in groups)

        def one_input(p):  # the common case written out: ~2x faster than the general loop
            w, b = p
            loss = gw = gb = 0.0
            for x, n, y in groups:
                f = 0.5 * (1.0 + float(tanh(0.5 * (w * x + b))))
                nr = n * (f - y)
                loss += nr * (f - y)
                delta = nr * f * (1.0 - f)
                gw += delta * x
                gb += delta
            return residual + 0.5 * loss, (gw, gb)

        return one_input

    def grad(self, P: Array, idx: Array | None = None) -> Array:
        if idx is None:
            return self.loss_and_grad(P)[1]
        X, Y = self.X[idx], self.Y[idx]  # (K, Din) or (R, K, Din)
        if idx.ndim == 1:
            f = self.predict(P, X)  # (R, K)
        else:
            f = sigmoid((P[:, None, :-1] * X).sum(axis=2) + P[:, -1:])  # (R, K)
        delta = (f - Y) * f * (1.0 - f)
        return np.concatenate([rowdot(delta, X), delta.sum(axis=1, keepdims=True)], axis=1)

    def batch_loss(self, P: Array, idx: Array) -> Array:
        """½ Σ (y − f)² over the points idx ((K,), or (R, K) per run): what a stochastic line search compares."""
        X, Y = self.X[idx], self.Y[idx]
        if idx.ndim == 1:
            f = self.predict(P, X)  # (R, K)
        else:
            f = sigmoid((P[:, None, :-1] * X).sum(axis=2) + P[:, -1:])
        return 0.5 * ((Y - f) ** 2).sum(axis=1)


def _loss_and_grad_floats(groups, residual: float, p: tuple[float, ...]) -> tuple[float, tuple[float, ...]]:
    """SigmoidProblem.loss_and_grad for one run on floats, any number of inputs."""
    *w, b = p
    loss, g = 0.0, [0.0] * len(p)
    for x, n, y in groups:  # (Din,) inputs, points, ȳ of one group
        wx = w[0] * x[0]
        for k in range(1, len(x)):
            wx += w[k] * x[k]
        f = 0.5 * (1.0 + float(tanh(0.5 * (wx + b))))
        nr = n * (f - y)
        loss += nr * (f - y)
        delta = nr * f * (1.0 - f)
        for k, xk in enumerate(x):
            g[k] += delta * xk
        g[-1] += delta
    return residual + 0.5 * loss, tuple(g)


def _csv(name: str) -> Array:
    return np.loadtxt(DATA / name, delimiter=",", skiprows=1, ndmin=2)


def sigmoid_2pt() -> SigmoidProblem:
    return SigmoidProblem(
        "sigmoid-2pt", "Sigmoid neuron, two points", [0.5, 2.5], [0.2, 0.9],
        start=(-2.0, -2.0), window=((-6.0, 6.0), (-6.0, 6.0)),
        # σ(0.5w + b) = 0.2 and σ(2.5w + b) = 0.9 exactly: w = ln 6, b = ln ¼ − ½ ln 6
        minima=((float(np.log(6.0)), float(np.log(0.25) - 0.5 * np.log(6.0))),),
        description="The course's toy: fit σ(wx+b) through (0.5, 0.2) and (2.5, 0.9). "
                    "From (−2, −2) a long plateau, then a cliff down to the minimum.")


def sigmoid_valley() -> SigmoidProblem:
    data = _csv("sigmoid_valley.csv")
    return SigmoidProblem(
        "sigmoid-valley", "Sigmoid neuron, narrow valley", data[:, :-1], data[:, -1],
        start=VALLEY_START, window=((-6.0, 6.0), (-6.0, 6.0)),
        minima=((0.25, -0.7),),  # the three points lie on σ(0.25x − 0.7): an exact fit, L = 0
        description="Points chosen so the error surface is a long, narrow valley: momentum "
                    "overshoots across it (u-turns) and still wins; NAG damps the u-turns.")


def sigmoid_sparse() -> SigmoidProblem:
    data = _csv("sigmoid_sparse.csv")
    return SigmoidProblem(
        "sigmoid-sparse", "Sigmoid neuron, sparse feature", data[:, :-1], data[:, -1],
        start=SPARSE_START, window=SPARSE_WINDOW,
        minima=((2.789075436957, 0.956460142043),),  # Newton's method to |∇L| < 1e-16; L = 0.1247…
        description="100 points, about 80% with x = 0: w rarely gets a gradient, b always does. "
                    "GD, momentum and NAG move mostly along b; AdaGrad moves w too.")


def sigmoid_sparse_4d() -> SigmoidProblem:
    data = _csv("sigmoid_sparse_4d.csv")
    return SigmoidProblem(
        "sigmoid-sparse-4d", "4-input neuron, sparse features", data[:, :-1], data[:, -1],
        start=SPARSE4D_START, window=((-6.0, 6.0),) * 5,
        minima=((0.890719644022, 1.040061009468, 0.981969830655, 1.078227532583, -1.968260598268),),  # Newton
        description="The 4-input neuron of the adaptive-learning-rate notes: x1 dense, x2..x4 "
                    "increasingly sparse. Plots show any 2-D slice through the current point.")


# Defaults chosen with surfaces/data/make_data.py (see surfaces/data/README_DATA.md).
VALLEY_START = (4.3, -2.5)
SPARSE_START = (-2.0, -4.0)
SPARSE_WINDOW = ((-6.0, 6.0), (-6.0, 6.0))
SPARSE4D_START = (0.0, 0.0, 0.0, 0.0, 0.0)
