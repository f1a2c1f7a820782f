"""What a user sees, in headless Chromium: every page bullet of issue 4's acceptance list.

Screenshots of each state go to tests/browser/artifacts/ (gitignored); look at them.
"""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from app import create_app

from .conftest import (
    install_request_counter,
    js,
    path_xy,
    pid,
    request_count,
    traces,
    type_into,
    wait_until,
)


def start(dash_duo) -> None:
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3 and all(len(x) > 10 for x, _ in path_xy(dash_duo)), 40,
               what="three trajectories drawn")


def msg_text(dash_duo, key: str) -> str:
    return dash_duo.find_element(pid(type="msg", key=key)).text


def settle(dash_duo, timeout: float = 20) -> None:
    """Wait until Dash has no callback in flight."""
    wait_until(lambda: js(dash_duo, "return !document.querySelector('[data-dash-is-loading=\"true\"]')"), timeout,
               what="callbacks to finish")
    time.sleep(0.4)


pytestmark = pytest.mark.usefixtures("no_console_errors")


def test_first_screen_shows_surface_contour_and_three_trajectories(dash_duo, shot):
    start(dash_duo)
    surface = traces(dash_duo, "dl-surface")
    contour = traces(dash_duo, "dl-contour")
    assert any(t["type"] == "surface" for t in surface)
    assert any(t["type"] == "contour" for t in contour)
    names = [t.get("name") for t in contour if t["meta"] and t["meta"].get("at") == "upto"]
    assert names == ["GD (η=1)", "Momentum (η=1, γ=0.9)", "Adam (η=0.1)"]
    for x, y in path_xy(dash_duo):
        assert (x[0], y[0]) == pytest.approx((-2, -2), abs=1e-4)  # sent as 16-bit levels of the path's range
    assert dash_duo.find_element("#dl-play").text == "▶ Play"
    assert dash_duo.find_element("#dl-step-label").text == "step 300 / 300"
    labels = dash_duo.find_element("#dl-controls").text
    for symbol in ("η", "γ", "β₁", "β₂", "ε"):
        assert symbol in labels
    font = js(dash_duo, "return document.querySelector('#dl-contour .js-plotly-plot')._fullLayout.font.size")
    assert font >= 14
    shot("first-screen")


def settled(dash_duo) -> bool:
    """Playback overlay empty: every trace is exact for the current step (assets/descent.js: settle)."""
    return js(dash_duo, "return window.descentLab.pending().length === 0 && !window.descentLab.playing")


def test_eta_slider_changes_the_trajectory(dash_duo, shot):
    start(dash_duo)
    settle(dash_duo)
    before = path_xy(dash_duo)[0]
    js(dash_duo, "window.__surf = document.querySelector('#dl-surface .js-plotly-plot')._fullData")
    thumb = dash_duo.find_element(pid(name="eta", opt=0, type="hp-slider") + " [role=slider]")
    thumb.click()
    for _ in range(30):
        thumb.send_keys(Keys.ARROW_LEFT)  # 0.01 decade each: η 1 -> 0.5
    ActionChains(dash_duo.driver).release().perform()
    wait_until(lambda: path_xy(dash_duo)[0] != before, 15, what="GD path to change")
    box = dash_duo.find_element(pid(name="eta", opt=0, type="hp-box")).get_attribute("value")
    assert 0.3 < float(box) < 0.9
    assert path_xy(dash_duo)[1] and path_xy(dash_duo)[2]
    wait_until(lambda: settled(dash_duo), 10, what="traces settled")
    # the 3-D paths were updated in place: the surface was not re-plotted
    assert js(dash_duo, "return document.querySelector('#dl-surface .js-plotly-plot')._fullData === window.__surf")
    shot("eta-moved")
    type_into(dash_duo, pid(name="eta", opt=0, type="hp-box"), "3")
    wait_until(lambda: "GD (η=3)" in [t.get("name") for t in traces(dash_duo, "dl-contour")], 15, what="legend η=3")


def test_playback_moves_marker_and_counter_without_server_requests(dash_duo, shot):
    start(dash_duo)
    settle(dash_duo)
    install_request_counter(dash_duo)
    dash_duo.find_element("#dl-reset").click()
    assert dash_duo.find_element("#dl-step-label").text == "step 0 / 300"
    marker0 = path_xy(dash_duo, at="cur")[2]
    assert marker0[0][0] == pytest.approx(-2, abs=1e-3)
    dash_duo.find_element("#dl-play").click()
    time.sleep(0.8)
    label = dash_duo.find_element("#dl-step-label").text
    step = int(label.split()[1])
    assert 0 < step <= 300
    # while playing the moving parts are drawn on the overlay, not by restyling Plotly traces
    marks = js(dash_duo, "return window.descentLab.marks('dl-contour')")
    adam = [m for m in marks if m["run"] == 2][0]
    assert (adam["x"], adam["y"]) != (marker0[0][0], marker0[1][0])
    hidden = js(dash_duo, "return [...document.querySelectorAll('#dl-contour .scatterlayer .trace')]"
                          ".filter(e => e.style.display === 'none').length")
    assert hidden >= 6  # upto + cur of three runs
    shot("playing")
    wait_until(lambda: dash_duo.find_element("#dl-step-label").text == "step 300 / 300", 15, what="end of playback")
    wait_until(lambda: settled(dash_duo), 10, what="traces settled after playback")
    # paused: the traces are exact again and agree with the payload's last kept step
    cur, upto = path_xy(dash_duo, at="cur")[2], path_xy(dash_duo, at="upto")[2]
    assert (cur[0][0], cur[1][0]) == (upto[0][-1], upto[1][-1])
    assert js(dash_duo, "return [...document.querySelectorAll('#dl-contour .scatterlayer .trace')]"
                        ".every(e => e.style.display !== 'none')")
    # keyboard and scrubber
    body = dash_duo.find_element("body")
    body.send_keys(Keys.HOME)
    body.send_keys(Keys.ARROW_RIGHT)
    body.send_keys(Keys.ARROW_RIGHT)
    assert dash_duo.find_element("#dl-step-label").text == "step 2 / 300"
    body.send_keys(Keys.SPACE)
    time.sleep(0.3)
    body.send_keys(Keys.SPACE)
    assert int(dash_duo.find_element("#dl-step-label").text.split()[1]) > 2
    js(dash_duo, "const s = document.getElementById('dl-scrub'); s.value = 123;"
                 "s.dispatchEvent(new Event('input', {bubbles: true}));")
    assert dash_duo.find_element("#dl-step-label").text == "step 123 / 300"
    fetches, resources = request_count(dash_duo)
    assert fetches == 0 and resources == 0, f"playback sent {fetches} fetch/XHR, {resources} resources"


def test_clicking_the_contour_moves_the_start(dash_duo, shot):
    start(dash_duo)
    settle(dash_duo)
    plot = dash_duo.find_element("#dl-contour .nsewdrag")
    ActionChains(dash_duo.driver).move_to_element_with_offset(plot, 30, 30).click().perform()
    wait_until(lambda: abs(path_xy(dash_duo)[0][0][0] + 2) > 0.01, 15, what="start to move")
    x0, y0 = path_xy(dash_duo)[0][0][0], path_xy(dash_duo)[0][1][0]
    assert all((x[0], y[0]) == pytest.approx((x0, y0), abs=1e-3) for x, y in path_xy(dash_duo))
    assert x0 < -3 and y0 > 3  # clicked near the top-left corner of the map
    settle(dash_duo)
    assert float(dash_duo.find_element(pid(i=0, type="start")).get_attribute("value")) == pytest.approx(x0, abs=1e-3)
    shot("start-moved")


def test_add_duplicate_and_remove_optimizers(dash_duo, shot):
    start(dash_duo)
    dash_duo.find_element("#dl-add").click()  # adds NAG (the picker's default)
    wait_until(lambda: len(path_xy(dash_duo)) == 4, 20, what="a 4th path")
    settle(dash_duo)
    dash_duo.find_element(pid(opt=2, type="dup")).click()  # Adam twice
    wait_until(lambda: len(path_xy(dash_duo)) == 5, 20, what="a 5th path")
    settle(dash_duo)
    type_into(dash_duo, pid(name="eta", opt=3, type="hp-box"), "0.02")
    wait_until(lambda: "Adam (η=0.02)" in [t.get("name") for t in traces(dash_duo, "dl-contour")], 20,
               what="the duplicate to take its own η")
    names = [t.get("name") for t in traces(dash_duo, "dl-contour") if t["meta"] and t["meta"].get("at") == "upto"]
    assert names.count("Adam (η=0.1)") == 1
    shot("five-optimizers")
    dash_duo.find_element(pid(opt=0, type="rm")).click()
    wait_until(lambda: len(path_xy(dash_duo)) == 4, 20, what="GD removed")
    names = [t.get("name") for t in traces(dash_duo, "dl-contour") if t["meta"] and t["meta"].get("at") == "upto"]
    assert not any(n.startswith("GD") for n in names)
    assert len(dash_duo.find_elements("#dl-table tbody tr")) == 4


def test_switching_problem_redraws_surface(dash_duo, shot):
    start(dash_duo)
    settle(dash_duo)
    dash_duo.select_dcc_dropdown(pid(name="problem", type="g"), value="rosenbrock")
    wait_until(lambda: traces(dash_duo, "dl-contour") and abs(path_xy(dash_duo)[0][0][0] + 1.5) < 1e-3, 20,
               what="rosenbrock start")
    title = js(dash_duo, "return document.querySelector('#dl-contour .js-plotly-plot')._fullLayout.xaxis.title.text")
    assert title == "x"
    settle(dash_duo)
    shot("rosenbrock")


def test_side_by_side_mode_shows_one_panel_per_optimizer(dash_duo, shot):
    start(dash_duo)
    settle(dash_duo)
    dash_duo.find_element(pid(name="mode", type="g") + " input[value='side']").click()
    wait_until(lambda: sum(t["type"] == "contour" for t in traces(dash_duo, "dl-contour")) == 3, 20,
               what="three contour panels")
    scenes = js(dash_duo, "return Object.keys(document.querySelector('#dl-surface .js-plotly-plot')._fullLayout)"
                          ".filter(k => /^scene\\d*$/.test(k)).length")
    assert scenes == 3
    # one shared scrubber drives every panel
    dash_duo.find_element("#dl-reset").click()
    assert all(abs(x[0] + 2) < 1e-3 for x, _ in path_xy(dash_duo, at="cur"))
    dash_duo.find_element("#dl-forward").click()
    assert all(abs(x[0] + 2) > 1e-3 for x, _ in path_xy(dash_duo, at="cur"))
    shot("side-by-side")


def test_live_pause_change_eta_continue_keeps_the_earlier_path(dash_duo, shot):
    start(dash_duo)
    settle(dash_duo)
    dash_duo.find_element("#dl-live-toggle").click()
    wait_until(lambda: len(path_xy(dash_duo, at="all")[0][0]) > 40, 20, what="live chunks")
    dash_duo.find_element("#dl-live-toggle").click()  # pause
    wait_until(lambda: "paused" in dash_duo.find_element("#dl-live-label").text, 10, what="paused")
    time.sleep(0.8)
    before = path_xy(dash_duo, at="all")[0]
    n_before = len(before[0])
    shot("live-paused")
    type_into(dash_duo, pid(name="eta", opt=0, type="hp-box"), "4")
    time.sleep(1.0)
    assert len(path_xy(dash_duo, at="all")[0][0]) == n_before  # paused: nothing runs
    dash_duo.find_element("#dl-live-toggle").click()  # continue
    wait_until(lambda: len(path_xy(dash_duo, at="all")[0][0]) > n_before + 20, 20, what="more live steps")
    after = path_xy(dash_duo, at="all")[0]
    assert after[0][:n_before] == before[0] and after[1][:n_before] == before[1]
    change = path_xy(dash_duo, at="chg")[0]
    assert len(change[0]) == 1 and change[0][0] == before[0][-1]
    dash_duo.find_element("#dl-live-toggle").click()
    shot("live-continued")


def test_diverging_run_shows_marker_and_message(dash_duo, shot):
    start(dash_duo)
    settle(dash_duo)
    dash_duo.select_dcc_dropdown(pid(name="problem", type="g"), value="bowl")
    wait_until(lambda: abs(path_xy(dash_duo)[0][0][0] + 4) < 1e-3, 20, what="bowl")
    settle(dash_duo)
    type_into(dash_duo, pid(name="eta", opt=0, type="hp-box"), "5")
    dash_duo.wait_for_contains_text("#dl-status", "diverged at step 5: loss exceeded 1e+06", timeout=20)
    marker = path_xy(dash_duo, at="div")[0]
    assert len(marker[0]) == 1
    assert "step 5" in dash_duo.find_element("#dl-table").text
    shot("diverged")


@pytest.mark.parametrize("text, expect", [("abc", "not a number"), ("-1", "outside its range"),
                                          ("1e9", "outside its range")])
def test_bad_eta_gives_a_message_beside_the_control(dash_duo, text, expect, shot):
    start(dash_duo)
    settle(dash_duo)
    before = path_xy(dash_duo)[0]
    type_into(dash_duo, pid(name="eta", opt=0, type="hp-box"), text)
    wait_until(lambda: expect in msg_text(dash_duo, "opt0.eta"), 15, what="the η message")
    assert path_xy(dash_duo)[0] == before
    shot(f"bad-eta-{text}")


def test_bad_steps_and_start_give_messages(dash_duo, shot):
    start(dash_duo)
    settle(dash_duo)
    type_into(dash_duo, pid(name="steps", type="g"), "1000000000")
    wait_until(lambda: "whole number from 0 to 5000" in msg_text(dash_duo, "steps"), 15, what="steps message")
    type_into(dash_duo, pid(i=0, type="start"), "40")
    wait_until(lambda: "outside the view window" in msg_text(dash_duo, "start"), 15, what="start message")
    assert dash_duo.find_element("#dl-step-label").text == "step 300 / 300"
    shot("bad-steps-start")


def test_two_browser_sessions_do_not_affect_each_other(dash_duo):
    start(dash_duo)
    settle(dash_duo)
    driver = dash_duo.driver
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(dash_duo.server_url)
    wait_until(lambda: len(path_xy(dash_duo)) == 3, 30, what="second session drawn")
    settle(dash_duo)
    type_into(dash_duo, pid(name="steps", type="g"), "50")
    wait_until(lambda: dash_duo.find_element("#dl-step-label").text == "step 50 / 50", 15, what="second session")
    driver.switch_to.window(first)
    assert dash_duo.find_element("#dl-step-label").text == "step 300 / 300"
    assert dash_duo.find_element(pid(name="steps", type="g")).get_attribute("value") == "300"
