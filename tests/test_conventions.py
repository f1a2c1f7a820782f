"""Lecture and pytorch conventions coincide where the algebra says they must, and differ where not.

Momentum: lecture accumulates v = Σ γ^k η g, torch accumulates buf = Σ γ^k g and steps lr·buf; with a
constant η the two are the same trajectory (v = η·buf). Under a decaying η they are not (torch rescales
the whole history by today's η). gd and adadelta have one form. Adaptive methods differ by where ε sits.
"""

import numpy as np
import pytest

import optimizers
from optimizers import OPTIMIZERS, parse_schedule
from surfaces import get_problem

STEPS = 200
START = [[-2.0, -2.0]]

# Which optimizers have one form for both conventions (at a constant η), which have two.
SAME_AT_CONSTANT_ETA = {"gd", "momentum", "adadelta", "qhm", "qhadam"}  # QH: one form (DESIGN.md §7)
DIFFERENT = {"nag", "adagrad", "rmsprop", "adam", "adamax", "nadam", "amsgrad"}


def both(oid, hp, problem="sigmoid-2pt", schedule=None, steps=STEPS, start=START):
    p = get_problem(problem)
    kw = {"schedule": parse_schedule(schedule) if schedule else None}
    lec = optimizers.run(p, oid, start, steps, hp, convention="lecture", **kw)
    pt = optimizers.run(p, oid, start, steps, hp, convention="pytorch", **kw)
    return lec, pt


def test_every_registered_optimizer_is_classified_for_the_convention_tests():
    assert set(OPTIMIZERS) == SAME_AT_CONSTANT_ETA | DIFFERENT
    assert not SAME_AT_CONSTANT_ETA & DIFFERENT


@pytest.mark.parametrize("hp", [{"eta": 1.0}, {"eta": 3.0}, {"eta": 0.01}])
def test_gd_is_the_same_in_both_conventions(hp):
    lec, pt = both("gd", hp)
    np.testing.assert_allclose(pt.params, lec.params, rtol=1e-12, atol=0)
    np.testing.assert_allclose(pt.loss, lec.loss, rtol=1e-12, atol=0)


@pytest.mark.parametrize("oid", ["momentum"])
@pytest.mark.parametrize("hp", [
    {"eta": 1.0, "gamma": 0.9},
    {"eta": 0.3, "gamma": 0.5},
    {"eta": 2.0, "gamma": 0.95},
    {"eta": 0.7, "gamma": 0.99, "gamma_schedule": "sutskever"},
])
def test_momentum_is_the_same_in_both_conventions_at_constant_eta(oid, hp):
    # 800 updates for the Sutskever case so γ_t takes several values (it steps every 250 updates)
    lec, pt = both(oid, hp, steps=800 if "gamma_schedule" in hp else STEPS)
    assert np.isfinite(lec.params).all()
    np.testing.assert_allclose(pt.params, lec.params, rtol=1e-12, atol=0)
    np.testing.assert_allclose(pt.loss, lec.loss, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("hp", [{}, {"eta": 0.5, "beta": 0.8, "eps": 1e-4}, {"eta": 2.0, "beta": 0.99, "eps": 1e-6}])
def test_adadelta_is_the_same_in_both_conventions(hp):
    lec, pt = both("adadelta", {"eta": 1.0, "beta": 0.95, "eps": 1e-6, **hp})
    np.testing.assert_allclose(pt.params, lec.params, rtol=1e-12, atol=0)


def test_momentum_conventions_differ_under_a_decaying_learning_rate():
    lec, pt = both("momentum", {"eta": 1.0, "gamma": 0.9}, schedule="exponential:k=0.05")
    # The first update is the same (v = η₀ g = lr·buf) ...
    np.testing.assert_allclose(pt.params[1], lec.params[1], rtol=1e-14)
    # ... then lecture keeps η₀·g in its velocity while torch multiplies all of buf by η_t.
    gap = np.abs(pt.params[2:] - lec.params[2:]).max()
    assert gap > 1e-4


# Shared non-default values so only the form (not the defaults) can make the difference.
SHARED = {
    "nag": {"eta": 1.0, "gamma": 0.9},
    "adagrad": {"eta": 0.1, "eps": 1e-8},
    "rmsprop": {"eta": 0.01, "beta": 0.9, "eps": 1e-8},
    "adam": {"eta": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "adamax": {"eta": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-3},
    "nadam": {"eta": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "amsgrad": {"eta": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}


@pytest.mark.parametrize("oid", sorted(DIFFERENT))
def test_conventions_differ_where_the_update_forms_differ(oid):
    assert oid in SHARED, f"add shared hyperparameters for {oid}"
    lec, pt = both(oid, SHARED[oid])
    assert np.isfinite(lec.params).all() and np.isfinite(pt.params).all()
    rel = np.abs(pt.params[1:] - lec.params[1:]).max() / np.abs(lec.params[1:]).max()
    assert rel > 1e-6, f"{oid}: lecture and pytorch give the same trajectory (max rel gap {rel:.1e})"


def test_adagrad_eps_placement_is_the_only_difference_when_eps_vanishes():
    """With ε = 1e-16, √(v + ε) and √v + ε agree to ~1e-12: the two AdaGrads then coincide, proving the
    gap above comes from where ε sits and nothing else."""
    lec, pt = both("adagrad", {"eta": 0.1, "eps": 1e-16}, steps=50)
    np.testing.assert_allclose(pt.params, lec.params, rtol=1e-9)
