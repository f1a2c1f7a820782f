"""Callbacks' logic called directly: settings from controls, Patch responses, Live chunks, two apps."""

import json

import plotly
import pytest
from dash import Patch, no_update

from app import create_app
from layouts import callbacks, controls
from layouts import live as live_mode
from scenarios.settings import defaults


def _render(settings, drawn=None):
    return callbacks.render(settings, drawn or {}, live_on=False)


def test_first_render_builds_all_figures_then_a_hyper_change_is_a_patch_of_one_run():
    s = defaults()
    first = _render(s)
    assert set(first["figs"]) == {"surface", "contour", "loss", "eta", "params", "fit"}
    s2 = {**s, "optimizers": ["gd:eta=0.5", *s["optimizers"][1:]]}
    second = _render(s2, first["drawn"])
    assert second["figs"] is None and isinstance(second["traj"], Patch)
    assert second["changed"] == [0]
    ops = second["traj"].to_plotly_json()["operations"]
    assert [op["location"] for op in ops] == [["runs", 0]]


def test_patch_for_four_optimizers_by_1000_steps_has_no_grid_and_is_small():
    s = {**defaults(), "steps": 1000, "optimizers": ["gd:eta=1", "momentum:eta=1,gamma=0.9", "adam:eta=0.1",
                                                      "rmsprop:eta=0.1"]}
    first = _render(s)
    changed = {**s, "steps": 999}
    patch = _render(changed, first["drawn"])["traj"]
    body = json.dumps(patch.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder)
    assert len(body) < 50_000 and '"z"' not in body


def test_unchanged_settings_send_nothing():
    s = defaults()
    first = _render(s)
    assert _render(s, first["drawn"])["traj"] is no_update


@pytest.mark.parametrize("text, words", [("abc", "not a number"), ("-1", "outside its range"),
                                         ("1e9", "outside its range"), ("", "enter a value")])
def test_bad_eta_keeps_the_old_value_and_explains(text, words):
    s = defaults()
    new, msgs = controls.apply_controls(s, {("hp-box", 0, "eta"): text})
    assert new["optimizers"][0] == "gd:eta=1"
    assert words in msgs["opt0.eta"] and msgs["opt0.eta"].startswith("η")


def test_bad_steps_and_out_of_window_start_are_refused_with_messages():
    s = defaults()
    new, msgs = controls.apply_controls(s, {("g", None, "steps"): "1e9", ("start", 0, None): "40",
                                            ("start", 1, None): "0"})
    assert new["steps"] == 300 and new["start"] == [-2.0, -2.0]
    assert "0 to 5000" in msgs["steps"] and "outside the view window" in msgs["start"]


def test_controls_round_trip_the_default_specs():
    s = defaults()
    values = {("hp-box", i, "eta"): controls.fmt(controls.spec_parts(t, "lecture")["hp"]["eta"])
              for i, t in enumerate(s["optimizers"])}
    new, msgs = controls.apply_controls(s, values)
    assert new["optimizers"] == s["optimizers"] and not msgs


def test_schedule_and_batch_are_written_into_the_spec():
    s = defaults()
    new, _ = controls.apply_controls(s, {("sched", 0, None): "step", ("batch", 0, None): "minibatch",
                                         ("batch-k", 0, None): "2"})
    assert new["optimizers"][0] == "gd:eta=1|schedule=step:drop=0.5,every=5|batch=minibatch:2"


def test_live_chunks_continue_from_the_checkpoint_and_mark_a_change():
    s = defaults()
    pl, live = live_mode.live_start(s)
    _, live = live_mode.live_chunk(s, live)
    s2 = {**s, "optimizers": ["gd:eta=3", *s["optimizers"][1:]]}
    patch, live = live_mode.live_chunk(s2, live)
    ops = patch.to_plotly_json()["operations"]
    assert {"operation": "Append", "location": ["runs", 0, "changes"], "params": {"value": 10}} in ops
    assert live["step"] == 20 and live["specs"][0] == "gd:eta=3"


def test_two_apps_in_one_process_are_independent():
    a, b = create_app(), create_app()
    assert a is not b and a.callback_map is not b.callback_map
    assert set(a.callback_map) == set(b.callback_map)
    for app in (a, b):
        client = app.server.test_client()
        assert client.get("/").status_code == 200
        assert client.get("/_dash-layout").status_code == 200
