"""QHM and QHAdam (Ma & Yarats 2019, DESIGN.md §7) reduce to the methods they interpolate between.

The references below are the limiting optimizers' formulas written out in plain NumPy (not the engine's
rules): QHM with ν = 1 is EMA momentum b ← βb + (1−β)g, θ ← θ − ηb; with ν = 0 it is plain GD. QHAdam with
ν₁ = ν₂ = 1 is Adam with ε outside the root. Hand-derived first steps for both live in
tests/test_first_steps.py, torch-optimizer goldens in tests/golden/torch_trajectories.json.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import cli
import optimizers
from optimizers import CONVENTIONS, get_optimizer
from surfaces import get_problem

STEPS = 150


def rosen_grad(P):
    x, y = P[:, 0], P[:, 1]
    return np.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)], axis=1)


def hand(step, P0, steps=STEPS):
    """Iterate a hand-written update on Rosenbrock's gradient; rows 0..steps."""
    P, state, rows = np.array(P0, dtype=float), {}, [np.array(P0, dtype=float)]
    for t in range(1, steps + 1):
        P = step(P, rosen_grad(P), state, t)
        rows.append(P)
    return np.stack(rows)


STARTS = [[-1.5, 2.0], [0.5, -0.5], [1.2, 1.0]]


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize(("eta", "beta"), [(1e-3, 0.9), (2e-4, 0.99), (5e-4, 0.5)])
def test_qhm_with_nu_one_is_ema_momentum(convention, eta, beta):
    def ema_momentum(P, g, s, t):
        s["b"] = beta * s.get("b", 0.0) + (1 - beta) * g
        return P - eta * s["b"]

    traj = optimizers.run(get_problem("rosenbrock"), "qhm", STARTS, STEPS, {"eta": eta, "beta": beta, "nu": 1.0},
                          convention=convention)
    np.testing.assert_allclose(traj.params, hand(ema_momentum, STARTS), rtol=1e-12, atol=1e-14)


def test_qhm_with_nu_one_equals_lecture_momentum_with_eta_times_one_minus_beta():
    """v = η(1−β)·Σβ^k g is the lecture velocity when b is an EMA: the same path as momentum(γ=β, η(1−β))."""
    problem, beta, eta = get_problem("sigmoid-2pt"), 0.9, 2.0
    qhm = optimizers.run(problem, "qhm", [[-2.0, -2.0]], 300, {"eta": eta, "beta": beta, "nu": 1.0})
    mom = optimizers.run(problem, "momentum", [[-2.0, -2.0]], 300, {"eta": eta * (1 - beta), "gamma": beta})
    np.testing.assert_allclose(qhm.params, mom.params, rtol=1e-10, atol=1e-13)


def test_qhm_with_nu_zero_is_plain_gradient_descent():
    problem = get_problem("sigmoid-valley")
    qhm = optimizers.run(problem, "qhm", [[4.3, -2.5]], 200, {"eta": 1.0, "beta": 0.9, "nu": 0.0})
    gd = optimizers.run(problem, "gd", [[4.3, -2.5]], 200, {"eta": 1.0})
    np.testing.assert_array_equal(qhm.params, gd.params)


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize(("beta1", "beta2", "eps"), [(0.9, 0.999, 1e-8), (0.5, 0.9, 1e-4), (0.0, 0.99, 1e-6)])
def test_qhadam_with_nu1_nu2_one_is_adams_formula(convention, beta1, beta2, eps):
    eta = 0.01

    def adam(P, g, s, t):  # Kingma & Ba 2015, Algorithm 1 with ε outside the root
        s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * g
        s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * g * g
        m_hat, v_hat = s["m"] / (1 - beta1**t), s["v"] / (1 - beta2**t)
        return P - eta * m_hat / (np.sqrt(v_hat) + eps)

    hp = {"eta": eta, "beta1": beta1, "beta2": beta2, "nu1": 1.0, "nu2": 1.0, "eps": eps}
    traj = optimizers.run(get_problem("rosenbrock"), "qhadam", STARTS, STEPS, hp, convention=convention)
    np.testing.assert_allclose(traj.params, hand(adam, STARTS), rtol=1e-12, atol=1e-14)


def test_qhadam_with_nu1_nu2_one_matches_the_pytorch_form_of_adam():
    hp = {"eta": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}
    problem = get_problem("sigmoid-2pt")
    qh = optimizers.run(problem, "qhadam", [[-2.0, -2.0]], 300, {**hp, "nu1": 1.0, "nu2": 1.0})
    adam = optimizers.run(problem, "adam", [[-2.0, -2.0]], 300, hp, convention="pytorch")
    np.testing.assert_allclose(qh.params, adam.params, rtol=1e-10, atol=1e-13)


def test_qhadam_with_nu_zero_steps_eta_times_the_sign_of_the_gradient():
    """ν₁ = ν₂ = 0: θ ← θ − η g/(|g| + ε), a step of η along −sign(g) in every coordinate."""
    hp = {"eta": 0.1, "nu1": 0.0, "nu2": 0.0, "eps": 1e-12}
    traj = optimizers.run(get_problem("rosenbrock"), "qhadam", [[-1.5, 2.0]], 20, hp)
    steps = np.diff(traj.params[:, 0], axis=0)
    grads = rosen_grad(traj.params[:-1, 0])
    np.testing.assert_allclose(steps, -0.1 * np.sign(grads), rtol=1e-9)


@pytest.mark.parametrize("oid", ["qhm", "qhadam"])
def test_quasi_hyperbolic_methods_have_one_form_in_both_conventions(oid):
    hp = {"eta": 0.05, "nu": 0.6} if oid == "qhm" else {"eta": 0.05, "nu1": 0.6, "nu2": 0.8}
    problem = get_problem("sigmoid-2pt")
    lec = optimizers.run(problem, oid, [[-2.0, -2.0]], 200, hp, convention="lecture")
    pt = optimizers.run(problem, oid, [[-2.0, -2.0]], 200, hp, convention="pytorch")
    np.testing.assert_array_equal(lec.params, pt.params)


def test_nu_values_per_run_give_each_run_its_own_interpolation():
    """ν as an (R,) array: run r equals the single run with ν_r (sweeps over ν are one engine call)."""
    problem, nus = get_problem("sigmoid-2pt"), [0.0, 0.3, 0.7, 1.0]
    batched = optimizers.run(problem, "qhm", [[-2.0, -2.0]] * 4, 100, {"eta": 1.0, "beta": 0.9, "nu": nus})
    for r, nu in enumerate(nus):
        alone = optimizers.run(problem, "qhm", [[-2.0, -2.0]], 100, {"eta": 1.0, "beta": 0.9, "nu": nu})
        np.testing.assert_allclose(batched.params[:, r], alone.params[:, 0], rtol=1e-13)


def test_nu_outside_zero_one_is_refused_naming_it():
    with pytest.raises(optimizers.SpecError, match=r"qhm: nu=1\.5 is outside its range \[0, 1\]"):
        optimizers.parse_spec("qhm:nu=1.5")


def test_list_json_declares_nu_hyperparameters_with_their_symbols(capsys):
    assert cli.main(["list", "--json"]) == 0
    cat = json.loads(capsys.readouterr().out)
    qhm = {h["name"]: h for h in cat["optimizers"]["qhm"]["hyperparameters"]}
    qhadam = {h["name"]: h for h in cat["optimizers"]["qhadam"]["hyperparameters"]}
    assert (qhm["nu"]["symbol"], qhm["nu"]["default"], qhm["beta"]["default"], qhm["eta"]["default"]) == \
        ("ν", 0.7, 0.999, 1.0)
    assert (qhadam["nu1"]["symbol"], qhadam["nu2"]["symbol"]) == ("ν₁", "ν₂")
    assert {k: qhadam[k]["default"] for k in ("eta", "beta1", "beta2", "nu1", "nu2", "eps")} == \
        {"eta": 0.1, "beta1": 0.9, "beta2": 0.999, "nu1": 0.7, "nu2": 1.0, "eps": 1e-8}


def test_registry_equations_name_the_nu_weights():
    assert r"\nu" in get_optimizer("qhm").equations and r"\nu_2" in get_optimizer("qhadam").equations
