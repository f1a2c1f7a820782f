"""The analysis lab follows the main view without recomputing, and costs nothing while it has nothing to do.

- A drawn hyperparameter map's "current" marker moves when the main view's η changes (the map itself is
  not computed again: no new job, the same cells).
- A page view and an η change send no request for the analysis card when it is closed, nor when it is open
  with nothing drawn; the optimizer list still follows the main view, and a scenario with an analysis view
  (as a link or settings file carries it) opens the card and draws it.
"""

from __future__ import annotations

import json
import time

import pytest

from app import create_app

from .conftest import js, pid, settle, type_into, wait_drawn, wait_until
from .test_analysis_page import analysis_traces, link, run_button
from .test_scenarios_page import choose

ETA = {0: pid(type="hp-box", opt=0, name="eta"), 1: pid(type="hp-box", opt=1, name="eta")}


@pytest.fixture
def lab(dash_duo):
    """The app, with the outputs of every callback request the server answered, in order."""
    app = create_app()
    outputs: list[str] = []

    @app.server.before_request
    def record():
        from flask import request

        if request.path.endswith("_dash-update-component"):
            body = request.get_json(silent=True) or {}
            outputs.append(str(body.get("output", "")))

    dash_duo.start_server(app)
    wait_drawn(dash_duo, 3)
    return dash_duo, outputs


def analysis_requests(outputs: list[str]) -> list[str]:
    return [o for o in outputs if "dl-an-" in o]


def marker(duo) -> tuple[list, list]:
    x, y = js(duo, """const g = document.querySelector('#dl-an-graph .js-plotly-plot');
                      const t = g.data.find(t => t.name === 'current'); return [t.x, t.y];""")
    return list(x), list(y)


def cells(duo) -> str:
    return json.dumps(js(duo, "return document.querySelector('#dl-an-graph .js-plotly-plot').data[0].z"))


def test_the_map_marker_moves_to_the_main_views_new_eta_without_a_new_map(lab):
    duo, outputs = lab
    duo.find_element("#dl-an-kind input[value='map']").click()
    wait_until(lambda: len(duo.find_elements("#dl-an-opts input")) == 3, 20, what="the optimizer list")
    for box in duo.find_elements("#dl-an-opts input"):  # tick only momentum (the 2nd optimizer)
        if box.is_selected() != (box.get_attribute("value") == "1"):
            box.click()
    type_into(duo, "#dl-an-axis1", "eta=0.1:10:9:log")
    type_into(duo, "#dl-an-axis2", "gamma=0:0.95:6")
    type_into(duo, "#dl-an-steps", "40")
    run_button(duo).click()
    wait_until(lambda: any(t["type"] == "heatmap" and t["n"] == 6 for t in analysis_traces(duo)), 60,
               what="the 9 × 6 η × γ map")
    settle(duo)
    eta0 = float(duo.find_element(ETA[1]).get_attribute("value"))
    assert marker(duo) == ([eta0], [0.9]), "the marker starts at momentum's η and default γ"
    before, jobs = cells(duo), sum("dl-an-shown.data" in o for o in outputs)
    duo.driver.execute_script("document.getElementById('dl-an').scrollIntoView();")
    type_into(duo, ETA[1], "2.5")
    wait_until(lambda: marker(duo) == ([2.5], [0.9]), 20, what="the marker at the new η = 2.5")
    settle(duo)
    assert cells(duo) == before and sum("dl-an-shown.data" in o for o in outputs) == jobs, "no new map"
    followed = [o for o in outputs if o.startswith("dl-an-graph.figure")]
    assert followed, "one small request moved the marker"


def toggle_card(duo, open_: bool) -> None:
    duo.driver.execute_script("document.querySelector('#dl-an > summary').scrollIntoView({block: 'center'});")
    duo.find_element("#dl-an > summary").click()
    wait_until(lambda: js(duo, "return document.getElementById('dl-an').open") is open_, 10,
               what="card open" if open_ else "card closed")


def test_a_closed_card_sends_nothing_and_a_scenario_with_an_analysis_opens_it(lab, shot):
    duo, outputs = lab
    settle(duo)
    assert analysis_requests(outputs) == [], "a page view: the card is filled in the browser"
    type_into(duo, ETA[0], "0.7")
    wait_until(lambda: "1. gd:eta=0.7" in duo.find_element("#dl-an-opts").text, 20,
               what="the optimizer list follows the main view")
    settle(duo)
    assert analysis_requests(outputs) == [], "an η change with the card open and nothing drawn"
    toggle_card(duo, False)
    type_into(duo, ETA[0], "0.4")
    wait_until(lambda: "gd:eta=0.4" in link(duo).get("opt", []), 20, what="the new η applied")
    settle(duo)
    assert analysis_requests(outputs) == [], "an η change with the card closed"

    choose(duo, "momentum-map")  # its settings carry view.analysis, as a link or settings file does
    wait_until(lambda: js(duo, "return document.getElementById('dl-an').open") is True, 20, what="card opened")
    wait_until(lambda: any(t["type"] == "heatmap" and t["n"] == 34 for t in analysis_traces(duo)), 90,
               what="the scenario's 40 × 34 map")
    settle(duo)
    duo.driver.execute_script("document.getElementById('dl-an').scrollIntoView();")
    time.sleep(0.5)
    shot("scenario-map-opened")
    eta = float(duo.find_element(ETA[1]).get_attribute("value"))
    assert marker(duo)[0] == [eta]

    toggle_card(duo, False)  # a map is drawn, but the card is closed: an η change costs nothing
    sent = len(analysis_requests(outputs))
    type_into(duo, ETA[1], "0.05")
    wait_until(lambda: any("eta=0.05" in o for o in link(duo).get("opt", [])), 20, what="momentum's new η")
    settle(duo)
    assert len(analysis_requests(outputs)) == sent and marker(duo)[0] == [eta]
    toggle_card(duo, True)  # opened again, the marker catches up with one request
    wait_until(lambda: marker(duo)[0] == [0.05], 20, what="the marker at η = 0.05")
    settle(duo)
    assert [o.split("@")[0] for o in analysis_requests(outputs)[sent:]] == ["dl-an-graph.figure"]
