"""Your own problem in headless Chromium: type a loss and see its surface and paths; a bad expression shows
its message with the column and keeps the view; upload a CSV and see the data, the neuron's surface and
the fit; a link with a small data set reopens the same settings and paths in a fresh browser.

Screenshots go to tests/browser/artifacts/ (gitignored).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from selenium import webdriver

from layouts import own_problem

from .conftest import ARTIFACTS, js, path_xy, pytest_setup_options, settle, traces, wait_drawn, wait_until
from .test_share import drawn, store, type_into

POINTS = [(-3.0, 0.05), (-2.0, 0.1), (-1.0, 0.3), (-0.5, 0.4), (0.0, 0.5), (0.5, 0.65), (1.0, 0.8), (2.0, 0.9),
          (3.0, 0.97), (4.0, 0.99)]


def screenshot(driver, name: str) -> None:
    """The plots (own-NAME.png) and this section (own-NAME-section.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(ARTIFACTS / f"own-{name}.png"))
    driver.execute_script("document.querySelector('.dl-own').scrollIntoView()")
    driver.save_screenshot(str(ARTIFACTS / f"own-{name}-section.png"))




def loss_message(duo) -> str:
    return duo.find_element(f"#{own_problem.LOSS_MSG}").text


def contour_axes(duo) -> tuple[list, list]:
    grid = next(t for t in traces(duo, "dl-contour") if t["type"] == "contour")
    return grid["x"], grid["y"]


def upload_csv(duo, path) -> None:
    duo.driver.find_element("css selector", f"#{own_problem.UPLOAD} input[type=file]").send_keys(str(path))


def test_a_typed_loss_shows_its_surface_and_the_paths(page):
    duo = page.duo
    type_into(duo, f"#{own_problem.WINDOW}", "-3:3,-2:2")
    type_into(duo, f"#{own_problem.LOSS}", "0.1*x^2 + 0.3*y^2")
    wait_until(lambda: "✓ f(x, y) = 0.1*x^2 + 0.3*y^2" in loss_message(duo), 15, what="the loss to be accepted")
    duo.find_element(f"#{own_problem.APPLY}").click()
    wait_until(lambda: store(duo)["settings"]["problem"] == "custom", 20, what="the typed loss as the problem")
    settings = store(duo)["settings"]
    assert (settings["loss"], settings["window"]) == ("0.1*x^2 + 0.3*y^2", "-3:3,-2:2")
    wait_until(lambda: contour_axes(duo)[0][0] == -3 and contour_axes(duo)[1][-1] == 2, 30,
               what="the surface over the typed window")
    wait_drawn(duo, 3)
    starts = [(x[0], y[0]) for x, y in path_xy(duo)]
    assert starts == [pytest.approx(tuple(settings["start"]), rel=1e-4)] * 3  # drawn to 5 digits
    ends = [(x[-1], y[-1]) for x, y in path_xy(duo)]
    assert any(abs(x) < 0.05 and abs(y) < 0.05 for x, y in ends), "some optimizer reaches the bowl's minimum"
    assert any(t["type"] == "surface" for t in traces(duo, "dl-surface"))
    assert "problem=custom" in duo.driver.current_url and "loss=" in duo.driver.current_url
    screenshot(duo.driver, "typed")


def test_a_bad_expression_shows_its_column_and_keeps_the_view(page):
    duo = page.duo
    before_settings, before_drawn = store(duo)["settings"], drawn(duo)
    type_into(duo, f"#{own_problem.LOSS}", "x + y.real")
    wait_until(lambda: "column 5" in loss_message(duo), 15, what="the message with the column")
    assert "attribute access" in loss_message(duo)
    assert duo.find_element(".dl-own-bad").text == "y"  # the first bad character is marked
    duo.find_element(f"#{own_problem.APPLY}").click()
    settle(duo)
    assert "column 5" in loss_message(duo)
    assert store(duo)["settings"] == before_settings and drawn(duo) == before_drawn
    screenshot(duo.driver, "bad-loss")


def test_an_uploaded_csv_shows_the_data_and_the_fit_and_a_bad_one_is_refused(page, tmp_path):
    duo = page.duo
    good = tmp_path / "mine.csv"
    good.write_text("x,y\n" + "\n".join(f"{x},{y}" for x, y in POINTS) + "\n")
    upload_csv(duo, good)
    wait_until(lambda: store(duo)["settings"]["problem"] == "data", 20, what="the data as the problem")
    wait_drawn(duo, 3)
    wait_until(lambda: traces(duo, own_problem.SCATTER), 10, what="the data's scatter")
    scatter = traces(duo, own_problem.SCATTER)[0]
    assert list(zip(scatter["x"], scatter["y"], strict=True)) == POINTS
    preview = duo.find_element(f"#{own_problem.PREVIEW}").text
    assert "10 rows, 1 input" in preview and "-3" in preview
    fit = traces(duo, "dl-fit")
    data = next(t for t in fit if t["name"] == "data (x, y)")
    assert sorted(data["x"]) == [x for x, _ in POINTS]
    assert any(t["meta"] and t["meta"].get("at") == "fit" for t in fit), "the model's curve"
    assert "carries these 10 rows" in duo.find_element(f"#{own_problem.LINK_NOTE}").text
    screenshot(duo.driver, "data")

    before_settings, before_drawn = store(duo)["settings"], drawn(duo)
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n0.5,0.2\n1.0,0.4\n2.0,1.7\n")
    upload_csv(duo, bad)
    wait_until(lambda: "row 3, column y" in duo.find_element(f"#{own_problem.DATA_MSG}").text, 15,
               what="the bad file's message")
    settle(duo)
    assert store(duo)["settings"] == before_settings and drawn(duo) == before_drawn
    screenshot(duo.driver, "bad-data")


def test_a_link_with_a_small_data_set_round_trips_in_a_fresh_browser(page, tmp_path):
    duo = page.duo
    path = tmp_path / "four.csv"
    path.write_text("x1,x2,x3,x4,y\n" + "\n".join(f"{x},{-x / 2},{x * x / 10},{1 - x},{y}" for x, y in POINTS))
    upload_csv(duo, path)
    wait_until(lambda: store(duo)["settings"]["problem"] == "data", 20, what="the data as the problem")
    wait_drawn(duo, 3)
    settle(duo)
    wait_until(lambda: "data=" in duo.driver.current_url, 10, what="the data in the address")
    url, first, first_drawn = duo.driver.current_url, store(duo)["settings"], drawn(duo)
    assert first["start"] == [0.0] * 5 and len(first["data"].splitlines()) == 11
    options = pytest_setup_options()
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    fresh = webdriver.Chrome(options=options)
    try:
        other = SimpleNamespace(driver=fresh)
        fresh.get(url)
        wait_until(lambda: store(other)["settings"]["problem"] == "data", 30, what="the link to load")
        wait_drawn(other, 3)
        settle(other)
        assert store(other)["settings"] == first
        assert drawn(other) == first_drawn
        assert js(other, f"return document.getElementById('{own_problem.PREVIEW}').innerText").count("4 inputs")
        screenshot(fresh, "data-link-fresh")
        assert [e for e in fresh.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        fresh.quit()
