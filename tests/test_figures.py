"""Pure figure builders, the surface-grid cache and the trajectory payload (no server).

The builders return plain dicts (Plotly's JSON figure form); the tests validate them with go.Figure, the
server never does."""

import json

import numpy as np
import plotly
import plotly.graph_objects as go
import pytest

from layouts import callbacks, figures, theme
from scenarios.settings import defaults, simulate


@pytest.fixture(scope="module")
def default_view():
    s = defaults()
    trajs = simulate(s)
    return s, trajs, figures.surface_grid(s["problem"]), figures.payload(trajs, s["problem"])


def meta_traces(fig: dict, at: str) -> list[dict]:
    return [t for t in fig["data"] if (t.get("meta") or {}).get("at") == at]


def body(obj) -> str:
    return json.dumps(obj, cls=plotly.utils.PlotlyJSONEncoder)


# ----------------------------------------------------------------------------- codec and payload
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


def test_payload_for_four_optimizers_by_1000_steps_is_under_50_kb():
    s = defaults()
    s["steps"] = 1000
    s["optimizers"] = s["optimizers"] + ["rmsprop:eta=0.1"]
    size = len(json.dumps(figures.payload(simulate(s), s["problem"]), separators=(",", ":")))
    assert size < 50_000


def test_rounding_to_significant_digits_matches_pythons_formatting_at_every_magnitude():
    rng = np.random.default_rng(7)
    a = np.concatenate([rng.standard_normal(400) * 10.0 ** e for e in range(-40, 41, 4)] +
                       [[0.0, -0.0, np.nan, np.inf, -np.inf, 1.5, 2.5, 0.125, 123456789.0, 5e-324, 1.7e308]])
    expected = [float(f"{v:.5g}") if np.isfinite(v) else None for v in a.tolist()]  # Python's decimal rounding
    assert figures.rounded(a) == expected
    assert figures.rounded([0.123456, 1234.5678], 4) == [0.1235, 1235.0]


# ----------------------------------------------------------------------------- plain dicts, valid Plotly
def _every_figure() -> dict[str, dict]:
    """Every kind of page figure: overlay, side-by-side (3 and 4 panels), 1-parameter curve, no model fit,
    a diverged run, a 4-D slice, NAG's look-ahead points (from the callback) and a schedule preview."""
    out = {}
    for name, problem, opts, mode in (("default", None, None, "overlay"), ("side", None, None, "side"),
                                      ("side4", None, ["gd", "momentum", "adam:eta=0.1", "nag"], "side"),
                                      ("curve", "reddi", ["adam:eta=0.1"], "overlay"),
                                      ("diverged", "bowl", ["gd:eta=5"], "overlay"),
                                      ("slice", "sigmoid-sparse-4d", None, "overlay")):
        s = defaults(problem)
        s["optimizers"] = opts or s["optimizers"]
        grid = figures.surface_grid(s["problem"], base=s["start"])
        pl = figures.payload(simulate(s), s["problem"])
        out.update({f"{name}-{k}": fig for k, fig in figures.all_figures(grid, pl, mode).items()})
    s = {**defaults(), "optimizers": ["nag:eta=1"], "view": {"mode": "overlay", "dims": [0, 1], "lookahead": True}}
    out["lookahead-contour"] = callbacks.render(s, {}, live_on=False)["figs"]["contour"]
    out["preview"] = figures.preview_figure(np.linspace(1, 0.1, 50))
    return out


EVERY = _every_figure()


@pytest.mark.parametrize("name", sorted(EVERY))
def test_builders_return_plain_dicts_that_plotly_accepts(name):
    fig = EVERY[name]
    assert type(fig) is dict and set(fig) == {"data", "layout"}
    assert all(type(t) is dict for t in fig["data"])
    go.Figure(fig)  # raises ValueError on any property Plotly does not know or a value of the wrong type
    assert fig["layout"]["template"] == theme.TEMPLATE_JSON  # the page's small template, not plotly's default


def test_figures_carry_the_small_shared_template_not_plotlys_default():
    page = json.dumps(EVERY["default-surface"]["layout"]["template"])
    default = go.Figure().to_plotly_json()["layout"]["template"]
    assert len(page) < 1200 < len(json.dumps(default, cls=plotly.utils.PlotlyJSONEncoder))
    assert EVERY["default-loss"]["layout"]["template"]["layout"]["font"]["size"] >= 14
    EVERY["default-loss"]["layout"]["template"]["layout"]["font"]["size"] = 99  # a figure's own copy
    assert theme.TEMPLATE_JSON["layout"]["font"]["size"] == theme.FONT_SIZE


def test_first_screen_figures_have_surface_contour_and_three_paths(default_view):
    s, _, grid, pl = default_view
    figs = figures.all_figures(grid, pl)
    assert figs["surface"]["data"][0]["type"] == "surface"
    assert figs["contour"]["data"][0]["type"] == "contour"
    paths = meta_traces(figs["contour"], "upto")
    assert [t["name"] for t in paths] == ["GD (η=1)", "Momentum (η=1, γ=0.9)", "Adam (η=0.1)"]  # not spec strings
    assert all(t["x"][0] == pytest.approx(-2, abs=1e-4) for t in paths)


def test_server_filled_steps_are_whole_numbers_and_values_have_five_digits(default_view):
    _, trajs, grid, pl = default_view
    loss = figures.step_figure(pl, "loss")
    for t, traj in zip(meta_traces(loss, "all"), trajs, strict=True):
        assert all(type(k) is int for k in t["x"]) and t["x"][0] == 0 and t["x"][-1] == traj.steps
        assert all(len(f"{v:.10g}".lstrip("-").replace(".", "").lstrip("0").split("e")[0]) <= 5 for v in t["y"])
        assert t["y"][-1] == pytest.approx(traj.loss[-1, 0], rel=1e-4)


# ----------------------------------------------------------------------------- surface grid: values, cache, size
def test_bowl_grid_is_half_the_squared_norm_at_float32_precision():
    grid = figures.surface_grid("bowl")
    xs = ys = -5 + np.arange(61) / 6  # the window -5..5 in 60 steps
    assert len(grid["xs"]) == figures.GRID_N and grid["xs"][0] == -5 and grid["xs"][-1] == 5
    assert np.allclose(grid["xs"], xs, atol=1e-4) and np.allclose(grid["ys"], ys, atol=1e-4)  # 5 digits sent
    by_hand = 0.5 * (xs[None, :] ** 2 + ys[:, None] ** 2)  # rows are y, columns x
    assert np.allclose(grid["z"], by_hand, rtol=2**-23, atol=1e-6)
    sent = figures.untyped(figures.surface_figure(grid, figures.payload([], "bowl"))["data"][0]["z"])
    assert sent.shape == (61, 61) and np.array_equal(sent, by_hand.astype(np.float32))  # exactly float32


def test_log_coloured_grid_sends_log10_of_the_loss_as_the_colour():
    grid = figures.surface_grid("himmelblau")
    x, y = np.meshgrid(-5 + np.arange(61) / 6, -5 + np.arange(61) / 6)  # window -5..5
    by_hand = (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2
    fig = figures.surface_figure(grid, figures.payload([], "himmelblau"))
    colour = figures.untyped(fig["data"][0]["surfacecolor"])
    ok = by_hand > 1e-3  # log10 of float32-rounded tiny values differs more
    assert np.allclose(colour[ok], np.log10(by_hand[ok]), atol=1e-5)
    contour = figures.contour_figure(grid, figures.payload([], "himmelblau"))
    assert np.array_equal(figures.untyped(contour["data"][0]["z"]), colour, equal_nan=True)  # log10(0): a gap
    bowl = figures.surface_figure(figures.surface_grid("bowl"), figures.payload([], "bowl"))
    assert "surfacecolor" not in bowl["data"][0]  # linear colour: Plotly colours by z itself, sent once


def test_grid_cache_returns_equal_read_only_grids_and_is_bounded():
    figures.grids._grid.cache_clear()
    a = figures.surface_grid("rosenbrock")
    b = figures.surface_grid("rosenbrock")
    info = figures.grids._grid.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    assert a is not b and a.keys() == b.keys() and np.array_equal(a["z"], b["z"]) and a["xs"] == b["xs"]
    with pytest.raises(ValueError):
        a["z"][0, 0] = 0.0  # the cached arrays are read-only
    a["xs"] = ()  # the caller's own dict: the cache keeps its value
    assert figures.surface_grid("rosenbrock")["xs"] == b["xs"]
    assert info.maxsize == figures.GRID_CACHE
    for n in range(3, 3 + figures.GRID_CACHE + 10):
        figures.surface_grid("bowl", n=n)
    assert figures.grids._grid.cache_info().currsize == figures.GRID_CACHE


def test_grid_cache_key_is_problem_dims_slice_base_and_resolution():
    figures.grids._grid.cache_clear()
    start = defaults("sigmoid-sparse-4d")["start"]
    here = figures.surface_grid("sigmoid-sparse-4d", (0, 1), base=start)
    there = figures.surface_grid("sigmoid-sparse-4d", (0, 1), base=[3.0, *start[1:]])  # w1 is on the plotted axes
    other = figures.surface_grid("sigmoid-sparse-4d", (0, 1), base=[*start[:2], 2.0, *start[3:]])
    assert np.array_equal(here["z"], there["z"]) and not np.array_equal(here["z"], other["z"])
    assert figures.surface_grid("sigmoid-sparse-4d", (1, 3), base=start)["dims"] == (1, 3)
    figures.surface_grid("bowl", base=[1.0, 2.0])  # 2 parameters: the base cannot change the grid
    figures.surface_grid("bowl")
    assert figures.grids._grid.cache_info().misses == 4


def test_small_side_by_side_3d_panels_use_a_quarter_of_the_grid(default_view):
    s, trajs, grid, _ = default_view
    s4 = {**s, "optimizers": [*s["optimizers"], "nag"]}
    pl = figures.payload(simulate(s4), s["problem"])
    surf = figures.surface_figure(grid, pl, mode="side")
    panels = [t for t in surf["data"] if t["type"] == "surface"]
    assert len(panels) == 4 and all(figures.untyped(t["z"]).shape == (31, 31) for t in panels)
    assert panels[0]["x"][0] == grid["xs"][0] and panels[0]["x"][-1] == grid["xs"][-1]  # the whole window
    contour = figures.contour_figure(grid, pl, mode="side")  # clickable maps keep every point
    assert all(figures.untyped(t["z"]).shape == (61, 61) for t in contour["data"] if t["type"] == "contour")


def test_first_screen_is_under_250_kb_with_the_grid_at_4_bytes_a_value(default_view):
    _, _, grid, pl = default_view
    figs = figures.all_figures(grid, pl)
    assert sum(len(body(f)) for f in figs.values()) < 250_000  # was 470 kB as validated go.Figure JSON
    z = figs["surface"]["data"][0]["z"]
    assert z["dtype"] == "f4" and len(z["bdata"]) == 4 * -(-61 * 61 * 4 // 3)  # base64 of 61 × 61 float32


# ----------------------------------------------------------------------------- what a hyperparameter change sends
def test_an_eta_change_sends_the_changed_run_and_no_surface_grid():
    s = defaults()
    first = callbacks.render(s, {}, live_on=False)
    assert "bdata" in body(first["figs"]["surface"])
    second = callbacks.render({**s, "optimizers": ["gd:eta=0.5", *s["optimizers"][1:]]}, first["drawn"], False)
    assert second["figs"] is None and second["changed"] == [0]
    sent = body({k: v for k, v in second.items() if k != "drawn"})
    assert '"z"' not in sent and "bdata" not in sent and "surface" not in sent and "contour" not in sent


def test_a_new_start_on_a_2d_problem_reuses_the_cached_grid():
    figures.grids._grid.cache_clear()
    s = defaults()
    callbacks.render(s, {}, live_on=False)
    callbacks.render({**s, "start": [1.0, 1.0], "view": {"mode": "side", "dims": [0, 1]}}, {}, False)
    assert figures.grids._grid.cache_info().misses == 1


# ----------------------------------------------------------------------------- what the figures show
def test_a_diverged_marker_outside_the_window_is_pinned_to_its_edge_and_named_in_the_list():
    s = defaults("bowl")
    s["optimizers"] = ["gd:eta=5"]
    pl = figures.payload(simulate(s), "bowl")
    grid = figures.surface_grid("bowl")
    fig = figures.contour_figure(grid, pl)
    div = meta_traces(fig, "div")[0]
    (x0, x1), (y0, y1) = grid["window"]
    assert len(div["x"]) == 1 and x0 <= div["x"][0] <= x1 and y0 <= div["y"][0] <= y1
    assert div["x"][0] in (x0, x1) or div["y"][0] in (y0, y1)  # on the edge, where the run left the map
    assert div["marker"]["symbol"] == ["arrow"] and "text" not in div  # no label of its own (D9: they piled up)
    assert div["cliponaxis"] is False
    note = fig["layout"]["annotations"][-1]
    assert note["visible"] and note["text"].endswith("GD (η=5) → step 5")
    assert pl["runs"][0]["msg"] == "diverged at step 5: loss exceeded 1e+06"  # the true story, in the banner
    assert pl["runs"][0]["msg"] in div["hovertemplate"]


def test_a_diverged_run_does_not_stretch_the_3d_z_axis():
    s = defaults("bowl")
    s["optimizers"] = ["gd:eta=5"]
    grid = figures.surface_grid("bowl")
    fig = figures.surface_figure(grid, figures.payload(simulate(s), "bowl"))
    z0, z1 = fig["layout"]["scene"]["zaxis"]["range"]
    assert z0 <= 0 and 25 <= z1 < 50  # ½(5² + 5²) = 25 at the corners
    div = meta_traces(fig, "div")[0]
    assert z0 <= div["z"][0] <= z1 and div["mode"] == "markers"  # no WebGL text to pile up (D9)


def test_the_divergence_list_names_each_diverged_run_once_in_the_corner_away_from_the_markers():
    s = defaults("bowl")
    s["optimizers"] = ["gd:eta=0.1", *[f"gd:eta={e}" for e in (3, 4, 5, 6, 7, 8, 9, 10)]]
    pl = figures.payload(simulate(s), "bowl")
    grid = figures.surface_grid("bowl")
    fig = figures.contour_figure(grid, pl)
    note = fig["layout"]["annotations"][-1]
    lines = note["text"].split("<br>")
    assert lines[0] == "<b>diverged</b>" and lines[-1] == "… and 2 more (see the table)"
    assert lines[1] == '<span style="color:#D55E00">✕</span> GD (η=3) → step 9'  # 0.1 converges: not listed
    assert len(lines) == 2 + figures.DIV_LINES
    # GD from (-4, 3) on ½|θ|² flips sign each step, growing: 8 markers pinned on two corners of the map (the
    # labels beside them piled up there, D9); the list takes the first free corner, top right
    ends = {(d["x"][0], d["y"][0]) for d in meta_traces(fig, "div") if d["x"]}
    assert ends == {(5, -5), (-5, 5)}
    assert (note["x"], note["y"], note["xanchor"], note["yanchor"]) == (1, 1, "right", "top")
    quiet = figures.contour_figure(grid, figures.payload(simulate({**s, "optimizers": ["gd:eta=0.1"]}), "bowl"))
    assert quiet["layout"]["annotations"][-1]["visible"] is False


def test_side_by_side_panels_say_diverged_in_their_own_corner():
    s = {**defaults("bowl"), "optimizers": ["gd:eta=0.1", "gd:eta=5"]}
    fig = figures.contour_figure(figures.surface_grid("bowl"), figures.payload(simulate(s), "bowl"), mode="side")
    notes = {a["name"]: a for a in fig["layout"]["annotations"] if a.get("name", "").startswith("dl-div")}
    assert notes["dl-div:0"]["visible"] is False
    assert notes["dl-div:1"]["text"] == "diverged<br>→ step 5" and notes["dl-div:1"]["xref"] == "x2 domain"


def test_short_labels_wrap_long_settings_for_small_panels():
    assert figures.short_label("momentum:eta=1,gamma=0.9") == "Momentum<br>η=1, γ=0.9"
    assert figures.short_label("gd") == "GD"
    lines = figures.short_label("adam:eta=0.001,beta1=0.9,beta2=0.999,eps=1e-08").split("<br>")
    assert lines[0] == "Adam" and all(len(line) <= 16 for line in lines[1:])


def test_run_names_use_the_course_symbols_not_spec_strings():
    assert figures.run_name("adam:eta=0.1,beta1=0.9") == "Adam (η=0.1, β₁=0.9)"
    assert figures.run_name("gd") == "GD"
    assert figures.run_name("gd:eta=4|schedule=cosine:eta_min=0|batch=minibatch:4") == "GD (η=4, cosine, minibatch 4)"
    assert figures.run_name("adam:eta=0.1,bias_correction=false", 1) == "Adam (η=0.1, bias correction off) #2"


def test_negative_losses_are_sent_and_drawn_on_a_linear_axis():
    s = defaults()
    s.update(problem="saddle", optimizers=["gd:eta=0.1"], start=[0.5, 0.01], steps=40)
    pl = figures.payload(simulate(s), "saddle")
    loss = figures.step_figure(figures.decoded(pl), "loss")
    assert loss["layout"]["yaxis"]["type"] == "linear" and "L ≤ 0" in loss["layout"]["title"]["text"]
    ys = [v for t in meta_traces(loss, "all") for v in t["y"]]
    assert min(ys) < 0 and None not in ys


def test_side_by_side_has_one_panel_per_run(default_view):
    _, _, grid, pl = default_view
    fig = figures.contour_figure(grid, pl, mode="side")
    assert sum(t["type"] == "contour" for t in fig["data"]) == 3
    assert [t["xaxis"] for t in fig["data"] if t["type"] == "contour"] == ["x", "x2", "x3"]
    assert not [k for k in fig["layout"] if k.startswith("scene")]
    titles = [a["text"] for a in fig["layout"]["annotations"] if a.get("visible", True)]  # no run diverged
    assert titles == ["GD<br>η=1", "Momentum<br>η=1, γ=0.9", "Adam<br>η=0.1"]
    surf = figures.surface_figure(grid, pl, mode="side")
    assert sorted(k for k in surf["layout"] if k.startswith("scene")) == ["scene", "scene2", "scene3"]
    assert surf["layout"]["scene"]["domain"]["x"][1] < surf["layout"]["scene2"]["domain"]["x"][0]


def test_side_by_side_2x2_maps_share_axes_by_column_and_row(default_view):
    s, _, grid, _ = default_view
    pl = figures.payload(simulate({**s, "optimizers": [*s["optimizers"], "nag"]}), s["problem"])
    lay = figures.contour_figure(grid, pl, mode="side")["layout"]
    assert lay["xaxis"]["matches"] == "x3" and lay["yaxis2"]["matches"] == "y" and "matches" not in lay["xaxis3"]
    # rows 0.13 apart: room for the lower row's one-line titles (D2: they ran into the panels above)
    assert lay["xaxis"]["domain"] == [0.0, 0.485] and lay["yaxis3"]["domain"] == pytest.approx([0.0, 0.435])


def test_playback_step_moves_marker_and_cuts_the_path(default_view):
    _, _, grid, pl = default_view
    fig = figures.contour_figure(grid, pl, step=10)
    assert all(len(t["x"]) <= 11 for t in meta_traces(fig, "upto"))


def test_model_fit_curve_for_sigmoid_and_a_note_for_analytic_surfaces(default_view):
    _, _, _, pl = default_view
    curves = meta_traces(figures.fit_figure(pl), "fit")
    assert len(curves) == 3 and all(0 <= min(t["y"]) and max(t["y"]) <= 1 for t in curves)
    s = defaults("rosenbrock")
    empty = figures.fit_figure(figures.payload(simulate(s), "rosenbrock"))
    assert "sigmoid" in empty["layout"]["annotations"][0]["text"]


def test_one_parameter_problem_draws_the_loss_curve():
    s = defaults("reddi")
    s["optimizers"] = ["adam:eta=0.1"]
    pl = figures.payload(simulate(s), "reddi")
    fig = figures.surface_figure(figures.surface_grid("reddi"), pl)
    assert fig["data"][0]["name"] == "L(θ)" and len(fig["data"][0]["x"]) == figures.CURVE_N


def test_lookahead_points_are_added_to_the_contour_map():
    fig = EVERY["lookahead-contour"]
    look = [t for t in fig["data"] if "look-ahead" in t.get("name", "")]
    assert len(look) == 1 and figures.untyped(look[0]["x"]).size == 300


def test_schedule_preview_keeps_every_corner_of_a_step_schedule_and_few_points_of_a_smooth_one():
    t = np.arange(5000)
    steps = 0.5 ** (t // 500)  # step:drop=0.5,every=500 by hand
    fig = figures.preview_figure(steps)
    line = fig["data"][0]
    assert len(line["x"]) <= 30 and np.allclose(np.interp(t, line["x"], line["y"]), steps, rtol=1e-3)
    smooth = np.exp(-0.01 * t)  # exponential:k=0.01
    line = figures.preview_figure(smooth)["data"][0]
    assert len(line["x"]) <= figures.PREVIEW_POINTS and line["x"][0] == 0 and line["x"][-1] == 4999
    assert np.max(np.abs(np.interp(t, line["x"], line["y"]) - smooth)) < 0.01  # under a pixel of 110
    short = figures.preview_figure(np.linspace(1, 0.1, 50))["data"][0]
    assert "x" not in short and len(short["y"]) == 50  # few steps: every one, x = 0, 1, ...


def test_with_lookahead_points_an_eta_change_resends_only_the_contour_map():
    s = {**defaults(), "optimizers": ["nag:eta=1", "gd:eta=1"],
         "view": {"mode": "overlay", "dims": [0, 1], "lookahead": True}}
    first = callbacks.render(s, {}, live_on=False)
    second = callbacks.render({**s, "optimizers": ["nag:eta=0.5", "gd:eta=1"]}, first["drawn"], False)
    assert set(second["figs"]) == {"contour"} and '"surface"' not in body(second["figs"])
    look = [t for t in second["figs"]["contour"]["data"] if "look-ahead" in t.get("name", "")]
    assert look[0]["name"].startswith("nag:eta=0.5")
    third = callbacks.render({**s, "problem": "bowl", "start": [-4.0, 3.0]}, second["drawn"], False)
    assert set(third["figs"]) == {"surface", "contour", "loss", "eta", "params", "fit"}  # a new surface: all


def test_an_epoch_axis_puts_each_run_at_its_passes_over_the_data_and_keeps_the_step_for_clicks():
    """The stochastic scenario's hint x_axis: epoch. sigmoid-valley has N = 3 points: full batch 1 update an
    epoch, stochastic 3, mini-batches of 2 ⌈3/2⌉ = 2 (by hand)."""
    from scenarios.presets import SCENARIO_BY_ID

    s = SCENARIO_BY_ID["stochastic-vs-full"].full_settings()
    assert s["view"]["x_axis"] == "epoch"
    out = callbacks.render(s, {}, live_on=False)
    loss = out["figs"]["loss"]
    assert loss["layout"]["xaxis"]["title"]["text"] == "epoch"
    lines = [t for t in loss["data"] if t["meta"]["at"] == "all"]
    assert [round(max(t["x"]), 6) for t in lines] == [300, 100, 150]  # 300 updates each
    for t, per in zip(lines, (1, 3, 2), strict=True):
        assert all(abs(x - k / per) <= 1e-4 * k / per for x, k in zip(t["x"], t["customdata"], strict=True))  # 5 digits
    assert [out["traj"]["runs"][j]["upe"] for j in range(3)] == [1, 3, 2]
    for which in ("eta", "params"):
        assert out["figs"][which]["layout"]["xaxis"]["title"]["text"] == "epoch"
    # a click at epoch 50 of the stochastic run is step 150
    click = {"points": [{"x": 50, "y": 0.1, "customdata": 150, "curveNumber": 2}]}
    assert figures.step_click(click)["points"][0]["x"] == 150
    assert figures.step_click({"points": [{"x": 7, "customdata": "150"}]})["points"][0]["x"] == 7  # not a number
    # the default page stays on steps, and a change of axis is a new figure (not a patch of the old one)
    plain = callbacks.render({**s, "view": {**s["view"], "x_axis": "step"}}, out["drawn"], live_on=False)
    assert plain["figs"]["loss"]["layout"]["xaxis"]["title"]["text"] == "step"


def test_the_plots_against_control_switches_the_epoch_axis_and_refuses_anything_else():
    from layouts import controls

    s = defaults()  # sigmoid-2pt: a data problem, so the control is there
    assert "x_axis" in str(controls.global_controls(s, callbacks.problem_of(s)))
    new, msgs = controls.apply_controls(s, {("g", None, "x_axis"): "epoch"})
    assert new["view"]["x_axis"] == "epoch" and not msgs
    kept, msgs = controls.apply_controls(new, {("g", None, "x_axis"): "<list>"})
    assert kept["view"]["x_axis"] == "epoch" and "use step or epoch" in msgs["x_axis"]
    assert "x_axis" not in str(controls.global_controls(defaults("bowl"), callbacks.problem_of(defaults("bowl"))))
