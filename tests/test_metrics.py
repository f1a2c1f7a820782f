"""Comparison-table numbers."""

import numpy as np

from layouts import metrics
from scenarios.settings import defaults, simulate


def test_u_turns_counts_reversals_of_direction():
    path = np.array([[0, 0], [1, 0], [0.5, 0], [1.5, 0], [2, 0]], dtype=float)
    assert metrics.u_turns(path) == 2


def test_path_length_sums_step_lengths_and_skips_nan_rows():
    path = np.array([[0, 0], [3, 4], [3, 5], [np.nan, np.nan]])
    assert metrics.path_length(path) == 6.0


def test_steps_to_tolerance_first_hit_or_none():
    assert metrics.steps_to(np.array([1.0, 0.5, 1e-5, 0.0]), 0.0, 1e-4) == 2
    assert metrics.steps_to(np.array([1.0, 0.5]), 0.0, 1e-4) is None


def test_comparison_reports_divergence_and_momentum_uturns():
    s = defaults("bowl")
    s["optimizers"] = ["gd:eta=5", "momentum:eta=0.1,gamma=0.9"]
    rows = metrics.comparison(simulate(s), known_min=0.0)
    assert rows[0]["diverged_at"] == 5 and rows[1]["diverged_at"] is None
    assert rows[1]["u_turns"] > 0 and rows[1]["steps_to_tol"] is not None
