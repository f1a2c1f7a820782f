"""Budgets (scenarios/budgets.py) and the trust boundary's refusals: each limit is named in its message,
an over-budget link or file opens clamped with a notice, a forged Live checkpoint stops Live before any
engine call, and the engine refuses a resume step no run can have."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlencode

import numpy as np
import pytest

from app import create_app
from layouts import ids, link, share
from layouts import live as live_mode
from optimizers import MAX_STEPS, SpecError, run_spec
from scenarios import budgets, schema
from scenarios.settings import defaults, load_settings, parse_settings
from surfaces import get_problem

HUGE = {"optimizers": ["adam:eta=0.1"] * 12, "starts": 100, "steps": 5000}


def work(settings: dict) -> tuple[int, int, int]:
    n = len(settings["optimizers"])
    return n * settings["starts"], n * settings["starts"] * (settings["steps"] + 1), n * settings["steps"]


# ----------------------------------------------------------------------------- clamping, with named limits
def test_twelve_optimizers_by_100_starts_by_5000_steps_load_clamped_with_the_limits_named():
    settings, notices = load_settings(HUGE, strict=True)
    # by hand: 200 runs // 12 optimizers = 16 starts; 100,000 // 192 runs − 1 = 519 steps (< 15,000 // 12)
    assert (settings["starts"], settings["steps"]) == (16, 519)
    runs, rows, loop = work(settings)
    assert runs <= budgets.MAX_PAGE_RUNS and rows <= budgets.MAX_PAGE_WORK and loop <= budgets.MAX_PAGE_LOOP
    assert any("MAX_PAGE_RUNS = 200" in n and "using 16 starts" in n for n in notices), notices
    assert any("MAX_PAGE_WORK = 100,000" in n and "using 519 steps" in n for n in notices), notices


def test_few_runs_with_many_steps_are_clamped_by_the_loop_budget():
    settings, notices = load_settings({"optimizers": ["gd:eta=1"] * 12, "steps": 5000}, strict=True)
    assert settings["steps"] == budgets.MAX_PAGE_LOOP // 12 == 1250
    assert notices == ["12 optimizers × 5,000 steps is over MAX_PAGE_LOOP = 15,000 — using 1,250 steps"]


def test_settings_within_budget_are_not_touched():
    for data in ({}, {"optimizers": ["gd:eta=1"], "starts": 100, "steps": 900}, {"steps": 5000}):
        settings, notices = load_settings(data, strict=True)
        assert notices == [] and settings["steps"] == data.get("steps", 300)


def test_an_over_budget_link_opens_clamped_with_a_notice_at_once():
    query = "?" + urlencode([*[("opt", "adam:eta=0.1")] * 12, ("starts", "100"), ("steps", "5000")])
    started = time.perf_counter()
    settings, notices = link.read_link(query)
    elapsed = time.perf_counter() - started
    assert (len(settings["optimizers"]), settings["starts"], settings["steps"]) == (12, 16, 519)
    assert any("MAX_PAGE_WORK" in n for n in notices) and any("MAX_PAGE_RUNS" in n for n in notices)
    assert elapsed < 1.0  # a bound on what used to be a 120 s request, not a speed test


def test_an_over_budget_settings_file_loads_clamped_and_says_so():
    contents = "data:application/json;base64," + base64.b64encode(json.dumps(HUGE).encode()).decode()
    settings, message, cls = share.upload_result(contents, "class.json")
    assert settings is not None and "ok" in cls and settings["steps"] == 519
    assert message.startswith("Loaded class.json, within the page's budgets:") and "MAX_PAGE_WORK" in message


def test_the_cli_keeps_its_own_larger_step_cap():
    settings, notices = load_settings({"steps": 50_000}, strict=True, step_cap=MAX_STEPS)
    assert settings["steps"] == 50_000 and notices == []


# ----------------------------------------------------------------------------- refusals, with named limits
@pytest.mark.parametrize("data, words", [
    ({"steps": True}, "boolean, not a number"),
    ({"steps": 5001}, "MAX_PAGE_STEPS = 5,000"),
    ({"steps": "1_0"}, "not a finite number"),
    ({"steps": 118.9993}, "whole number"),
    ({"starts": 101}, "MAX_PAGE_STARTS = 100"),
    ({"optimizers": ["gd"] * 13}, "MAX_OPTIMIZERS = 12"),
    ({"optimizers": ["gd:eta=" + "1" * 400]}, "MAX_SPEC_CHARS = 300"),
    ({"start": [float("nan"), 0]}, "not a finite number"),
    ({"start": list(range(100_000))}, "MAX_JSON_NODES = 50,000"),
    ({"view": {"panels": None}}, "panels"),
    ({"seed": -1}, "seed"),
    ({"shuffle": "maybe"}, "true/false"),
    ({"convention": ["lecture"]}, "use lecture or pytorch"),
    ({"view": {"mode": "3d!"}}, "mode"),
])
def test_bad_values_are_refused_with_one_message_naming_the_limit(data, words):
    with pytest.raises(SpecError) as err:
        load_settings(data, strict=True)
    assert words in str(err.value), str(err.value)


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_deep_nesting_is_refused_by_name_never_a_recursion_error():
    with pytest.raises(SpecError, match="MAX_JSON_DEPTH = 20"):
        load_settings({"view": {"x": _nested(10_000)}}, strict=True)
    assert schema.json_problem(_nested(20)) is None
    assert "MAX_JSON_DEPTH" in schema.json_problem(_nested(21))
    text = "[" * 30_000 + "]" * 30_000  # under MAX_SETTINGS_BYTES, deeper than json's recursion limit
    with pytest.raises(SpecError, match="nested"):
        load_settings(text, strict=True)
    contents = "data:application/json;base64," + base64.b64encode(text.encode()).decode()
    assert share.upload_result(contents, "deep.json")[0] is None


def test_a_settings_file_over_the_size_limit_names_it():
    contents = "data:application/json;base64," + base64.b64encode(b" " * 100_000).decode()
    _, message, _ = share.upload_result(contents, "big.json")
    assert "settings files are at most 64 kB (MAX_SETTINGS_BYTES)" in message


def test_the_upload_control_refuses_over_max_upload_bytes_and_the_page_says_so():
    """dcc.Upload drops a file over max_size without any event to the server; assets/upload_limit.js
    writes the same message as the server would, from the limits on the upload's wrapper."""
    bar = share.share_bar()
    uploads = [c for c in _walk(bar) if getattr(c, "id", None) == ids.LOAD_SETTINGS]
    assert uploads and uploads[0].max_size == budgets.MAX_UPLOAD_BYTES
    wrapper = next(c for c in _walk(bar) if getattr(c, "className", "") == "dl-upload-limit")
    props = wrapper.to_plotly_json()["props"]
    assert props["data-max-bytes"] == str(budgets.MAX_UPLOAD_BYTES)
    assert props["data-limit-kb"] == str(budgets.MAX_SETTINGS_BYTES // 1000)
    script = open("assets/upload_limit.js", encoding="utf-8").read()
    assert '"settings files") + " are at most "' in script and "The current view is kept." in script
    # the page's wording in a real browser, for settings and data files: tests/browser/test_upload_limit.py


def _walk(component):
    stack = [component]
    while stack:
        node = stack.pop()
        yield node
        children = getattr(node, "children", None)
        stack.extend(children if isinstance(children, list) else [children] if children is not None else [])


# ----------------------------------------------------------------------------- the store and clicks
def test_a_settings_store_with_a_boolean_step_count_is_refused_not_run():
    settings, problems = parse_settings({**defaults(), "steps": True})
    assert settings is None and "boolean" in problems[0] and problems[0].endswith("The view is kept.")


@pytest.mark.parametrize("raw, expect", [(118.9993, 119), (3, 3), (-4, 0), (1e9, 300), (True, None),
                                         (float("nan"), None), ("12", None), (None, None), ([1], None)])
def test_step_indices_are_rounded_and_clamped_and_anything_else_is_ignored(raw, expect):
    assert schema.step_index(raw, 300) == expect


def test_click_data_needs_finite_numbers():
    assert schema.click_point({"points": [{"x": 1, "y": 2.5}]}) == (1.0, 2.5)
    for bad in (None, {}, {"points": []}, {"points": "x"}, {"points": [{"x": "1", "y": 2}]},
                {"points": [{"x": float("inf"), "y": 0}]}, {"points": [{"x": True, "y": 0}]}):
        assert schema.click_point(bad) is None


# ----------------------------------------------------------------------------- Live checkpoints
@pytest.fixture
def live_store():
    settings = defaults()
    serializer = schema.live_serializer(b"test secret")
    _, live = live_mode.live_start(settings)
    return settings, serializer, schema.live_store(live, serializer)


def test_a_signed_checkpoint_round_trips(live_store):
    settings, serializer, store = live_store
    live, why = schema.parse_live(store, serializer, dim=2)
    assert why == "" and live["step"] == 0 and live["specs"] == settings["optimizers"]


def test_an_altered_or_foreign_checkpoint_is_refused(live_store):
    _, serializer, store = live_store
    payload, sig = store["token"].rsplit(".", 1)
    forged = {"on": True, "token": payload + "." + ("A" if sig[0] != "A" else "B") + sig[1:]}
    assert schema.parse_live(forged, serializer, 2) == (None, "Live stopped: its checkpoint was altered or comes "
                                                               "from another server — start Live again")
    body = {"step": 10**15, "ckpt": [], "specs": [], "done": [], "problem": "sigmoid-2pt", "starts": 1}
    other = schema.live_store(body, schema.live_serializer(b"another secret"))
    assert schema.parse_live(other, serializer, 2)[0] is None
    assert schema.parse_live({"on": True, "ckpt": [{"step": 10**15}]}, serializer, 2)[0] is None  # the old format


def test_even_a_validly_signed_checkpoint_must_fit_the_budget(live_store):
    _, serializer, store = live_store
    live, _ = schema.parse_live(store, serializer, 2)
    beyond = {**live, "step": budgets.MAX_LIVE_STEPS + 10,
              "ckpt": [{**c, "step": budgets.MAX_LIVE_STEPS + 10} for c in live["ckpt"]]}
    _, why = schema.parse_live(schema.live_store(beyond, serializer), serializer, 2)
    assert "MAX_LIVE_STEPS = 5,000" in why
    bent = {**live, "ckpt": [{**c, "params": [[0.0, 1.0, 2.0]]} for c in live["ckpt"]]}
    assert "1 × 2 parameters" in schema.parse_live(schema.live_store(bent, serializer), serializer, 2)[1]


def test_a_forged_checkpoint_sent_to_the_server_stops_live_without_an_engine_call(monkeypatch):
    app = create_app()
    calls = []
    monkeypatch.setattr(live_mode, "run_spec", lambda *a, **k: calls.append(a))
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    tick = next(d for d in deps if d["inputs"][0]["id"] == ids.LIVE_TICK)
    outputs = [{"id": part.split("@")[0].rsplit(".", 1)[0], "property": part.split("@")[0].rsplit(".", 1)[1]}
               for part in tick["output"][2:-2].split("...")]
    forged = {"on": True, "token": "eyJzdGVwIjoxMDAwMDAwMDAwMDAwMDAwfQ.forged"}
    body = {"output": tick["output"], "outputs": outputs,
            "inputs": [{"id": ids.LIVE_TICK, "property": "n_intervals", "value": 1}],
            "state": [{"id": ids.LIVE, "property": "data", "value": forged},
                      {"id": ids.SETTINGS, "property": "data", "value": defaults()}],
            "changedPropIds": [f"{ids.LIVE_TICK}.n_intervals"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200 and calls == []
    out = response.get_json()["response"]
    assert out[ids.LIVE]["data"] == {"on": False} and out[ids.LIVE_TICK]["disabled"] is True
    assert out[ids.LIVE_LABEL]["children"].startswith("Live stopped: its checkpoint was altered")


# ----------------------------------------------------------------------------- the engine
@pytest.mark.parametrize("resume_step", [10**15, -1, MAX_STEPS + 1, 2.5, True])
def test_the_engine_refuses_an_impossible_resume_step_before_any_work(resume_step):
    """Before: a stochastic Live tick at step 1e15 replayed ~5e14 epochs of shuffles (a hung worker)."""
    problem = get_problem("sigmoid-sparse")
    resume = {"step": resume_step, "params": [[-2.0, -4.0]], "state": {}}
    with pytest.raises(SpecError, match=f"step={resume_step!r} must be a whole number in \\[0, {MAX_STEPS}\\]"):
        run_spec(problem, "gd:eta=1|batch=stochastic", [[-2.0, -4.0]], 10, resume=resume)


@pytest.mark.parametrize("starts, steps, words", [
    ([[np.nan, 0.0]], 10, "finite"), ([[1.0, 2.0], [3.0]], 10, "(R, D)"), ("abc", 10, "(R, D)"),
    ([[1.0, 2.0]], -1, "steps=-1"), ([[1.0, 2.0]], True, "steps=True"), ([[1.0, 2.0]], 10.0, "steps=10.0"),
])
def test_the_engine_refuses_impossible_starts_and_step_counts(starts, steps, words):
    with pytest.raises(SpecError) as err:
        run_spec(get_problem("bowl"), "gd", starts, steps)
    assert words in str(err.value)


def test_a_settings_store_the_server_refuses_keeps_the_figures_and_says_why():
    """The main update with {"steps": true} in the store: HTTP 200, no figure or store is touched, the
    status line names the problem (before, it ran 1 step)."""
    response = post_main_update(create_app().server.test_client(), {**defaults(), "steps": True})
    assert response.status_code == 200
    out = response.get_json()["response"]
    assert set(out) == {ids.STATUS}  # figures, stores and table kept as they are
    text = json.dumps(out[ids.STATUS]["children"])
    assert "steps=True is a boolean, not a number" in text and "The view is kept." in text


def post_main_update(client, settings_value):
    """POST the main update as the browser sends it after SETTINGS changed to `settings_value` (the
    pattern-matching inputs empty, nothing drawn, Live off); returns the response."""
    deps = client.get("/_dash-dependencies").get_json()
    main = next(d for d in deps if d["output"].startswith(f"..{ids.SETTINGS}.data...{ids.DRAWN}.data"))
    outputs = []
    for part in main["output"][2:-2].split("..."):
        cid, prop = part.split("@")[0].rsplit(".", 1)
        outputs.append([] if cid.startswith("{") else {"id": cid, "property": prop})
    inputs = [{"id": ids.SETTINGS, "property": "data", "value": settings_value}, *[[] for _ in main["inputs"][1:]]]
    state = [{"id": ids.DRAWN, "property": "data", "value": {}}, {"id": ids.LIVE, "property": "data",
                                                                  "value": {"on": False}}]
    body = {"output": main["output"], "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": [f"{ids.SETTINGS}.data"]}
    return client.post("/_dash-update-component", json=body)


def test_control_values_keep_only_the_ids_the_page_renders_and_plain_values():
    from layouts import controls

    groups = [[{"id": {"type": "hp-box", "opt": 0, "name": "eta"}, "value": "0.5"},
               {"id": {"type": "hp-box", "opt": "abc", "name": "eta"}, "value": "2"},  # index not a number
               {"id": {"type": "hp-box", "opt": 0, "name": "eta", "x": 1}, "value": "2"},  # extra key
               {"id": {"type": "start", "i": 10**15}, "value": "1"},  # index out of range
               {"id": "dl-settings", "value": "x"}, "not a dict"],
              [{"id": {"type": "g", "name": "steps"}, "value": {"deep": [1, 2]}}], "not a list"]
    values = controls.read_controls(groups)
    assert values == {("hp-box", 0, "eta"): "0.5", ("g", None, "steps"): "<dict>"}
    settings, msgs = controls.apply_controls(defaults(), values)
    assert settings["optimizers"][0] == "gd:eta=0.5" and settings["steps"] == 300
    assert msgs == {"steps": "steps = '<dict>': enter a whole number from 0 to 5000"}
