"""Headless Chromium for dash[testing]'s dash_duo, plus helpers shared by the browser tests."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from dash.testing.application_runners import BaseDashRunner
from selenium.webdriver.chrome.options import Options

# dash_duo numbers its servers from 8050 in every process: xdist workers (and anything else on the
# machine) would collide. Each process starts from its own random base instead.
BaseDashRunner._next_port = random.Random(os.getpid()).randrange(20_000, 60_000, 100)

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROME_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--no-first-run",
               "--disable-sync", "--window-size=1280,800")


def pytest_setup_options():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    return options


@pytest.fixture
def shot(dash_duo, request):
    """shot('name') saves tests/browser/artifacts/<test>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        dash_duo.driver.save_screenshot(str(path))
        return path
    return save


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.1, what: str = "condition"):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = predicate()
            if last:
                return last
        except Exception as err:  # element not there yet
            last = err
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def js(dash_duo, script: str, *args):
    return dash_duo.driver.execute_script(script, *args)


def traces(dash_duo, gid: str) -> list:
    """The plotted traces of a graph (x, y, meta) as the browser has them."""
    return js(dash_duo, """
        const g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
        if (!g || !g.data) return null;
        return JSON.parse(JSON.stringify(g.data.map(t => ({x: t.x, y: t.y, meta: t.meta || null,
                                                             name: t.name, type: t.type}))));
    """, gid)


def path_xy(dash_duo, gid: str = "dl-contour", at: str = "upto") -> list:
    data = traces(dash_duo, gid) or []
    return [(t["x"], t["y"]) for t in data if t["meta"] and t["meta"].get("at") == at]


def install_request_counter(dash_duo):
    """Wrap fetch and XHR so tests can count requests to the server from now on."""
    js(dash_duo, """
        if (window.__dlCount === undefined) {
          window.__dlCount = 0;
          const f = window.fetch;
          window.fetch = function () { window.__dlCount++; return f.apply(this, arguments); };
          const o = XMLHttpRequest.prototype.open;
          XMLHttpRequest.prototype.open = function () { window.__dlCount++; return o.apply(this, arguments); };
        }
        window.__dlCount = 0;
        window.__dlResources = performance.getEntriesByType('resource').length;
    """)


def request_count(dash_duo) -> tuple[int, int]:
    return js(dash_duo, "return [window.__dlCount, performance.getEntriesByType('resource').length"
                        " - window.__dlResources];")


def severe_logs(dash_duo) -> list:
    return [entry for entry in (dash_duo.get_logs() or []) if entry.get("level") == "SEVERE"]


def dumps(obj) -> str:
    return json.dumps(obj)[:500]


def pid(**kw) -> str:
    """CSS selector of a pattern-matching id as Dash writes it into the DOM."""
    return "[id='" + json.dumps(kw, sort_keys=True, separators=(",", ":")) + "']"


def type_into(dash_duo, selector: str, text: str) -> None:
    """Replace a box's text and press Enter, as a user would."""
    from selenium.webdriver.common.keys import Keys

    el = dash_duo.find_element(selector)
    el.click()
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.BACKSPACE)
    el.send_keys(text, Keys.ENTER)


def settle(duo, timeout: float = 30) -> None:
    wait_until(lambda: js(duo, "return !document.querySelector('[data-dash-is-loading=\"true\"]')"), timeout,
               what="callbacks to finish")
    time.sleep(0.5)


def wait_drawn(duo, n_paths: int, timeout: float = 60) -> None:
    wait_until(lambda: len(path_xy(duo)) >= n_paths and all(len(x) > 5 for x, _ in path_xy(duo)), timeout,
               what=f"{n_paths} trajectories drawn")
    settle(duo)


@pytest.fixture
def no_console_errors(dash_duo):
    """After the test: the browser console logged no error (pytestmark = pytest.mark.usefixtures(...))."""
    yield
    assert severe_logs(dash_duo) == [], "the browser console logged errors"


@pytest.fixture
def page(dash_duo):
    """The app with a record of every HTTP status the server answered."""
    from app import create_app

    app = create_app()
    statuses: list[tuple[int, str]] = []

    @app.server.after_request
    def record(response):
        from flask import request
        statuses.append((response.status_code, request.path))
        return response

    dash_duo.start_server(app)
    wait_drawn(dash_duo, 3)
    yield SimpleNamespace(duo=dash_duo, statuses=statuses)
    assert not [s for s in statuses if s[0] >= 500], statuses
    assert severe_logs(dash_duo) == [], "the browser console logged errors"
