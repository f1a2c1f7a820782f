"""Browser benchmark of the page (headless Chromium), figures printed in one run:

1. slider change -> redrawn trajectories, against a no-op callback round trip on the same page (ratio).
   Both are timed inside the page from the user's action to the first frame painted with the result
   (two animation frames after the DOM / overlay changed). "visible": the changed run is drawn (overlay);
   "exact": every Plotly trace has the new data too (assets/descent.js: settle).
2. playback frame rate with 4 trajectories x 1000 steps (frames that advanced the step, over 3 s from Play;
   also the steady rate after the first 0.5 s and the longest frame)
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


def browser_figures(url: str) -> dict:
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
        noop = statistics.median(_noop_trip(d) for _ in range(15))
        trips = [_slider_trip(d, 0.5 + 0.03 * i) for i in range(15)]
        out = {"noop": noop, **{k: statistics.median(t[k] for t in trips) for k in trips[0]}}
        d.execute_script("window.descentLab.setStep(0); window.descentLab.speed = 1;")
        time.sleep(1.0)  # reset settles first (as after a click on |◀)
        d.execute_script("""
            const S = window.descentLab; window.__frames = [];
            S.frames = 0; S.play(); window.__t0 = performance.now();
            (function f(t) { window.__frames.push([t, S.frames]); if (S.playing) requestAnimationFrame(f); })(
                performance.now());""")
        time.sleep(3.0)
        frames, ms, log = d.execute_script(
            "return [window.descentLab.frames, performance.now() - window.__t0, window.__frames]")
        d.execute_script("window.descentLab.pause()")
        late = [(t, n) for t, n in log if t - log[0][0] >= 500]
        out["fps"] = frames / (ms / 1000)
        out["fps_steady"] = (late[-1][1] - late[0][1]) / ((late[-1][0] - late[0][0]) / 1000)
        out["worst_frame"] = max(b[0] - a[0] for a, b in zip(log, log[1:], strict=False))
        return out
    finally:
        d.quit()


def _wait(d, script, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if d.execute_script(script):
            return
        time.sleep(0.05)
    raise TimeoutError(script)


def _noop_trip(d) -> float:
    """Click the hidden no-op button; ms until the frame after the echoed text appeared was painted."""
    d.execute_script("""
        window.__noop = null;
        const out = document.getElementById('dl-noop-out'), t0 = performance.now();
        const mo = new MutationObserver(() => { mo.disconnect();
            requestAnimationFrame(() => requestAnimationFrame(() => { window.__noop = performance.now() - t0; })); });
        mo.observe(out, {childList: true, characterData: true, subtree: true});
        document.getElementById('dl-noop').click();""")
    _wait(d, "return window.__noop !== null", 10)
    return d.execute_script("return window.__noop")


def _slider_trip(d, eta: float) -> dict:
    """Set η of GD as a slider release does (slider -> box -> server -> Patch -> draw); ms to painted and exact."""
    d.execute_script("""
        const S = window.descentLab; window.__seq = S.drawSeq; window.__t0 = performance.now();
        dash_clientside.set_props({type: 'hp-slider', opt: 0, name: 'eta'}, {value: Math.log10(arguments[0])});""",
                     eta)
    _wait(d, "const S = window.descentLab; return S.drawSeq > window.__seq && S.paintedAt > S.drawnAt"
             " && S.settledAt > S.paintedAt && !S.pending().length", 15)
    return d.execute_script("""const S = window.descentLab, t0 = window.__t0;
        return {draw: S.drawnAt - t0, visible: S.paintedAt - t0, exact: S.settledAt - t0}""")


def main() -> None:
    median, size = server_figures()
    server = make_server("127.0.0.1", 8765, create_app().server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        b = browser_figures("http://127.0.0.1:8765/")
    finally:
        server.shutdown()
    print(f"1. slider change -> redrawn trajectories: {b['visible'] / b['noop']:.2f}x a no-op round trip "
          f"(visible {b['visible']:.0f} ms, no-op {b['noop']:.0f} ms; draw callback reached at {b['draw']:.0f} ms; "
          f"every trace exact at {b['exact']:.0f} ms = {b['exact'] / b['noop']:.2f}x)")
    print(f"2. playback, 4 trajectories x 1000 steps: {b['fps']:.0f} fps "
          f"(steady {b['fps_steady']:.0f} fps after 0.5 s; longest frame {b['worst_frame']:.0f} ms)")
    print(f"3. main callback server time (median of 50, one optimizer changed, 4 x 1000 steps): "
          f"{median * 1000:.1f} ms")
    print(f"4. Patch response for 4 optimizers x 1000 steps: {size} bytes")


if __name__ == "__main__":
    main()
