"""Numbers for the comparison table: final loss, steps to a tolerance, path length, u-turns, diverged at."""

from __future__ import annotations

import numpy as np

from optimizers import Trajectory

TOLERANCE = 1e-4


def u_turns(path: np.ndarray) -> int:
    """Count of k with (θ_{k+1} − θ_k)·(θ_k − θ_{k−1}) < 0 on a (T+1, D) path (finite rows only)."""
    path = path[np.all(np.isfinite(path), axis=1)]
    if len(path) < 3:
        return 0
    d = np.diff(path, axis=0)  # (T, D)
    return int(np.sum(np.einsum("kd,kd->k", d[1:], d[:-1]) < 0))


def path_length(path: np.ndarray) -> float:
    path = path[np.all(np.isfinite(path), axis=1)]
    return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum()) if len(path) > 1 else 0.0


def steps_to(loss: np.ndarray, target: float, tol: float = TOLERANCE) -> int | None:
    """First step k with loss_k − target ≤ tol (None if never)."""
    with np.errstate(invalid="ignore"):
        hit = np.flatnonzero(loss - target <= tol)
    return int(hit[0]) if hit.size else None


def run_metrics(traj: Trajectory, r: int, target: float, tol: float = TOLERANCE) -> dict:
    last = traj.last_row(r)
    path = traj.params[: last + 1, r]  # (K, D)
    return {
        "final_loss": float(traj.loss[last, r]),
        "epochs": float(traj.epoch[last]),
        "steps_to_tol": steps_to(traj.loss[: last + 1, r], target, tol),
        "path_length": path_length(path),
        "u_turns": u_turns(path),
        "diverged_at": int(traj.diverged_at[r]) if traj.diverged_at[r] >= 0 else None,
    }


def best_loss(trajs: list[Trajectory], known_min: float | None = None) -> float:
    """The target for 'steps to tolerance': the problem's known minimum, else the best loss seen."""
    if known_min is not None and np.isfinite(known_min):
        return float(known_min)
    values = [np.nanmin(t.loss) for t in trajs if np.isfinite(t.loss).any()]
    return float(min(values)) if values else float("nan")


def comparison(trajs: list[Trajectory], known_min: float | None = None, tol: float = TOLERANCE) -> list[dict]:
    """One row per (optimizer, run)."""
    target = best_loss(trajs, known_min)
    rows = []
    for i, traj in enumerate(trajs):
        for r in range(traj.runs):
            label = traj.label if traj.runs == 1 else f"{traj.label} #{r + 1}"
            rows.append({"opt": i, "run": r, "label": label, **run_metrics(traj, r, target, tol)})
    return rows
