"""Many starts on the page (issue 11, item 5): a starts box; N runs per optimizer drawn as a cloud of thin
paths, each with its end point, from N different starts (θ₀ first, then seeded random points)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys

from .conftest import js, traces, wait_until
from .test_drag import pid, quiet, start

N = 20


pytestmark = pytest.mark.usefixtures("no_console_errors")


def test_n_starts_are_drawn_as_thin_paths_with_their_end_points(dash_duo, shot):
    start(dash_duo)
    box = dash_duo.find_element(pid(type="g", name="starts"))
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    box.send_keys(str(N), Keys.ENTER)
    wait_until(lambda: js(dash_duo, "return window.descentLab.runs.length") == 3 * N, 40, what=f"{3 * N} runs")
    wait_until(lambda: quiet(dash_duo), 30, what="the cloud to be drawn")
    data = traces(dash_duo, "dl-contour")
    full = js(dash_duo, """return document.querySelector('#dl-contour .js-plotly-plot').data
                           .map(t => t.meta && t.meta.at === 'upto' ? t.line.width : null)""")
    paths = [t for t in data if t["meta"] and t["meta"].get("at") == "upto"]
    ends = [t for t in data if t["meta"] and t["meta"].get("at") == "cur"]
    firsts = [t for t in data if t["meta"] and t["meta"].get("at") == "first"]
    assert len(paths) == len(ends) == 3 * N
    assert all(len(t["x"]) > 1 for t in paths)
    assert all(len(t["x"]) == 1 and t["x"][0] == p["x"][-1] and t["y"][0] == p["y"][-1] for t, p in zip(
        ends, paths, strict=True)), "each path's end point sits at its last step"
    assert max(w for w in full if w is not None) <= 1.5, "a cloud of thin paths"
    first = [(t["x"][0], t["y"][0]) for t in firsts]  # run j = optimizer j // N, start j % N
    assert first[0] == pytest.approx((-2, -2), abs=1e-3)  # θ₀, then random points
    assert len({(round(x, 1), round(y, 1)) for x, y in first[:N]}) == N, "N different starts"
    for i in (1, 2):
        flat = [v for point in first[i * N:(i + 1) * N] for v in point]
        assert flat == pytest.approx([v for point in first[:N] for v in point], abs=2e-3), "shared starts"
    assert js(dash_duo, "return window.descentLab.max") == 300
    shot("cloud")
