"""Playback keys belong to the page, not to a focused control (issue 11: the arrows on a focused η slider
also stepped the playback, 300 → 299 while η changed)."""

from __future__ import annotations

import json

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
