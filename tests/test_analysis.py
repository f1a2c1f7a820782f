"""Sweeps and basin maps (analysis/): every cell and every start equals the single run with the same
configuration, run on its own through optimizers.run_spec with scalar hyperparameters (R = 1) — an
independent path from the batched (R,)-array call — plus hand-derived grids, divergence steps and
minima, the CSV contract of DESIGN.md §7, bounded memory and progress/cancel."""

from __future__ import annotations

import io
import math
import tracemalloc

import numpy as np
import pandas as pd
import pytest

import analysis.maps as maps
from analysis import basin, default_target, parse_axis, sweep
from analysis.grid import cell_values
from optimizers import SpecError, run_spec
from surfaces import get_problem

RTOL = 1e-12


def single(problem, spec: str, start, steps: int, convention: str = "lecture"):
    """The reference: one run, scalar hyperparameters, the whole trajectory recorded, through the engine's
    NumPy loop (a no-op on_row keeps it off the R = 1 scalar fast path of optimizers/fast.py, which uses
    libm's tanh and powers and so agrees only to ~1e-15 per step: near an exact-fit minimum that grows to
    ~1e-12 of a 1e-9 loss, more than the batched call may differ)."""
    return run_spec(problem, spec, np.array([start], dtype=float), steps, convention=convention,
                    on_row=lambda *row: None)


def assert_same(a: float, b: float, what: str):
    if math.isnan(a) or math.isnan(b):
        assert math.isnan(a) and math.isnan(b), f"{what}: {a} vs {b}"
    elif math.isinf(a) or math.isinf(b):
        assert a == b, f"{what}: {a} vs {b}"
    else:
        assert abs(a - b) <= RTOL * max(abs(a), abs(b), 1e-300), f"{what}: {a} vs {b}"


def check_against_single_runs(result, problem, starts, convention="lecture", specs=None):
    """Each run of a MapResult against its own single run (final params and loss, min loss, steps
    to the target, divergence step)."""
    specs = specs or result.cell_specs
    for r, (spec, start) in enumerate(zip(specs, starts, strict=True)):
        traj = single(problem, spec, start, result.steps, convention)
        last = traj.last_row(0)
        loss = traj.loss[: last + 1, 0]
        assert result.diverged_at[r] == traj.diverged_at[0], (spec, start)
        assert_same(result.final_loss[r], traj.loss[last, 0], f"{spec} final loss")
        for d in range(problem.dim):
            assert_same(result.final_params[r, d], traj.params[last, 0, d], f"{spec} final param {d}")
        if np.isfinite(loss).any():
            assert_same(result.min_loss[r], np.nanmin(loss), f"{spec} min loss")
        hit = np.flatnonzero(loss <= result.target)
        assert result.steps_to_target[r] == (hit[0] if hit.size else -1), spec


# ----------------------------------------------------------------------------- axes
def test_axis_values_are_inclusive_and_evenly_or_geometrically_spaced():
    np.testing.assert_allclose(parse_axis("gamma=0:0.9:4").values(), [0.0, 0.3, 0.6, 0.9], rtol=0, atol=1e-15)
    log = parse_axis("eta=0.01:1:3:log").values()
    assert log[0] == 0.01 and log[-1] == 1.0 and abs(log[1] - 0.1) < 1e-15
    assert parse_axis("eta=0.5:0.5:1").values().tolist() == [0.5]


def test_cells_put_the_first_axis_outer_and_the_second_inner():
    cells = cell_values([parse_axis("eta=1:2:2"), parse_axis("gamma=0:0.5:3")])
    assert cells.tolist() == [[1, 0], [1, 0.25], [1, 0.5], [2, 0], [2, 0.25], [2, 0.5]]


@pytest.mark.parametrize("text", ["eta", "eta=1:2", "eta=1:2:3:lin", "eta=a:2:3", "eta=1:2:2.5", "eta=1:2:0",
                                  "eta=2:1:3", "eta=1:1:3", "eta=0:1:3:log", "=1:2:3"])
def test_bad_axes_are_refused_with_a_message(text):
    with pytest.raises(SpecError):
        parse_axis(text)


# ----------------------------------------------------------------------------- sweeps = single runs
def test_gd_eta_sweep_on_the_bowl_matches_single_runs_and_the_hand_derived_divergence_step():
    problem = get_problem("bowl")
    result = sweep(problem, "gd", [parse_axis("eta=0.1:3:30")], 60)
    check_against_single_runs(result, problem, [problem.start] * result.runs)
    # on ½|θ|² a GD step multiplies θ by (1 − η): L_k = L_0 (1 − η)^(2k), diverged once L_k > 1e6
    L0 = 12.5
    for eta, at in zip(result.columns["eta"], result.diverged_at, strict=True):
        factor = (1 - eta) ** 2
        expect = math.ceil(math.log(1e6 / L0) / math.log(factor)) if factor > 1 else -1
        if expect > 60:
            expect = -1
        assert at == expect, eta
    assert (result.diverged_at >= 0).any() and (result.diverged_at < 0).any()


@pytest.mark.parametrize("pid, spec, vary, steps", [
    ("sigmoid-2pt", "momentum", ["eta=0.1:20:6:log", "gamma=0:0.99:5"], 200),
    ("rosenbrock", "momentum", ["eta=0.0001:0.01:5:log", "gamma=0:0.95:4"], 150),  # large η diverge
    ("ravine", "nag", ["eta=0.01:0.3:5", "gamma=0.5:0.99:4"], 100),  # look-ahead (non-fused) path
    ("himmelblau", "adam:eta=0.1", ["beta1=0:0.99:4", "beta2=0.5:0.9999:4"], 120),
    ("rastrigin", "rmsprop", ["eta=0.001:1:4:log", "beta=0.5:0.999:3"], 80),
    ("sigmoid-valley", "gd|batch=stochastic", ["eta=0.1:30:6:log"], 90),  # minibatch index path
    ("ravine", "gd:eta=0.15|schedule=exponential:k=0.01", ["schedule.k=0:0.2:6"], 80),
    ("bowl", "gd:eta=1.5|schedule=cosine:eta_min=0", ["schedule.eta_min=0:3:5"], 50),
    ("beale", "gd:eta=0.01|schedule=triangular:eta_max=0.1,step_size=10", ["schedule.eta_max=0.01:0.5:4"], 60),
    ("bowl", "momentum:gamma=0.5|schedule=inverse-time:k=0.1", ["eta=0.5:4:4", "schedule.k=0:1:3"], 40),
])
def test_every_cell_equals_its_single_run(pid, spec, vary, steps):
    problem = get_problem(pid)
    result = sweep(problem, spec, [parse_axis(v) for v in vary], steps)
    check_against_single_runs(result, problem, [problem.start] * result.runs)


def test_pytorch_convention_cells_equal_their_single_runs():
    problem = get_problem("himmelblau")
    result = sweep(problem, "momentum", [parse_axis("eta=0.001:0.05:4:log"), parse_axis("gamma=0:0.9:3")], 80,
                   start=[1.0, -1.0], convention="pytorch")
    check_against_single_runs(result, problem, [[1.0, -1.0]] * result.runs, convention="pytorch")


def test_the_rosenbrock_map_has_both_diverging_and_converging_cells():
    result = sweep(get_problem("rosenbrock"), "momentum", [parse_axis("eta=0.0001:0.01:5:log"),
                                                           parse_axis("gamma=0:0.95:4")], 150)
    assert (result.diverged_at >= 0).any() and (result.diverged_at < 0).any()


def test_cell_specs_parse_back_to_exactly_the_cell_values():
    result = sweep(get_problem("bowl"), "momentum", [parse_axis("eta=0.1:1.7:7:log"), parse_axis("gamma=0:0.9:7")], 1)
    for spec, eta, gamma in zip(result.cell_specs, result.columns["eta"], result.columns["gamma"], strict=True):
        traj = single(get_problem("bowl"), spec, get_problem("bowl").start, 0)
        assert traj.hp["eta"] == eta and traj.hp["gamma"] == gamma


# ----------------------------------------------------------------------------- basins = single runs
@pytest.mark.parametrize("spec", ["gd:eta=0.01", "momentum:eta=0.01,gamma=0.9", "gd:eta=0.05"])
def test_every_basin_start_equals_its_single_run_on_himmelblau(spec):
    problem = get_problem("himmelblau")
    result = basin(problem, spec, 9, 200)
    starts = np.column_stack([result.columns["start_x"], result.columns["start_y"]])
    check_against_single_runs(result, problem, starts, specs=[spec] * result.runs)


def test_basin_starts_span_the_window_ends_included_x_outer():
    result = basin(get_problem("himmelblau"), "gd:eta=0.01", 3, 0, window=((-1, 1), (0, 4)))
    assert result.columns["start_x"].tolist() == [-1, -1, -1, 0, 0, 0, 1, 1, 1]
    assert result.columns["start_y"].tolist() == [0, 2, 4] * 3


def test_basin_minimum_is_the_known_minimum_within_1e_3_of_the_diagonal():
    problem = get_problem("himmelblau")
    result = basin(problem, "gd:eta=0.01", 12, 300)
    diagonal = math.hypot(10, 10)
    for r in range(result.runs):
        final = result.final_params[r]
        near = [i for i, m in enumerate(problem.minima) if math.dist(final, m) <= 1e-3 * diagonal]
        assert result.minimum[r] == (near[0] if near and result.diverged_at[r] < 0 else -1)
    assert set(result.minimum.tolist()) == {0, 1, 2, 3}, "GD from a 12×12 grid finds all four minima"


def test_basin_of_a_diverging_optimizer_marks_diverged_starts_without_a_minimum():
    problem = get_problem("himmelblau")
    result = basin(problem, "gd:eta=0.04", 6, 100)
    starts = np.column_stack([result.columns["start_x"], result.columns["start_y"]])
    check_against_single_runs(result, problem, starts, specs=["gd:eta=0.04"] * result.runs)
    assert (result.diverged_at >= 0).any()
    assert (result.minimum[result.diverged_at >= 0] == -1).all()


def test_basin_on_the_4d_neuron_keeps_the_other_parameters_at_the_default_start():
    problem = get_problem("sigmoid-sparse-4d")
    result = basin(problem, "adagrad:eta=0.1", 4, 30, dims=(0, 4))
    starts = maps.basin_starts(problem, 4, ((-6.0, 6.0), (-6.0, 6.0)), (0, 4))
    assert (starts[:, 1:4] == 0).all()
    check_against_single_runs(result, problem, starts, specs=["adagrad:eta=0.1"] * result.runs)


@pytest.mark.parametrize("spec", ["adagrad:eta=0.5", "momentum:eta=0.5,gamma=0.9"])
def test_basin_over_dims_0_4_of_the_5_parameter_neuron_from_a_start_equals_each_single_run(spec):
    """w1 (outer) and b (inner) on the grid, w2..w4 at the given start: each start is its own single run."""
    problem = get_problem("sigmoid-sparse-4d")
    base = [0.5, -1.0, 2.0, 1.5, -0.5]
    result = basin(problem, spec, 5, 40, dims=(0, 4), start=base, window=((-3, 3), (-2, 4)))
    assert list(result.columns) == ["start_w1", "start_b"] and result.dims == (0, 4)
    assert result.columns["start_w1"].tolist() == np.repeat(np.linspace(-3, 3, 5), 5).tolist()
    assert result.columns["start_b"].tolist() == np.tile(np.linspace(-2, 4, 5), 5).tolist()
    starts = np.array([[w1, -1.0, 2.0, 1.5, b] for w1, b in zip(result.columns["start_w1"],
                                                                 result.columns["start_b"], strict=True)])
    check_against_single_runs(result, problem, starts, specs=[spec] * result.runs)
    assert list(result.frame().columns[:4]) == ["start_w1", "start_b", "final_w1", "final_b"]


@pytest.mark.parametrize("dims", [(0, 0), (0, 5), (-1, 2), (0,), (0.0, 1)])
def test_basin_refuses_dims_that_are_not_two_parameters(dims):
    with pytest.raises(SpecError, match="two different parameters"):
        basin(get_problem("sigmoid-sparse-4d"), "gd", 3, 5, dims=dims)


def test_the_row_kernel_of_himmelblau_for_big_maps_has_the_bits_of_the_plain_formulas():
    """From IN_PLACE_RUNS runs on, loss_and_grad works on both coordinate rows at once, in place; loss and
    gradient must be the bits of the surface's own loss and gradient formulas (the hand-written f and df)."""
    from surfaces.analytic import IN_PLACE_RUNS

    problem = get_problem("himmelblau")
    P = np.random.default_rng(7).uniform(-6, 6, (3 * IN_PLACE_RUNS, 2))
    for layout in (np.ascontiguousarray, np.asfortranarray):
        f, g = problem.loss_and_grad(layout(P))
        assert f.tolist() == problem.f(P[:, 0], P[:, 1]).tolist()
        gx, gy = problem.df(P[:, 0], P[:, 1])
        assert g[:, 0].tolist() == gx.tolist() and g[:, 1].tolist() == gy.tolist()
    small_f, small_g = problem.loss_and_grad(P[:3])
    assert small_f.tolist() == f[:3].tolist() and small_g.tolist() == g[:3].tolist()


def test_default_target_is_the_best_known_minimum_plus_1e_4():
    assert default_target(get_problem("saddle")) == pytest.approx(-1 + 1e-4, abs=1e-12)
    assert default_target(get_problem("himmelblau")) < 1.01e-4
    assert default_target(get_problem("reddi")) == pytest.approx(1e-4 + get_problem("reddi").loss(
        np.array(get_problem("reddi").minima, dtype=float))[0], abs=1e-12)


# ----------------------------------------------------------------------------- the CSV contract
def test_sweep_csv_columns_order_and_exact_read_back():
    result = sweep(get_problem("bowl"), "momentum", [parse_axis("eta=0.1:3:5"), parse_axis("gamma=0:0.9:3")], 40)
    text = result.to_csv()
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns) == ["eta", "gamma", "final_loss", "min_loss", "steps_to_target", "diverged_at"]
    assert frame["eta"].tolist() == result.columns["eta"].tolist()
    assert frame["final_loss"].tolist() == result.final_loss.tolist()
    assert frame["min_loss"].tolist() == result.min_loss.tolist()
    assert frame["diverged_at"].fillna(-1).astype(int).tolist() == result.diverged_at.tolist()
    assert frame["steps_to_target"].fillna(-1).astype(int).tolist() == result.steps_to_target.tolist()
    empty = text.splitlines()[1].split(",")
    assert empty[-1] == "" and ".0" not in empty[4], "empty cells for 'never', whole numbers without .0"


def test_basin_csv_columns_and_order():
    result = basin(get_problem("sigmoid-2pt"), "gd", 3, 5)
    frame = pd.read_csv(io.StringIO(result.to_csv()))
    assert list(frame.columns) == ["start_w", "start_b", "final_w", "final_b", "final_loss", "minimum",
                                   "steps_to_target", "diverged_at"]
    assert frame["final_w"].tolist() == result.final_params[:, 0].tolist()


# ----------------------------------------------------------------------------- memory, progress, cancel
def test_a_sweep_keeps_a_summary_not_the_trajectories():
    problem = get_problem("bowl")
    axes = [parse_axis("eta=0.01:1:60:log"), parse_axis("gamma=0:0.9:60")]
    tracemalloc.start()
    sweep(problem, "momentum", axes, 2000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    recorded = 3600 * 2001 * 2 * 8  # what params alone would take if every row were kept
    assert peak < recorded / 20, f"peak {peak / 1e6:.1f} MB"


def test_progress_reports_rise_to_the_total_and_an_exception_cancels(monkeypatch):
    monkeypatch.setattr(maps, "PROGRESS_EVERY", 0.0)
    seen = []
    sweep(get_problem("bowl"), "gd", [parse_axis("eta=0.1:1:4")], 30, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (30, 30) and all(t == 30 for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    class Cancelled(Exception):
        pass

    def cancel(done, total):
        if done >= 5:
            raise Cancelled

    with pytest.raises(Cancelled):
        basin(get_problem("himmelblau"), "gd:eta=0.01", 10, 1000, progress=cancel)


# ----------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("spec, vary, match", [
    ("gd", ["gamma=0:1:3"], "no hyperparameter 'gamma'"),
    ("gd:eta=1", ["eta=0.1:1:3"], "fixes eta"),
    ("adam", ["bias_correction=0:1:2"], "a switch"),
    ("momentum", ["gamma_schedule=0:1:2"], "a choice"),
    ("gd", ["schedule.k=0:1:3"], "has no schedule"),
    ("gd|schedule=exponential", ["schedule.q=0:1:3"], "no parameter 'q'"),
    ("gd|schedule=step", ["schedule.every=1:5:3"], "a whole number"),
    ("momentum", ["gamma=0:2:3"], "outside its range"),
    ("momentum", ["eta=1:2:3", "eta=1:2:3"], "given twice"),
    ("momentum", ["eta=1:2:101", "gamma=0:0.9:100"], "limit of 10000"),
])
def test_sweeps_refuse_bad_axes(spec, vary, match):
    with pytest.raises(SpecError, match=match):
        sweep(get_problem("bowl"), spec, [parse_axis(v) for v in vary], 10)


def test_sweeps_refuse_more_than_two_axes_and_runs_times_steps_over_budget():
    with pytest.raises(SpecError, match="one or two"):
        sweep(get_problem("bowl"), "adam", [parse_axis(v) for v in ("eta=1:2:2", "beta1=0:0.5:2",
                                                                   "beta2=0:0.5:2")], 10)
    with pytest.raises(SpecError, match="limit"):
        sweep(get_problem("bowl"), "momentum", [parse_axis("eta=1:2:100"), parse_axis("gamma=0:0.9:100")], 5000)


def test_basins_refuse_bad_grids_windows_and_one_parameter_problems():
    with pytest.raises(SpecError, match=r"\[2, 200\]"):
        basin(get_problem("bowl"), "gd", 201, 10)
    with pytest.raises(SpecError, match="below"):
        basin(get_problem("bowl"), "gd", 10, 10, window=((1, -1), (0, 1)))
    with pytest.raises(SpecError, match="two"):
        basin(get_problem("reddi"), "gd", 10, 10)


# ----------------------------------------------------------------------------- the analysis view (page, links, files)
from analysis.request import MAX_ANALYSIS_WORK, check_analysis, run_analysis  # noqa: E402
from layouts.analysis import logic  # noqa: E402
from scenarios.settings import defaults, from_query, load_settings, to_query  # noqa: E402

SWEEP_VIEW = {"kind": "sweep", "optimizers": ["gd", "momentum:gamma=0.9"], "vary": ["eta=0.01:10:7:log"], "steps": 100}


def test_an_analysis_view_round_trips_through_settings_and_links():
    settings = {**defaults("bowl"), "view": {"mode": "overlay", "dims": [0, 1], "analysis": SWEEP_VIEW}}
    loaded, notices = load_settings(settings, strict=True)
    assert notices == [] and loaded["view"]["analysis"]["vary"] == ["eta=0.01:10.0:7:log"]
    again, notices = from_query(to_query(loaded))
    assert notices == [] and again["view"]["analysis"] == loaded["view"]["analysis"]


@pytest.mark.parametrize("bad, match", [
    ({**SWEEP_VIEW, "kind": "maps"}, "kind"),
    ({**SWEEP_VIEW, "optimizers": ["gd"] * 5}, "1 to 4"),
    ({**SWEEP_VIEW, "optimizers": "gd"}, "list"),
    ({**SWEEP_VIEW, "vary": ["eta=0.01:10:300:log"]}, "at most 200"),
    ({**SWEEP_VIEW, "vary": ["eta=10:0.01:7"]}, "reversed"),
    ({**SWEEP_VIEW, "optimizers": ["gd:eta=1"]}, "fixes eta"),
    ({**SWEEP_VIEW, "steps": 5001}, r"\[0, 5,000\]"),
    ({**SWEEP_VIEW, "steps": True}, "whole number"),
    ({**SWEEP_VIEW, "extra": 1}, "unknown key"),
    ({**SWEEP_VIEW, "target": float("nan")}, "not a number"),
    ({"kind": "map", "optimizers": ["momentum"], "vary": ["eta=0.1:1:101", "gamma=0:0.9:10"]}, "at most 100"),
    ({"kind": "map", "optimizers": ["momentum"], "vary": ["eta=0.1:1:10"]}, "varies 2 names"),
    ({"kind": "basin", "optimizers": ["gd"], "grid": 201}, r"\[2, 200\]"),
    ({"kind": "basin", "optimizers": ["gd", "gd", "gd"], "grid": 10}, "1 to 2"),
    ({"kind": "basin", "optimizers": ["gd"], "grid": 200, "steps": 1000}, "MAX_ANALYSIS_WORK"),
    ({"kind": "basin", "optimizers": ["gd"], "grid": 10, "window": [[1, 0], [0, 1]]}, "below"),
    ("sweep", "object"),
])
def test_bad_analysis_views_are_refused_naming_the_part(bad, match):
    with pytest.raises(SpecError, match=match):
        check_analysis(bad, get_problem("bowl"))


def test_a_link_with_a_bad_analysis_keeps_the_rest_and_says_so():
    settings, notices = load_settings({"problem": "bowl", "view": {"analysis": {**SWEEP_VIEW, "steps": -3}}},
                                      strict=False)
    assert "analysis" not in settings["view"] and any("analysis" in n for n in notices)


def test_budget_is_runs_times_rows_over_all_optimizers():
    view = {"kind": "map", "optimizers": ["momentum"], "vary": ["eta=0.1:1:100", "gamma=0:0.9:100"],
            "steps": MAX_ANALYSIS_WORK // 10_000 - 1}
    assert check_analysis(view, get_problem("bowl")).runs == 10_000
    with pytest.raises(SpecError, match="MAX_ANALYSIS_WORK"):
        check_analysis({**view, "steps": view["steps"] + 1}, get_problem("bowl"))


def test_run_analysis_reports_progress_over_all_optimizers(monkeypatch):
    monkeypatch.setattr(maps, "PROGRESS_EVERY", 0.0)
    seen = []
    request = check_analysis(SWEEP_VIEW, get_problem("bowl"))
    results = run_analysis(request, get_problem("bowl"), progress=lambda d, t: seen.append((d, t)))
    assert len(results) == 2 and seen[-1] == (200, 200) and (100, 200) in seen


# ----------------------------------------------------------------------------- the page's adapters
def test_a_map_cell_click_loads_a_spec_whose_run_equals_the_cell():
    settings = {**defaults("ravine"), "optimizers": ["gd:eta=0.1", "momentum:eta=0.05,gamma=0.5"]}
    job = logic.build_job("map", [1], "", "eta=0.001:0.5:9:log", "gamma=0:0.95:7", 0, 120, "steps", settings)
    assert job["request"]["optimizers"] == ["momentum"] and job["sources"] == [1]
    request, problem, start, _, _ = logic.check_job(job)
    (result,) = run_analysis(request, problem, start=start)
    for cell in (0, 23, 62):
        new = logic.clicked(job, 0, {"points": [{"customdata": cell}]}, settings)
        assert new["optimizers"][0] == "gd:eta=0.1" and new["steps"] == 120
        traj = single(problem, new["optimizers"][1], new["start"], new["steps"])
        assert traj.diverged_at[0] == result.diverged_at[cell]
        assert_same(traj.loss[traj.last_row(0), 0], result.final_loss[cell], f"cell {cell}")


def test_a_sweep_point_click_replaces_the_optimizer_it_came_from():
    settings = defaults()
    job = logic.build_job("sweep", [0, 2], "0.01:10:5:log", "", "", 0, 50, "steps", settings)
    assert job["request"]["optimizers"] == ["gd", "adam"] and job["sources"] == [0, 2]
    new = logic.clicked(job, 0, {"points": [{"customdata": [1, 4]}]}, settings)
    assert new["optimizers"] == ["gd:eta=1", "momentum:eta=1,gamma=0.9", "adam:eta=10.0"]


def test_a_basin_click_runs_both_optimizers_from_that_start():
    settings = defaults("himmelblau")
    job = logic.build_job("basin", [0, 1], "", "", "", 12, 80, "steps", settings)
    new = logic.clicked(job, 1, {"points": [{"x": 1.25, "y": -3.5}]}, settings)
    assert new["start"] == [1.25, -3.5] and new["optimizers"] == [settings["optimizers"][0], settings["optimizers"][1]]


@pytest.mark.parametrize("job", [None, [], {"request": {}}, {"request": SWEEP_VIEW, "problem": "bowl", "start": [9, 9],
                                                              "convention": "lecture", "sources": [0, 1]},
                                 {"request": SWEEP_VIEW, "problem": "nope", "start": [0, 0], "convention": "lecture",
                                  "sources": [0, 1]},
                                 {"request": SWEEP_VIEW, "problem": "bowl", "start": [0, 0], "convention": "lecture",
                                  "sources": [0]},
                                 {"request": {**SWEEP_VIEW, "steps": 10**9}, "problem": "bowl", "start": [0, 0],
                                  "convention": "lecture", "sources": [0, 1]}])
def test_a_tampered_job_store_is_refused_before_any_run(job):
    with pytest.raises(SpecError):
        logic.check_job(job)


@pytest.mark.parametrize("click", [None, {}, {"points": []}, {"points": [{"customdata": [0, 99]}]},
                                   {"points": [{"customdata": [7, 0]}]}, {"points": [{"customdata": "x"}]}])
def test_a_click_that_names_no_point_is_refused(click):
    settings = defaults()
    job = logic.build_job("sweep", [0], "0.01:10:5:log", "", "", 0, 20, "steps", settings)
    with pytest.raises(SpecError):
        logic.clicked(job, 0, click, settings)


def test_the_page_csv_is_the_cli_csv_with_an_optimizer_column_for_several():
    settings = defaults()
    job = logic.build_job("sweep", [0, 2], "0.01:10:5:log", "", "", 0, 50, "steps", settings)
    out = logic.csv_file(job)
    frame = pd.read_csv(io.StringIO(out["content"]))
    assert list(frame.columns) == ["optimizer", "eta", "final_loss", "min_loss", "steps_to_target", "diverged_at"]
    one = sweep(get_problem("sigmoid-2pt"), "adam", [parse_axis("eta=0.01:10:5:log")], 50)
    assert frame[frame["optimizer"] == "adam"]["final_loss"].tolist() == one.final_loss.tolist()
    assert out["filename"] == "sweep-sigmoid-2pt.csv"


def test_the_current_eta_lines_follow_the_main_view():
    settings = defaults()
    job = logic.build_job("sweep", [0, 1], "0.01:10:5:log", "", "", 0, 20, "steps", settings)
    figs, _ = logic.compute(job, settings)
    lines = lambda shapes: [s["x0"] for s in shapes if s.get("name") == "current"]
    assert lines(figs[0]["layout"]["shapes"]) == [1.0, 1.0]
    kept = logic.marks(job, figs)
    fixed = [s for s in figs[0]["layout"]["shapes"] if s.get("name") != "current"]
    assert kept == {"kind": "sweep", "fixed": fixed}
    moved = {**settings, "optimizers": ["gd:eta=0.3", "momentum:eta=2,gamma=0.9", "adam:eta=0.1"]}
    kind, shapes = logic.moved(job, moved, kept)
    assert kind == "shapes" and lines(shapes) == [0.3, 2.0] and shapes[:len(fixed)] == fixed
    other = {**settings, "optimizers": ["adam:eta=0.2"]}  # the sources are gone: no line
    assert lines(logic.moved(job, other, kept)[1]) == []
    for forged in (None, {"kind": "sweep", "fixed": [{"type": "path", "path": "M0"}]}, {"kind": "map"},
                   {"kind": "sweep", "fixed": [{"type": "rect"}] * 401}):
        assert logic.moved(job, moved, forged) is None


def test_the_map_marker_follows_the_main_views_hyperparameters_without_a_new_map():
    """The open circle sits at the source optimizer's (η, γ) as the main view has them now: a new η or γ
    moves it; another problem, or the optimizer gone or replaced, takes it away (an empty trace 2)."""
    from layouts.analysis.figures import MARKER_TRACE

    settings = {**defaults("ravine"), "optimizers": ["gd:eta=0.1", "momentum:eta=0.05,gamma=0.5"]}
    job = logic.build_job("map", [1], "", "eta=0.001:0.5:9:log", "gamma=0:0.95:7", 0, 40, "steps", settings)
    figs, _ = logic.compute(job, settings)
    marker = figs[0]["data"][MARKER_TRACE]
    assert marker["name"] == "current" and (marker["x"], marker["y"]) == ([0.05], [0.5])
    kept = logic.marks(job, figs)
    assert kept == {"kind": "map"}
    tuned = {**settings, "optimizers": ["gd:eta=0.1", "momentum:eta=0.2,gamma=0.8"]}
    assert logic.moved(job, tuned, kept) == ("marker", (0.2, 0.8))
    default_gamma = {**settings, "optimizers": ["gd:eta=0.1", "momentum:eta=0.01"]}  # γ from the declaration
    assert logic.moved(job, default_gamma, kept) == ("marker", (0.01, 0.9))
    for gone in ({**settings, "optimizers": ["gd:eta=0.1", "adam:eta=0.1"]}, {**settings, "optimizers": ["gd"]},
                 {**defaults("bowl"), "optimizers": ["gd:eta=0.1", "momentum:eta=0.2,gamma=0.8"]}):
        assert logic.moved(job, gone, kept) == ("marker", None)
    assert logic.moved(job, tuned, {"kind": "sweep", "fixed": []}) is None
    basin_job = logic.build_job("basin", [0], "", "", "", 4, 10, "steps", settings)
    assert logic.marks(basin_job, logic.compute(basin_job, settings)[0]) is None


def test_a_basin_on_the_4d_neuron_varies_the_main_views_dims_from_its_start():
    """The main view shows (w1, b) of the 5-parameter neuron from a start of its own: the basin map varies
    w1 and b with w2..w4 at that start; a click loads that start and keeps the view on (w1, b)."""
    start = [1.0, 0.5, -1.0, 2.0, 1.0]
    settings = {**defaults("sigmoid-sparse-4d"), "optimizers": ["adagrad:eta=0.1"], "start": start,
                "view": {"mode": "overlay", "dims": [0, 4]}}
    job = logic.build_job("basin", [0], "", "", "", 4, 30, "steps", settings)
    assert job["dims"] == [0, 4]
    problem = get_problem("sigmoid-sparse-4d")
    figs, _ = logic.compute(job, settings)
    assert figs[0]["layout"]["xaxis"]["title"]["text"] == "w1" and figs[0]["layout"]["yaxis"]["title"]["text"] == "b"
    new = logic.clicked(job, 0, {"points": [{"x": -2.0, "y": 2.0}]}, settings)
    assert new["start"] == [-2.0, 0.5, -1.0, 2.0, 2.0] and new["view"]["dims"] == [0, 4]
    (result,) = run_analysis(logic.check_job(job)[0], problem, start=start, dims=(0, 4))
    r = int(np.flatnonzero((result.columns["start_w1"] == -2.0) & (result.columns["start_b"] == 2.0))[0])
    traj = single(problem, new["optimizers"][0], new["start"], new["steps"])
    assert_same(traj.final_loss()[0], result.final_loss[r], "the clicked start")
    for d in range(5):
        assert_same(traj.final_params()[0][d], result.final_params[r, d], f"param {d}")
    text = logic.csv_file(job)["content"]
    assert text.startswith("start_w1,start_b,final_w1,final_b,")


def test_a_job_with_bad_dims_is_refused_and_one_without_uses_the_first_two():
    settings = defaults("himmelblau")
    job = logic.build_job("basin", [0], "", "", "", 4, 10, "steps", settings)
    for bad in ([0, 0], [0, 2], "0,1", [0.0, 1], [0]):
        with pytest.raises(SpecError, match="dims"):
            logic.check_job({**job, "dims": bad})
    old = {k: v for k, v in job.items() if k != "dims"}  # a job stored before the dims were kept
    logic.check_job(old)
    assert logic.job_dims(old) == (0, 1)
