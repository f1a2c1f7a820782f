"""Scenarios in the browser: every scenario loads with one click from the picker, sets the controls,
shows its explanation with rendered (offline) MathJax, and logs no console error. A screenshot of
each is saved to tests/browser/artifacts/; presentation mode and the guess / quiz panels too."""

from __future__ import annotations

import time

from selenium.webdriver.common.keys import Keys

from app import create_app
from scenarios.presets import SCENARIOS

from .conftest import ARTIFACTS, js, path_xy, severe_logs, wait_until


def choose(dash_duo, scenario_id: str) -> None:
    """Select a scenario in the picker the way a user does: open it, type the title, press Enter."""
    title = next(s.title for s in SCENARIOS if s.id == scenario_id)
    dash_duo.find_element("#dl-scenario").click()
    search = wait_until(lambda: dash_duo.find_element(".dash-dropdown-search"), 10, what="picker search box")
    search.send_keys(title)
    time.sleep(0.2)
    search.send_keys(Keys.ENTER)


def settled(dash_duo) -> bool:
    return js(dash_duo, "return !document.querySelector('[data-dash-is-loading=\"true\"]')")


def test_every_scenario_loads_renders_and_logs_no_error(dash_duo):
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3, 40, what="first screen")
    ARTIFACTS.mkdir(exist_ok=True)
    mathjax_checked = False
    for scenario in SCENARIOS:
        choose(dash_duo, scenario.id)
        wait_until(lambda title=scenario.title: title in dash_duo.find_element("#dl-scenario-text").text, 20,
                   what=f"{scenario.id} explanation")
        wait_until(lambda: settled(dash_duo), 40, what=f"{scenario.id} callbacks")
        time.sleep(0.6)
        settings = js(dash_duo, "return window.dash_clientside && 1")
        assert settings is not None
        if "$" in scenario.explanation and not mathjax_checked:
            wait_until(lambda: js(dash_duo, "return document.querySelectorAll('#dl-scenario-text mjx-container')"
                                            ".length") > 0, 20, what="MathJax rendered the equations")
            mathjax_checked = True
        dash_duo.driver.save_screenshot(str(ARTIFACTS / f"scenario-{scenario.id}.png"))
        assert severe_logs(dash_duo) == [], f"console errors in {scenario.id}"
    assert mathjax_checked
    # offline: every script and stylesheet came from this server
    external = js(dash_duo, """return performance.getEntriesByType('resource').map(e => e.name)
                               .filter(n => !n.startsWith(location.origin));""")
    assert external == []


def test_loading_a_scenario_sets_the_problem_and_its_optimizers(dash_duo):
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3, 40, what="first screen")
    choose(dash_duo, "diverging-eta")
    wait_until(lambda: "diverged at step" in dash_duo.find_element("#dl-status").text, 30,
               what="divergence message of the scenario")
    assert len(path_xy(dash_duo)) == 3
    assert "Bowl" in dash_duo.find_element("#dl-controls").text or "bowl" in dash_duo.find_element(
        "#dl-controls").get_attribute("innerHTML")


def test_next_previous_keys_and_presentation_mode(dash_duo):
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3, 40, what="first screen")
    choose(dash_duo, "gd-vs-momentum")
    wait_until(lambda: "Momentum escapes" in dash_duo.find_element("#dl-scenario-text").text, 20)
    js(dash_duo, "document.activeElement.blur();")
    dash_duo.find_element("body").send_keys("n")
    nxt = SCENARIOS[[s.id for s in SCENARIOS].index("gd-vs-momentum") + 1]
    wait_until(lambda: nxt.title in dash_duo.find_element("#dl-scenario-text").text, 20, what="n → next")
    dash_duo.find_element("#dl-present").click()
    wait_until(lambda: js(dash_duo, "return document.body.classList.contains('dl-present')"), 5)
    wait_until(lambda: settled(dash_duo), 30)
    time.sleep(0.8)
    assert not dash_duo.find_element(".dl-sidebar").is_displayed()
    size = js(dash_duo, "return parseFloat(getComputedStyle(document.querySelector('.dl-explain')).fontSize)")
    assert size >= 20
    dash_duo.driver.save_screenshot(str(ARTIFACTS / "presentation-mode.png"))
    dash_duo.find_element("body").send_keys("\ue00c")  # Escape
    wait_until(lambda: not js(dash_duo, "return document.body.classList.contains('dl-present')"), 5)
    assert severe_logs(dash_duo) == []


def test_guess_the_parameters_shows_the_loss_and_the_course_table(dash_duo):
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3, 40, what="first screen")
    choose(dash_duo, "guess-parameters")
    wait_until(lambda: dash_duo.find_element("#dl-guess").is_displayed(), 20)
    wait_until(lambda: "0.0731" in dash_duo.find_element("#dl-guess-loss").text, 20, what="L(0.5, 0)")
    box = dash_duo.find_element("#dl-guess-w")
    box.clear()
    box.send_keys("1.78")
    box = dash_duo.find_element("#dl-guess-b")
    box.clear()
    box.send_keys("-2.27")
    wait_until(lambda: "0.0000" in dash_duo.find_element("#dl-guess-loss").text, 20, what="L(1.78, -2.27)")
    table = dash_duo.find_element("#dl-guess-table").text
    for printed in ("0.0730", "0.1481", "0.0214", "0.0028", "0.0003"):
        assert printed in table
    dash_duo.driver.save_screenshot(str(ARTIFACTS / "guess-parameters.png"))


def test_contour_quiz_reveals_the_answer(dash_duo):
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3, 40, what="first screen")
    choose(dash_duo, "contour-quiz")
    wait_until(lambda: dash_duo.find_element("#dl-quiz-reveal").is_displayed(), 20)
    assert dash_duo.find_elements(".dl-quiz-right") == []
    dash_duo.find_element("#dl-quiz-reveal").click()
    wait_until(lambda: len(dash_duo.find_elements(".dl-quiz-right")) == 1, 20, what="the answer highlighted")
    assert "Himmelblau" in dash_duo.find_element(".dl-quiz-right").text
    dash_duo.driver.save_screenshot(str(ARTIFACTS / "contour-quiz.png"))
