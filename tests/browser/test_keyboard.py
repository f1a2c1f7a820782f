"""Playback keys belong to the page, not to a focused control (issue 11: the arrows on a focused η slider
also stepped the playback, 300 → 299 while η changed); Tab moves between the controls themselves."""

from __future__ import annotations

import json

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from app import create_app

from .conftest import js, path_xy, wait_until


def _slider_handle(dash_duo, opt: int, name: str):
    sid = json.dumps({"name": name, "opt": opt, "type": "hp-slider"}, sort_keys=True, separators=(",", ":"))
    return dash_duo.find_element(f"[id='{sid}'] [role=slider]")


def _step_label(dash_duo) -> str:
    return dash_duo.find_element("#dl-step-label").text


def test_arrow_keys_on_a_focused_slider_move_the_slider_not_the_playback(dash_duo):
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3, 40, what="three trajectories drawn")
    wait_until(lambda: _step_label(dash_duo) == "step 300 / 300", 20, what="the last step shown")
    handle = _slider_handle(dash_duo, 0, "eta")
    before = handle.get_attribute("aria-valuenow")
    handle.click()
    handle.send_keys(Keys.ARROW_LEFT)
    wait_until(lambda: _slider_handle(dash_duo, 0, "eta").get_attribute("aria-valuenow") != before, 10,
               what="the η handle to move")
    assert _step_label(dash_duo) == "step 300 / 300"  # the playback did not step

    js(dash_duo, "document.activeElement.blur();")  # nothing focused: the page's keys step the playback
    dash_duo.find_element("body").send_keys(Keys.ARROW_LEFT)
    wait_until(lambda: _step_label(dash_duo) == "step 299 / 300", 10, what="the playback to step back")


FOCUS_LOG = """window.__focused = [];
document.addEventListener('focusin', e => window.__focused.push(
    [e.target.tagName.toLowerCase(), e.target.getAttribute('aria-hidden'), e.target.id || e.target.className]));"""


def test_tab_lands_on_a_dropdown_s_button_never_on_an_element_hidden_from_screen_readers(dash_duo):
    """Dash 4 put each dropdown's Tab stop on an aria-hidden input that passed the focus on (axe
    aria-hidden-focus); assets/a11y.js makes the button itself the Tab stop."""
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3, 40, what="three trajectories drawn")
    sched = json.dumps({"opt": 0, "type": "sched"}, sort_keys=True, separators=(",", ":"))
    wait_until(lambda: "-a11y" in (js(dash_duo, "return document.getElementById(arguments[0])"
                                                ".getAttribute('aria-labelledby')", sched) or ""), 10,
               what="a11y.js to have named the dropdown")
    js(dash_duo, FOCUS_LOG + "arguments[0].focus();", _slider_handle(dash_duo, 0, "eta"))
    keys = ActionChains(dash_duo.driver)
    keys.send_keys(Keys.TAB).perform()
    wait_until(lambda: js(dash_duo, "return document.activeElement.id") == sched, 5, what="the schedule's button")
    assert js(dash_duo, "return document.activeElement.tagName") == "BUTTON"
    keys.send_keys(Keys.ENTER).perform()  # opens the list as before
    wait_until(lambda: dash_duo.find_elements(".dash-dropdown-content"), 5, what="the options list open")
    keys.send_keys(Keys.ESCAPE).perform()
    wait_until(lambda: not dash_duo.find_elements(".dash-dropdown-content"), 5, what="the options list closed")
    wait_until(lambda: js(dash_duo, "return document.activeElement.id") == sched, 5, what="the focus back on it")
    keys.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()  # and back to the η handle
    wait_until(lambda: js(dash_duo, "return document.activeElement.getAttribute('role')") == "slider", 5,
               what="the η handle focused again")
    focused = js(dash_duo, "return window.__focused")
    assert [f for f in focused if f[1] == "true" or "dl-sr-only" in f[2]] == [], focused
