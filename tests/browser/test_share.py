"""Share and export in headless Chromium: the URL round trip into a fresh browser, fuzzed bad links,
downloads of every export format from the page, and settings files (save, load, refuse a bad one).

Screenshots go to tests/browser/artifacts/ (gitignored); look at them.
"""

from __future__ import annotations

import io
import json
import random
import re
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pandas as pd
import pytest
from lxml import etree
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.keys import Keys

from layouts import share

from .conftest import (
    ARTIFACTS,
    js,
    path_xy,
    pid,
    pytest_setup_options,
    settle,
    severe_logs,
    traces,
    wait_drawn,
    wait_until,
)

SETTINGS = {  # a non-default value for every control on the page
    "problem": "sigmoid-sparse",
    "optimizers": ["gd:eta=0.5|batch=minibatch:10", "adam:eta=0.05|schedule=step:drop=0.5,every=20",
                   "adam:eta=0.05|schedule=step:drop=0.5,every=20", "momentum:eta=0.3,gamma=0.8|batch=stochastic"],
    "start": [1.25, -3.5], "starts": 1, "steps": 60, "shuffle": True, "seed": 42, "convention": "pytorch",
    "view": {"mode": "side", "dims": [0, 1]},
}
CONTROL_TYPES = ("hp-box", "hp-slider", "hp-bool", "hp-choice", "sched", "sched-p", "batch", "batch-k", "g", "start")
PERF: dict[str, float] = {}


def type_into(duo, selector: str, text: str) -> None:
    el = duo.driver.find_element("css selector", selector)
    el.click()
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.BACKSPACE)
    el.send_keys(text, Keys.ENTER)


def store(duo) -> dict:
    """Every control value and the SETTINGS store, as Dash holds them (dropdowns, radios, sliders included)."""
    return js(duo, """
        const types = arguments[0], out = {controls: {}, settings: null};
        const walk = (node) => {
            if (Array.isArray(node)) { node.forEach(walk); return; }
            if (!node || typeof node !== 'object' || !node.props) { return; }
            const p = node.props, id = p.id;
            if (id === 'dl-settings') { out.settings = p.data; }
            if (id && typeof id === 'object' && types.includes(id.type)) {
                out.controls[JSON.stringify(Object.keys(id).sort().map(k => [k, id[k]]))] = p.value;
            }
            Object.values(p).forEach(v => { if (v && typeof v === 'object') { walk(v); } });
        };
        walk(window.store.getState().layout.components);
        return JSON.parse(JSON.stringify(out));
    """, list(CONTROL_TYPES))


def shown_inputs(duo) -> dict:
    """What the user sees in the sidebar's text boxes, radios and check boxes."""
    return js(duo, """
        const out = {};
        document.querySelectorAll('#dl-controls input').forEach((el, i) => {
            const key = (el.closest('[id]') || {}).id + '#' + i;
            out[key] = el.type === 'radio' || el.type === 'checkbox' ? el.checked : el.value;
        });
        return out;
    """)


def drawn(duo) -> dict:
    """Every drawn path's numbers and the contour legend's names."""
    return {gid: [(t.get("name") if gid == "dl-contour" else None, t.get("x") or [], t.get("y") or [])
                  for t in traces(duo, gid) or [] if t["meta"]]
            for gid in ("dl-contour", "dl-loss", "dl-eta", "dl-params")}


def same_paths(a: dict, b: dict) -> bool:
    """The same traces, names and steps, numbers equal to 1e-4 relative: a page drawn from the layout
    gets the server's 5-digit paths, a page that drew a Patch in the browser has full floats."""
    assert a.keys() == b.keys()
    for gid in a:
        assert [(n, len(x), len(y)) for n, x, y in a[gid]] == [(n, len(x), len(y)) for n, x, y in b[gid]], gid
        for (_, xa, ya), (_, xb, yb) in zip(a[gid], b[gid], strict=True):
            assert xa == pytest.approx(xb, rel=1e-4, abs=1e-9) and ya == pytest.approx(yb, rel=1e-4, abs=1e-9), gid
    return True


def upload(duo, path: Path) -> None:
    duo.driver.find_element("css selector", "#dl-load-settings input[type=file]").send_keys(str(path))


def screenshot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"share-{name}.png"))




# ----------------------------------------------------------------------------- (a) URL round trip
def test_link_reopens_the_same_controls_and_trajectories_in_a_fresh_browser(page, tmp_path):
    duo = page.duo
    path = tmp_path / "view.json"
    path.write_text(json.dumps(SETTINGS))
    upload(duo, path)
    wait_until(lambda: store(duo)["settings"]["problem"] == "sigmoid-sparse", 20, what="the uploaded settings")
    wait_drawn(duo, 4)
    # then the real controls: steps, η of the duplicate, the schedule's drop, the seed
    type_into(duo, pid(name="steps", type="g"), "77")
    wait_until(lambda: duo.find_element("#dl-step-label").text == "step 77 / 77", 20, what="77 steps")
    settle(duo)
    type_into(duo, pid(name="eta", opt=2, type="hp-box"), "0.2")
    wait_until(lambda: "eta=0.2" in store(duo)["settings"]["optimizers"][2], 20, what="the duplicate's η")
    settle(duo)
    type_into(duo, pid(name="drop", opt=1, type="sched-p"), "0.25")
    wait_until(lambda: "drop=0.25" in store(duo)["settings"]["optimizers"][1], 20, what="the schedule's drop")
    settle(duo)
    type_into(duo, pid(name="seed", type="g"), "1234")
    wait_until(lambda: store(duo)["settings"]["seed"] == 1234, 20, what="the seed")
    settle(duo)
    wait_until(lambda: "seed=1234" in duo.driver.current_url, 10, what="the address to follow the controls")

    first = store(duo)
    assert first["settings"]["optimizers"] == [
        "gd:eta=0.5|batch=minibatch:10", "adam:eta=0.05|schedule=step:drop=0.25,every=20",
        "adam:eta=0.2|schedule=step:drop=0.5,every=20", "momentum:eta=0.3,gamma=0.8|batch=stochastic"]
    assert {k: v for k, v in first["settings"].items() if k != "optimizers"} == {
        **{k: v for k, v in SETTINGS.items() if k != "optimizers"}, "steps": 77, "seed": 1234}
    first_inputs, first_drawn = shown_inputs(duo), drawn(duo)
    assert len([n for n, *_ in first_drawn["dl-contour"] if n]) >= 4
    duo.find_element("#dl-copy-link").click()
    wait_until(lambda: "copied" in duo.find_element("#dl-copy-feedback").text
               or "selected" in duo.find_element("#dl-copy-feedback").text, 10, what="copy feedback")
    url = duo.find_element("#dl-link-box").get_attribute("value")
    assert url == duo.driver.current_url and "?problem=sigmoid-sparse" in url
    screenshot(duo.driver, "roundtrip-first")

    options = pytest_setup_options()
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    fresh = webdriver.Chrome(options=options)  # a new browser: no storage, no history, no cookies
    try:
        other = SimpleNamespace(driver=fresh)
        fresh.get(url)
        wait_until(lambda: store(other)["settings"]["problem"] == "sigmoid-sparse", 30, what="the link to load")
        wait_drawn(other, 4)
        wait_until(lambda: fresh.find_element("css selector", "#dl-step-label").text == "step 77 / 77", 20,
                   what="the fresh session's step counter")
        second = store(other)
        assert second["settings"] == first["settings"]
        assert second["controls"] == first["controls"]
        assert shown_inputs(other) == first_inputs
        assert same_paths(drawn(other), first_drawn)
        assert fresh.current_url == url
        assert not fresh.find_element("css selector", "#dl-link-notice").is_displayed()
        screenshot(fresh, "roundtrip-fresh")
        assert [e for e in fresh.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        fresh.quit()


def test_back_button_returns_to_the_previous_settings(page):
    duo = page.duo
    type_into(duo, pid(name="steps", type="g"), "40")
    wait_until(lambda: "steps=40" in duo.driver.current_url, 20, what="steps in the address")
    settle(duo)
    type_into(duo, pid(name="steps", type="g"), "50")
    wait_until(lambda: "steps=50" in duo.driver.current_url, 20, what="steps in the address")
    settle(duo)
    duo.driver.back()
    wait_until(lambda: duo.find_element("#dl-step-label").text == "step 40 / 40", 20, what="back to 40 steps")
    wait_until(lambda: duo.find_element(pid(name="steps", type="g")).get_attribute("value") == "40", 20,
               what="the steps box to follow")


# ----------------------------------------------------------------------------- (b) fuzzed bad links
BAD = [("steps", "1e9"), ("steps", "-3"), ("steps", "abc"), ("seed", "-1"), ("seed", "9" * 30), ("opt", "nosuch"),
       ("opt", "gd:eta=-1"), ("opt", "adam:eta=abc"), ("opt", "gd|schedule=nope"), ("problem", "atlantis"),
       ("start", "99,99"), ("start", "a,b"), ("start", "1,2,3"), ("view", "{broken"), ("view", '{"dims":[0,9]}'),
       ("view", '{"mode":5}'), ("view", "[1,2]"), ("convention", "french"), ("shuffle", "maybe"), ("starts", "0"),
       ("starts", "1e6"), ("zoom", "3"), ("<script>", "alert(1)")]
GOOD = [("problem", "rosenbrock"), ("problem", "bowl"), ("problem", "sigmoid-valley"), ("opt", "adam:eta=0.05"),
        ("opt", "nag:eta=0.3,gamma=0.9"), ("steps", "40"), ("seed", "3"), ("convention", "pytorch"),
        ("shuffle", "true"), ("view", '{"mode":"side"}')]


def fuzzed_links(n: int, seed: int = 2024) -> list[str]:
    rng = random.Random(seed)
    links = []
    for _ in range(n):
        pairs = rng.sample(BAD, rng.randint(1, 3)) + rng.sample(GOOD, rng.randint(0, 3))
        rng.shuffle(pairs)
        links.append("?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs))
    return links


def test_fuzzed_bad_links_open_with_a_notice_and_no_server_error(page):
    duo = page.duo
    for k, query in enumerate(fuzzed_links(24)):
        duo.driver.get(duo.server_url + "/" + query)
        wait_until(lambda: duo.find_element("#dl-link-notice").is_displayed(), 20, what=f"a notice for {query}")
        assert "Link: " in duo.find_element("#dl-link-notice-body").text
        wait_until(lambda: len(path_xy(duo)) >= 1, 30, what=f"trajectories for {query}")
        settle(duo)
        errors = [s for s in page.statuses if s[0] >= 500]
        assert not errors, f"{query}: {errors}"
        assert severe_logs(duo) == [], query
        if k in (0, 5):
            screenshot(duo.driver, f"fuzzed-link-{k}")
    duo.find_element("#dl-link-notice-close").click()
    wait_until(lambda: not duo.find_element("#dl-link-notice").is_displayed(), 5, what="the notice to close")


def test_a_known_bad_link_names_the_value_and_uses_the_default(page):
    duo = page.duo
    duo.driver.get(duo.server_url + "/?steps=1e9&seed=7")
    wait_until(lambda: duo.find_element("#dl-link-notice").is_displayed(), 20, what="the notice")
    assert ("Link: steps: steps='1e9' must be a whole number in [0, 5000] (MAX_PAGE_STEPS = 5,000) — using the "
            "default") in \
        duo.find_element("#dl-link-notice-body").text
    wait_until(lambda: store(duo)["settings"]["seed"] == 7, 20, what="the good value to apply")
    assert store(duo)["settings"]["steps"] == 300
    settle(duo)
    screenshot(duo.driver, "notice-steps")


# ----------------------------------------------------------------------------- (c) downloads
def wait_file(folder: Path, suffix: str, timeout: float = 90) -> Path:
    def done():
        files = [f for f in folder.iterdir() if f.name.endswith(suffix)]
        partial = [f for f in folder.iterdir() if f.name.endswith(".crdownload")]
        return files[0] if files and not partial and files[0].stat().st_size > 0 else None
    return wait_until(done, timeout, interval=0.1, what=f"a {suffix} download")


def pick(duo, selector: str, label: str) -> None:
    """Choose a dropdown option by its text; the menu is closed afterwards (choosing the current value
    leaves it open over the next control)."""
    duo.select_dcc_dropdown(selector, value=label)
    if duo.find_element(selector).get_attribute("aria-expanded") == "true":
        duo.find_element(selector).send_keys(Keys.ESCAPE)
    wait_until(lambda: duo.find_element(selector).get_attribute("aria-expanded") != "true", 5, what="menu closed")
    assert label in duo.find_element(selector).text


def options(duo, show: bool) -> None:
    """Open or close the export options pop-over."""
    if js(duo, "return document.getElementById('dl-export-options').open") != show:
        duo.find_element("#dl-export-options summary").click()


def export(duo, folder: Path, fmt: str, plot: str = "contour", scale: int = 2) -> tuple[Path, float]:
    for f in folder.iterdir():
        f.unlink()
    pick(duo, "#dl-export-format", share.FORMAT_LABELS[fmt])
    if fmt in ("png", "svg"):
        options(duo, True)
        pick(duo, "#dl-export-plot", dict(share.PLOTS)[plot])
        if fmt == "png":
            pick(duo, "#dl-export-scale", f"{scale}× ({900 * scale}×{760 * scale} px)")
        assert duo.find_element("#dl-export-scale-wrap").is_displayed() == (fmt == "png")
        options(duo, False)
    t = time.perf_counter()
    duo.find_element("#dl-export").click()
    path = wait_file(folder, f".{fmt}")
    PERF[fmt] = time.perf_counter() - t
    wait_until(lambda: duo.find_element("#dl-export").text == "⤓ Export", 10, what="the button to reset")
    assert "Saved" in duo.find_element("#dl-export-msg").text
    return path, PERF[fmt]


def test_every_export_format_downloads_from_the_page(page):
    duo = page.duo
    folder = Path(duo.download_path)
    duo.driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    settings = store(duo)["settings"]

    pick(duo, "#dl-export-format", share.FORMAT_LABELS["gif"])
    duo.find_element("#dl-export").click()
    wait_until(lambda: "rendering" in duo.find_element("#dl-export").text, 5, interval=0.02, what="rendering…")
    assert not duo.find_element("#dl-export").is_enabled()
    screenshot(duo.driver, "export-rendering")
    gif_path = wait_file(folder, ".gif")
    gif = Image.open(gif_path)
    assert gif.n_frames == 60 and gif_path.name == "descent-lab-sigmoid-2pt.gif"

    png, _ = export(duo, folder, "png", "contour", 2)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and Image.open(io.BytesIO(data)).size == (1800, 1520)
    assert png.name == "descent-lab-sigmoid-2pt-contour@2x.png"

    svg, _ = export(duo, folder, "svg", "loss")
    root = etree.fromstring(svg.read_bytes())
    assert root.tag.endswith("svg") and len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 3

    html_file, _ = export(duo, folder, "html")
    text = html_file.read_text()
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", text, re.I)
    assert "Plotly.addFrames" in text and len(re.findall(r'"name":\s*"(\d+)"', text)) > 10

    csv, _ = export(duo, folder, "csv")
    frame = pd.read_csv(csv)
    assert {"optimizer", "step", "loss", "eta"} <= set(frame.columns) and frame["optimizer"].nunique() == 3

    js_file, _ = export(duo, folder, "json")
    assert json.loads(js_file.read_text())["settings"] == settings

    export(duo, folder, "gif")
    PERF["gif"] = PERF.pop("gif")
    screenshot(duo.driver, "export-done")
    print("\npage export timings (click → file on disk, s):",
          ", ".join(f"{k} {v:.1f}" for k, v in PERF.items()))


def test_failed_render_shows_a_message_on_the_page(page, monkeypatch):
    duo = page.duo

    def no_chromium(*_args, **_kw):
        raise RuntimeError("BrowserFailedError: Chromium could not be started")
    monkeypatch.setattr(share, "export_bytes", no_chromium)
    duo.find_element("#dl-export").click()
    wait_until(lambda: "failed" in duo.find_element("#dl-export-msg").text, 20, what="the failure message")
    text = duo.find_element("#dl-export-msg").text
    assert "Export to PNG failed" in text and "apt install chromium" in text
    assert duo.find_element("#dl-export").is_enabled()
    screenshot(duo.driver, "export-failed")


# ----------------------------------------------------------------------------- (d) settings files
def test_save_settings_then_load_them_back(page, tmp_path):
    duo = page.duo
    folder = Path(duo.download_path)
    duo.driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    type_into(duo, pid(name="steps", type="g"), "55")
    wait_until(lambda: store(duo)["settings"]["steps"] == 55, 20, what="55 steps")
    settle(duo)
    duo.find_element("#dl-save-settings").click()
    saved = wait_file(folder, ".json")
    assert saved.name == "descent-lab-sigmoid-2pt-settings.json"
    assert json.loads(saved.read_text()) == store(duo)["settings"]
    type_into(duo, pid(name="steps", type="g"), "20")
    wait_until(lambda: duo.find_element("#dl-step-label").text == "step 20 / 20", 20, what="20 steps")
    settle(duo)
    upload(duo, saved)
    wait_until(lambda: duo.find_element("#dl-step-label").text == "step 55 / 55", 20, what="the file's 55 steps")
    wait_until(lambda: duo.find_element(pid(name="steps", type="g")).get_attribute("value") == "55", 20,
               what="the control to follow the file")
    assert duo.find_element("#dl-file-msg").text == f"Loaded {saved.name}."


@pytest.mark.parametrize("name, content, expect", [
    ("broken.json", b'{"problem": "bowl", ', "not valid JSON"),
    ("typo.json", json.dumps({"problem": "bowl", "setps": 10}).encode(), "unknown setting 'setps'"),
    ("range.json", json.dumps({"problem": "bowl", "steps": 10**9}).encode(), "steps"),
    ("big.json", b"{" + b" " * 100_000 + b"}", "at most 64 kB"),
])
def test_bad_settings_file_shows_a_message_and_keeps_the_view(page, tmp_path, name, content, expect):
    duo = page.duo
    before, settings = path_xy(duo), store(duo)["settings"]
    path = tmp_path / name
    path.write_bytes(content)
    upload(duo, path)
    wait_until(lambda: duo.find_element("#dl-file-msg").text, 20, what="the upload message")
    text = duo.find_element("#dl-file-msg").text
    assert text.startswith(f"Could not load {name}: ") and expect in text and text.endswith("view is kept.")
    settle(duo)
    assert path_xy(duo) == before and store(duo)["settings"] == settings
    screenshot(duo.driver, f"bad-file-{name}")
