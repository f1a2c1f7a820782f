"""Browser benchmark of the page (headless Chromium), figures printed in one run:

1. slider change -> redrawn trajectories, against a no-op callback round trip on the same page (ratio)
2. playback frame rate with 4 trajectories x 1000 steps
3. median server time of the main callback over 50 calls (hyperparameter change, Patch path)
4. size in bytes of the Patch response for 4 optimizers x 1000 steps (all runs re-sent: steps changed)

    python benchmarks/bench_browser.py
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plotly
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from werkzeug.serving import make_server

from app import create_app
from layouts import callbacks
from scenarios.settings import defaults

FOUR = ["gd:eta=1", "momentum:eta=1,gamma=0.9", "adam:eta=0.1", "rmsprop:eta=0.1"]
ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800",
        "--disable-background-networking", "--no-first-run", "--disable-sync")


def server_figures() -> tuple[float, int]:
    s = {**defaults(), "steps": 1000, "optimizers": FOUR}
    drawn = callbacks.render(s, {}, False)["drawn"]
    times = []
    for i in range(50):
        s2 = {**s, "optimizers": [f"gd:eta={0.5 + i / 100}", *FOUR[1:]]}
        t0 = time.perf_counter()
        callbacks.render(s2, drawn, False)
        times.append(time.perf_counter() - t0)
    patch = callbacks.render({**s, "steps": 999}, drawn, False)["traj"]
    size = len(json.dumps(patch.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder, separators=(",", ":")))
    return statistics.median(times), size


def browser_figures(url: str) -> tuple[float, float, float]:
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for a in ARGS:
        opts.add_argument(a)
    d = webdriver.Chrome(options=opts)
    try:
        d.get(url)
        wait = lambda cond, t=30: _wait(d, cond, t)
        wait("return window.descentLab && window.descentLab.max === 300")
        # 4 optimizers x 1000 steps
        d.execute_script("dash_clientside.set_props({type: 'g', name: 'steps'}, {value: '1000'})")
        wait("return window.descentLab.max === 1000")
        d.find_element("id", "dl-add-choice")
        d.execute_script("document.getElementById('dl-add').click()")
        wait("return window.descentLab.runs.length === 4")
        time.sleep(1.5)
        noop = _round_trips(d, "document.getElementById('dl-noop').click()",
                            "return document.getElementById('dl-noop-out').textContent", 15)
        slider = _slider_trips(d, 15)
        d.execute_script("window.descentLab.setStep(0); window.descentLab.frames = 0; window.descentLab.speed = 1;"
                         "window.descentLab.play(); window.__t0 = performance.now();")
        time.sleep(3.0)
        frames, ms = d.execute_script("return [window.descentLab.frames, performance.now() - window.__t0]")
        d.execute_script("window.descentLab.pause()")
        return slider / noop, frames / (ms / 1000), noop
    finally:
        d.quit()


def _wait(d, script, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if d.execute_script(script):
            return
        time.sleep(0.05)
    raise TimeoutError(script)


def _round_trips(d, action: str, probe: str, n: int) -> float:
    times = []
    for _ in range(n):
        before = d.execute_script(probe)
        t0 = time.perf_counter()
        d.execute_script(action)
        end = time.time() + 10
        while d.execute_script(probe) == before and time.time() < end:
            time.sleep(0.002)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _slider_trips(d, n: int) -> float:
    """Set η of GD as a slider release would (slider -> box -> server -> Patch -> redraw); time to redraw."""
    times = []
    for i in range(n):
        eta = f"{0.5 + 0.03 * i:.2f}"
        probe = "return window.descentLab.runs[0].label"
        before = d.execute_script(probe)
        t0 = time.perf_counter()
        d.execute_script("dash_clientside.set_props({type: 'hp-slider', opt: 0, name: 'eta'},"
                         " {value: Math.log10(arguments[0])})", float(eta))
        end = time.time() + 10
        while d.execute_script(probe) == before and time.time() < end:
            time.sleep(0.002)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    median, size = server_figures()
    server = make_server("127.0.0.1", 8765, create_app().server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ratio, fps, noop = browser_figures("http://127.0.0.1:8765/")
    finally:
        server.shutdown()
    print(f"1. slider change -> redrawn trajectories: {ratio:.2f}x a no-op round trip ({noop * 1000:.0f} ms)")
    print(f"2. playback, 4 trajectories x 1000 steps: {fps:.0f} fps")
    print(f"3. main callback server time (median of 50, one optimizer changed, 4 x 1000 steps): "
          f"{median * 1000:.1f} ms")
    print(f"4. Patch response for 4 optimizers x 1000 steps: {size} bytes")


if __name__ == "__main__":
    main()
