"""Share and export logic of the page (layouts/share.py), called directly: the URL round trip, bad links
that must open with defaults and notices, settings-file uploads and export downloads."""

from __future__ import annotations

import base64
import json
import random
from urllib.parse import parse_qsl, quote, urlencode

import pytest

from layouts import callbacks, link, share
from layouts.export import ExportOptions
from scenarios.settings import MAX_SETTINGS_BYTES, defaults, load_settings, to_query

NON_DEFAULT = {
    "problem": "sigmoid-sparse",
    "optimizers": ["gd:eta=0.5|batch=minibatch:10", "adam:eta=0.05|schedule=step:drop=0.5,every=20",
                   "adam:eta=0.2|schedule=step:drop=0.5,every=20", "momentum:eta=0.3,gamma=0.8|batch=stochastic"],
    "start": [1.25, -3.5], "starts": 2, "steps": 77, "shuffle": True, "seed": 42, "convention": "pytorch",
    "view": {"mode": "side", "dims": [0, 1]},
}


def upload(obj, raw: bytes | None = None) -> str:
    data = raw if raw is not None else json.dumps(obj).encode()
    return "data:application/json;base64," + base64.b64encode(data).decode()


# ----------------------------------------------------------------------------- link round trip
def test_non_default_settings_survive_url_and_back():
    settings, _ = load_settings(NON_DEFAULT, strict=True)
    query = to_query(settings)
    back, notices = link.read_link(query)
    assert notices == []
    assert back == settings
    assert to_query(back) == query


def test_opening_a_link_replaces_the_settings():
    settings, _ = load_settings(NON_DEFAULT, strict=True)
    assert link.open_link(to_query(settings), defaults()) == (settings, [])


def test_changing_a_control_writes_the_url_once():
    settings = {**defaults(), "steps": 123}
    query = link.link_for("", settings)
    assert query == to_query(settings)
    assert link.link_for(query, settings) is None  # the echo: nothing more to write
    assert link.open_link(query, settings) == (None, [])  # and the address change it causes loads nothing


def test_a_plain_address_means_the_defaults_and_writes_nothing():
    assert link.link_for(None, defaults()) is None
    assert link.open_link("", defaults()) == (None, [])


def test_link_with_reordered_parameters_is_not_rewritten():
    settings, _ = load_settings(NON_DEFAULT, strict=True)
    pairs = sorted(parse_qsl(to_query(settings)[1:]), key=lambda kv: kv[0])  # same meaning, another spelling
    assert link.link_for("?" + urlencode(pairs), settings) is None


def test_bad_value_in_a_link_gives_default_and_a_notice():
    new, notices = link.open_link("?steps=1e9&seed=7", defaults())
    assert new["steps"] == defaults()["steps"] and new["seed"] == 7
    assert any("steps='1e9'" in n and "using the default" in n for n in notices)


def test_bad_link_that_changes_nothing_still_shows_its_notice():
    new, notices = link.open_link("?steps=-5", defaults())
    assert new is None and notices and "steps" in notices[0]


# ----------------------------------------------------------------------------- fuzzed links
GARBAGE = ["", "?", "&&&", "=", "%", "%zz", "\x00", "nan", "inf", "-inf", "1e309", "-1", "9" * 400, "true", "[]",
           "{}", "{\"dims\":[0,9]}", "{\"dims\":\"ab\"}", "{\"mode\":5}", "{\"dims\":[1,1]}", "{\"dims\":[true,0]}",
           "[1,2]", "{bad json", "null", "\"str\"", "zzz", "gd:eta=-1", "adam:eta=abc", "gd|schedule=nope",
           "gd|batch=minibatch:0", "rosenbrock", "bowl", "reddi", "sigmoid-sparse-4d", "1,2,3", "a,b", "5e5,1",
           "€", "😀", "<script>alert(1)</script>", "lecture", "pytorch", "on", "0", "1.5", " "]
KEYS = ["problem", "opt", "start", "starts", "steps", "shuffle", "seed", "convention", "view", "x", "", "opt[]",
        "PROBLEM", "__proto__"]


LINK_KEYS = {"problem", "opt", "start", "starts", "steps", "shuffle", "seed", "convention", "view"}


def fuzzed_queries(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        pairs = [(rng.choice(KEYS), rng.choice(GARBAGE)) for _ in range(rng.randint(0, 8))]
        query = "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
        if rng.random() < 0.2:
            query = query.replace("=", "", 1) + rng.choice(["&", "%", "=="])  # malformed pairs
        out.append(query)
    return out


@pytest.mark.parametrize("query", ["?steps=1e9", "?opt=nosuch&opt=gd:eta=-3", "?view={broken", "?start=99,99",
                                   "?problem=reddi&view=%7B%22dims%22%3A%5B0%2C4%5D%7D", "?seed=-1&shuffle=maybe",
                                   "?problem=sigmoid-sparse-4d&view=%7B%22dims%22%3A%5B2%2C2%5D%7D",
                                   "?" + "opt=gd&" * 20, "?" + "a" * 5000, "?steps=" + "9" * 400])
def test_known_bad_links_open_with_defaults_and_notices(query):
    settings, notices = link.read_link(query)
    assert notices, query
    load_settings(settings, strict=True)  # what the page shows is always a valid view


@pytest.mark.parametrize("query", fuzzed_queries(300))
def test_fuzzed_links_never_raise_and_give_valid_settings(query):
    settings, notices = link.read_link(query)
    load_settings(settings, strict=True)
    dims = settings["view"].get("dims", [0, 1])
    assert len(dims) == 2 and dims[0] != dims[1]
    unknown = {k for k, _ in parse_qsl(query[1:], keep_blank_values=True)} - LINK_KEYS
    if unknown:
        assert any("unknown link parameter" in n for n in notices), f"{query!r}: {unknown} ignored silently"
    assert link.open_link(query, defaults())[1] == notices
    assert link.link_for(to_query(settings), settings) is None


@pytest.mark.parametrize("query", fuzzed_queries(25, seed=1) + ["?problem=reddi&view=%7B%22dims%22%3A%5B0%2C1%5D%7D",
                                                                 "?problem=sigmoid-sparse-4d&view=%7B%22dims%22%3A%5B3%2C1%5D%7D"])
def test_the_page_renders_whatever_a_link_held(query):
    settings, _ = link.read_link(query)
    settings["steps"] = min(settings["steps"], 50)
    out = callbacks.render(settings, {}, live_on=False)
    assert out["figs"] and out["traj"]["runs"]


# ----------------------------------------------------------------------------- settings files
def test_saved_settings_file_loads_back_identically():
    settings, _ = load_settings(NON_DEFAULT, strict=True)
    data = share.settings_file(settings)
    assert data["filename"] == "descent-lab-sigmoid-sparse-settings.json" and data["base64"]
    raw = base64.b64decode(data["content"])
    assert json.loads(raw) == settings
    loaded, message, cls = share.upload_result(upload(None, raw), "mine.json")
    assert loaded == settings and message == "Loaded mine.json." and "ok" in cls


def test_json_export_loads_as_its_settings():
    settings, _ = load_settings(NON_DEFAULT, strict=True)
    export = {"descent_lab_export": 1, "settings": settings, "trajectories": []}
    assert share.read_upload(upload(export), "run.json") == settings


@pytest.mark.parametrize("obj, raw, expect", [
    ({"problem": "nope"}, None, "unknown problem"),
    ({"steps": 1e9}, None, "steps"),
    ({"optimizers": ["adam:eta=-1"]}, None, "eta"),
    ({"colour": "red"}, None, "unknown setting 'colour'"),
    ({"start": [99, 0]}, None, "outside the view window"),
    ({"view": {"dims": [0, 7]}}, None, "dims"),
    ([1, 2], None, "JSON object"),
    (None, b"{\"problem\": ", "not valid JSON"),
    (None, b"\xff\xfe\x00garbage", "not a text file"),
    (None, b"", "empty"),
    (None, b" " * (MAX_SETTINGS_BYTES + 10), "at most 64 kB"),
])
def test_bad_settings_file_gives_one_clear_message(obj, raw, expect):
    loaded, message, cls = share.upload_result(upload(obj, raw), "bad.json")
    assert loaded is None and "bad" in cls
    assert message.startswith("Could not load bad.json: ") and message.endswith("The current view is kept.")
    assert expect.lower() in message.lower(), message


def test_size_is_checked_before_decoding():
    huge = "data:application/json;base64," + "A" * (MAX_SETTINGS_BYTES * 2)
    with pytest.raises(share.SpecError, match="at most"):
        share.read_upload(huge, "huge.json")


# ----------------------------------------------------------------------------- export
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_download_has_the_format_mime_and_a_sensible_name(fmt):
    data, message = share.export_file(defaults(), fmt, share.export_options("contour", 2, "white"))
    assert data["filename"] == f"descent-lab-sigmoid-2pt.{fmt}" and data["type"].endswith(fmt)
    assert base64.b64decode(data["content"]) and message.startswith("Saved descent-lab-sigmoid-2pt")


def test_image_export_name_says_plot_and_scale():
    options = share.export_options("loss", 3, "contrast")
    assert options == ExportOptions(plot="loss", scale=3.0, theme="contrast")
    assert share.export_name(defaults(), "png", options) == "descent-lab-sigmoid-2pt-loss@3x.png"
    assert share.export_name(defaults(), "svg", options) == "descent-lab-sigmoid-2pt-loss.svg"


def test_export_options_ignore_values_the_picker_cannot_send():
    assert share.export_options("3d!", 99, "neon") == ExportOptions()


def test_failed_render_is_a_message_not_a_server_error(monkeypatch):
    def broken(*_args, **_kw):
        raise RuntimeError("ChromeNotFoundError: no Chrome found on this system")
    monkeypatch.setattr(share, "export_bytes", broken)
    data, message = share.export_file(defaults(), "png", ExportOptions())
    assert data is None
    assert "Export to PNG failed" in message and "apt install chromium" in message


def test_unknown_format_is_refused():
    assert share.export_file(defaults(), "bmp", ExportOptions()) == (None, "Unknown format 'bmp'.")


def test_one_bad_optimizer_in_a_link_leaves_the_others_standing():
    settings, notices = link.read_link("?opt=gd:eta=0.3&opt=adam:eta=abc&opt=nag:eta=0.2")
    assert settings["optimizers"] == ["gd:eta=0.3", "nag:eta=0.2"]
    assert len(notices) == 1 and notices[0].startswith("optimizer 'adam:eta=abc' left out:")


def test_a_link_with_too_many_optimizers_keeps_the_first_twelve():
    settings, notices = link.read_link("?" + "&".join(f"opt=gd:eta={k + 1}" for k in range(15)))
    assert settings["optimizers"] == [f"gd:eta={k + 1}" for k in range(12)]
    assert notices == ["only the first 12 of 15 optimizers are shown"]


def test_the_pages_own_json_export_loads_back_even_over_the_settings_limit():
    """D6: a JSON export of 300 steps × 3 optimizers is ~74 kB (over MAX_SETTINGS_BYTES); its settings are not."""
    settings = defaults()
    data, _ = share.export_file(settings, "json", share.export_options("contour", 2, "white"))
    raw = base64.b64decode(data["content"])
    assert len(raw) > MAX_SETTINGS_BYTES
    loaded, message, cls = share.upload_result("data:application/json;base64," + data["content"], "run.json")
    assert loaded == load_settings(settings, strict=True)[0] and "ok" in cls, message
