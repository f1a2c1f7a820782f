"""The armijo step-size control (DESIGN.md §7): backtracking from η₀ at every update until
L(θ′(η)) ≤ L(θ) + c·g·(θ′(η) − θ), at most `tries` shrinks, the accepted η recorded and counted.

The references are scalar Python written from §7's rule (own quadratic, own gradient, own loop);
the engine's trajectory is only the thing under test."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import cli
import optimizers
from optimizers import OPTIMIZERS, SpecError, parse_batching, parse_schedule
from surfaces import get_problem

ARMIJO = parse_schedule("armijo:c=1e-4,shrink=0.5,tries=30")


def test_bowl_from_minus_four_three_backtracks_eta_four_to_one_and_lands_on_the_minimum():
    """L = ½|θ|², g = θ, θ′ = (1 − η)θ: L′ = (1 − η)²L against L(1 − 2cη). η = 4: 9L fails; η = 2: L fails
    (> L(1 − 4c)); η = 1: 0 passes. Three evaluations, θ₁ = (0, 0). Then g = 0: η₀ passes at once."""
    traj = optimizers.run(get_problem("bowl"), "gd", [[-4.0, 3.0]], 2, {"eta": 4.0}, schedule=ARMIJO)
    assert traj.eta[1, 0] == 1.0 and traj.evaluations[1, 0] == 3
    assert traj.params[1, 0].tolist() == [0.0, 0.0]
    assert traj.eta[2, 0] == 4.0 and traj.evaluations[2, 0] == 1


def ravine(x, y):
    return 0.5 * (0.1 * x * x + 10 * y * y)


def hand_armijo_gd(start, eta0, c, shrink, tries, steps):
    """§7's rule in scalars for GD on the ravine ½(0.1x² + 10y²): rows of (x, y, η, evaluations)."""
    x, y = start
    rows = []
    for _ in range(steps):
        gx, gy = 0.1 * x, 10 * y
        L0, eta = ravine(x, y), eta0
        nx, ny, evals = x - eta * gx, y - eta * gy, 1
        for _ in range(tries):
            if ravine(nx, ny) <= L0 + c * (gx * (nx - x) + gy * (ny - y)):
                break
            eta *= shrink
            nx, ny, evals = x - eta * gx, y - eta * gy, evals + 1
        x, y = nx, ny
        rows.append((x, y, eta, evals))
    return rows


@pytest.mark.parametrize(("eta0", "c", "shrink", "tries"), [(1.0, 1e-4, 0.5, 30), (0.5, 0.3, 0.7, 30),
                                                            (3.0, 0.5, 0.25, 2)])
def test_gd_with_armijo_follows_the_hand_computed_backtracking_on_a_quadratic(eta0, c, shrink, tries):
    schedule = parse_schedule(f"armijo:c={c},shrink={shrink},tries={tries}")
    traj = optimizers.run(get_problem("ravine"), "gd", [[-4.5, 1.0]], 40, {"eta": eta0}, schedule=schedule)
    for k, (x, y, eta, evals) in enumerate(hand_armijo_gd((-4.5, 1.0), eta0, c, shrink, tries, 40), start=1):
        assert math.isclose(traj.params[k, 0, 0], x, rel_tol=1e-12, abs_tol=1e-300)
        assert math.isclose(traj.params[k, 0, 1], y, rel_tol=1e-12, abs_tol=1e-300)
        assert traj.eta[k, 0] == eta and traj.evaluations[k, 0] == evals


@pytest.mark.parametrize("oid", list(OPTIMIZERS))
def test_every_optimizer_accepts_only_shrunk_rates_that_satisfy_the_armijo_condition(oid):
    """For every optimizer: each accepted η is η₀·shrink^k with k ≤ tries, it meets the condition with the
    gradient the update used (unless all tries were spent), and the evaluations are 1 + k.

    Shrinking η does not shrink a velocity's γv part (momentum, NAG) nor turn a non-descent direction
    (Adam's m̂ early on) into one: there the tries run out and the last trial is kept, as §7 says; such a
    run may then diverge honestly, so only its recorded rows are checked."""
    problem, eta0, c, shrink, tries = get_problem("rosenbrock"), 0.5, 1e-4, 0.5, 30
    schedule = parse_schedule(f"armijo:c={c},shrink={shrink},tries={tries}")
    traj = optimizers.run(problem, oid, [[-1.5, 2.0], [0.5, -0.5]], 60, {"eta": eta0}, schedule=schedule)
    for r in range(traj.runs):
        last = traj.last_row(r)
        assert last >= 10
        eta, evals = traj.eta[1:last + 1, r], traj.evaluations[1:last + 1, r]
        k = np.log(eta0 / eta) / np.log(1 / shrink)
        np.testing.assert_allclose(k, np.round(k), atol=1e-9)
        assert (eta <= eta0).all() and (np.round(k) <= tries).all()
        np.testing.assert_array_equal(evals, 1 + np.round(k))
        step = np.diff(traj.params[:last + 1, r], axis=0)
        decrease = (traj.grad[1:last + 1, r] * step).sum(axis=1)
        met = traj.loss[1:last + 1, r] <= traj.loss[:last, r] + c * decrease
        assert (met | (np.round(k) == tries)).all()


@pytest.mark.parametrize("oid", ["gd", "adagrad", "rmsprop"])
@pytest.mark.parametrize("problem", ["bowl", "ravine"])
def test_loss_decreases_at_every_step_on_a_convex_problem(oid, problem):
    """Descent directions (−g, −g/√v) with c > 0: every accepted step lowers the loss, even from an η₀ = 50
    at which fixed-rate GD diverges (|1 − 50κ| > 1 for both curvatures κ of these quadratics)."""
    p = get_problem(problem)
    traj = optimizers.run(p, oid, [list(p.start)], 100, {"eta": 50.0}, schedule=ARMIJO)
    loss = traj.loss[:, 0]
    assert (np.diff(loss) <= 0).all() and loss[-1] < 1e-2 * loss[0]
    if oid == "gd":
        assert optimizers.run(p, "gd", [list(p.start)], 100, {"eta": 50.0}).diverged_at[0] >= 0


def test_tries_zero_is_the_constant_schedule_with_one_evaluation_per_update():
    problem = get_problem("sigmoid-valley")
    plain = optimizers.run(problem, "adam", [list(problem.start)], 50)
    searched = optimizers.run(problem, "adam", [list(problem.start)], 50, schedule=parse_schedule("armijo:tries=0"))
    np.testing.assert_array_equal(searched.params, plain.params)
    assert (searched.evaluations[1:] == 1).all() and plain.evaluations is None


def test_stochastic_line_search_compares_the_loss_of_the_updates_batch():
    """batch=stochastic on sigmoid-valley: the condition holds on the one point of each update (hand-written
    ½(y − σ(wx + b))²), and L(θ) on the batch costs one more evaluation."""
    problem = get_problem("sigmoid-valley")
    X, Y = problem.X[:, 0], problem.Y
    c = 0.1
    traj = optimizers.run(problem, "gd", [list(problem.start)], 30, {"eta": 20.0},
                          schedule=parse_schedule(f"armijo:c={c},tries=30"), batching=parse_batching("stochastic"))

    def point_loss(theta, i):
        return 0.5 * (Y[i] - 1 / (1 + math.exp(-(theta[0] * X[i] + theta[1])))) ** 2

    shrinks = 0
    for k in range(1, 31):
        i = (k - 1) % len(Y)
        before, after = traj.params[k - 1, 0], traj.params[k, 0]
        g = traj.grad[k, 0]
        assert point_loss(after, i) <= point_loss(before, i) + c * float(g @ (after - before)) + 1e-15
        n = round(math.log2(20.0 / traj.eta[k, 0]))
        shrinks += n
        assert traj.evaluations[k, 0] == 2 + n
    assert shrinks > 0, "η₀ = 20 must be too large somewhere"


def test_a_problem_without_batch_losses_refuses_a_stochastic_line_search():
    with pytest.raises(SpecError, match="armijo line search needs the loss of a batch.*use batch full"):
        optimizers.run(get_problem("reddi"), "gd", [[0.0]], 5, schedule=ARMIJO,
                       batching=parse_batching("stochastic"))


def test_evaluations_are_blank_after_divergence_like_every_other_record():
    traj = optimizers.run(get_problem("bowl"), "gd", [[1.0, 1.0]], 20, {"eta": 1e6},
                          schedule=parse_schedule("armijo:tries=0"))
    d = traj.diverged_at[0]
    assert d >= 0 and np.isnan(traj.evaluations[d + 1:, 0]).all() and traj.evaluations[d, 0] == 1


def test_list_json_lists_the_armijo_schedule_with_its_parameters(capsys):
    assert cli.main(["list", "--json"]) == 0
    schedules = {s["id"]: s for s in json.loads(capsys.readouterr().out)["schedules"]}
    params = {p["name"]: p["default"] for p in schedules["armijo"]["params"]}
    assert params == {"c": 1e-4, "shrink": 0.5, "tries": 30}


def test_cli_run_with_an_armijo_spec_writes_the_accepted_eta(tmp_path):
    out = tmp_path / "run.csv"
    code = cli.main(["run", "--problem", "bowl", "--optimizer", "gd:eta=4|schedule=armijo", "--start=-4,3",
                     "--steps", "2", "--csv", str(out)])
    assert code == 0
    rows = out.read_text().splitlines()
    assert rows[0] == "optimizer,step,epoch,x,y,loss,eta"
    assert rows[2].split(",")[-1] == "1" and rows[2].split(",")[3:5] == ["0", "0"]


@pytest.mark.parametrize(("spec", "message"), [
    ("armijo:c=2", r"c=2 is outside its range"), ("armijo:shrink=1", r"shrink=1 is outside its range"),
    ("armijo:tries=2.5", r"tries=2.5 is not a whole number"), ("armijo:rho=1", r"no parameter 'rho'"),
])
def test_bad_armijo_parameters_are_refused_naming_them(spec, message):
    with pytest.raises(SpecError, match=message):
        parse_schedule(spec)
