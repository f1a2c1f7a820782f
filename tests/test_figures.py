"""Pure figure builders and the trajectory payload (no server)."""

import json

import numpy as np
import pytest

from layouts import figures
from scenarios.settings import defaults, simulate


@pytest.fixture(scope="module")
def default_view():
    s = defaults()
    trajs = simulate(s)
    return s, trajs, figures.surface_grid(s["problem"]), figures.payload(trajs, s["problem"])


def test_pack_round_trips_within_a_65534th_of_the_range():
    a = np.linspace(-6, 6, 101) ** 3 / 36
    back = figures.unpack(figures.pack(a, "lin"), a.size)
    assert np.max(np.abs(np.array(back) - a)) <= (a.max() - a.min()) / 65534
    assert figures.unpack(figures.pack(np.arange(5, 12), "int"), 7) == list(range(5, 12))
    loss = np.array([1.0, 1e-3, 1e-9, np.nan])
    out = figures.unpack(figures.pack(loss, "log"), 4)
    assert out[3] is None and out[2] == pytest.approx(1e-9, rel=1e-3)


def test_payload_keeps_start_and_end_exactly_in_step_numbers(default_view):
    _, trajs, _, pl = default_view
    for run, traj in zip(pl["runs"], trajs, strict=True):
        d = figures.decode_run(run)
        assert d["k"][0] == 0 and d["k"][-1] == traj.steps
        assert np.allclose([p[-1] for p in d["p"]], traj.params[-1, 0], atol=1e-3)


def test_first_screen_figures_have_surface_contour_and_three_paths(default_view):
    s, _, grid, pl = default_view
    figs = figures.all_figures(grid, pl)
    assert figs["surface"].data[0].type == "surface"
    assert figs["contour"].data[0].type == "contour"
    paths = [t for t in figs["contour"].data if t.meta and t.meta["at"] == "upto"]
    assert [t.name for t in paths] == s["optimizers"]
    assert all(t.x[0] == pytest.approx(-2, abs=1e-4) for t in paths)
    assert figs["surface"].layout.template.layout.font.size >= 14


def test_a_diverged_marker_outside_the_window_is_pinned_to_its_edge_with_a_label():
    s = defaults("bowl")
    s["optimizers"] = ["gd:eta=5"]
    trajs = simulate(s)
    pl = figures.payload(trajs, "bowl")
    grid = figures.surface_grid("bowl")
    fig = figures.contour_figure(grid, pl)
    div = [t for t in fig.data if t.meta and t.meta["at"] == "div"][0]
    (x0, x1), (y0, y1) = grid["window"]
    assert len(div.x) == 1 and x0 <= div.x[0] <= x1 and y0 <= div.y[0] <= y1
    assert div.x[0] in (x0, x1) or div.y[0] in (y0, y1)  # on the edge, where the run left the map
    assert div.text == ("diverged → step 5",) and div.marker.symbol == ("arrow",)
    assert div.cliponaxis is False
    assert pl["runs"][0]["msg"] == "diverged at step 5: loss exceeded 1e+06"  # the true story, in the banner
    assert pl["runs"][0]["msg"] in div.hovertemplate


def test_a_diverged_run_does_not_stretch_the_3d_z_axis():
    s = defaults("bowl")
    s["optimizers"] = ["gd:eta=5"]
    grid = figures.surface_grid("bowl")
    fig = figures.surface_figure(grid, figures.payload(simulate(s), "bowl"))
    z0, z1 = fig.layout.scene.zaxis.range
    zs = np.asarray(grid["z"], dtype=float)
    assert z0 <= zs.min() and z1 >= zs.max() and z1 < 2 * zs.max()
    div = [t for t in fig.data if t.meta and t.meta["at"] == "div"][0]
    assert z0 <= div.z[0] <= z1 and div.text[0].startswith("diverged → step")


def test_short_labels_wrap_long_settings_for_small_panels():
    assert figures.short_label("momentum:eta=1,gamma=0.9") == "momentum<br>η=1, γ=0.9"
    assert figures.short_label("gd") == "gd"
    lines = figures.short_label("adam:eta=0.001,beta1=0.9,beta2=0.999,eps=1e-08").split("<br>")
    assert lines[0] == "adam" and all(len(line) <= 16 for line in lines[1:])


def test_side_by_side_has_one_panel_per_run(default_view):
    _, _, grid, pl = default_view
    fig = figures.contour_figure(grid, pl, mode="side")
    assert sum(t.type == "contour" for t in fig.data) == 3
    assert len([k for k in fig.layout.to_plotly_json() if k.startswith("scene")]) == 0
    surf = figures.surface_figure(grid, pl, mode="side")
    assert len([k for k in surf.layout.to_plotly_json() if k.startswith("scene")]) == 3


def test_playback_step_moves_marker_and_cuts_the_path(default_view):
    _, _, grid, pl = default_view
    fig = figures.contour_figure(grid, pl, step=10)
    upto = [t for t in fig.data if t.meta and t.meta["at"] == "upto"]
    assert all(len(t.x) <= 11 for t in upto)


def test_model_fit_curve_for_sigmoid_and_a_note_for_analytic_surfaces(default_view):
    _, _, _, pl = default_view
    fit = figures.fit_figure(pl)
    curves = [t for t in fit.data if t.meta and t.meta["at"] == "fit"]
    assert len(curves) == 3 and all(0 <= min(t.y) and max(t.y) <= 1 for t in curves)
    s = defaults("rosenbrock")
    empty = figures.fit_figure(figures.payload(simulate(s), "rosenbrock"))
    assert "sigmoid" in empty.layout.annotations[0].text


def test_payload_for_four_optimizers_by_1000_steps_is_under_50_kb():
    s = defaults()
    s["steps"] = 1000
    s["optimizers"] = s["optimizers"] + ["rmsprop:eta=0.1"]
    size = len(json.dumps(figures.payload(simulate(s), s["problem"]), separators=(",", ":")))
    assert size < 50_000


def test_one_parameter_problem_draws_the_loss_curve():
    s = defaults("reddi")
    s["optimizers"] = ["adam:eta=0.1"]
    pl = figures.payload(simulate(s), "reddi")
    fig = figures.surface_figure(figures.surface_grid("reddi"), pl)
    assert fig.data[0].name == "L(θ)"
