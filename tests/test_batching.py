"""Batching (full, stochastic, minibatch:K, seeded shuffles) and batched runs (R starts, (R,) hyperparameters).

Stochastic and minibatch runs are checked against a per-point gradient-descent loop written here in
plain Python over the problem's raw data, in the course's loop style.
"""

import math
from collections import Counter

import numpy as np
import pytest

import optimizers
from optimizers import OPTIMIZERS, SpecError, parse_batching
from surfaces import get_problem

START = [-2.0, -2.0]


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def point_grad(p, theta, i):
    """(f − y) f (1 − f) (x, 1) for data point i, in scalar Python."""
    x, y = [float(v) for v in p.X[i]], float(p.Y[i])
    f = sig(sum(w * xi for w, xi in zip(theta[:-1], x, strict=True)) + theta[-1])
    c = (f - y) * f * (1.0 - f)
    return [c * xi for xi in x] + [c]


def full_loss(p, theta):
    total = 0.0
    for i in range(p.n_points):
        x, y = [float(v) for v in p.X[i]], float(p.Y[i])
        f = sig(sum(w * xi for w, xi in zip(theta[:-1], x, strict=True)) + theta[-1])
        total += 0.5 * (y - f) ** 2
    return total


def hand_gd(p, start, eta, batches):
    """GD over the given sequence of batches (lists of point indices), summing per-point gradients."""
    theta, path = list(start), [list(start)]
    for batch in batches:
        g = [0.0] * len(theta)
        for i in batch:
            g = [a + b for a, b in zip(g, point_grad(p, theta, i), strict=True)]
        theta = [th - eta * gi for th, gi in zip(theta, g, strict=True)]
        path.append(theta)
    return np.array(path)


# ----------------------------------------------------------------------------- data order
@pytest.mark.parametrize("pid", ["sigmoid-2pt", "sigmoid-sparse", "sigmoid-sparse-4d"])
def test_stochastic_makes_one_update_per_point_in_data_order(pid):
    p = get_problem(pid)
    N = p.n_points
    T = N + N // 2 + 1  # one and a half epochs
    start = [0.3] * (len(p.param_names) - 1) + [-0.2]
    expected = hand_gd(p, start, 0.5, [[t % N] for t in range(T)])
    traj = optimizers.run(p, "gd", [start], T, {"eta": 0.5}, batching=parse_batching("stochastic"))
    np.testing.assert_allclose(traj.params[:, 0, :], expected, rtol=1e-12, atol=1e-14)
    assert traj.epoch[0] == 0 and traj.epoch[N] == 1 and math.floor(traj.epoch[T]) == T // N


@pytest.mark.parametrize(("K", "sizes"), [(30, [30, 30, 30, 10]), (7, [7] * 14 + [2]), (100, [100]), (250, [100])])
def test_minibatch_makes_ceil_n_over_k_updates_per_epoch_with_a_smaller_last_batch(K, sizes):
    p = get_problem("sigmoid-sparse")
    N = p.n_points
    assert N == 100 and sum(sizes) == N and len(sizes) == math.ceil(N / min(K, N))
    edges = np.cumsum([0, *sizes])
    epoch_batches = [list(range(edges[j], edges[j + 1])) for j in range(len(sizes))]
    batches = epoch_batches * 2 + epoch_batches[:1]
    expected = hand_gd(p, START, 0.1, batches)
    traj = optimizers.run(p, "gd", [START], len(batches), {"eta": 0.1}, batching=parse_batching(f"minibatch:{K}"))
    np.testing.assert_allclose(traj.params[:, 0, :], expected, rtol=1e-12, atol=1e-14)
    per_epoch = len(sizes)
    assert [traj.epoch[k] for k in (0, per_epoch, 2 * per_epoch)] == [0, 1, 2]


@pytest.mark.parametrize("batch", ["full", "stochastic", "minibatch:30"])
def test_epoch_column_counts_completed_epochs(batch):
    p = get_problem("sigmoid-sparse")
    per_epoch = {"full": 1, "stochastic": 100, "minibatch:30": 4}[batch]
    T = 2 * per_epoch + 3
    frame = optimizers.run(p, "gd", [START], T, {"eta": 0.1}, batching=parse_batching(batch)).to_frame()
    epoch, step = frame["epoch"].to_numpy(), frame["step"].to_numpy()
    assert list(step) == list(range(T + 1))
    assert (np.floor(epoch + 1e-12) == step // per_epoch).all()
    assert (np.diff(epoch) > 0).all()
    for k in (0, per_epoch, 2 * per_epoch):
        assert epoch[k] == k // per_epoch
    if batch == "full":
        assert (epoch == step).all()


@pytest.mark.parametrize(("batch", "shuffle"), [("stochastic", False), ("minibatch:30", False), ("stochastic", True)])
def test_recorded_loss_is_the_full_data_loss(batch, shuffle):
    p = get_problem("sigmoid-sparse")
    traj = optimizers.run(p, "momentum", [START], 130, {"eta": 0.2},
                          batching=parse_batching(batch, shuffle=shuffle, seed=3))
    for k in (0, 1, 2, 57, 100, 130):
        assert math.isclose(traj.loss[k, 0], full_loss(p, traj.params[k, 0].tolist()), rel_tol=1e-12)


def test_analytic_surfaces_refuse_stochastic_batching():
    with pytest.raises(SpecError, match="bowl"):
        optimizers.run(get_problem("bowl"), "gd", [[1.0, 1.0]], 3, batching=parse_batching("stochastic"))


# ----------------------------------------------------------------------------- shuffling
def _points_used(p, traj, r=0):
    """For each update k ≥ 1, the (x, y) of the data point whose gradient at row k − 1 was used."""
    values = []
    for k in range(1, traj.steps + 1):
        theta = traj.params[k - 1, r].tolist()
        match = [i for i in range(p.n_points)
                 if np.allclose(point_grad(p, theta, i), traj.grad[k, r], rtol=1e-10, atol=1e-300)]
        assert match, f"update {k} used no single data point"
        values.append((tuple(p.X[match[0]]), float(p.Y[match[0]])))
    return values


def test_shuffled_epochs_are_permutations_of_the_data():
    p = get_problem("sigmoid-sparse")
    N = p.n_points
    traj = optimizers.run(p, "gd", [START], 2 * N, {"eta": 0.05},
                          batching=parse_batching("stochastic", shuffle=True, seed=11))
    used = _points_used(p, traj)
    every = Counter((tuple(x), float(y)) for x, y in zip(p.X, p.Y, strict=True))
    in_order = [(tuple(x), float(y)) for x, y in zip(p.X, p.Y, strict=True)]
    for e in range(2):
        assert Counter(used[e * N:(e + 1) * N]) == every, f"epoch {e} is not a permutation"
        assert used[e * N:(e + 1) * N] != in_order, f"epoch {e} is in data order"
    assert used[:N] != used[N:], "the two epochs use the same order: no reshuffle per epoch"


def test_shuffle_with_a_seed_is_reproducible_and_differs_from_data_order():
    p = get_problem("sigmoid-sparse")
    run = lambda **kw: optimizers.run(p, "gd", [START], 250, {"eta": 0.05}, batching=parse_batching("stochastic", **kw))
    a, b = run(shuffle=True, seed=4), run(shuffle=True, seed=4)
    assert np.array_equal(a.params, b.params) and np.array_equal(a.loss, b.loss)
    assert not np.allclose(a.params, run().params)
    assert not np.allclose(a.params, run(shuffle=True, seed=5).params)


def test_per_run_seeds_shuffle_each_run_as_its_own_seed_would():
    p = get_problem("sigmoid-sparse")
    seeds = (1, 2, 3)
    batched = optimizers.run(p, "gd", [START] * 3, 150, {"eta": 0.05},
                             batching=parse_batching("stochastic", shuffle=True, seed=seeds))
    for r, s in enumerate(seeds):
        alone = optimizers.run(p, "gd", [START], 150, {"eta": 0.05},
                               batching=parse_batching("stochastic", shuffle=True, seed=s))
        np.testing.assert_allclose(batched.params[:, r], alone.params[:, 0], rtol=1e-12, atol=1e-300)
    assert not np.allclose(batched.params[:, 0], batched.params[:, 1])


def test_per_run_seeds_must_match_the_number_of_runs():
    with pytest.raises(SpecError, match="seeds"):
        optimizers.run(get_problem("sigmoid-sparse"), "gd", [START] * 3, 5,
                       batching=parse_batching("stochastic", shuffle=True, seed=(1, 2)))


# ----------------------------------------------------------------------------- batched = one at a time
STARTS = [[-2.0, -2.0], [1.0, -3.0], [0.5, 2.5]]


def per_run_values(opt, eta_scale=1.0):
    """(R,) arrays for every numeric hyperparameter (default, ½·default, 0.8·default): all in range.
    `eta_scale` brings η into the stable range of a dataset: the lecture defaults are tuned for the
    two-point toy, and a gradient summed over 100 points is ~50× larger."""
    out = {}
    for h in opt.hypers:
        if h.kind in ("float", "int"):
            d = float(h.default) * (eta_scale if h.name == "eta" else 1.0)
            out[h.name] = np.array([d, 0.5 * d, 0.8 * d])
    return out


@pytest.mark.parametrize("batch", ["full", "stochastic", "shuffled"])
@pytest.mark.parametrize("oid", list(OPTIMIZERS))
def test_batched_runs_equal_the_same_runs_one_at_a_time(oid, batch):
    p = get_problem("sigmoid-sparse")
    hp = per_run_values(OPTIMIZERS[oid], eta_scale=0.1 if batch == "full" else 1.0)
    assert "eta" in hp
    seeds = (5, 6, 7)
    make = lambda seed: (parse_batching("stochastic", shuffle=True, seed=seed) if batch == "shuffled"
                         else parse_batching(batch))
    T = 120
    batched = optimizers.run(p, oid, STARTS, T, hp, batching=make(seeds))
    assert batched.params.shape == (T + 1, 3, 2)
    for r in range(3):
        alone = optimizers.run(p, oid, [STARTS[r]], T, {k: v[r] for k, v in hp.items()}, batching=make(seeds[r]))
        np.testing.assert_allclose(batched.params[:, r], alone.params[:, 0], rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(batched.loss[:, r], alone.loss[:, 0], rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(batched.eta[:, r], alone.eta[:, 0], rtol=1e-15)


@pytest.mark.parametrize("oid", list(OPTIMIZERS))
def test_batched_runs_equal_single_runs_on_the_two_point_toy_with_schedules(oid):
    p = get_problem("sigmoid-2pt")
    hp = per_run_values(OPTIMIZERS[oid])
    schedule = optimizers.parse_schedule("warm-restarts:t0=20")
    batched = optimizers.run(p, oid, STARTS, 100, hp, schedule=schedule)
    for r in range(3):
        alone = optimizers.run(p, oid, [STARTS[r]], 100, {k: v[r] for k, v in hp.items()}, schedule=schedule)
        np.testing.assert_allclose(batched.params[:, r], alone.params[:, 0], rtol=1e-12, atol=1e-300)


def test_batched_runs_equal_single_runs_even_where_the_dynamics_amplify_rounding():
    p = get_problem("sigmoid-sparse")
    etas = np.array([1.0, 0.5, 0.8])
    batched = optimizers.run(p, "gd", STARTS, 120, {"eta": etas})
    for r in range(3):
        alone = optimizers.run(p, "gd", [STARTS[r]], 120, {"eta": etas[r]})
        np.testing.assert_allclose(batched.params[:, r], alone.params[:, 0], rtol=1e-12, atol=1e-300)


def test_a_hyperparameter_array_of_the_wrong_length_is_refused():
    with pytest.raises(SpecError, match="eta"):
        optimizers.run(get_problem("sigmoid-2pt"), "gd", STARTS, 3, {"eta": np.array([0.1, 0.2])})


def test_bias_correction_can_differ_per_run_in_one_batched_call():
    p = get_problem("sigmoid-2pt")
    on_off = np.array([True, False])
    batched = optimizers.run(p, "adam", [START, START], 20, {"bias_correction": on_off})
    for r, flag in enumerate(on_off):
        alone = optimizers.run(p, "adam", [START], 20, {"bias_correction": bool(flag)})
        np.testing.assert_allclose(batched.params[:, r], alone.params[:, 0], rtol=1e-12)
