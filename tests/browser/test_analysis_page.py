"""The analysis lab in a real browser: each view (η sweep, hyperparameter map, basin maps) is drawn by a
background job; a real mouse click on a point, a cell or a start loads exactly that configuration into
the main view (read back from the page's link); Cancel stops a long job and the next one still runs."""

from __future__ import annotations

import math
import time
from urllib.parse import parse_qs

from selenium.webdriver.common.actions.action_builder import ActionBuilder

from analysis import parse_axis, spec_text, with_values
from app import create_app
from optimizers import parse_spec
from scenarios.presets import SCENARIO_BY_ID

from .conftest import js, path_xy, severe_logs, wait_until
from .test_scenarios_page import choose

GRAPH = "dl-an-graph"


def start(dash_duo):
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3, 40, what="first screen")


def analysis_traces(dash_duo, gid: str = GRAPH) -> list:
    return js(dash_duo, """
        const g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
        return g && g.data ? g.data.map(t => ({type: t.type, name: t.name || null,
                                               n: (t.z || t.y || []).length})) : [];
    """, gid) or []


def link(dash_duo) -> dict:
    """The main view as the page's link encodes it."""
    return parse_qs(js(dash_duo, "return window.location.search").lstrip("?"))


def click_data_point(dash_duo, x: float, y: float, gid: str = GRAPH, xaxis: str = "xaxis", yaxis: str = "yaxis"):
    """A real mouse click at the pixel of data point (x, y) of the graph (log axes included), aimed in
    viewport coordinates (an element-relative offset depends on how the driver measures an SVG)."""
    plot = dash_duo.find_element(f"#{gid} .js-plotly-plot")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", plot)
    time.sleep(0.3)
    cx, cy = js(dash_duo, """
        const g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
        const xa = g._fullLayout[arguments[3]], ya = g._fullLayout[arguments[4]];
        const r = g.querySelector('.main-svg').getBoundingClientRect();
        return [r.left + xa._offset + xa.l2p(xa.d2l(arguments[1])), r.top + ya._offset + ya.l2p(ya.d2l(arguments[2]))];
    """, gid, x, y, xaxis, yaxis)
    actions = ActionBuilder(dash_duo.driver)
    actions.pointer_action.move_to_location(round(cx), round(cy))
    actions.pointer_action.click()
    actions.perform()


def run_button(dash_duo):
    button = dash_duo.find_element("#dl-an-run")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    return button


def test_eta_sweep_draws_one_curve_per_optimizer_and_a_click_sets_that_eta(dash_duo):
    start(dash_duo)
    dash_duo.find_element("#dl-an-sweep-range").clear()
    dash_duo.find_element("#dl-an-sweep-range").send_keys("0.01:10:13:log\n")
    run_button(dash_duo).click()
    wait_until(lambda: sum(t["type"] == "scatter" for t in analysis_traces(dash_duo)) >= 6, 60,
               what="η sweep curves (loss and steps for three optimizers)")
    assert js(dash_duo, f"return document.querySelector('#{GRAPH} .js-plotly-plot')._fullLayout.xaxis2.type") == "log"
    names = [t["name"] for t in analysis_traces(dash_duo)]
    ys = js(dash_duo, f"return document.querySelector('#{GRAPH} .js-plotly-plot').data.map(t => t.y)")
    loss = {name: ys[i] for i, name in enumerate(names) if name and i % 2 == 0}  # the top plot's curves

    def apart(j: int) -> float:  # decades between momentum's point and the nearest other curve's
        mine = math.log10(loss["momentum:gamma=0.9"][j])
        return min(abs(mine - math.log10(v[j])) for k, v in loss.items() if k != "momentum:gamma=0.9" and v[j])

    j = max((j for j in range(13) if loss["momentum:gamma=0.9"][j]), key=apart)
    eta = parse_axis("eta=0.01:10:13:log").values()[j]
    click_data_point(dash_duo, eta, loss["momentum:gamma=0.9"][j])
    expected = spec_text(with_values(parse_spec("momentum:gamma=0.9"), [parse_axis("eta=0.01:10:13:log")],
                                     [eta]))
    wait_until(lambda: expected in link(dash_duo).get("opt", []), 20, what=f"main view runs {expected}")
    assert "loaded into the main view" in dash_duo.find_element("#dl-an-msg").text
    wait_until(lambda: js(dash_duo, f"return document.querySelector('#{GRAPH} .js-plotly-plot').layout.shapes"
                                    ".filter(s => s.name === 'current').map(s => s.x0)")[1] == eta, 20,
               what="momentum's dashed η line moved to the clicked η")
    assert severe_logs(dash_duo) == []


def test_momentum_map_scenario_draws_the_map_and_a_cell_click_loads_exactly_that_run(dash_duo, shot):
    start(dash_duo)
    choose(dash_duo, "momentum-map")
    wait_until(lambda: any(t["type"] == "heatmap" and t["n"] == 34 for t in analysis_traces(dash_duo)), 90,
               what="the 40 × 34 η × γ map")
    dash_duo.driver.execute_script("document.getElementById('dl-an').scrollIntoView();")
    time.sleep(0.5)
    shot("map")
    vary = [parse_axis(v) for v in SCENARIO_BY_ID["momentum-map"].view["analysis"]["vary"]]
    i, j = 25, 20  # a cell left of the divergence border
    eta, gamma = vary[0].values()[i], vary[1].values()[j]
    assert eta * 10 < 2 * (1 + gamma)
    click_data_point(dash_duo, eta, gamma)
    expected = spec_text(with_values(parse_spec("momentum"), vary, [eta, gamma]))
    wait_until(lambda: expected in link(dash_duo).get("opt", []), 20, what=f"main view runs {expected}")
    query = link(dash_duo)
    assert query["problem"] == ["ravine"] and query["steps"] == ["300"]
    wait_until(lambda: len(path_xy(dash_duo)) >= 2, 30, what="the loaded run drawn on the contour")
    assert severe_logs(dash_duo) == []


def test_basin_scenario_draws_two_maps_and_a_start_click_runs_from_it(dash_duo, shot):
    start(dash_duo)
    choose(dash_duo, "which-minimum")
    wait_until(lambda: any(t["type"] == "heatmap" for t in analysis_traces(dash_duo, "dl-an-graph2")), 90,
               what="the second basin map")
    assert any(t["type"] == "contour" for t in analysis_traces(dash_duo))
    dash_duo.driver.execute_script("document.getElementById('dl-an').scrollIntoView();")
    time.sleep(0.5)
    shot("basins")
    xs = [-5 + 10 * k / 39 for k in range(40)]  # the 40 × 40 grid over himmelblau's window
    x, y = xs[30], xs[8]
    click_data_point(dash_duo, x, y, gid="dl-an-graph2")
    wait_until(lambda: link(dash_duo).get("start", [""])[0].startswith(f"{x:.6g}"[:5]), 20,
               what="main view starts at the clicked start")
    wx, wy = (float(v) for v in link(dash_duo)["start"][0].split(","))
    assert math.isclose(wx, x, rel_tol=1e-11) and math.isclose(wy, y, rel_tol=1e-11)
    assert link(dash_duo)["opt"] == ["gd:eta=0.01", "momentum:eta=0.01,gamma=0.9"]
    assert severe_logs(dash_duo) == []


def test_cancel_stops_a_long_map_and_the_next_one_runs(dash_duo):
    start(dash_duo)
    dash_duo.find_element("#dl-an-kind input[value='map']").click()
    for box in dash_duo.find_elements("#dl-an-opts input"):  # tick only momentum (the 2nd optimizer)
        if box.is_selected() != (box.get_attribute("value") == "1"):
            box.click()
    for gid, text in (("dl-an-axis1", "eta=0.001:10:100:log"), ("dl-an-axis2", "gamma=0:0.99:100")):
        box = dash_duo.find_element(f"#{gid}")
        box.clear()
        box.send_keys(text + "\n")
    steps = dash_duo.find_element("#dl-an-steps")
    steps.clear()
    steps.send_keys("1900")  # 10,000 runs × 1,901 rows: just under MAX_ANALYSIS_WORK, ~10 s of work
    run_button(dash_duo).click()
    wait_until(lambda: dash_duo.find_element("#dl-an-progress-wrap").is_displayed(), 20, what="progress bar")
    wait_until(lambda: float(dash_duo.find_element("#dl-an-progress").get_attribute("value") or 0) > 0, 20,
               what="a progress report")
    dash_duo.find_element("#dl-an-cancel").click()
    wait_until(lambda: not dash_duo.find_element("#dl-an-progress-wrap").is_displayed(), 20, what="job stopped")
    assert analysis_traces(dash_duo) == []
    steps.clear()
    steps.send_keys("50")
    run_button(dash_duo).click()
    wait_until(lambda: any(t["type"] == "heatmap" for t in analysis_traces(dash_duo)), 60, what="the next map")
