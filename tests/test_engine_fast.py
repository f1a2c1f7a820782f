"""The engine's fast path for one run (optimizers/fast.py): the rules traced into float code.

A run alone (R = 1 on a sigmoid problem, full batch) goes through the fast path; the same run inside a
batch of two goes through the NumPy loop. They must agree bit for bit — in the chaotic late phase of
RMSProp on the toy a last-bit difference grows to 10⁻¹ within 2,000 steps, so anything less than the
same bits would show. The problem's float loss and gradient are checked against central differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import optimizers.engine as engine
from optimizers import CONVENTIONS, OPTIMIZERS, Optimizer, get_optimizer, parse_schedule, run
from optimizers.rules import Rule
from surfaces import get_problem
from surfaces.sigmoid import SigmoidProblem

STEPS = 2000


def two_inputs() -> SigmoidProblem:
    """A neuron with two inputs and five points (four distinct x): the general float code, D = 3."""
    return SigmoidProblem("two-inputs", "two inputs", [[0.5, 1.0], [2.0, -1.0], [0.0, 0.5], [0.0, 0.5], [1.5, 1.5]],
                          [0.2, 0.9, 0.4, 0.6, 0.7], start=(0.5, -0.5, 0.1), window=((-4.0, 4.0),) * 3)


PROBLEMS = {"sigmoid-2pt": lambda: get_problem("sigmoid-2pt"), "sigmoid-valley": lambda: get_problem("sigmoid-valley"),
            "two-inputs": two_inputs}
SIGMOID = tuple(PROBLEMS)


@pytest.fixture
def fast_calls(monkeypatch):
    """Records whether each engine call took the fast path."""
    calls = []

    def spy(*args, **kwargs):
        result = run_one(*args, **kwargs)
        calls.append(result is not None)
        return result

    run_one = engine.run_one
    monkeypatch.setattr(engine, "run_one", spy)
    return calls


def alone_and_in_a_batch(problem, oid, start, **kw):
    """(the run alone, the same run as run 0 of two through the NumPy loop)."""
    other = np.array(problem.start) + 0.5
    return run(problem, oid, [start], STEPS, **kw), run(problem, oid, [start, other], STEPS, **kw)


def assert_same_run(alone, batched):
    np.testing.assert_array_equal(alone.params[:, 0], batched.params[:, 0])
    np.testing.assert_array_equal(alone.loss[:, 0], batched.loss[:, 0])
    np.testing.assert_array_equal(alone.eta[:, 0], batched.eta[:, 0])
    for name in ("grad", "lr", "lookahead"):
        a, b = getattr(alone, name), getattr(batched, name)
        assert (a is None) == (b is None), name
        if a is not None:
            np.testing.assert_array_equal(a[:, 0], b[:, 0], err_msg=name)
    assert alone.state.keys() == batched.state.keys()
    for name in alone.state:
        np.testing.assert_array_equal(alone.state[name][:, 0], batched.state[name][:, 0], err_msg=name)
    for name, value in alone.last_state.items():
        np.testing.assert_array_equal(np.asarray(value)[0], np.asarray(batched.last_state[name])[0], err_msg=name)
    assert alone.diverged_at[0] == batched.diverged_at[0]
    assert alone.diverged_reason[0] == batched.diverged_reason[0]


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("oid", list(OPTIMIZERS))
def test_a_run_alone_takes_the_fast_path_and_equals_the_numpy_loop_bit_for_bit(oid, convention, fast_calls):
    p = get_problem("sigmoid-2pt")
    alone, batched = alone_and_in_a_batch(p, oid, p.start, convention=convention)
    assert fast_calls == [True]  # (the engine asks only for R = 1)
    assert_same_run(alone, batched)


@pytest.mark.parametrize("spec", ["momentum:gamma=0.99,gamma_schedule=sutskever", "nadam:psi=0.01",
                                  "adam:bias_correction=false", "qhadam:nu1=0.5,nu2=0.3"])
@pytest.mark.parametrize("pid", SIGMOID)
def test_fast_path_keeps_the_bits_on_every_small_sigmoid_problem_and_hyperparameter_form(pid, spec, fast_calls):
    oid, _, pairs = spec.partition(":")
    hp = dict(pair.split("=") for pair in pairs.split(","))  # the engine parses the values as the CLI does
    for convention in CONVENTIONS:
        p = PROBLEMS[pid]()
        alone, batched = alone_and_in_a_batch(p, oid, p.start, hp=hp, convention=convention)
        assert_same_run(alone, batched)
    assert fast_calls == [True, True]


@pytest.mark.parametrize("schedule", ["cosine", "warmup:steps=50", "step:drop=0.5,every=300", "triangular"])
def test_fast_path_follows_the_schedules(schedule, fast_calls):
    p = get_problem("sigmoid-2pt")
    alone, batched = alone_and_in_a_batch(p, "rmsprop", p.start, schedule=parse_schedule(schedule))
    assert fast_calls == [True]
    assert_same_run(alone, batched)


def test_fast_path_without_internals_records_params_loss_and_eta_only(fast_calls):
    p = get_problem("sigmoid-2pt")
    lean = run(p, "nag", [p.start], 300, record_internals=False)
    full = run(p, "nag", [p.start], 300)
    assert fast_calls == [True, True]
    assert lean.grad is None and lean.lr is None and lean.lookahead is None and lean.state == {}
    np.testing.assert_array_equal(lean.params, full.params)
    np.testing.assert_array_equal(lean.loss, full.loss)


def test_a_resumed_fast_run_continues_exactly_where_it_stopped(fast_calls):
    p = get_problem("sigmoid-2pt")
    whole = run(p, "nadam", [p.start], 600, convention="pytorch")
    first = run(p, "nadam", [p.start], 250, convention="pytorch")
    rest = run(p, "nadam", None, 350, convention="pytorch", resume=first.checkpoint())
    assert fast_calls == [True, True, True]
    np.testing.assert_array_equal(rest.params, whole.params[250:])
    np.testing.assert_array_equal(rest.loss, whole.loss[250:])


def test_a_run_that_crosses_the_bound_stops_there_as_in_the_numpy_loop(fast_calls):
    p = get_problem("sigmoid-2pt")
    start = np.array(p.minima[0]) + 0.3  # GD with η = 30 overshoots here: the loss goes up at step 2
    traj = run(p, "gd", [start], 50, {"eta": 30.0})
    bound = float(traj.loss[0, 0] + traj.loss[:, 0].max()) / 2
    alone, batched = alone_and_in_a_batch(p, "gd", start, hp={"eta": 30.0}, bound=bound)
    assert fast_calls == [True, True]
    assert alone.diverged_at[0] == 2 and alone.divergence_message().startswith("diverged at step 2: loss exceeded")
    assert_same_run(alone, batched)
    start_over = run(p, "gd", [p.start], 10, bound=0.0)  # diverged at row 0: no update is made
    assert start_over.diverged_at[0] == 0 and np.isnan(start_over.params[1:]).all()


class _Faulty:
    """A sigmoid problem whose float gradient raises after a few calls (as 0/0 would in the float code)."""

    def __init__(self, problem, calls):
        self.problem, self.calls = problem, calls

    def __getattr__(self, name):
        return getattr(self.problem, name)

    def loss_and_grad_floats(self):
        inner, left = self.problem.loss_and_grad_floats(), [self.calls]

        def lg(p):
            left[0] -= 1
            if left[0] < 0:
                raise ZeroDivisionError
            return inner(p)
        return lg


def test_an_arithmetic_error_in_the_float_code_hands_the_run_to_the_numpy_loop(fast_calls):
    p = get_problem("sigmoid-2pt")
    faulty = run(_Faulty(p, 50), "adam", [p.start], 300)
    assert fast_calls == [False]
    np.testing.assert_array_equal(faulty.params, run(p, "adam", [p.start, p.start], 300).params[:, :1])


def test_a_rule_the_trace_cannot_express_runs_in_the_numpy_loop(fast_calls):
    def clipped_gd(g, s, hp, t):  # np.clip is not among the traced operations
        return -hp.eta * np.clip(g, -0.1, 0.1), s, np.broadcast_to(hp.eta, g.shape)

    gd = get_optimizer("gd")
    rule = Rule(gd.lecture.init, clipped_gd)
    clip = Optimizer("clip", "clipped GD", gd.hypers, rule, rule, "", "")
    p = get_problem("sigmoid-2pt")
    traj = run(p, clip, [p.start], 50)
    assert fast_calls == [False]
    w, b = p.start
    for _ in range(50):  # the same clipped steps by hand
        g = p.loss_and_grad(np.array([[w, b]]))[1][0]
        w, b = w - np.clip(g[0], -0.1, 0.1), b - np.clip(g[1], -0.1, 0.1)
    np.testing.assert_allclose(traj.params[-1, 0], [w, b], rtol=1e-14)


@pytest.mark.parametrize("pid", SIGMOID)
def test_float_loss_and_gradient_equal_numpy_and_central_differences(pid):
    p = PROBLEMS[pid]()
    lg = p.loss_and_grad_floats()
    rng = np.random.default_rng(1)
    for point in rng.uniform(-3, 3, size=(20, p.dim)):
        loss, g = lg(tuple(point))
        L, G = p.loss_and_grad(point[None])
        assert loss == L[0] and g == tuple(G[0])
        h = 1e-6
        for d in range(p.dim):
            e = np.eye(p.dim)[d] * h
            central = (p.loss((point + e)[None])[0] - p.loss((point - e)[None])[0]) / (2 * h)
            assert g[d] == pytest.approx(central, rel=1e-6, abs=1e-9)


def test_problems_with_many_distinct_inputs_keep_numpy():
    assert get_problem("sigmoid-sparse").loss_and_grad_floats() is None


class _NumpyOnly:
    """The problem without its float loss and gradient: the engine runs its NumPy loop."""

    def __init__(self, problem):
        self.problem = problem

    def __getattr__(self, name):
        if name == "loss_and_grad_floats":
            raise AttributeError(name)
        return getattr(self.problem, name)


@pytest.mark.parametrize("oid", ["adam", "nadam", "amsgrad", "qhadam", "rmsprop"])
def test_hyperparameters_given_as_one_per_run_arrays_keep_the_bits(oid, fast_calls):
    p = get_problem("sigmoid-2pt")
    hp = {"eta": np.array([0.05]), **{name: np.array([value]) for name, value in
                                      {"beta1": 0.8, "beta2": 0.99, "beta": 0.8}.items()
                                      if name in get_optimizer(oid).defaults()}}
    for convention in CONVENTIONS:
        fast = run(p, oid, [p.start], STEPS, hp, convention=convention)
        slow = run(_NumpyOnly(p), oid, [p.start], STEPS, hp, convention=convention)
        np.testing.assert_array_equal(fast.params, slow.params)
        np.testing.assert_array_equal(fast.lr, slow.lr)
    assert fast_calls == [True, False, True, False]
