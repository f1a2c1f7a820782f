"""Playback does no avoidable work per frame (issue 11: 57 fps from Play against the 60 fps target).

In headless Chromium every WebGL redraw of the 3-D scene repaints the surface in software and is read back
for the compositor (~65 ms: four frames lost at Play). Play now changes nothing in GL: the current-step
markers are always the overlay's, and GL's path so far stays under the overlay's longer one. Nor does a
frame rewrite DOM text that did not change (each rewrite made assets/a11y.js re-scan the page). The frame
rate itself is measured by benchmarks/bench_browser.py; these tests count redraws and DOM writes, not time.
"""

from __future__ import annotations

import pytest

from app import create_app

from .conftest import js, path_xy, wait_until

# counts the scene's GL redraws and the DOM changes a11y.js reacts to (outside the plots and the step label)
COUNT = """
const g = document.querySelector('#dl-surface .js-plotly-plot'), gl = g._fullLayout.scene._scene.glplot;
window.__redraws = 0; window.__mutations = [];
if (!gl.__counted) {
  const redraw = gl.redraw;
  gl.redraw = function () { window.__redraws++; return redraw.apply(this, arguments); };
  gl.__counted = true;
}
window.__observer && window.__observer.disconnect();
window.__observer = new MutationObserver(ms => ms.forEach(m => {
  if (!m.target.closest('.js-plotly-plot, .dl-step-label')) window.__mutations.push(m.target.id || m.target.className);
}));
window.__observer.observe(document.body, {childList: true, subtree: true, characterData: true});
"""
S = "window.descentLab"


def start(dash_duo) -> None:
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3, 40, what="three trajectories drawn")
    wait_until(lambda: js(dash_duo, "const g = document.querySelector('#dl-surface .js-plotly-plot');"
                                    "return !!(g && g._fullLayout && g._fullLayout.scene && g._fullLayout.scene._scene"
                                    " && g.data.length > 3)"), 30, what="the 3-D scene drawn")
    wait_until(lambda: js(dash_duo, f"return {S}.pending().length === 0"), 20, what="the traces settled")


def play_frames(dash_duo, frames: int = 30) -> tuple[int, list]:
    """Play `frames` frames, then pause: (GL redraws, DOM changes) from Play until the pause."""
    js(dash_duo, f"{COUNT} const S = {S}; S.speed = 1; S.frames = 0; S.play();")
    wait_until(lambda: js(dash_duo, f"return {S}.frames >= arguments[0]", frames), 30, what=f"{frames} frames played")
    return tuple(js(dash_duo, f"{S}.pause(); window.__observer.disconnect();"  # the pause's writes not counted
                              " return [window.__redraws, window.__mutations];"))


def surface_state(dash_duo) -> dict:
    return js(dash_duo, """
        const g = document.querySelector('#dl-surface .js-plotly-plot'), st = g._dlGL || {hid: {}};
        const kinds = i => g.data[i].meta.at;
        return {hidden: Object.keys(st.hid).map(kinds).sort(),
                cur: g.data.filter(t => t.meta && t.meta.at === 'cur').map(t => [t.x[0], t.y[0]]),
                marks: window.descentLab.marks('dl-surface').map(m => [m.x, m.y])};""")


pytestmark = pytest.mark.usefixtures("no_console_errors")


def test_play_from_the_start_redraws_nothing_in_gl_and_writes_no_dom_per_frame(dash_duo, shot):
    start(dash_duo)
    js(dash_duo, f"{S}.setStep(0)")  # |◀: traces exact at step 0
    wait_until(lambda: js(dash_duo, f"return {S}.pending().length === 0"), 20, what="step 0 settled")
    redraws, mutations = play_frames(dash_duo)
    assert redraws == 0, f"{redraws} GL redraws of the 3-D scene while playing"
    assert mutations == ["dl-play"], f"DOM rewritten while playing: {mutations[:10]}"  # "▶ Play" -> "❚❚ Pause"
    # paused: the markers (drawn by the overlay, hidden in GL) sit at the step the traces say
    wait_until(lambda: js(dash_duo, f"return {S}.pending().length === 0"), 20, what="settled after the pause")
    state = surface_state(dash_duo)
    assert state["hidden"] == ["cur", "cur", "cur"]
    for mark, cur in zip(sorted(state["marks"]), sorted(state["cur"]), strict=True):
        assert mark == pytest.approx(cur, abs=1e-9)
    shot("paused-3d")


def test_a_restart_from_the_end_hides_the_paths_gl_drew_until_the_pause(dash_duo):
    start(dash_duo)
    assert js(dash_duo, f"return {S}.step === null || {S}.step === {S}.max")  # at the end: Play restarts at 0
    js(dash_duo, f"{COUNT} const S = {S}; S.speed = 1; S.frames = 0; S.play();")
    wait_until(lambda: js(dash_duo, f"return {S}.frames >= 30"), 30, what="30 frames played")
    # GL's whole paths would show under the overlay's growing ones: hidden once, at the restart
    assert surface_state(dash_duo)["hidden"] == ["cur", "cur", "cur", "upto", "upto", "upto"]
    assert js(dash_duo, f"{S}.pause(); return window.__redraws") == 1
    wait_until(lambda: js(dash_duo, f"return {S}.pending().length === 0"), 20, what="settled after the pause")
    assert surface_state(dash_duo)["hidden"] == ["cur", "cur", "cur"]  # the paths written at the paused step
