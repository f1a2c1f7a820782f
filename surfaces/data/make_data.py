"""Write the fixed datasets of the sigmoid neuron f(x) = σ(w·x + b) (see surfaces/sigmoid.py).

Run `python surfaces/data/make_data.py`: it rewrites the three CSV files next to this script. The
constants and the numpy.random.default_rng seeds are fixed, so a re-run reproduces the files byte
for byte. Floats are written as Python's shortest round-trip repr, so the CSV holds the exact
doubles. The loss is L = Σ ½ (y − f(x))², summed over the points. The measured behaviour of each
dataset (starts, windows, learning rates, numbers) is in README_DATA.md.

sigmoid_valley.csv (x, y) — momentum vs GD vs NAG. Three noiseless points on σ(0.25x − 0.7) at
    x = 0.8, 2.6, 2.8, so the minimum is L = 0 at (w, b) = (0.25, −0.7). Two almost equal x make w
    and b strongly coupled: a long narrow diagonal valley between flat plateaus. From (4.3, −2.5)
    GD (η = 1) creeps on a plateau, momentum (η = 1, γ = 0.9) reaches the valley floor making
    u-turns, NAG makes fewer.
sigmoid_sparse.csv (x, y) — AdaGrad vs the rest. The course's data: 100 points with x ~ U(0, 1)
    and then exactly 80 of the x set to 0, y = σ(3x + 1) + N(0, 0.05²) clipped to [0.01, 0.99].
    b gets a gradient from every point, w only from the 20 with x ≠ 0, so GD, momentum and NAG
    first move along b; AdaGrad moves w as much as b, then stalls (its b learning rate decays
    fastest) where RMSProp does not.
sigmoid_sparse_4d.csv (x1..x4, y) — per-parameter learning rates. 100 points, x_j ~ U(0, 1) with
    exactly 0, 50, 80 and 95 of the values of x1..x4 set to 0, y = σ(w·x + b) + N(0, 0.05²)
    clipped, w = (1, 1, 1, 1), b = −2: the features are equally important and differ only in how
    often they are non-zero, so AdaGrad's per-weight rates order by sparsity.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
N = 100
NOISE = 0.05


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def noisy_targets(rng: np.random.Generator, z: np.ndarray) -> np.ndarray:
    return np.clip(sigmoid(z) + rng.normal(0.0, NOISE, len(z)), 0.01, 0.99)


def sparse_column(rng: np.random.Generator, n_zero: int) -> np.ndarray:
    """N values from U(0, 1), exactly n_zero of them (at random places) set to 0."""
    x = rng.uniform(0.0, 1.0, N)
    x[rng.choice(N, size=n_zero, replace=False)] = 0.0
    return x


def valley() -> np.ndarray:
    x = np.array([0.8, 2.6, 2.8])
    return np.column_stack([x, sigmoid(0.25 * x - 0.7)])


def sparse() -> np.ndarray:
    rng = np.random.default_rng(1)
    x = sparse_column(rng, 80)
    return np.column_stack([x, noisy_targets(rng, 3.0 * x + 1.0)])


def sparse_4d() -> np.ndarray:
    rng = np.random.default_rng(4)
    X = np.column_stack([sparse_column(rng, k) for k in (0, 50, 80, 95)])
    return np.column_stack([X, noisy_targets(rng, X.sum(axis=1) - 2.0)])


def write_csv(name: str, header: str, rows: np.ndarray) -> None:
    lines = [header] + [",".join(repr(float(v)) for v in row) for row in rows]
    (HERE / name).write_text("\n".join(lines) + "\n", newline="\n")


if __name__ == "__main__":
    write_csv("sigmoid_valley.csv", "x,y", valley())
    write_csv("sigmoid_sparse.csv", "x,y", sparse())
    write_csv("sigmoid_sparse_4d.csv", "x1,x2,x3,x4,y", sparse_4d())
