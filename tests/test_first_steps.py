"""The first two updates of every optimizer on sigmoid-2pt from (−2, −2), worked out by hand.

Each reference below is DESIGN.md §3 (lecture) or torch.optim's documented update (pytorch) written in
plain scalar Python: its own sigmoid, its own summed gradient Σ (f − y) f (1 − f) (x, 1) over the two
points, its own update formula with t = 1, 2 in the bias corrections. Nothing is taken from the engine
except the trajectory under test. A newly registered optimizer fails here until its reference is added.
"""

import math

import numpy as np
import pytest

import optimizers
from optimizers import CONVENTIONS, OPTIMIZERS
from surfaces import get_problem

X = (0.5, 2.5)
Y = (0.2, 0.9)
START = (-2.0, -2.0)


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def loss(theta):
    w, b = theta
    return sum(0.5 * (y - sig(w * x + b)) ** 2 for x, y in zip(X, Y, strict=True))


def grad(theta):
    w, b = theta
    gw = gb = 0.0
    for x, y in zip(X, Y, strict=True):
        f = sig(w * x + b)
        common = (f - y) * f * (1.0 - f)
        gw += common * x
        gb += common
    return [gw, gb]


# Defaults, written out from DESIGN.md §3 (lecture) and the torch.optim documentation (pytorch).
DEFAULTS = {
    "lecture": {
        "gd": {"eta": 1.0},
        "momentum": {"eta": 1.0, "gamma": 0.9, "gamma_schedule": "constant"},
        "nag": {"eta": 1.0, "gamma": 0.9, "gamma_schedule": "constant"},
        "adagrad": {"eta": 0.1, "eps": 1e-8},
        "rmsprop": {"eta": 0.1, "beta": 0.9, "eps": 1e-8},
        "adadelta": {"eta": 1.0, "beta": 0.95, "eps": 1e-6},
        "adam": {"eta": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "bias_correction": True},
        "adamax": {"eta": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        "nadam": {"eta": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        "amsgrad": {"eta": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        "qhm": {"eta": 1.0, "beta": 0.999, "nu": 0.7},  # DESIGN.md §7
        "qhadam": {"eta": 0.1, "beta1": 0.9, "beta2": 0.999, "nu1": 0.7, "nu2": 1.0, "eps": 1e-8},
    },
    "pytorch": {
        "gd": {"eta": 1e-3},
        "momentum": {"eta": 1e-3, "gamma": 0.9, "gamma_schedule": "constant"},
        "nag": {"eta": 1e-3, "gamma": 0.9, "gamma_schedule": "constant"},
        "adagrad": {"eta": 1e-2, "eps": 1e-10},
        "rmsprop": {"eta": 1e-2, "beta": 0.99, "eps": 1e-8},
        "adadelta": {"eta": 1.0, "beta": 0.9, "eps": 1e-6},
        "adam": {"eta": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "bias_correction": True},
        "adamax": {"eta": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        "nadam": {"eta": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "psi": 4e-3},
        "amsgrad": {"eta": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        "qhm": {"eta": 1e-3, "beta": 0.999, "nu": 0.7},  # torch-optimizer's lr; β, ν as §7
        "qhadam": {"eta": 1e-3, "beta1": 0.9, "beta2": 0.999, "nu1": 0.7, "nu2": 1.0, "eps": 1e-8},
    },
}

# Non-default hyperparameter sets, tried in both conventions (psi only matters to pytorch's NAdam).
NON_DEFAULT = {
    "gd": [{"eta": 3.5}],
    "momentum": [{"eta": 2.0, "gamma": 0.5}, {"eta": 1.5, "gamma": 0.99, "gamma_schedule": "sutskever"}],
    "nag": [{"eta": 2.0, "gamma": 0.5}, {"eta": 1.5, "gamma": 0.99, "gamma_schedule": "sutskever"}],
    "adagrad": [{"eta": 0.5, "eps": 1e-4}],
    "rmsprop": [{"eta": 0.05, "beta": 0.5, "eps": 1e-3}],
    "adadelta": [{"eta": 2.0, "beta": 0.7, "eps": 1e-3}],
    "adam": [{"bias_correction": False}, {"eta": 0.3, "beta1": 0.8, "beta2": 0.9, "eps": 1e-4},
             {"eta": 0.3, "beta1": 0.8, "beta2": 0.9, "eps": 1e-4, "bias_correction": False}],
    "adamax": [{"eta": 0.2, "beta1": 0.7, "beta2": 0.8, "eps": 1e-3}],
    "nadam": [{"eta": 0.2, "beta1": 0.7, "beta2": 0.9, "eps": 1e-4, "psi": 0.01}],
    "amsgrad": [{"eta": 0.2, "beta1": 0.7, "beta2": 0.9, "eps": 1e-4}],
    "qhm": [{"eta": 2.0, "beta": 0.8, "nu": 0.5}, {"eta": 1.0, "beta": 0.9, "nu": 1.0}],
    "qhadam": [{"eta": 0.2, "beta1": 0.7, "beta2": 0.9, "nu1": 0.4, "nu2": 0.6, "eps": 1e-4}],
}


def gamma_at(hp, t):
    """γ for update t (1-based): Sutskever's γ_k = min(1 − 2^(−1 − log2(⌊k/250⌋ + 1)), γ_max), k = t − 1."""
    if hp.get("gamma_schedule", "constant") == "sutskever":
        k = t - 1
        return min(1.0 - 2.0 ** (-1.0 - math.log2(k // 250 + 1)), hp["gamma"])
    return hp["gamma"]


# ----------------------------------------------------------------------------- lecture, DESIGN.md §3
def lec_gd(th, s, t, hp):
    g = grad(th)
    return [th[i] - hp["eta"] * g[i] for i in range(2)]


def lec_momentum(th, s, t, hp):
    gamma, g = gamma_at(hp, t), grad(th)
    s["v"] = [gamma * s["v"][i] + hp["eta"] * g[i] for i in range(2)]
    return [th[i] - s["v"][i] for i in range(2)]


def lec_nag(th, s, t, hp):
    gamma = gamma_at(hp, t)
    g = grad([th[i] - gamma * s["v"][i] for i in range(2)])  # at the look-ahead point
    s["v"] = [gamma * s["v"][i] + hp["eta"] * g[i] for i in range(2)]
    return [th[i] - s["v"][i] for i in range(2)]


def lec_adagrad(th, s, t, hp):
    g = grad(th)
    s["v"] = [s["v"][i] + g[i] ** 2 for i in range(2)]
    return [th[i] - hp["eta"] * g[i] / math.sqrt(s["v"][i] + hp["eps"]) for i in range(2)]


def lec_rmsprop(th, s, t, hp):
    g, b = grad(th), hp["beta"]
    s["v"] = [b * s["v"][i] + (1 - b) * g[i] ** 2 for i in range(2)]
    return [th[i] - hp["eta"] * g[i] / math.sqrt(s["v"][i] + hp["eps"]) for i in range(2)]


def adadelta(th, s, t, hp):  # the same in both conventions (torch.optim.Adadelta)
    g, b, eps = grad(th), hp["beta"], hp["eps"]
    out = []
    for i in range(2):
        s["v"][i] = b * s["v"][i] + (1 - b) * g[i] ** 2
        delta = -math.sqrt(s["u"][i] + eps) / math.sqrt(s["v"][i] + eps) * g[i]
        out.append(th[i] + hp["eta"] * delta)
        s["u"][i] = b * s["u"][i] + (1 - b) * delta**2
    return out


def _moments(s, g, hp):
    b1, b2 = hp["beta1"], hp["beta2"]
    s["m"] = [b1 * s["m"][i] + (1 - b1) * g[i] for i in range(2)]
    s["v"] = [b2 * s["v"][i] + (1 - b2) * g[i] ** 2 for i in range(2)]


def lec_adam(th, s, t, hp):
    g = grad(th)
    _moments(s, g, hp)
    on = hp["bias_correction"]
    c1 = 1 - hp["beta1"] ** t if on else 1.0
    c2 = 1 - hp["beta2"] ** t if on else 1.0
    return [th[i] - hp["eta"] * (s["m"][i] / c1) / math.sqrt(s["v"][i] / c2 + hp["eps"]) for i in range(2)]


def lec_adamax(th, s, t, hp):
    g, b1 = grad(th), hp["beta1"]
    s["m"] = [b1 * s["m"][i] + (1 - b1) * g[i] for i in range(2)]
    s["u"] = [max(hp["beta2"] * s["u"][i], abs(g[i])) for i in range(2)]
    return [th[i] - hp["eta"] / (1 - b1**t) * s["m"][i] / (s["u"][i] + hp["eps"]) for i in range(2)]


def lec_nadam(th, s, t, hp):
    g, b1 = grad(th), hp["beta1"]
    _moments(s, g, hp)
    out = []
    for i in range(2):
        v_hat = s["v"][i] / (1 - hp["beta2"] ** t)
        direction = b1 * s["m"][i] / (1 - b1 ** (t + 1)) + (1 - b1) * g[i] / (1 - b1**t)
        out.append(th[i] - hp["eta"] * direction / math.sqrt(v_hat + hp["eps"]))
    return out


def lec_amsgrad(th, s, t, hp):
    g = grad(th)
    _moments(s, g, hp)
    s["vmax"] = [max(s["vmax"][i], s["v"][i]) for i in range(2)]
    c1, c2 = 1 - hp["beta1"] ** t, 1 - hp["beta2"] ** t
    return [th[i] - hp["eta"] * (s["m"][i] / c1) / math.sqrt(s["vmax"][i] / c2 + hp["eps"]) for i in range(2)]


# ----------------------------------------------------------------------------- pytorch (torch.optim)
def pt_momentum(th, s, t, hp):  # SGD(momentum=μ, dampening=0): buf = μ buf + g ; p −= lr buf
    gamma, g = gamma_at(hp, t), grad(th)
    s["buf"] = [gamma * s["buf"][i] + g[i] for i in range(2)]
    return [th[i] - hp["eta"] * s["buf"][i] for i in range(2)]


def pt_nag(th, s, t, hp):  # SGD(nesterov=True): g at p itself ; p −= lr (g + μ buf)
    gamma, g = gamma_at(hp, t), grad(th)
    s["buf"] = [gamma * s["buf"][i] + g[i] for i in range(2)]
    return [th[i] - hp["eta"] * (g[i] + gamma * s["buf"][i]) for i in range(2)]


def pt_adagrad(th, s, t, hp):  # eps outside the square root
    g = grad(th)
    s["v"] = [s["v"][i] + g[i] ** 2 for i in range(2)]
    return [th[i] - hp["eta"] * g[i] / (math.sqrt(s["v"][i]) + hp["eps"]) for i in range(2)]


def pt_rmsprop(th, s, t, hp):  # alpha = beta; eps outside the square root
    g, a = grad(th), hp["beta"]
    s["v"] = [a * s["v"][i] + (1 - a) * g[i] ** 2 for i in range(2)]
    return [th[i] - hp["eta"] * g[i] / (math.sqrt(s["v"][i]) + hp["eps"]) for i in range(2)]


def pt_adam(th, s, t, hp):  # torch has no switch: bias_correction=off means c1 = c2 = 1 in its form
    g = grad(th)
    _moments(s, g, hp)
    on = hp["bias_correction"]
    c1 = 1 - hp["beta1"] ** t if on else 1.0
    c2 = 1 - hp["beta2"] ** t if on else 1.0
    step_size = hp["eta"] / c1
    return [th[i] - step_size * s["m"][i] / (math.sqrt(s["v"][i]) / math.sqrt(c2) + hp["eps"])
            for i in range(2)]


def pt_adamax(th, s, t, hp):  # exp_inf = max(β2 exp_inf, |g| + eps) ; p −= lr/(1 − β1^t) · m / exp_inf
    g, b1 = grad(th), hp["beta1"]
    s["m"] = [b1 * s["m"][i] + (1 - b1) * g[i] for i in range(2)]
    s["u"] = [max(hp["beta2"] * s["u"][i], abs(g[i]) + hp["eps"]) for i in range(2)]
    return [th[i] - hp["eta"] / (1 - b1**t) * s["m"][i] / s["u"][i] for i in range(2)]


def pt_nadam(th, s, t, hp):
    g, b1, psi = grad(th), hp["beta1"], hp["psi"]
    mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
    s["mu_product"] *= mu
    prod = s["mu_product"]
    _moments(s, g, hp)
    out = []
    for i in range(2):
        denom = math.sqrt(s["v"][i] / (1 - hp["beta2"] ** t)) + hp["eps"]
        p = th[i] - hp["eta"] * (1 - mu) / (1 - prod) * g[i] / denom
        p -= hp["eta"] * mu_next / (1 - prod * mu_next) * s["m"][i] / denom
        out.append(p)
    return out


def pt_amsgrad(th, s, t, hp):
    g = grad(th)
    _moments(s, g, hp)
    s["vmax"] = [max(s["vmax"][i], s["v"][i]) for i in range(2)]
    c1, c2 = 1 - hp["beta1"] ** t, 1 - hp["beta2"] ** t
    return [th[i] - hp["eta"] / c1 * s["m"][i] / (math.sqrt(s["vmax"][i]) / math.sqrt(c2) + hp["eps"])
            for i in range(2)]


def qhm(th, s, t, hp):  # Ma & Yarats 2019, one form for both conventions
    g, b, nu = grad(th), hp["beta"], hp["nu"]
    s["buf"] = [b * s["buf"][i] + (1 - b) * g[i] for i in range(2)]
    return [th[i] - hp["eta"] * ((1 - nu) * g[i] + nu * s["buf"][i]) for i in range(2)]


def qhadam(th, s, t, hp):  # Ma & Yarats 2019: ε outside the root, ν₁/ν₂ mix g back in
    g = grad(th)
    _moments(s, g, hp)
    nu1, nu2 = hp["nu1"], hp["nu2"]
    out = []
    for i in range(2):
        m_hat, v_hat = s["m"][i] / (1 - hp["beta1"] ** t), s["v"][i] / (1 - hp["beta2"] ** t)
        num = (1 - nu1) * g[i] + nu1 * m_hat
        out.append(th[i] - hp["eta"] * num / (math.sqrt((1 - nu2) * g[i] ** 2 + nu2 * v_hat) + hp["eps"]))
    return out


REFERENCE = {
    "lecture": {"gd": lec_gd, "momentum": lec_momentum, "nag": lec_nag, "adagrad": lec_adagrad,
                "rmsprop": lec_rmsprop, "adadelta": adadelta, "adam": lec_adam, "adamax": lec_adamax,
                "nadam": lec_nadam, "amsgrad": lec_amsgrad, "qhm": qhm, "qhadam": qhadam},
    "pytorch": {"gd": lec_gd, "momentum": pt_momentum, "nag": pt_nag, "adagrad": pt_adagrad,
                "rmsprop": pt_rmsprop, "adadelta": adadelta, "adam": pt_adam, "adamax": pt_adamax,
                "nadam": pt_nadam, "amsgrad": pt_amsgrad, "qhm": qhm, "qhadam": qhadam},
}


def fresh_state():
    return {"v": [0.0, 0.0], "u": [0.0, 0.0], "m": [0.0, 0.0], "vmax": [0.0, 0.0], "buf": [0.0, 0.0],
            "mu_product": 1.0}


def hand_steps(convention, oid, hp, steps=2):
    step = REFERENCE[convention][oid]
    theta, state, rows = list(START), fresh_state(), [list(START)]
    for t in range(1, steps + 1):
        theta = step(theta, state, t, hp)
        rows.append(theta)
    return rows


def _cases():
    for oid in OPTIMIZERS:
        for convention in CONVENTIONS:
            for hp in [{}, *NON_DEFAULT.get(oid, [])]:
                if convention == "lecture" and "psi" in hp:
                    hp = {k: v for k, v in hp.items() if k != "psi"}
                label = ",".join(f"{k}={v}" for k, v in hp.items()) or "defaults"
                yield pytest.param(convention, oid, hp, id=f"{convention}-{oid}-{label}")


@pytest.mark.parametrize(("convention", "oid", "hp"), list(_cases()))
def test_first_two_updates_match_hand_derived_formulas(convention, oid, hp):
    assert oid in REFERENCE[convention], f"no hand-derived reference for {oid} ({convention}): add one"
    assert oid in DEFAULTS[convention], f"no written-out defaults for {oid} ({convention}): add them"
    full_hp = {**DEFAULTS[convention][oid], **hp}
    expected = hand_steps(convention, oid, full_hp)

    traj = optimizers.run(get_problem("sigmoid-2pt"), oid, [list(START)], 2, hp, convention=convention)

    assert traj.params.shape == (3, 1, 2)
    assert traj.params[0, 0].tolist() == list(START)
    for k in (1, 2):
        for i in range(2):
            assert math.isclose(traj.params[k, 0, i], expected[k][i], rel_tol=1e-12, abs_tol=1e-300), (
                f"row {k} param {i}: engine {traj.params[k, 0, i]!r}, hand {expected[k][i]!r}")
        assert math.isclose(traj.loss[k, 0], loss(expected[k]), rel_tol=1e-12)


def test_the_start_row_holds_the_course_loss_at_minus_two_minus_two():
    traj = optimizers.run(get_problem("sigmoid-2pt"), "gd", [list(START)], 0)
    assert math.isclose(traj.loss[0, 0], loss(START), rel_tol=1e-14)


def test_hand_references_cover_the_non_default_sets_that_change_the_second_step():
    """Guard the references themselves: a Sutskever γ (0.5 for t < 250) and bias_correction=off must
    give a different second update than the defaults, otherwise those cases prove nothing."""
    base = hand_steps("lecture", "momentum", {**DEFAULTS["lecture"]["momentum"], "eta": 1.5, "gamma": 0.99})
    sut = hand_steps("lecture", "momentum", {**DEFAULTS["lecture"]["momentum"], "eta": 1.5, "gamma": 0.99,
                                             "gamma_schedule": "sutskever"})
    assert base[1] == sut[1] and base[2] != sut[2]
    on = hand_steps("lecture", "adam", DEFAULTS["lecture"]["adam"])
    off = hand_steps("lecture", "adam", {**DEFAULTS["lecture"]["adam"], "bias_correction": False})
    assert on[1] != off[1]


# ----------------------------------------------------------------------------- amsgrad's running max
def _reddi_by_hand(use_max, convention, steps, eta, b2, eps, C=3.0):
    """Adam / AMSGrad with β1 = 0 on Reddi et al.'s online losses C·x, −x, −x, … with x clipped to [−1, 1]."""
    slopes = (C, -1.0, -1.0)
    x, v, vmax, xs = 0.0, 0.0, 0.0, [0.0]
    for t in range(1, steps + 1):
        g = slopes[(t - 1) % 3]
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        second = vmax if use_max else v
        c2 = 1 - b2**t
        if convention == "lecture":
            x = x - eta * g / math.sqrt(second / c2 + eps)
        else:
            x = x - eta * g / (math.sqrt(second) / math.sqrt(c2) + eps)
        x = min(1.0, max(-1.0, x))
        xs.append(x)
    return xs


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("oid", ["adam", "amsgrad"])
def test_amsgrad_keeps_the_largest_second_moment_where_adam_forgets_it(oid, convention):
    C, eta, eps, steps = 3.0, 0.05, 1e-8, 12
    b2 = 1.0 / (1.0 + C * C)
    expected = _reddi_by_hand(oid == "amsgrad", convention, steps, eta, b2, eps, C)
    traj = optimizers.run(get_problem("reddi"), oid, [[0.0]], steps,
                          {"eta": eta, "beta1": 0.0, "beta2": b2, "eps": eps}, convention=convention,
                          batching=optimizers.parse_batching("stochastic"))
    np.testing.assert_allclose(traj.params[:, 0, 0], expected, rtol=1e-12, atol=1e-15)
    other = _reddi_by_hand(oid != "amsgrad", convention, steps, eta, b2, eps, C)
    assert not np.allclose(expected, other)  # the case really separates the two
