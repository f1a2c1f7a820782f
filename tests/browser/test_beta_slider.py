"""D13: β₂ slides in −log10(1 − β₂) with marks at 0.9, 0.99, 0.999 and 0.9999 (issue 11).

On a linear 0 … 0.99999 slider 0.999 and 0.9999 were a pixel apart: neither could be reached by dragging. Here
the handle is dragged onto the marks as a user would, and the value it stands for must be the same in the box,
the run's name (table), the address (the link) and the slider's own position.
"""

from __future__ import annotations

import math
import time
from urllib.parse import unquote

from selenium.webdriver.common.action_chains import ActionChains

from .conftest import js, pid, severe_logs, type_into, wait_until
from .test_defects import settled, start

SLIDER = pid(type="hp-slider", opt=2, name="beta2")  # the default page's third optimizer is Adam
BOX = pid(type="hp-box", opt=2, name="beta2")


def box_value(dash_duo) -> str:
    return dash_duo.find_element(BOX).get_attribute("value")


def handle(dash_duo):
    return dash_duo.find_element(SLIDER + " [role=slider]")


def centre(dash_duo, css: str) -> float:
    return js(dash_duo, "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                        "return r.left + r.width / 2;", css)


def drag_to_mark(dash_duo, text: str, u: float, on_mark: bool = True) -> str:
    """Drag the β₂ handle until it sits on the mark labelled `text` (position u), as a user watching the handle
    does; the box's value once the page settled. The slider (Radix) maps the pointer over its whole width but
    draws the handle and the marks inset by half a handle at the ends: the pointer ends a few pixels off the
    mark when the handle covers it."""
    mark = next(m for m in dash_duo.find_elements(SLIDER + " .dash-slider-mark") if m.text == text)
    root = js(dash_duo, "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                        "return [r.left, r.width];", SLIDER + " .dash-slider-root")
    grip = handle(dash_duo)
    dx = root[0] + root[1] * u / 5 - (grip.rect["x"] + grip.rect["width"] / 2)
    before = box_value(dash_duo)
    ActionChains(dash_duo.driver).click_and_hold(grip).move_by_offset(round(dx / 2), 0).pause(0.2) \
        .move_by_offset(round(dx) - round(dx / 2), 0).pause(0.2).release().perform()
    wait_until(lambda: box_value(dash_duo) != before, 15, what=f"the box to follow the drag to {text}")
    settled(dash_duo)
    grip_at = centre(dash_duo, SLIDER + " [role=slider]")
    if on_mark:
        assert abs(grip_at - (mark.rect["x"] + mark.rect["width"] / 2)) < 2, "the handle is not on the mark"
    return box_value(dash_duo)


def agrees(dash_duo, text: str) -> None:
    """The box's value is the run's name, the link's spec and the slider's position."""
    wait_until(lambda: f"β₂={text}" in dash_duo.find_element("#dl-table").text, 20, what=f"the name to say β₂={text}")
    wait_until(lambda: f"beta2={text}" in unquote(js(dash_duo, "return location.search")), 20,
               what=f"the link to say beta2={text}")
    pos = float(handle(dash_duo).get_attribute("aria-valuenow"))
    assert abs(pos + math.log10(1 - float(text))) < 0.006  # where the handle sits is what it says


def test_beta2_reaches_0_999_and_0_9999_by_dragging_and_every_view_of_it_agrees(dash_duo, shot):
    start(dash_duo)
    settled(dash_duo)
    marks = [m.text for m in dash_duo.find_elements(SLIDER + " .dash-slider-mark")]
    assert marks == ["0", "0.9", "0.99", "0.999", "0.9999"]

    type_into(dash_duo, BOX, "0.9")  # a typed value puts the handle on its mark
    wait_until(lambda: float(handle(dash_duo).get_attribute("aria-valuenow")) == 1, 15, what="the handle at 0.9")
    agrees(dash_duo, "0.9")

    assert drag_to_mark(dash_duo, "0.9999", 4) == "0.9999"  # a pixel off the mark is the mark (NEAR_ONE_SNAP)
    agrees(dash_duo, "0.9999")
    shot("beta2-0.9999")

    assert drag_to_mark(dash_duo, "0.999", 3) == "0.999"
    agrees(dash_duo, "0.999")

    between = drag_to_mark(dash_duo, "0.99", 2.5, on_mark=False)  # half way: 1 − 10^−2.5 = 0.99684
    assert abs(-math.log10(1 - float(between)) - 2.5) <= 0.03, between
    agrees(dash_duo, between)

    type_into(dash_duo, BOX, "0.9995")  # typed between the marks: the handle goes where it belongs
    wait_until(lambda: abs(float(handle(dash_duo).get_attribute("aria-valuenow")) - 3.30103) < 0.006, 15,
               what="the handle at 0.9995")
    agrees(dash_duo, "0.9995")
    time.sleep(0.3)
    assert severe_logs(dash_duo) == []
