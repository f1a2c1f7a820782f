"""Load test of a class (issue 10). Run: python benchmarks/bench_load.py [--app-dir DIR] [--exports 2]

1. starts `gunicorn app:server -w 2 -b 127.0.0.1:PORT --timeout 60` on a free port (cwd: --app-dir,
   default this checkout; point it at `git archive` of an older commit for a "before" figure);
2. opens the page once in headless Chromium and records what the browser sends: every request of a first
   page view, the POSTs after a new η in the first optimizer's box, and the export button's POST
   (benchmarks/locustfile.py replays them); times --exports heavy exports (a 60-frame GIF of 4 optimizers)
   on the idle server;
3. runs locust headless (100 students, think time 3–7 s, 20 % page views, 80 % η changes) ONCE, in phases
   that take turns: "quiet" (the class alone) and "exports" (--exports heavy exports looping, each through
   the page's own protocol: a background job polled until done). Every request is named with the phase it
   ran in, so the η change's p95 with and without exports come from the same run — on a machine shared
   with other work, the only comparison that means something. Per phase it prints the load average and
   where the machine's CPU went (the server and its jobs, locust, everything else).

Targets: η change p95 ≤ 300 ms (≤ 500 ms with the exports), page view p95 ≤ 1 s, 0 failures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
CHROME_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--disable-background-networking", "--window-size=1280,800")
RECORD_JS = """
window.__dlLog = [];
const realFetch = window.fetch;
window.fetch = function (url, init) {
  const entry = {url: String(url), method: (init && init.method) || 'GET', body: init && init.body,
                 t0: performance.now()};
  window.__dlLog.push(entry);
  return realFetch.apply(this, arguments).then(res => {
    entry.status = res.status; entry.t1 = performance.now(); return res; });
};
"""
ETA_TARGET_MS, ETA_WITH_EXPORTS_MS, PAGE_TARGET_MS = 300, 500, 1000  # issue 10's acceptance
ETA_BOX = {"name": "eta", "opt": 0, "type": "hp-box"}
ETA_BOX_ID = json.dumps(ETA_BOX, separators=(",", ":"))


def with_eta(body: dict, eta: float) -> dict:
    """A copy of an η-change body with the first optimizer's η box set to `eta` (locustfile.py uses it too)."""
    body = json.loads(json.dumps(body))
    for group in body.get("inputs", []):
        for item in group if isinstance(group, list) else [group]:
            if item.get("id") == ETA_BOX:
                item["value"] = f"{eta:.3g}"
    return body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NICE: list[str] = []  # ["nice", "-n", "-10"] with --nice: server and locust ahead of other work on a shared machine


def session_nice(nice: int) -> None:
    """Where the kernel groups processes by session (autogroup: /proc/sys/kernel/sched_autogroup_enabled), a
    process's nice only counts against its own session, and every busy session gets an equal share: give
    this session's group the nice too, or --nice does nothing against other sessions' work."""
    import atexit

    group = Path("/proc/self/autogroup")
    try:
        before = group.read_text(encoding="utf-8").split()[-1]  # "/autogroup-2216 nice 0"
        group.write_text(str(nice), encoding="utf-8")
        atexit.register(group.write_text, before, encoding="utf-8")  # the session outlives this run
    except OSError as err:  # no autogroup, or not allowed
        print(f"(session nice not set: {err})", file=sys.stderr)


def start_gunicorn(app_dir: Path, port: int, workers: int, env: dict | None = None,
                   threads: int = 1) -> subprocess.Popen:
    cmd = [*NICE, sys.executable, "-m", "gunicorn", "app:server", "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--timeout", "60", "--log-level", "warning", *(["--threads", str(threads)] if threads > 1 else [])]
    proc = subprocess.Popen(cmd, cwd=app_dir, env={**os.environ, **(env or {})})
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as res:
                if res.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not answer within 60 s")


def _idle(driver, quiet: float = 1.5, timeout: float = 60) -> None:
    """Wait until the page has sent no request for `quiet` seconds and every recorded one has answered."""
    end, last_n, since = time.time() + timeout, -1, time.time()
    while time.time() < end:
        log = driver.execute_script("return window.__dlLog.map(e => e.status || 0);")
        if len(log) != last_n or 0 in log:
            last_n, since = len(log), time.time()
        elif time.time() - since > quiet:
            return
        time.sleep(0.2)
    raise RuntimeError("the page did not settle")


def _requests(entries: list[dict], base: str) -> list[dict]:
    out = []
    for e in entries:
        path = e["url"].replace(base, "") or "/"
        when = {"t0": e.get("t0", 0), "t1": e.get("t1", 0)}
        if e["method"] == "POST":
            body = json.loads(e["body"])
            out.append({"method": "POST", "path": path, "body": body, "name": _callback_name(body), **when})
        else:
            out.append({"method": "GET", "path": path, "name": path.split("?")[0], **when})
    return out


def _ordered(requests: list[dict]) -> list[dict]:
    """The requests by start time, each with `after`: the earlier ones that had answered before it started
    (what it waited for in the browser); the others ran at the same time, and the locustfile does the same."""
    requests = sorted(requests, key=lambda r: r["t0"])
    return [{**r, "after": [j for j in range(i) if requests[j]["t1"] <= r["t0"]]} for i, r in enumerate(requests)]


def _callback_name(body: dict) -> str:
    """A short, stable name for a callback POST: its first output (and how many more)."""
    outputs = body["outputs"] if isinstance(body["outputs"], list) else [body["outputs"]]
    first = outputs[0]
    first = first[0] if isinstance(first, list) and first else first
    name = first["id"] if isinstance(first, dict) else str(first)
    if isinstance(name, dict):
        name = name.get("type", "pattern")
    prop = first.get("property", "").split("@")[0] if isinstance(first, dict) else ""
    dup = " (dup)" if isinstance(first, dict) and "@" in first.get("property", "") else ""
    return f"{name}.{prop}{dup}" + (f" +{len(outputs) - 1}" if len(outputs) > 1 else "")


def record_flows(base: str) -> dict:
    """Drive the page once in headless Chromium and return the requests of each flow."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.keys import Keys

    options = Options()
    options.binary_location = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_JS})
        driver.get(base + "/")
        _idle(driver)
        fetched = driver.execute_script("return window.__dlLog;")
        assets = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => [e.name, e.startTime, e.responseEnd])"
            ".filter(e => e[0].startsWith(location.origin) && !e[0].includes('_dash-'));")
        loaded = driver.execute_script("return performance.getEntriesByType('navigation')[0].responseEnd;")
        page = _ordered([{"method": "GET", "path": "/", "name": "/", "t0": 0, "t1": loaded}] +
                        [{"method": "GET", "path": a.replace(base, ""), "name": "assets", "t0": t0, "t1": t1}
                         for a, t0, t1 in assets] + _requests(fetched, base))
        driver.execute_script("window.__dlLog = [];")
        box = driver.execute_script("return document.getElementById(arguments[0]);", ETA_BOX_ID)
        box.click()
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys("0.5", Keys.ENTER)
        _idle(driver)
        eta = _requests(driver.execute_script("return window.__dlLog;"), base)
        driver.execute_script("window.__dlLog = [];")
        driver.find_element("id", "dl-export").click()
        deadline = time.time() + 30
        while time.time() < deadline and not driver.execute_script("return window.__dlLog.length;"):
            time.sleep(0.1)
        export = _requests(driver.execute_script("return window.__dlLog;")[:1], base)
        deadline = time.time() + 120  # let this export finish: its CPU must not count against the flows
        while time.time() < deadline and driver.find_element("id", "dl-export").text != "⤓ Export":
            time.sleep(0.2)
    finally:
        driver.quit()
    if not any(r["method"] == "POST" for r in eta):
        raise RuntimeError("the η box sent no request: is the page's η box id still " + ETA_BOX_ID + "?")
    return {"page": page, "eta": _ordered([r for r in eta if r["method"] == "POST"]), "export": export}


def heavy_export_body(export: list[dict], k: int) -> tuple[str, dict]:
    """The recorded export POST turned into a 60-frame GIF of 4 optimizers × 300 steps (k varies η so
    concurrent jobs are not the same job)."""
    req = json.loads(json.dumps(export[0]))
    for item in req["body"].get("state", []):
        if item["id"] == "dl-export-format":
            item["value"] = "gif"
        if item["id"] == "dl-settings":
            item["value"] = {**item["value"], "steps": 300,
                             "optimizers": [f"gd:eta={1 + k / 100}", "momentum:eta=1,gamma=0.9",
                                            "nag:eta=1,gamma=0.9", "adam:eta=0.1"]}
    return req["path"], req["body"]


def export_loop(base: str, export: list[dict], k: int, stop: threading.Event, done: list,
                started: threading.Event | None = None, once: bool = False) -> None:
    """Export again and again until `stop` (or once), as the page does: POST; if the answer is a background
    job (cacheKey / job), poll the same POST with those handles every 0.5 s until it has a response. `done`
    gets each export's seconds; `started` is set once the first job runs."""
    n = 0
    while not stop.is_set() and not (once and n):
        path, body = heavy_export_body(export, k * 1000 + n)
        t = time.perf_counter()
        try:
            answer = _post(base + path, body)
        except OSError as err:  # counted, and the loop goes on: the class run reports its own failures
            done.append(float("nan"))
            print(f"  export failed: {err}", file=sys.stderr)
            continue
        if started is not None:
            started.set()
        if "cacheKey" in answer:
            sep = "&" if "?" in path else "?"
            poll = f"{base}{path}{sep}cacheKey={answer['cacheKey']}&job={answer['job']}"
            blank = {**body, "inputs": [{**i, "value": None} for i in body["inputs"]],
                     "state": [{**s, "value": None} for s in body.get("state", [])]}
            while "response" not in answer:  # a started export is seen to its end (its CPU is in the phase)
                time.sleep(0.5)
                answer = _post(poll, blank)
        done.append(time.perf_counter() - t)
        n += 1


def _post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as res:
        return json.loads(res.read() or b"{}")


def locust_command() -> list[str]:
    """locust from $DL_LOCUST, else this interpreter's. dash[testing] pins selenium 4.2, which pins urllib3 1.26,
    and locust needs urllib3 2: where they share an environment, give locust its own venv
    (python -m venv /tmp/locust && /tmp/locust/bin/pip install locust; DL_LOCUST=/tmp/locust/bin/locust)."""
    if os.environ.get("DL_LOCUST"):
        return [os.environ["DL_LOCUST"]]
    probe = subprocess.run([sys.executable, "-c", "import locust"], capture_output=True)
    if probe.returncode:
        raise SystemExit("locust does not import here (urllib3 1.26 for selenium 4.2?): install it in its own venv "
                         "and set DL_LOCUST=/path/to/venv/bin/locust")
    return [sys.executable, "-m", "locust"]


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds used so far by gunicorn's workers (and their export jobs)."""
    import psutil

    total = 0.0
    for proc in psutil.Process(server.pid).children(recursive=True):
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def flow_costs(base: str, flows: dict, server: subprocess.Popen, repeats: int) -> dict:
    """(wall ms, server CPU ms) of each flow replayed alone, one request at a time: the cost of a student's
    action on an idle server, which on a shared machine says more than latencies under load."""
    import random

    costs, per_request = {}, {}
    for flow in ("page", "eta"):
        walls, cpus = [], []
        for _ in range(repeats):
            cpu0, t = server_cpu(server), time.perf_counter()
            eta = 10 ** random.uniform(-1.5, 0.2)
            for req in flows[flow]:
                r0 = server_cpu(server)
                if req["method"] == "GET":
                    urllib.request.urlopen(base + req["path"], timeout=60).read()
                else:
                    body = with_eta(req["body"], eta) if flow == "eta" else req["body"]
                    try:
                        _post(base + req["path"], body)
                    except urllib.error.HTTPError as err:
                        if err.code != 204:  # 204: the callback had nothing to update (PreventUpdate)
                            raise
                per_request.setdefault(f"{flow}: {req['name']}", []).append(server_cpu(server) - r0)
            walls.append(time.perf_counter() - t)
            cpus.append(server_cpu(server) - cpu0)
        walls.sort()
        cpus.sort()
        costs[flow] = (walls[len(walls) // 2] * 1000, cpus[len(cpus) // 2] * 1000)
    costs["requests"] = {name: sum(v) / repeats * 1000 for name, v in per_request.items()}
    return costs


def report_costs(costs: dict) -> None:
    page, eta = costs["page"][1], costs["eta"][1]
    per_student = (0.2 * page + 0.8 * eta) / 1000 / 5.0  # CPU s per s: one action every 5 s on average
    print("\none student's actions on an idle server (median of the repeats)")
    print(f"  page view: {costs['page'][0]:6.0f} ms wall, {page:6.0f} ms server CPU")
    print(f"  η change:  {costs['eta'][0]:6.0f} ms wall, {eta:6.0f} ms server CPU")
    for name, ms in sorted(costs["requests"].items(), key=lambda kv: -kv[1])[:6]:
        print(f"      {ms:6.1f} ms CPU  {name}")
    print(f"  → a student (think time 3–7 s, 20 % page views) costs {per_student * 1000:.1f} ms CPU per s: "
          f"at most ~{1 / per_student:.0f} students per core at 100 % CPU, ~{0.5 / per_student:.0f} at 50 %")


IN_PROCESS = r"""
import cProfile, io, json, os, pstats, sys, time
sys.path.insert(0, os.getcwd())
import app
client = app.create_app().server.test_client()
flows = json.load(open(sys.argv[1]))
send = lambda r: client.get(r["path"]) if r["method"] == "GET" else client.post(r["path"], json=r["body"])
for r in flows["page"] + flows["eta"]:
    send(r)  # warm: imports, caches
costs = {}
for flow in ("page", "eta"):
    for r in flows[flow]:
        t = time.process_time()
        for _ in range(5):
            send(r)
        key = f"{flow}: {r['name']}"
        costs[key] = costs.get(key, 0) + (time.process_time() - t) / 5 * 1000
page = sum(v for k, v in costs.items() if k.startswith("page"))
eta = sum(v for k, v in costs.items() if k.startswith("eta"))
for k, v in sorted(costs.items(), key=lambda kv: -kv[1])[:8]:
    print(f"      {v:6.1f} ms CPU  {k}")
per_student = (0.2 * page + 0.8 * eta) / 1000 / 5.0
print(f"  page view {page:.0f} ms CPU, η change {eta:.0f} ms CPU → {per_student * 1000:.1f} ms CPU per student-second: "
      f"~{1 / per_student:.0f} students per core at 100 % CPU, ~{0.5 / per_student:.0f} at 50 %")
heavy = max((r for r in flows["page"] if r["method"] == "POST"), key=lambda r: costs[f"page: {r['name']}"])
prof = cProfile.Profile()
prof.enable()
for _ in range(5):
    send(heavy)
prof.disable()
out = io.StringIO()
pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(r"(layouts|optimizers|surfaces|scenarios|json)", 14)
print(f"  where the heaviest request ({heavy['name']}) spends its time (cProfile, 5 calls):")
print("\n".join("    " + line for line in out.getvalue().splitlines() if "(" in line or "ncalls" in line))
"""


def in_process_costs(app_dir: Path, flows_path: Path) -> None:
    """Each request's CPU in one process with no HTTP and no other load (Flask's test client), and a profile of
    the heaviest: what a dedicated server would pay, when a shared machine's latencies say little."""
    print("\nin-process CPU per request (Flask test client, no contention)")
    done = subprocess.run([sys.executable, "-c", IN_PROCESS, str(flows_path)], cwd=app_dir, capture_output=True,
                          text=True, env={**os.environ, "DESCENT_LAB_CACHE": tempfile.mkdtemp(prefix="dl-load-")})
    print(done.stdout.rstrip() or done.stderr[-2000:])


def read_stats(csv_prefix: Path, stderr: str = "") -> list[dict]:
    if not Path(f"{csv_prefix}_stats.csv").exists():
        raise RuntimeError(f"locust wrote no statistics: {stderr[-2000:]}")
    with open(f"{csv_prefix}_stats.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def exports_alone(base: str, export: list[dict], n: int) -> list[float]:
    """Seconds of `n` heavy exports run at the same time on the otherwise idle server."""
    done: list[float] = []
    loops = [threading.Thread(target=export_loop, args=(base, export, 900 + k, threading.Event(), done),
                              kwargs={"once": True}) for k in range(n)]
    for t in loops:
        t.start()
    for t in loops:
        t.join(300)
    return done


class ExportLoops:
    """`n` export loops for one phase: `start` returns once each has a job running; `stop` lets the exports
    in flight run to their end (the phase file says "switching" meanwhile) and returns their seconds."""

    def __init__(self, base: str, export: list[dict], n: int, phase_file: Path) -> None:
        self.stop_event, self.done, self.phase_file = threading.Event(), [], phase_file
        self.started = [threading.Event() for _ in range(n)]
        self.loops = [threading.Thread(target=export_loop, daemon=True,
                                       args=(base, export, k, self.stop_event, self.done, self.started[k]))
                      for k in range(n)]

    def start(self) -> None:
        for t in self.loops:
            t.start()
        for e in self.started:
            e.wait(30)

    def stop(self) -> list[float]:
        self.phase_file.write_text("switching", encoding="utf-8")
        self.stop_event.set()
        for t in self.loops:
            t.join(300)
        return self.done


class Machine:
    """Where the machine's CPU went between two samples: the server (gunicorn, its workers, their jobs,
    render services and browsers), locust, everything else (other work on a shared machine); and the
    1-minute load average."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.server, self.locust = server, None

    def sample(self) -> dict:
        import psutil

        cpu = psutil.cpu_times()
        busy = cpu.user + cpu.nice + cpu.system + cpu.irq + cpu.softirq + getattr(cpu, "steal", 0)
        locust = 0.0
        if self.locust is not None:
            try:
                for proc in [psutil.Process(self.locust.pid), *psutil.Process(self.locust.pid).children(True)]:
                    t = proc.cpu_times()
                    locust += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return {"t": time.monotonic(), "busy": busy, "server": server_cpu(self.server), "locust": locust,
                "load": os.getloadavg()[0]}


def run_phased(base: str, flows: dict, flows_path: Path, out: Path, args, server: subprocess.Popen) -> dict:
    """One locust run of the class: a ramp, then `args.cycles` × (quiet, exports) phases of `args.phase` s.
    Returns the locust rows, the samples of each phase and the exports' seconds."""
    phase_file = out / "phase"
    phase_file.write_text("ramp", encoding="utf-8")
    ramp = args.users / args.rate + 5
    budget = ramp + args.cycles * 2 * (args.phase + 30) + 60  # locust's own limit; normally ended before
    cmd = [*NICE, *locust_command(), "-f", str(LOCUSTFILE), "--headless", "-u", str(args.users), "-r",
           str(args.rate), "-t", f"{budget:.0f}s", "--host", base, "--csv", str(out / "class"), "--only-summary",
           "--loglevel", "WARNING"]
    machine = Machine(server)
    machine.locust = subprocess.Popen(cmd, env={**os.environ, "DL_FLOWS": str(flows_path), "DL_PHASE": str(phase_file)},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    phases, exports = [], []

    def phase(name: str, seconds: float) -> None:
        phase_file.write_text(name, encoding="utf-8")
        start = machine.sample()
        time.sleep(seconds)
        phases.append((name, start, machine.sample()))

    time.sleep(ramp)
    for _ in range(args.cycles):
        phase("quiet", args.phase)
        if args.exports:
            loops = ExportLoops(base, flows["export"], args.exports, phase_file)
            loops.start()
            phase("exports", args.phase)
            exports.extend(loops.stop())
    phase_file.write_text("end", encoding="utf-8")
    machine.locust.terminate()  # locust writes its statistics on SIGTERM
    try:
        _, err = machine.locust.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        machine.locust.kill()
        _, err = machine.locust.communicate()
    return {"rows": read_stats(out / "class", err), "phases": phases, "exports": exports}


def _p95(rows: list[dict], name: str) -> float | None:
    for r in rows:
        if r["Name"] == name and r["95%"] not in ("", "N/A"):
            return float(r["95%"])
    return None


def report_phased(result: dict, main_callback: str, alone: list[float]) -> None:
    rows = result["rows"]
    print("\nthe class, in phases taking turns (one locust run)")
    print(f"  {'type':<5} {'name':<62} {'n':>6} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for r in sorted(rows, key=lambda r: (r["Type"] != "FLOW", r["Name"])):
        if r["Name"] == "Aggregated" or r["Type"] == "FLOW" or "tuned" in r["Name"] or main_callback in r["Name"]:
            print(f"  {r['Type']:<5} {r['Name'][:62]:<62} {r['Request Count']:>6} {r['Failure Count']:>5} "
                  f"{r['50%']:>7} {r['95%']:>7} {float(r['Max Response Time']):>7.0f}")
    print("\n  phase      seconds  load avg (1 min)  machine busy  server  locust  other work  (cores)")
    for name in ("quiet", "exports"):
        spans = [(a, b) for n, a, b in result["phases"] if n == name]
        if not spans:
            continue
        secs = sum(b["t"] - a["t"] for a, b in spans)
        use = {k: sum(b[k] - a[k] for a, b in spans) / secs for k in ("busy", "server", "locust")}
        loads = [x["load"] for a, b in spans for x in (a, b)]
        print(f"  {name:<9} {secs:8.0f}  {min(loads):5.2f} – {max(loads):5.2f}     {use['busy']:8.2f}  "
              f"{use['server']:6.2f}  {use['locust']:6.2f}  {use['busy'] - use['server'] - use['locust']:10.2f}")
    failures = sum(int(r["Failure Count"]) for r in rows if r["Name"] == "Aggregated")
    quiet, loaded = (_p95(rows, f"η change: {main_callback}{tag}") for tag in (" [quiet]", " [exports]"))
    fq, fl = (_p95(rows, f"η change{tag}") for tag in (" [quiet]", " [exports]"))
    pq, pl = (_p95(rows, f"page view{tag}") for tag in (" [quiet]", " [exports]"))
    ex = result["exports"]
    print(f"\n  exports: alone on the idle server {sum(alone) / max(len(alone), 1):.1f} s each ({len(alone)} at once); "
          f"under the class {len(ex)} finished, {sum(ex) / max(len(ex), 1):.1f} s each, slowest {max(ex or [0]):.1f} s")
    ratio = f"{loaded / quiet:.2f}×" if quiet and loaded else "–"
    print(f"  → η change main callback ({main_callback}) p95: alone {quiet} ms (target ≤ {ETA_TARGET_MS}), "
          f"with the exports {loaded} ms (target ≤ {ETA_WITH_EXPORTS_MS}), ratio {ratio}")
    print(f"  → whole η flow p95 {fq} / {fl} ms; page view p95 {pq} / {pl} ms (target ≤ {PAGE_TARGET_MS}); "
          f"failures {failures} (target 0)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app-dir", type=Path, default=ROOT)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="gunicorn --threads (gthread workers) when > 1")
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--rate", type=int, default=20)
    ap.add_argument("--phase", type=float, default=20, help="seconds of each quiet / exports phase")
    ap.add_argument("--cycles", type=int, default=3, help="(quiet, exports) pairs in the run")
    ap.add_argument("--exports", type=int, default=2, help="heavy exports looping in the second run (0: skip)")
    ap.add_argument("--out", type=Path, default=None, help="keep the CSVs and flows here")
    ap.add_argument("--repeats", type=int, default=20, help="replays of each flow alone, for its cost (0: skip)")
    ap.add_argument("--costs-only", action="store_true", help="only the cost of each flow, no locust run")
    ap.add_argument("--nice", type=int, default=None,
                    help="run gunicorn and locust at this niceness (e.g. -10 as root: a shared machine's other "
                         "work then waits, which approximates a dedicated server)")
    args = ap.parse_args(argv)
    if args.nice is not None:
        NICE[:] = ["nice", "-n", str(args.nice)]
        session_nice(args.nice)
    out = args.out or Path(tempfile.mkdtemp(prefix="dl-load-"))
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cache = tempfile.mkdtemp(prefix="dl-load-cache-")
    server = start_gunicorn(args.app_dir.resolve(), port, args.workers, env={"DESCENT_LAB_CACHE": cache},
                            threads=args.threads)
    try:
        flows = record_flows(base)
        flows_path = out / "flows.json"
        flows_path.write_text(json.dumps(flows), encoding="utf-8")
        print(f"app: {args.app_dir.resolve()}  gunicorn -w {args.workers} --threads {args.threads}"
              f"{' ' + ' '.join(NICE) if NICE else ''}  "
              f"{args.users} users, "
              f"+{args.rate}/s, {args.cycles} × ({args.phase:.0f} s quiet, {args.phase:.0f} s exports);"
              f" page view = {len(flows['page'])} requests, "
              f"η change = {len(flows['eta'])} POSTs")
        if args.repeats:
            report_costs(flow_costs(base, flows, server, args.repeats))
            in_process_costs(args.app_dir.resolve(), flows_path)
        if args.costs_only:
            return 0
        alone = exports_alone(base, flows["export"], args.exports) if args.exports else []
        result = run_phased(base, flows, flows_path, out, args, server)
        report_phased(result, flows["eta"][0]["name"], alone)
        print(f"\nCSVs in {out}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
