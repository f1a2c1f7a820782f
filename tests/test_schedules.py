"""Learning-rate schedules, the Sutskever momentum schedule and spec parsing.

Each schedule is written out here from DESIGN.md §3 and checked twice through the engine: the recorded
η column, and the update it produced (GD on the bowl ½(x² + y²) moves x to (1 − η_t)·x exactly).
"""

import math

import numpy as np
import pytest

import optimizers
from optimizers import SCHEDULES, SpecError, parse_batching, parse_schedule, parse_spec
from surfaces import get_problem

BOWL_START = [[-4.0, 3.0]]


# ----------------------------------------------------------------------------- formulas, written out
def warm_restarts(eta0, t, t0, t_mult, eta_min):
    start, length = 0, t0
    while t >= start + length:  # walk the cycles: [0, t0), [t0, t0 + t0·t_mult), …
        start += length
        length *= t_mult
    return eta_min + 0.5 * (eta0 - eta_min) * (1 + math.cos(math.pi * (t - start) / length))


def triangular(eta0, t, eta_max, step_size):
    p = t % (2 * step_size)  # position in the up-and-down period of 2·step_size updates
    frac = p / step_size if p <= step_size else (2 * step_size - p) / step_size
    return eta0 + (eta_max - eta0) * frac


def warmup(eta0, t, steps):
    # the (t + 1)-th update of the ramp uses (t + 1)/steps of η₀: the last ramp update uses η₀ itself
    return eta0 * (t + 1) / steps if t < steps else eta0 * math.sqrt(steps / (t + 1))


# spec, formula(eta0, t, e, T)
FORMULAS = {
    "constant": ("constant", lambda eta0, t, e, T: eta0),
    "step": ("step:drop=0.5,every=3", lambda eta0, t, e, T: eta0 * 0.5 ** (e // 3)),
    "exponential": ("exponential:k=0.05", lambda eta0, t, e, T: eta0 * math.exp(-0.05 * t)),
    "inverse-time": ("inverse-time:k=0.2", lambda eta0, t, e, T: eta0 / (1 + 0.2 * t)),
    "cosine": ("cosine:eta_min=0.01",
               lambda eta0, t, e, T: 0.01 + 0.5 * (eta0 - 0.01) * (1 + math.cos(math.pi * t / T))),
    "warm-restarts": ("warm-restarts:t0=10,t_mult=2,eta_min=0.05",
                      lambda eta0, t, e, T: warm_restarts(eta0, t, 10, 2, 0.05)),
    "triangular": ("triangular:eta_max=0.9,step_size=7", lambda eta0, t, e, T: triangular(eta0, t, 0.9, 7)),
    "warmup": ("warmup:steps=8", lambda eta0, t, e, T: warmup(eta0, t, 8)),
    # halve-on-increase has its own test below; on a loss that keeps going down it is constant
    "halve-on-increase": ("halve-on-increase", lambda eta0, t, e, T: eta0),
    # armijo has its own tests (tests/test_armijo.py); on the bowl GD's η₀ ≤ 1 always passes Armijo's
    # test, (1 − η)² ≤ 1 − 2cη, so every update keeps η₀
    "armijo": ("armijo", lambda eta0, t, e, T: eta0),
}


def test_every_registered_schedule_has_a_written_out_formula():
    assert set(SCHEDULES) == set(FORMULAS)


@pytest.mark.parametrize("sid", list(SCHEDULES))
def test_schedule_matches_its_formula_through_the_engine(sid):
    spec, formula = FORMULAS[sid]
    eta0, T = 0.1, 60
    traj = optimizers.run(get_problem("bowl"), "gd", BOWL_START, T, {"eta": eta0}, schedule=parse_schedule(spec))
    expected = [formula(eta0, t, t, T) for t in range(T)]  # full batch: epoch e = t
    np.testing.assert_allclose(traj.eta[1:, 0], expected, rtol=1e-13)
    # and the update really used it: x_{t+1} = (1 − η_t) x_t on the bowl
    x = BOWL_START[0][0]
    for t in range(T):
        x = (1 - expected[t]) * x
        assert math.isclose(traj.params[t + 1, 0, 0], x, rel_tol=1e-12), f"update {t}"


@pytest.mark.parametrize("sid", list(SCHEDULES))
def test_first_update_uses_eta_0_except_during_warmup(sid):
    spec = FORMULAS[sid][0]
    eta0 = 0.3
    traj = optimizers.run(get_problem("bowl"), "gd", BOWL_START, 5, {"eta": eta0}, schedule=parse_schedule(spec))
    first = eta0 / 8 if sid == "warmup" else eta0  # warmup:steps=8 starts at η₀/8 by definition
    assert math.isclose(traj.eta[1, 0], first, rel_tol=1e-15)
    assert math.isclose(traj.params[1, 0, 0], (1 - first) * BOWL_START[0][0], rel_tol=1e-14)


@pytest.mark.parametrize(("t", "expected_eta_factor"), [
    (0, 1.0), (9, 0.5 * (1 + math.cos(math.pi * 9 / 10))),  # end of the first cycle (length 10)
    (10, 1.0), (29, 0.5 * (1 + math.cos(math.pi * 19 / 20))),  # second cycle is [10, 30)
    (30, 1.0), (50, 0.5), (70, 1.0),  # third cycle [30, 70): half-way at 50
])
def test_warm_restarts_restart_at_each_cycle_boundary(t, expected_eta_factor):
    s = parse_schedule("warm-restarts:t0=10,t_mult=2,eta_min=0")
    assert math.isclose(float(s.rate(2.0, np.array([t]), np.array([t]), 100)[0]), 2.0 * expected_eta_factor,
                        rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize(("t", "expected"), [(0, 0.1), (50, 1.0), (100, 0.1), (150, 1.0), (25, 0.55), (175, 0.55)])
def test_triangular_peaks_at_eta_max_every_two_step_sizes(t, expected):
    s = parse_schedule("triangular:eta_max=1,step_size=50")
    assert math.isclose(float(np.ravel(s.rate(0.1, np.array([t]), np.array([t]), 400))[0]), expected, rel_tol=1e-12)


def test_cosine_ends_near_eta_min_on_the_last_update():
    T, eta0 = 40, 0.5
    traj = optimizers.run(get_problem("bowl"), "gd", BOWL_START, T, {"eta": eta0},
                          schedule=parse_schedule("cosine:eta_min=0.02"))
    last = traj.eta[T, 0]  # the T-th update has t = T − 1
    assert math.isclose(last, 0.02 + 0.5 * (eta0 - 0.02) * (1 + math.cos(math.pi * (T - 1) / T)), rel_tol=1e-12)
    assert last - 0.02 < 0.01 * (eta0 - 0.02)


def test_warmup_ramps_linearly_then_decays_like_one_over_sqrt_t():
    eta0, s = 1.0, 4
    traj = optimizers.run(get_problem("bowl"), "gd", BOWL_START, 12, {"eta": eta0},
                          schedule=parse_schedule(f"warmup:steps={s}"))
    np.testing.assert_allclose(traj.eta[1:5, 0], [0.25, 0.5, 0.75, 1.0], rtol=1e-15)
    np.testing.assert_allclose(traj.eta[5:, 0], [math.sqrt(4 / (t + 1)) for t in range(4, 12)], rtol=1e-13)


# ----------------------------------------------------------------------------- epochs under stochastic batching
@pytest.mark.parametrize(("batch", "per_epoch"), [("stochastic", 100), ("minibatch:30", 4), ("minibatch:7", 15)])
def test_step_schedule_counts_epochs_not_updates_with_stochastic_batching(batch, per_epoch):
    eta0, T = 0.05, 3 * per_epoch + 5
    traj = optimizers.run(get_problem("sigmoid-sparse"), "gd", [[-2.0, -2.0]], T, {"eta": eta0},
                          schedule=parse_schedule("step:drop=0.5,every=1"), batching=parse_batching(batch))
    expected = [eta0 * 0.5 ** (t // per_epoch) for t in range(T)]
    np.testing.assert_allclose(traj.eta[1:, 0], expected, rtol=1e-15)


def test_exponential_schedule_counts_updates_not_epochs_with_stochastic_batching():
    eta0, T = 0.05, 12
    traj = optimizers.run(get_problem("sigmoid-2pt"), "gd", [[-2.0, -2.0]], T, {"eta": eta0},
                          schedule=parse_schedule("exponential:k=0.1"), batching=parse_batching("stochastic"))
    np.testing.assert_allclose(traj.eta[1:, 0], [eta0 * math.exp(-0.1 * t) for t in range(T)], rtol=1e-14)


# ----------------------------------------------------------------------------- halve-on-increase
def _ravine_gd_with_halving(x, y, eta, steps):
    """GD on ½(0.1x² + 10y²), η halved after an update whose loss is higher than the one before it."""
    loss = lambda x, y: 0.5 * (0.1 * x * x + 10 * y * y)
    prev, etas, path = loss(x, y), [], [(x, y)]
    for _ in range(steps):
        etas.append(eta)
        x, y = x - eta * 0.1 * x, y - eta * 10 * y
        path.append((x, y))
        now = loss(x, y)
        if now > prev:
            eta = eta / 2
        prev = now
    return etas, path


def test_halve_on_increase_halves_only_after_an_epoch_whose_loss_went_up():
    """On the ravine with η = 0.21, x shrinks (factor 0.979) while y grows (factor −1.1): the loss first
    falls, then rises once y dominates; η is halved exactly once, after the first rising epoch."""
    x0, y0, eta0, T = -4.5, 1e-3, 0.21, 120
    etas, path = _ravine_gd_with_halving(x0, y0, eta0, T)
    changes = [t for t in range(1, T) if etas[t] != etas[t - 1]]
    assert len(changes) == 1 and changes[0] > 5  # the case: falls first, then one halving
    traj = optimizers.run(get_problem("ravine"), "gd", [[x0, y0]], T, {"eta": eta0},
                          schedule=parse_schedule("halve-on-increase"))
    np.testing.assert_allclose(traj.eta[1:, 0], etas, rtol=0)
    np.testing.assert_allclose(traj.params[:, 0, :], np.array(path), rtol=1e-12)
    losses = traj.loss[:, 0]
    t_half = changes[0]  # first update at the halved rate; update t_half − 1 made the loss go up
    assert losses[t_half] > losses[t_half - 1]
    assert all(losses[k] <= losses[k - 1] for k in range(1, t_half))


def test_halve_on_increase_keeps_eta_while_the_loss_falls():
    traj = optimizers.run(get_problem("bowl"), "gd", BOWL_START, 50, {"eta": 0.5},
                          schedule=parse_schedule("halve-on-increase"))
    assert (traj.eta[1:, 0] == 0.5).all()


def test_halve_on_increase_waits_for_the_end_of_the_epoch_with_minibatches():
    per_epoch, T = 4, 60  # minibatch:30 over 100 points: 30, 30, 30, 10
    traj = optimizers.run(get_problem("sigmoid-sparse"), "gd", [[-2.0, -2.0]], T, {"eta": 5.0},
                          schedule=parse_schedule("halve-on-increase"), batching=parse_batching("minibatch:30"))
    eta, loss = traj.eta[1:, 0], traj.loss[:, 0]
    halvings = 0
    for t in range(1, T):
        if t % per_epoch:
            assert eta[t] == eta[t - 1], f"η changed inside an epoch, at update {t}"
        elif t >= 2 * per_epoch:  # (the first epoch has no previous epoch to compare with)
            went_up = loss[t] > loss[t - per_epoch]  # full loss at this epoch's end vs the previous end
            assert eta[t] == (eta[t - 1] / 2 if went_up else eta[t - 1]), f"epoch ending at update {t}"
            halvings += went_up
    assert halvings >= 1, "the case never made the loss go up: pick a larger eta"


# ----------------------------------------------------------------------------- Sutskever γ_t
@pytest.mark.parametrize(("t", "gamma_max", "expected"), [
    (0, 0.99, 0.5), (249, 0.99, 0.5), (250, 0.99, 0.75), (499, 0.99, 0.75), (500, 0.99, 1 - 1 / 6),
    (750, 0.99, 0.875), (2499, 0.99, 0.95), (12250, 0.99, 0.99), (250, 0.6, 0.6),
])
def test_sutskever_gamma_formula(t, gamma_max, expected):
    from optimizers.rules import sutskever_gamma
    by_formula = min(1 - 2 ** (-1 - math.log2(t // 250 + 1)), gamma_max)
    assert math.isclose(by_formula, expected, rel_tol=1e-12)
    assert math.isclose(float(sutskever_gamma(np.float64(gamma_max), t)), expected, rel_tol=1e-12)


def test_sutskever_gamma_drives_momentum_over_several_stages():
    eta, gmax, T = 0.01, 0.9, 800
    x, v, xs = -4.0, 0.0, [-4.0]
    for t in range(T):  # lecture momentum on the bowl along x: g = x
        gamma = min(1 - 2 ** (-1 - math.log2(t // 250 + 1)), gmax)
        v = gamma * v + eta * x
        x = x - v
        xs.append(x)
    traj = optimizers.run(get_problem("bowl"), "momentum", BOWL_START, T,
                          {"eta": eta, "gamma": gmax, "gamma_schedule": "sutskever"})
    np.testing.assert_allclose(traj.params[:, 0, 0], xs, rtol=1e-11, atol=1e-300)


# ----------------------------------------------------------------------------- spec errors
@pytest.mark.parametrize(("spec", "names"), [
    ("zigzag", ["zigzag"]),
    ("step:drop=0.5,speed=3", ["speed"]),
    ("exponential:k=fast", ["k", "fast"]),
    ("step:drop=2", ["drop", "2"]),
    ("step:drop=0", ["drop"]),
    ("exponential:k=-1", ["k", "-1"]),
    ("warm-restarts:t0=1.5", ["t0", "1.5"]),
    ("triangular:eta_max=nan", ["eta_max"]),
    ("cosine:eta_min", ["eta_min"]),
    ("constant:k=1", ["k"]),
])
def test_bad_schedule_spec_raises_spec_error_naming_the_bad_part(spec, names):
    with pytest.raises(SpecError) as err:
        parse_schedule(spec)
    for name in names:
        assert name in str(err.value), f"{spec!r}: message {err.value} does not name {name!r}"


@pytest.mark.parametrize(("spec", "names"), [
    ("adamw", ["adamw"]),
    ("adam:lr=0.1", ["lr"]),
    ("gd:eta=fast", ["eta", "fast"]),
    ("adam:beta1=1.5", ["beta1", "1.5"]),
    ("gd:eta=-1", ["eta", "-1"]),
    ("adam:bias_correction=maybe", ["bias_correction", "maybe"]),
    ("momentum:gamma_schedule=wild", ["gamma_schedule", "wild"]),
    ("gd|schedule=zigzag", ["zigzag"]),
    ("gd|batch=minibatch:x", ["minibatch:x"]),
    ("gd|batch=sometimes", ["sometimes"]),
    ("gd|colour=red", ["colour"]),
])
def test_bad_optimizer_spec_raises_spec_error_naming_the_bad_part(spec, names):
    with pytest.raises(SpecError) as err:
        parse_spec(spec)
    for name in names:
        assert name in str(err.value), f"{spec!r}: message {err.value} does not name {name!r}"


def test_good_specs_parse_to_the_values_given():
    spec = parse_spec("adam:eta=0.05,bias_correction=off|schedule=step:drop=0.25,every=2|batch=minibatch:8")
    assert spec.optimizer.id == "adam"
    assert spec.hp == {"eta": 0.05, "bias_correction": False}
    assert spec.schedule.id == "step" and spec.schedule.params == {"drop": 0.25, "every": 2}
    assert spec.batch == "minibatch:8"
    assert parse_schedule("warm-restarts").params == {"t0": 100, "t_mult": 2, "eta_min": 0}
