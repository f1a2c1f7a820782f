"""Live drag (issue 11, item 1): the paths follow the η handle while the mouse holds it, and the newest value
always wins — the path left after the release is the path of the value the slider shows, never an older
reply's. What the overlay draws is recorded inside the page every animation frame (descentLab.marks: the
current-step marker of each run as last painted), so "while held" means before the browser's pointerup.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from selenium.webdriver.common.action_chains import ActionChains

from app import create_app
from scenarios.settings import defaults, simulate

from .conftest import js, path_xy, wait_until

RECORD = """
window.__rec = []; window.__up = null;
document.addEventListener('pointerup', () => { if (window.__up === null) window.__up = performance.now(); }, true);
(function frame() {
  const m = window.descentLab.marks('dl-contour').filter(x => x.run === 0)[0];
  window.__rec.push([performance.now(), m ? [m.x, m.y] : null]);
  requestAnimationFrame(frame);
})();
"""


def pid(**kw) -> str:
    return "[id='" + json.dumps(kw, sort_keys=True, separators=(",", ":")) + "']"


def start(dash_duo) -> None:
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3 and js(dash_duo, "return window.descentLab.runs.length === 3"),
               40, what="three trajectories drawn")
    wait_until(lambda: js(dash_duo, "return !document.querySelector('[data-dash-is-loading=\"true\"]')"), 20,
               what="the first callbacks")


def quiet(dash_duo) -> bool:
    return js(dash_duo, "return !document.querySelector('[data-dash-is-loading=\"true\"]')"
                        " && window.descentLab.pending().length === 0")


def end_point(dash_duo, run: int = 0) -> list:
    """The last point of a run's path as Plotly has it (the traces are exact once the page is settled)."""
    x, y = path_xy(dash_duo)[run]
    return [x[-1], y[-1]]


def expected_end(eta_text: str) -> np.ndarray:
    settings = {**defaults(), "optimizers": [f"gd:eta={eta_text}", *defaults()["optimizers"][1:]]}
    (traj,) = simulate({**settings, "optimizers": settings["optimizers"][:1]})
    return traj.params[traj.last_row(0), 0]


pytestmark = pytest.mark.usefixtures("no_console_errors")


def test_paths_follow_the_eta_handle_while_held_and_the_released_value_wins(dash_duo):
    start(dash_duo)
    before = end_point(dash_duo)
    handle = dash_duo.find_element(pid(type="hp-slider", opt=0, name="eta") + " [role=slider]")
    js(dash_duo, RECORD)
    chain = ActionChains(dash_duo.driver).click_and_hold(handle)
    for _ in range(10):
        chain = chain.move_by_offset(-4, 0).pause(0.35)  # ~0.17 decades of η a step
    chain.release().perform()
    rec, up = js(dash_duo, "return [window.__rec, window.__up]")
    held = {json.dumps(m) for t, m in rec if t < up and m is not None}
    assert len(held) >= 3, f"the path changed {len(held) - 1} times while the handle was held (want ≥ 2)"
    assert js(dash_duo, "return window.descentLab.dragDrawn") >= 2

    wait_until(lambda: quiet(dash_duo), 20, what="the release to be drawn")
    box = dash_duo.find_element(pid(type="hp-box", opt=0, name="eta")).get_attribute("value")
    assert float(box) < 0.5  # the handle went left: a smaller η
    want = expected_end(box)
    got = end_point(dash_duo)
    assert got != pytest.approx(before, abs=1e-3)
    # the payload holds 16-bit levels of each path's range: 1e-4 of the window is well inside a pixel
    assert got == pytest.approx(list(want), abs=12 * 1e-4), f"drawn end {got} is not η={box}'s end {list(want)}"
    overlay = js(dash_duo, "return window.descentLab.marks('dl-contour').length")
    assert overlay == 0, "the overlay still draws a run over the settled traces"


def test_a_drag_reply_older_than_one_drawn_is_dropped(dash_duo):
    """Replies delivered out of order (seq 2 then seq 1): the older one never replaces the newer path."""
    start(dash_duo)
    ends = js(dash_duo, """
        const S = window.descentLab, other = JSON.parse(S.raw[1]), mine = JSON.parse(S.raw[0]);
        const reply = (seq, run) => {
          S.received(0, {seq: seq, runs: [[0, run]]});  // as a reply from the drag callback arrives
          const p = S.runs[0].p; return [p[0][p[0].length - 1], p[1][p[1].length - 1]];
        };
        const g = S.gates[0] || {seq: 0, applied: 0}, base = Math.max(g.seq, g.applied);
        return [reply(base + 2, other), reply(base + 1, mine), S.dragDropped];""")
    newer, after_older, dropped = ends
    others = js(dash_duo, "const p = window.descentLab.runs[1].p; return [p[0][p[0].length-1], p[1][p[1].length-1]]")
    assert newer == pytest.approx(others)
    assert after_older == pytest.approx(newer), "an older reply overwrote a newer one"
    assert dropped >= 1
