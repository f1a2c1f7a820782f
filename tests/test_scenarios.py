"""Every scenario's "what to notice" as a numeric assertion: a scenario can never silently stop
showing what it says. One test per scenario, plus checks that every scenario loads and is data."""

from __future__ import annotations

import numpy as np
import pytest

from layouts.metrics import path_length, steps_to, u_turns
from optimizers import get_optimizer, run
from optimizers.rules import sutskever_gamma
from scenarios.presets import GROUPS, SCENARIO_BY_ID, SCENARIOS
from scenarios.settings import load_settings, problem_of, simulate
from surfaces import get_problem


def runs(scenario_id: str):
    """The scenario's trajectories, keyed by the optimizer spec as written in the scenario."""
    settings = SCENARIO_BY_ID[scenario_id].full_settings()
    return {t.label: t for t in simulate(settings)}


def path(traj, r: int = 0) -> np.ndarray:
    return traj.params[: traj.last_row(r) + 1, r]


def increases(loss: np.ndarray) -> int:
    return int((np.diff(loss) > 0).sum())


# ----------------------------------------------------------------------------- all scenarios
def test_at_least_the_27_course_demos_exist_with_unique_ids():
    assert len(SCENARIOS) >= 27 and len(SCENARIO_BY_ID) == len(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_scenario_is_valid_settings_and_runs(scenario):
    settings = scenario.full_settings()
    again, notices = load_settings(settings, strict=True)
    assert again == settings and notices == []
    assert scenario.group in GROUPS and scenario.explanation and scenario.notice
    trajectories = simulate(settings)
    assert len(trajectories) == len(settings["optimizers"])


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_scenario_has_a_claim_test(scenario):
    assert f"test_{scenario.id.replace('-', '_')}" in globals(), f"no claim test for {scenario.id}"


# ----------------------------------------------------------------------------- basics
def test_guess_parameters():
    """The course's guess table, to the 4 decimals the slides print (within 5e-4)."""
    problem = get_problem(SCENARIO_BY_ID["guess-parameters"].settings["problem"])
    table = [(0.50, 0.00, 0.0730), (-0.10, 0.00, 0.1481), (0.94, -0.94, 0.0214),
             (1.42, -1.73, 0.0028), (1.65, -2.08, 0.0003), (1.78, -2.27, 0.0000)]
    losses = problem.loss(np.array([[w, b] for w, b, _ in table]))
    for (w, b, printed), loss in zip(table, losses, strict=True):
        assert abs(loss - printed) < 5e-4, (w, b, loss)
    assert all(np.diff(losses[1:]) < 0), "from the second guess on, each guess is better"


def test_error_surface():
    traj = runs("error-surface")["gd:eta=1"]
    loss = traj.loss[:, 0]
    assert loss[60] > 0.95 * loss[0], "the first 60 steps stay on the plateau (< 5% progress)"
    assert steps_to(loss, 0.0, 1e-3) < 250 and loss[-1] < 1e-4, "then the descent reaches the minimum"


def test_contour_quiz():
    quiz = SCENARIO_BY_ID["contour-quiz"].view["quiz"]
    assert quiz["answer"] in quiz["choices"] and len(set(quiz["choices"])) == len(quiz["choices"]) >= 3
    problem = get_problem(quiz["answer"])
    # dense contour lines where steep: the loss changes more per unit length where |∇L| is large
    steep, flat = np.array([[4.5, 4.5]]), np.array([[-0.27, -0.92]])
    assert np.linalg.norm(problem.grad(steep)) > 50 * np.linalg.norm(problem.grad(flat))
    # the candidates really look different: their grids are not rescalings of the answer's
    _, _, answer = problem.grid(41)
    for other in quiz["choices"]:
        if other != quiz["answer"]:
            _, _, z = get_problem(other).grid(41)
            assert abs(np.corrcoef(answer.ravel(), z.ravel())[0, 1]) < 0.95


# ----------------------------------------------------------------------------- momentum
def test_gd_vs_momentum():
    r = runs("gd-vs-momentum")
    gd, mom = r["gd:eta=1"].loss[:, 0], r["momentum:eta=1,gamma=0.9"].loss[:, 0]
    assert steps_to(mom, 0.0, 1e-3) + 25 <= steps_to(gd, 0.0, 1e-3)


def test_momentum_valley():
    r = runs("momentum-valley")
    gd, mom = r["gd:eta=1"], r["momentum:eta=1,gamma=0.9"]
    assert mom.steps == 100
    assert mom.loss[100, 0] <= 1e-4 and gd.loss[100, 0] >= 0.1
    assert u_turns(path(mom)) >= 5


def test_nag_vs_momentum():
    r = runs("nag-vs-momentum")
    mom, nag = r["momentum:eta=1,gamma=0.9"], r["nag:eta=1,gamma=0.9"]
    assert u_turns(path(nag)) < u_turns(path(mom))
    assert nag.lookahead is not None and np.isfinite(nag.lookahead[1:]).all()
    assert nag.loss[-1, 0] < 1e-3


# ----------------------------------------------------------------------------- stochastic
def test_stochastic_vs_full():
    r = runs("stochastic-vs-full")
    full, sgd, mini = r["gd:eta=1"], r["gd:eta=1|batch=stochastic"], r["gd:eta=1|batch=minibatch:2"]
    n = get_problem("sigmoid-valley").n_points
    assert full.epoch[1] == 1 and sgd.epoch[n] == 1 and mini.epoch[-(-n // 2)] == 1  # 1, N, ⌈N/B⌉ updates
    assert full.epoch[-1] == 300 and sgd.epoch[-1] == 100 and mini.epoch[-1] == 150
    assert increases(full.loss[:, 0]) == 0 and increases(sgd.loss[:, 0]) > 50


def test_minibatch_size():
    r = runs("minibatch-size")
    noise = [increases(r[f"gd:eta={0.5 / k:g}|batch=minibatch:{k}"].loss[:, 0]) for k in (2, 10, 50)]
    assert noise[0] > 3 * noise[1] and noise[1] > noise[2] == 0


def test_stochastic_momentum_nag():
    r = runs("stochastic-momentum-nag")
    sgd = r["gd:eta=1|batch=stochastic"]
    mom = r["momentum:eta=1,gamma=0.9|batch=stochastic"]
    nag = r["nag:eta=1,gamma=0.9|batch=stochastic"]
    assert mom.loss[60, 0] < sgd.loss[60, 0] / 3 and nag.loss[60, 0] < sgd.loss[60, 0] / 3

    def climb(traj) -> float:  # how far the loss goes back up: the size of the u-turns
        return float(np.clip(np.diff(traj.loss[:, 0]), 0, None).sum())

    assert climb(nag) < climb(mom) / 2


# ----------------------------------------------------------------------------- learning rates
def test_too_large_eta():
    r = runs("too-large-eta")
    small, large = r["gd:eta=1"], r["gd:eta=10"]
    assert increases(small.loss[:, 0]) == 0
    assert u_turns(path(large)) >= 20 and increases(large.loss[:, 0]) >= 10
    assert large.loss[-1, 0] > 0.1 > small.loss[-1, 0]


def test_diverging_eta():
    r = runs("diverging-eta")
    assert r["gd:eta=0.5"].diverged_at[0] == -1 and r["gd:eta=1.9"].diverged_at[0] == -1
    assert u_turns(path(r["gd:eta=1.9"])) >= 50 and r["gd:eta=1.9"].loss[-1, 0] < 1e-3
    bad = r["gd:eta=2.1"]
    assert bad.diverged_at[0] > 0
    assert bad.divergence_message() == f"diverged at step {bad.diverged_at[0]}: loss exceeded 1e+06"


def test_finding_eta():
    r = runs("finding-eta")
    coarse = {float(k.split("=")[1]): t.loss[-1, 0] for k, t in r.items()
              if k in ("gd:eta=0.0001", "gd:eta=0.001", "gd:eta=0.01", "gd:eta=0.1", "gd:eta=1")}
    best = min(coarse, key=coarse.get)
    fine = {float(k.split("=")[1]): t.loss[-1, 0] for k, t in r.items()}
    neighbours = [e for e in fine if e not in coarse and best / 5 <= e <= best * 5]
    assert neighbours, "the finer grid surrounds the coarse winner"
    assert min(fine[e] for e in neighbours) <= coarse[best]


def test_step_decay():
    r = runs("step-decay")
    const = r["gd:eta=10"]
    step = r["gd:eta=10|schedule=step:drop=0.5,every=50"]
    halve = r["gd:eta=10|schedule=halve-on-increase"]
    # row k holds the η of update k (0-based index k − 1): 10 for updates 0..49, 5 for 50..99, …
    assert step.eta[50, 0] == 10 and step.eta[51, 0] == 5 and step.eta[101, 0] == 2.5
    # halve-on-increase: η halves exactly after the updates that raised the loss
    loss, eta = halve.loss[:, 0], halve.eta[:, 0]
    for k in range(1, halve.steps):
        went_up = loss[k] > loss[k - 1]
        assert eta[k + 1] == (eta[k] / 2 if went_up else eta[k]), k
    assert 0 < eta[-1] < 10
    assert const.loss[-1, 0] > 0.1 and step.loss[-1, 0] < 1e-4 and halve.loss[-1, 0] < 1e-4


def test_exp_and_1t_decay():
    r = runs("exp-and-1t-decay")
    exp_ = r["gd:eta=10|schedule=exponential:k=0.01"]
    inv = r["gd:eta=10|schedule=inverse-time:k=0.05"]
    const = r["gd:eta=10"]
    t = np.arange(exp_.steps)
    np.testing.assert_allclose(exp_.eta[1:, 0], 10 * np.exp(-0.01 * t), rtol=1e-12)
    np.testing.assert_allclose(inv.eta[1:, 0], 10 / (1 + 0.05 * t), rtol=1e-12)
    assert increases(const.loss[-50:, 0]) > 5
    for traj in (exp_, inv):
        assert increases(traj.loss[-50:, 0]) == 0 and traj.loss[-1, 0] < 1e-5


def test_sutskever_momentum():
    assert [float(sutskever_gamma(0.99, t)) for t in (0, 249, 250, 499, 500, 999, 1000)] == \
        [0.5, 0.5, 0.75, 0.75, 1 - 2 ** (-1 - np.log2(3)), 1 - 2 ** (-1 - np.log2(4)), 1 - 2 ** (-1 - np.log2(5))]
    assert float(sutskever_gamma(0.8, 10_000)) == 0.8  # capped at γ_max
    r = runs("sutskever-momentum")
    sched = r["momentum:eta=1,gamma=0.99,gamma_schedule=sutskever"]
    # velocity recursion with γ_t = 0.5 over the first 250 updates: v_1 = η g_1, v_2 = 0.5 v_1 + η g_2
    g1, g2 = sched.grad[1, 0], sched.grad[2, 0]
    np.testing.assert_allclose(sched.state["v"][2, 0], 0.5 * g1 + g2, rtol=1e-12)
    assert sched.loss[-1, 0] < 1e-6


# ----------------------------------------------------------------------------- adaptive methods
def _moves(traj, k: int) -> tuple[float, float]:
    """Total |Δw| and |Δb| over the first k updates."""
    d = np.abs(np.diff(traj.params[: k + 1, 0], axis=0)).sum(axis=0)
    return float(d[0]), float(d[-1])


def test_sparse_features():
    r = runs("sparse-features")
    k = 30
    for spec in ("gd:eta=0.02", "momentum:eta=0.02,gamma=0.9", "nag:eta=0.02,gamma=0.9"):
        dw, db = _moves(r[spec], k)
        assert db >= 3 * dw, spec
    gd_w, gd_b = _moves(r["gd:eta=0.02"], k)
    ada_w, ada_b = _moves(r["adagrad:eta=0.1"], k)
    assert ada_w >= 5 * gd_w and ada_w / ada_b >= 3 * gd_w / gd_b


def test_adagrad_stalls():
    traj = runs("adagrad-stalls")["adagrad:eta=0.1"]
    lr_w, lr_b = traj.lr[-1, 0]
    assert lr_b < 0.01 and lr_b < lr_w / 2
    assert traj.lr[-1, 0, 1] < traj.lr[10, 0, 1] / 5  # decayed


def test_rmsprop_vs_adagrad():
    r = runs("rmsprop-vs-adagrad")
    ada, rms = r["adagrad:eta=0.1"], r["rmsprop:eta=0.1,beta=0.9"]
    assert rms.loss[-1, 0] < ada.loss[-1, 0]
    assert rms.lr[-1, 0, 1] > 2 * ada.lr[-1, 0, 1], "RMSProp's effective η for b has not decayed away"
    lengths = [path_length(path(r[f"rmsprop:eta={e},beta=0.9"])) for e in ("0.01", "0.1", "0.5")]
    assert lengths[0] < lengths[1] < lengths[2], "sensitive to η₀"


def test_adadelta():
    traj = runs("adadelta")["adadelta:eta=1,beta=0.95"]
    hp = get_optimizer("adadelta").defaults()
    eps, beta = hp["eps"], 0.95
    first_step = np.abs(traj.params[1, 0] - traj.params[0, 0])
    expected = np.sqrt(eps) / np.sqrt((1 - beta) * traj.grad[1, 0] ** 2 + eps) * np.abs(traj.grad[1, 0])
    np.testing.assert_allclose(first_step, expected, rtol=1e-12)
    assert np.all(first_step < 1.01 * np.sqrt(eps / (1 - beta)))  # ≈ √(ε/(1−β)) whatever |g| is
    assert traj.loss[-1, 0] < 1e-6


def test_adam_bias_correction():
    r = runs("adam-bias-correction")
    on, off = r["adam:eta=0.1"], r["adam:eta=0.1,bias_correction=off"]
    g = on.grad[1, 0]
    np.testing.assert_allclose(on.params[1, 0] - on.params[0, 0], -0.1 * g / np.sqrt(g * g + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(off.params[1, 0] - off.params[0, 0],
                               -0.1 * 0.1 * g / np.sqrt(0.001 * g * g + 1e-8), rtol=1e-12)
    ratio = np.abs(off.params[1, 0] - off.params[0, 0]) / np.abs(on.params[1, 0] - on.params[0, 0])
    assert np.all((ratio > 2.5) & (ratio < 0.1 / np.sqrt(0.001)))  # 3.16 when |g| ≫ √ε; ε matters here


def test_why_bias_correction():
    traj = runs("why-bias-correction")["adam:eta=0.0001"]
    beta1 = 0.9
    t = np.arange(1, 31)
    m = traj.state["m"][1:31, 0]
    g_mean = np.cumsum(traj.grad[1:31, 0], axis=0) / t[:, None]
    m_hat = m / (1 - beta1**t)[:, None]
    np.testing.assert_allclose(m_hat, g_mean, rtol=2e-3)  # E[m̂] = E[g]
    np.testing.assert_allclose(m, (1 - beta1**t)[:, None] * g_mean, rtol=2e-3)  # m is biased to 0
    assert np.all(np.abs(m[0]) < 0.11 * np.abs(m_hat[0]))


def test_adamax_vs_adam():
    r = runs("adamax-vs-adam")
    adam, adamax = r["adam:eta=0.1|batch=stochastic"], r["adamax:eta=0.1|batch=stochastic"]
    grads = adam.grad[1:, 0, 0]
    assert set(grads) == {0.0, 1.0} and grads[0] == 1.0  # the stream: 1 every tenth round
    lr_adam, lr_max = adam.lr[1:, 0, 0], adamax.lr[1:, 0, 0]
    assert lr_adam.max() / lr_adam.min() > 2.5, "η/√v̂ saw-tooths"
    assert lr_max.max() / lr_max.min() < 1.01, "η/u stays steady"
    np.testing.assert_allclose(lr_adam[:3], 0.1 / np.sqrt([1.0, 0.999 * 0.001 / (1 - 0.999**2), 0.999**2 * 0.001
                                                          / (1 - 0.999**3)]), rtol=1e-6)


def test_nadam():
    r = runs("nadam")
    nag, adam, nadam = r["nag:eta=1,gamma=0.9"], r["adam:eta=0.1"], r["nadam:eta=0.1"]
    first = {name: steps_to(t.loss[:, 0], 0.0, 1e-3) for name, t in (("nag", nag), ("adam", adam), ("nadam", nadam))}
    assert first["nadam"] + 10 <= first["adam"] and first["nag"] < first["nadam"]
    assert nadam.loss[-1, 0] < adam.loss[-1, 0]


def test_adam_may_not_converge():
    r = runs("adam-may-not-converge")
    adam, ams = (t for t in r.values())
    assert adam.params[-1, 0, 0] > 0.9, "Adam drifts to the worst point, x = +1"
    assert ams.params[-1, 0, 0] < -0.9, "AMSGrad reaches the best point, x = −1"
    assert adam.final_loss()[0] > ams.final_loss()[0]


def test_sparse_4d():
    r = runs("sparse-4d")
    ada = r["adagrad:eta=0.1"]
    lr = ada.lr[-1, 0]  # w1 (dense) .. w4 (sparsest), b
    assert lr[3] > lr[0] and lr[2] > lr[0] and lr[0] > 0
    assert lr[4] < lr[3]


def test_cyclic_schedules():
    r = runs("cyclic-schedules")
    tri, cos_, sgdr, warm = r.values()
    assert tri.eta[1, 0] == 0.5 and np.argmax(tri.eta[1:101, 0]) == 50 and tri.eta[51, 0] == 4.0
    assert cos_.eta[1, 0] == 4.0 and cos_.eta[-1, 0] < 1e-3
    restart = np.flatnonzero(np.diff(sgdr.eta[1:, 0]) > 0) + 1
    assert list(restart) == [100, 300]
    assert np.argmax(warm.eta[1:, 0]) == 99 and warm.eta[100, 0] == 4.0


# ----------------------------------------------------------------------------- choosing
def test_which_optimizer():
    r = runs("which-optimizer")
    for traj in r.values():
        assert traj.loss[-1, 0] < 1e-4, traj.label
    first = {k: steps_to(t.loss[:, 0], 0.0, 1e-3) for k, t in r.items()}
    assert first["adam:eta=0.1"] == min(first.values())


def test_global_minimum():
    traj = runs("global-minimum")["gd:eta=0.01"]
    problem = get_problem("himmelblau")
    ends = traj.final_params()
    reached = {min(range(4), key=lambda i: np.linalg.norm(e - problem.minima[i])) for e in ends}
    assert reached == {0, 1, 2, 3}
    assert np.all(traj.final_loss() < 1e-6)


def test_a_scenario_view_reaches_its_settings():
    view = SCENARIO_BY_ID["guess-parameters"].full_settings()["view"]
    assert view["mode"] == "guess"
    assert SCENARIO_BY_ID["nag-vs-momentum"].full_settings()["view"]["lookahead"] is True
    assert SCENARIO_BY_ID["cyclic-schedules"].full_settings()["view"]["mode"] == "side"


# ----------------------------------------------------------------------------- analysis (many runs at once)
def analysis_of(scenario_id: str):
    """The scenario's analysis view, run: one MapResult per optimizer."""
    from analysis.request import check_analysis, run_analysis

    settings = SCENARIO_BY_ID[scenario_id].full_settings()
    problem = get_problem(settings["problem"])
    request = check_analysis(settings["view"]["analysis"], problem)
    return run_analysis(request, problem, start=settings["start"], convention=settings["convention"])


def test_eta_sweep():
    (r,) = analysis_of("eta-sweep")
    eta, steps = r.columns["eta"], r.steps_to_target
    assert (steps[eta < 0.8] == -1).all(), "below η ≈ 0.8 GD is still on the plateau after 300 steps"
    band = (eta >= 1) & (eta <= 13)
    assert (np.diff(steps[band]) < 0).all() and steps[band][0] == 276 and steps[band][-1] == 15
    best = np.argmin(np.where(steps >= 0, steps, 10**9))
    assert 5 <= eta[best] <= 20
    assert (steps[eta >= 25] == -1).sum() >= 0.6 * (eta >= 25).sum(), "most large-η runs never settle"


def test_momentum_map():
    (r,) = analysis_of("momentum-map")
    eta, gamma = r.columns["eta"], r.columns["gamma"]
    ratio = eta * 10 / (2 * (1 + gamma))  # ηλ / 2(1 + γ) with λ = 10, the ravine's steep curvature
    dead = r.diverged_at >= 0
    assert dead[ratio > 1.05].all() and not dead[ratio < 1].any(), "the border is η = 0.2 (1 + γ)"
    ok = r.steps_to_target >= 0
    fast = np.argmin(np.where(ok, r.steps_to_target, 10**9))
    gd_best = r.steps_to_target[ok & (gamma == 0)].min()
    assert r.steps_to_target[fast] < 30 and 0.6 <= gamma[fast] <= 0.9 and ratio[fast] < 1
    assert 250 <= gd_best <= 290


def test_which_minimum():
    gd, mom = analysis_of("which-minimum")

    def frayed(res) -> float:  # the fraction of grid edges whose two starts end in different minima
        m = res.grid(res.minimum)
        return ((m[1:] != m[:-1]).sum() + (m[:, 1:] != m[:, :-1]).sum()) / (2 * m.shape[0] * (m.shape[0] - 1))

    assert (gd.minimum >= 0).all() and set(gd.minimum.tolist()) == {0, 1, 2, 3}
    assert frayed(gd) < 0.05 and frayed(mom) > 3 * frayed(gd)
    both = (gd.minimum >= 0) & (mom.minimum >= 0)
    assert 0.2 < (gd.minimum != mom.minimum)[both].mean() < 0.5


def test_adam_betas():
    (r,) = analysis_of("adam-betas")
    b1, b2 = r.columns["beta1"], r.columns["beta2"]
    steps = r.steps_to_target
    calm = b1 <= 0.6
    assert (steps[calm] > 0).all() and steps[calm].min() >= 40 and steps[calm].max() <= 100
    for beta1 in np.unique(b1[calm]):
        row = steps[b1 == beta1]
        assert row[-1] > row[0] + 30, "a longer β₂ memory is slower here"
    assert (steps[(b1 == 0.99) & (b2 <= 0.95)] == -1).all()
    default = np.argmin(np.abs(b1 - 0.9) + np.abs(b2 - 0.9999))
    assert steps[default] >= 1.8 * steps[steps > 0].min(), "the usual (0.9, ≈1) is about 2× the fastest cell"


# ----------------------------------------------------------------------------- your own problem (DESIGN.md §7)
def test_line_search():
    t = runs("line-search")
    slow, wild, searched = t["gd:eta=0.001"], t["gd:eta=0.003"], t["gd:eta=1|schedule=armijo:c=0.5"]
    assert slow.diverged_at[0] == -1 and slow.loss[-1, 0] > 4
    assert 0 < wild.diverged_at[0] <= 5
    loss = searched.loss[:, 0]
    assert searched.diverged_at[0] == -1 and (np.diff(loss) <= 0).all() and loss[-1] < 1e-8
    eta = searched.eta[1:, 0]
    assert eta.max() == 1.0 and eta.min() < 1e-3, "the accepted η spans more than three decades"
    assert 6 <= searched.evaluations[1:, 0].mean() <= 10


def test_qhm_between():
    t = runs("qhm-between")
    reach = {label: steps_to(traj.loss[:, 0], 0.0, 1e-3) for label, traj in t.items()}
    assert reach["gd:eta=10"] < reach["qhm:eta=10,beta=0.9,nu=0.7"] < reach["momentum:eta=1,gamma=0.9"]
    assert (reach["gd:eta=10"], reach["qhm:eta=10,beta=0.9,nu=0.7"], reach["momentum:eta=1,gamma=0.9"]) == \
        (15, 25, 148)
    # the two ends are QHM itself with ν = 0 and ν = 1
    problem = get_problem("sigmoid-2pt")
    ends = {nu: run(problem, "qhm", [[-2.0, -2.0]], 300, {"eta": 10.0, "beta": 0.9, "nu": nu}) for nu in (0.0, 1.0)}
    np.testing.assert_array_equal(ends[0.0].params, t["gd:eta=10"].params)
    np.testing.assert_allclose(ends[1.0].params, t["momentum:eta=1,gamma=0.9"].params, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- your own problem
def test_your_function():
    """Typed in, Rosenbrock is the built-in one: the same three paths and losses to 12 digits."""
    settings = SCENARIO_BY_ID["your-function"].full_settings()
    builtin = {k: v for k, v in settings.items() if k not in ("loss", "window")} | {"problem": "rosenbrock"}
    for typed, ref in zip(simulate(settings), simulate(builtin), strict=True):
        np.testing.assert_allclose(typed.params, ref.params, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(typed.loss, ref.loss, rtol=1e-12, atol=1e-12)
    surface = get_problem("rosenbrock").grid(21, dims=(0, 1))
    np.testing.assert_allclose(problem_of(settings).grid(21, dims=(0, 1))[2], surface[2], rtol=1e-12)
