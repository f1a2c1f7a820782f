"""Divergence: a run that blows up is stopped, reported with its step, never clipped, and quiet."""

import math
import warnings

import numpy as np
import pytest

import optimizers
from optimizers import OPTIMIZERS
from surfaces import get_problem

ROSEN_START = [-1.5, 2.0]


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def rosenbrock_grad(x, y):
    return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)


def run_quietly(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning (overflow, invalid value) fails the test
        return optimizers.run(*args, **kwargs)


def test_gd_with_a_huge_eta_on_rosenbrock_is_reported_as_diverged_without_warnings():
    traj = run_quietly(get_problem("rosenbrock"), "gd", [ROSEN_START], 50, {"eta": 1e6})
    n = int(traj.diverged_at[0])
    # by hand: the first update lands at θ − 1e6·∇f(θ), where f is about 1e34 ≫ the bound
    gx, gy = rosenbrock_grad(*ROSEN_START)
    x1, y1 = ROSEN_START[0] - 1e6 * gx, ROSEN_START[1] - 1e6 * gy
    assert rosenbrock(x1, y1) > traj.bound
    assert n == 1
    np.testing.assert_allclose(traj.params[1, 0], [x1, y1], rtol=1e-12)
    message = traj.divergence_message(0)
    assert message.startswith(f"diverged at step {n}: loss exceeded ")
    assert f"{traj.bound:g}" in message


def test_diverged_run_has_no_rows_after_the_divergence_step_and_no_nan_before():
    traj = run_quietly(get_problem("rosenbrock"), "gd", [ROSEN_START], 50, {"eta": 1e6})
    n = int(traj.diverged_at[0])
    frame = traj.to_frame()
    assert frame["step"].max() == n and len(frame) == n + 1
    assert not frame.isna().any().any()
    assert np.isfinite(traj.params[: n + 1]).all() and np.isfinite(traj.loss[: n + 1]).all()
    # never clipped: the recorded loss at the divergence step is the true (huge) one
    assert traj.loss[n, 0] == pytest.approx(rosenbrock(*traj.params[n, 0]), rel=1e-12)
    assert traj.final_loss()[0] > traj.bound


def test_a_diverging_run_does_not_disturb_the_other_runs_of_the_batch():
    p = get_problem("rosenbrock")
    batched = run_quietly(p, "gd", [ROSEN_START, ROSEN_START], 200, {"eta": np.array([1e6, 1e-4])})
    alone = run_quietly(p, "gd", [ROSEN_START], 200, {"eta": 1e-4})
    assert batched.diverged_at.tolist() == [1, -1]
    assert batched.divergence_message(1) == ""
    np.testing.assert_array_equal(batched.params[:, 1], alone.params[:, 0])
    np.testing.assert_array_equal(batched.loss[:, 1], alone.loss[:, 0])
    frame = batched.to_frame()
    assert len(frame[frame["run"] == 1]) == 201 and len(frame[frame["run"] == 0]) == 2
    assert not frame.isna().any().any()


@pytest.mark.parametrize("oid", list(OPTIMIZERS))
def test_no_optimizer_warns_or_crashes_when_it_diverges(oid):
    """Every optimizer with an absurd η on rosenbrock: either diverged with a message or still finite."""
    traj = run_quietly(get_problem("rosenbrock"), oid, [ROSEN_START], 100, {"eta": 1e6})
    frame = traj.to_frame()
    assert not frame.isna().any().any()
    if traj.diverged_at[0] >= 0:
        assert traj.divergence_message(0).startswith(f"diverged at step {traj.diverged_at[0]}: ")
        assert frame["step"].max() == traj.diverged_at[0]
    else:
        assert np.isfinite(traj.loss).all() and (traj.loss <= traj.bound).all()


def test_overflowing_parameters_are_reported_not_propagated_as_nan():
    traj = run_quietly(get_problem("bowl"), "gd", [[1.0, 1.0]], 2000, {"eta": 1e6})
    n = int(traj.diverged_at[0])
    assert n > 0
    assert traj.divergence_message(0).startswith(f"diverged at step {n}: ")
    assert not traj.to_frame().isna().any().any()


def test_a_non_finite_loss_is_divergence_even_without_a_bound():
    """DESIGN.md §2: diverged_at is the first step where any value is non-finite *or* the loss exceeds
    the bound. On the bowl with η = 1e6, x_k = y_k = (1 − 1e6)^k and L = x_k² overflows to inf at the
    first k with |x_k| > √(float max) ≈ 1.34e154, i.e. k = 26 (x_25 ≈ 1e150), long before x itself does."""
    k_inf = next(k for k in range(1, 100) if abs((1 - 1e6) ** k) > math.sqrt(np.finfo(float).max))
    assert k_inf == 26
    traj = run_quietly(get_problem("bowl"), "gd", [[1.0, 1.0]], 2000, {"eta": 1e6}, bound=math.inf)
    assert int(traj.diverged_at[0]) == k_inf
    assert np.isfinite(traj.to_frame()["loss"].iloc[:k_inf]).all()
