"""Browser benchmark of the page (headless Chromium), figures printed in one run:

0. first screen: from navigation to the first path drawn on the contour map, against a plain Dash page
   (no callbacks) whose layout holds the same six figures (ratio of medians, loads alternated, cache off).
1. slider change -> redrawn trajectories, against a no-op callback round trip on the same page (ratio).
   Both are timed inside the page from the user's action to the first frame painted with the result
   (two animation frames after the DOM / overlay changed). "visible": the changed run is drawn (overlay);
   "exact": every Plotly trace has the new data too (assets/descent.js: settle).
2. playback frame rate with 4 trajectories x 1000 steps (frames that advanced the step, over 3 s from Play;
   also the steady rate after the first 0.5 s and the longest frame), median of 3 plays, each with the load average
3. median server time of the main callback over 50 calls (hyperparameter change, Patch path)
4. size in bytes of the Patch response for 4 optimizers x 1000 steps (all runs re-sent: steps changed)
5. live drag: the mouse holds the η handle and moves it for ~3 s; paths redrawn per second while held, and
   requests sent (one in flight per optimizer: the rest of the moves wait, the newest value kept)

    python benchmarks/bench_browser.py              (all figures)
    python benchmarks/bench_browser.py --playback   (figure 2 alone)
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dash
import plotly
from dash import dcc, html
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.common.action_chains import ActionChains
from werkzeug.serving import make_server

from app import create_app
from layouts import callbacks, ids
from layouts.page import GRAPH_CONFIG
from scenarios.settings import defaults

PLAYS = 3  # playback runs (median printed, each with the load average)
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


FIRST_PATH = """
window.__first = null;
(function poll() {
  const g = document.querySelector('#dl-contour .js-plotly-plot');
  const line = g && g.querySelector('.scatterlayer .trace path.js-line');
  if (line && (line.getAttribute('d') || '').length > 20) {
    requestAnimationFrame(() => { window.__first = performance.now(); });  // the frame that painted it
    return;
  }
  requestAnimationFrame(poll);
})();
"""


def plain_app() -> dash.Dash:
    """The same six figures as the page's first view, in a Dash page with no callbacks and no other parts."""
    figs = callbacks.render(defaults(), {}, False)["figs"]
    app = dash.Dash(__name__, serve_locally=True)
    graph = lambda gid, h: dcc.Graph(id=gid, figure=figs[gid.split("-", 1)[1]], config=GRAPH_CONFIG,
                                     style={"height": h})
    app.layout = html.Div([html.Div([graph(ids.SURFACE, "400px"), graph(ids.CONTOUR, "400px")],
                                    style={"display": "flex"}),
                           html.Div([graph(g, "260px") for g in (ids.LOSS, ids.ETA, ids.PARAMS, ids.FIT)],
                                    style={"display": "flex"})])
    return app


def driver() -> webdriver.Chrome:
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for a in ARGS:
        opts.add_argument(a)
    return webdriver.Chrome(options=opts)


def first_screens(page: str, plain: str, rounds: int = 3) -> dict:
    """ms from navigation to the first contour path painted, page and plain page alternated, no HTTP cache."""
    d = driver()
    times: dict[str, list[float]] = {"page": [], "plain": []}
    try:
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FIRST_PATH})
        for _ in range(rounds):
            for name, url in (("page", page), ("plain", plain)):
                d.get("about:blank")
                d.get(url)
                _wait(d, "return window.__first !== null", 60)
                times[name].append(d.execute_script("return window.__first"))
    finally:
        d.quit()
    return {k: statistics.median(v) for k, v in times.items()}


def browser_figures(url: str, only_playback: bool = False) -> dict:
    d = driver()
    try:
        d.get(url)
        wait = lambda cond, t=30: _wait(d, cond, t)
        wait("return window.descentLab && window.descentLab.max === 300")
        # 4 optimizers x 1000 steps
        d.execute_script("dash_clientside.set_props({type: 'g', name: 'steps'}, {value: '1000'})")
        wait("return window.descentLab.max === 1000")
        wait("return !!document.getElementById('dl-add-choice')")  # the picker's code loads on demand
        d.execute_script("document.getElementById('dl-add').click()")
        wait("return window.descentLab.runs.length === 4")
        time.sleep(1.5)
        out = {}
        if not only_playback:
            noop = statistics.median(_noop_trip(d) for _ in range(15))
            trips = [_slider_trip(d, 0.5 + 0.03 * i) for i in range(15)]
            out = {"noop": noop, **{k: statistics.median(t[k] for t in trips) for k in trips[0]}}
            out.update(_drag(d))
        plays = [_playback(d) for _ in range(PLAYS)]
        out["plays"] = plays
        out.update({k: statistics.median(p[k] for p in plays) for k in plays[0]})
        return out
    finally:
        d.quit()


def _playback(d) -> dict:
    """Play from step 0 for 3 s at speed 1: frames that advanced the step per second from Play (a frame that
    took two vsyncs advances two steps and counts once), the rate after the first 0.5 s, the longest frame, and
    the 1-minute load average of the machine (shared: other processes' load costs frames)."""
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
    out = {"fps": frames / (ms / 1000), "fps_steady": (late[-1][1] - late[0][1]) / ((late[-1][0] - late[0][0]) / 1000),
           "worst_frame": max(b[0] - a[0] for a, b in zip(log, log[1:], strict=False)), "load": os.getloadavg()[0]}
    time.sleep(1.0)
    return out


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
    """Set η of GD as a slider release does (slider -> box -> server -> Patch -> draw); ms to painted and exact.
    "visible": the first frame painted with the new path (a drag reply or TRAJ, whichever is first)."""
    d.execute_script("""
        const S = window.descentLab, seq = S.shownSeq; window.__seq = S.drawSeq; window.__vis = null;
        const t0 = window.__t0 = performance.now();
        (function watch() { if (S.shownSeq > seq && S.shownAt > t0) window.__vis = S.shownAt;
                            else requestAnimationFrame(watch); })();
        dash_clientside.set_props({type: 'hp-slider', opt: 0, name: 'eta'}, {value: Math.log10(arguments[0])});""",
                     eta)
    _wait(d, "const S = window.descentLab; return S.drawSeq > window.__seq && window.__vis !== null"
             " && S.paintedAt > S.drawnAt && S.settledAt > S.paintedAt && !S.pending().length", 15)
    return d.execute_script("""const S = window.descentLab, t0 = window.__t0;
        return {draw: S.drawnAt - t0, visible: window.__vis - t0, exact: S.settledAt - t0}""")


def _drag(d) -> dict:
    """Hold GD's η handle and move it 2 px every 50 ms (~3 s); redraws per second while held."""
    time.sleep(1.0)
    handle = d.find_element("css selector", "[id='" + json.dumps({"name": "eta", "opt": 0, "type": "hp-slider"},
                                                                   separators=(",", ":")) + "'] [role=slider]")
    d.execute_script("""const S = window.descentLab; window.__drag = [S.dragSent, S.dragDrawn]; window.__up = null;
        window.__down = null; window.__drawnAtUp = null;
        document.addEventListener('pointerdown', () => { window.__down = performance.now(); }, {once: true});
        document.addEventListener('pointerup', () => { window.__up = performance.now();
            window.__drawnAtUp = S.dragDrawn; window.__sentAtUp = S.dragSent; }, {once: true, capture: true});""")
    chain = ActionChains(d).click_and_hold(handle)
    for k in range(60):
        chain = chain.move_by_offset(-2 if k < 30 else 2, 0).pause(0.05)
    chain.release().perform()
    _wait(d, "return window.__up !== null", 10)
    sent0, drawn0, down, up, drawn, sent = d.execute_script(
        "return [...window.__drag, window.__down, window.__up, window.__drawnAtUp, window.__sentAtUp]")
    out = {"drag_per_s": (drawn - drawn0) / ((up - down) / 1000), "drag_sent": sent - sent0,
           "drag_drawn": drawn - drawn0, "drag_s": (up - down) / 1000}
    time.sleep(1.5)
    # the slider's drag_value set every 16 ms for 3 s (as a fast drag would): what the gate and server sustain
    d.execute_script("""const S = window.descentLab; window.__fast = null; const s0 = S.dragSent, d0 = S.dragDrawn;
        const t0 = performance.now(); let k = 0;
        const id = setInterval(() => {
          if (performance.now() - t0 > 3000) { clearInterval(id);
            window.__fast = [S.dragSent - s0, S.dragDrawn - d0, k, (performance.now() - t0) / 1000]; return; }
          const pos = -1 + 0.9 * Math.sin(k++ / 20);
          dash_clientside.set_props({type: 'hp-slider', opt: 0, name: 'eta'}, {drag_value: pos});
        }, 16);""")
    _wait(d, "return window.__fast !== null", 20)
    sent, drawn, moves, secs = d.execute_script("return window.__fast")
    return {**out, "fast_per_s": drawn / secs, "fast_sent": sent, "fast_moves": moves}


def serve(app, port: int):
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    print(f"load average at the start: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min; 2 cores)")
    if "--playback" in sys.argv[1:]:  # figure 2 alone
        server = serve(create_app(), 0)
        try:
            b = browser_figures(f"http://127.0.0.1:{server.server_port}/", only_playback=True)
        finally:
            server.shutdown()
        print_playback(b)
        return
    median, size = server_figures()
    server, plain = serve(create_app(), 0), serve(plain_app(), 0)
    try:
        first = first_screens(f"http://127.0.0.1:{server.server_port}/", f"http://127.0.0.1:{plain.server_port}/")
        b = browser_figures(f"http://127.0.0.1:{server.server_port}/")
    finally:
        server.shutdown()
        plain.shutdown()
    print(f"0. first screen (first path painted on the contour map): {first['page'] / first['plain']:.2f}x a plain "
          f"Dash page with the same figures (page {first['page']:.0f} ms, plain {first['plain']:.0f} ms; "
          "medians of 3 loads each, no HTTP cache)")
    print(f"1. slider change -> redrawn trajectories: {b['visible'] / b['noop']:.2f}x a no-op round trip "
          f"(visible {b['visible']:.0f} ms, no-op {b['noop']:.0f} ms; draw callback reached at {b['draw']:.0f} ms; "
          f"every trace exact at {b['exact']:.0f} ms = {b['exact'] / b['noop']:.2f}x)")
    print_playback(b)
    print(f"3. main callback server time (median of 50, one optimizer changed, 4 x 1000 steps): "
          f"{median * 1000:.1f} ms")
    print(f"4. Patch response for 4 optimizers x 1000 steps: {size} bytes")
    print(f"5. live drag of η (4 optimizers x 1000 steps): {b['drag_per_s']:.1f} redraws per second while held "
          f"({b['drag_drawn']} drawn in {b['drag_s']:.1f} s; {b['drag_sent']} requests sent, one in flight at a time; "
          "selenium delivers the moves slowly here)")
    print(f"   drag_value set every 16 ms for 3 s: {b['fast_per_s']:.1f} redraws per second ({b['fast_moves']} moves, "
          f"{b['fast_sent']} requests: the gate sends the newest value when the previous reply is in)")



def print_playback(b: dict) -> None:
    plays = ", ".join(f"{p['fps']:.1f} (load {p['load']:.1f})" for p in b["plays"])
    print(f"2. playback, 4 trajectories x 1000 steps: {b['fps']:.1f} fps from Play, median of {PLAYS} plays of 3 s "
          f"[{plays}] (steady {b['fps_steady']:.1f} fps after 0.5 s; longest frame {b['worst_frame']:.0f} ms)")


if __name__ == "__main__":
    main()
