"""Analysis benchmark (issue 12). Run: python benchmarks/bench_analysis.py [--full] [--quick] [--basin] [--profile]

Ratios measured in this run, on this machine:
1. A 60 × 60 η × γ momentum sweep of 500 steps on sigmoid-2pt (one batched engine call, summary
   only) against the same configurations run one at a time in-process (the engine with scalar
   hyperparameters, R = 1). By default an evenly spread sample of the 3,600 single runs is timed and
   scaled (each single run costs the same); --full runs all 3,600. Target: ≥ 20× faster.
2. A 100 × 100 basin map × 300 steps (10,000 starts in one call) on himmelblau against ONE run of
   300 steps. Target: ≤ 5× its time. At R = 1 the engine's per-step Python overhead dominates, so
   this compares a whole map with the cheapest thing the engine can do. The single run takes the
   path a page's single run takes (the engine's NumPy loop at R = 1: himmelblau has no scalar fast
   path) without the internals the page also records (~10 % more): the cheaper of the two. Both are
   timed in interleaved rounds, the best of each, so a machine shared with other work loads both
   alike; the ratio in CPU time is printed beside it. --basin --profile: only this, and where the
   map's time goes.
   Profile (this session, cProfile of the map, share of time): before — himmelblau's fused
   loss/gradient 34 %, NumPy reductions (divergence checks, summary) 13 %, the engine loop 9 %, the
   summary 8 %, copying P's columns 5 %, assembling the (R, 2) gradient 5 %, nearest_minimum's
   (R, M, D) distances 5 %; the map 35–36 ms against 6.3–6.5 ms for one run: 5.5× on a quiet
   machine. Changes: P kept in F order for analytic surfaces (columns are views, the gradient a
   view of (2, R) rows), himmelblau's kernel on both coordinate rows at once for ≥ 512 runs (9 NumPy
   calls, was 17, same bits), a summary that allocates nothing per row, nearest_minimum without the
   (R, M, D) array (2 ms → 0.2 ms). Processing the runs in cache-sized blocks was measured and not
   taken: per run-row, 2,500 runs cost ~3 ns against ~4.6 ns at 10,000, but 4 blocks would cost 4×
   the ~20 µs Python overhead of every step, more than the ~15 µs they save.
3. Time from starting a 100 × 100 map to its first progress report (analysis.maps reports every
   PROGRESS_EVERY seconds). Target: ≤ 0.5 s.
4. The same through the page's protocol on a real server: POST the analysis job (a Dash background
   callback on DiskCache), poll as the page does, time until the first progress report arrives.
Every batched result is checked against its single runs, so speed is not bought with a wrong answer.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import basin, parse_axis, sweep
from analysis.grid import cell_values
from optimizers import run
from surfaces import get_problem


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_sweep(full: bool, repeat: int) -> float:
    problem = get_problem("sigmoid-2pt")
    axes = [parse_axis("eta=0.01:30:60:log"), parse_axis("gamma=0:0.99:60")]
    steps = 500
    result = None

    def batched():
        nonlocal result
        result = sweep(problem, "momentum", axes, steps)

    t_batched = best_of(batched, repeat)
    cells = cell_values(axes)
    sample = np.arange(len(cells)) if full else np.linspace(0, len(cells) - 1, 360).round().astype(int)
    start = np.array([problem.start])
    t0 = time.perf_counter()
    for i in sample:
        eta, gamma = cells[i]
        run(problem, "momentum", start, steps, {"eta": float(eta), "gamma": float(gamma)}, record_internals=False)
    t_single = (time.perf_counter() - t0) * len(cells) / len(sample)
    # the check, outside the timing: the engine's NumPy loop at R = 1 (not the scalar fast path, which
    # uses libm's tanh and drifts apart on the chaotic cells of this map) gives each cell's numbers
    for i in sample[::12]:
        eta, gamma = cells[i]
        traj = run(problem, "momentum", start, steps, {"eta": float(eta), "gamma": float(gamma)},
                   record_internals=False, on_row=lambda *row: None)
        assert traj.final_params()[0].tolist() == result.final_params[i].tolist(), i
    ratio = t_single / t_batched
    how = "all" if full else f"{len(sample)} timed, scaled to"
    print(f"1. 60×60 η×γ momentum sweep, 500 steps: batched {t_batched:.3f} s; one at a time "
          f"({how} 3,600) {t_single:.1f} s → {ratio:.0f}× faster (target ≥ 20×)")
    return ratio


def bench_basin(repeat: int, profile: bool = False) -> float:
    problem = get_problem("himmelblau")
    start = np.array([problem.start])
    one = lambda: run(problem, "gd", start, 300, {"eta": 0.01}, record_internals=False)
    basin(problem, "gd:eta=0.01", 100, 300)  # warm: first-call costs (imports, caches) are in neither figure
    one()
    t_map, t_one, cpu_map, cpu_one, result = [], [], [], [], None
    for _ in range(5 * repeat):  # interleaved, so both see the same machine while others' load comes and goes
        t, c = time.perf_counter(), time.process_time()
        result = basin(problem, "gd:eta=0.01", 100, 300)
        t_map.append(time.perf_counter() - t)
        cpu_map.append(time.process_time() - c)
        for _ in range(3):
            t, c = time.perf_counter(), time.process_time()
            one()
            t_one.append(time.perf_counter() - t)
            cpu_one.append(time.process_time() - c)
    t_map, t_one = min(t_map), min(t_one)
    t_summary = best_of(lambda: basin(problem, "gd:eta=0.01", 2, 300), repeat * 3)  # R = 4 through the same path
    for r in (0, 4321, 9999):  # spot checks against single runs
        start_r = np.array([[result.columns["start_x"][r], result.columns["start_y"][r]]])
        traj = run(problem, "gd", start_r, 300, {"eta": 0.01})
        assert abs(traj.final_loss()[0] - result.final_loss[r]) <= 1e-12 * max(abs(traj.final_loss()[0]), 1e-300)
    ratio = t_map / t_one
    print(f"2. 100×100 basin map × 300 steps: {t_map:.3f} s vs one run of 300 steps {t_one * 1e3:.1f} ms "
          f"→ {ratio:.1f}× (target ≤ 5×; in CPU time {min(cpu_map) / min(cpu_one):.1f}×); a 2×2 map through the "
          f"same summary path takes {t_summary * 1e3:.1f} ms")
    if profile:
        profile_basin(problem, t_one, repeat)
    return ratio


def profile_basin(problem, t_one: float, repeat: int) -> None:
    """Where the map's time goes: the engine alone (no-op on_row), + the running summary, + the rest of
    basin() (grid of starts, known minima, result), each the best of a few; then cProfile's top functions."""
    import cProfile
    import pstats

    from analysis import basin_starts
    from analysis.maps import Summary

    starts = basin_starts(problem, 100)
    engine = lambda on_row: run(problem, "gd", starts, 300, {"eta": 0.01}, record_internals=False,
                                record=False, on_row=on_row)
    t_engine = best_of(lambda: engine(lambda *row: None), 2 * repeat + 1)
    t_summary = best_of(lambda: engine(Summary(len(starts), 2, 300, 1e-4)), 2 * repeat + 1)
    t_basin = best_of(lambda: basin(problem, "gd:eta=0.01", 100, 300), 2 * repeat + 1)
    print(f"   profile: one run {t_one * 1e3:.1f} ms (the engine's Python loop at R = 1); the map's engine call "
          f"with a no-op on_row {t_engine * 1e3:.1f} ms, with the running summary {t_summary * 1e3:.1f} ms, "
          f"the whole basin() {t_basin * 1e3:.1f} ms")
    prof = cProfile.Profile()
    prof.runcall(lambda: [basin(problem, "gd:eta=0.01", 100, 300) for _ in range(5)])
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())
    top = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:6]
    print("   cProfile of 5 maps, share of time by function (tottime): " + ", ".join(
        f"{func[2].strip('<>{}')} {100 * v[2] / total:.0f}%" for func, v in top))


def bench_first_progress() -> float:
    problem = get_problem("sigmoid-2pt")
    axes = [parse_axis("eta=0.01:30:100:log"), parse_axis("gamma=0:0.99:100")]
    first: list[float] = []
    t0 = time.perf_counter()

    def progress(done, total):
        if not first:
            first.append(time.perf_counter() - t0)

    sweep(problem, "momentum", axes, 3000, progress=progress)
    total = time.perf_counter() - t0
    print(f"3. 100×100 map × 3,000 steps: first progress report after {first[0]:.2f} s (target ≤ 0.5 s); "
          f"the whole map {total:.1f} s")
    return first[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="time all 3,600 single runs, not a sample")
    parser.add_argument("--quick", action="store_true", help="one repetition instead of the best of three")
    parser.add_argument("--no-page", action="store_true", help="skip the real-server measurement")
    parser.add_argument("--basin", action="store_true", help="only the basin map ratio (2.), with --profile")
    parser.add_argument("--profile", action="store_true", help="where the basin map's time goes")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else 3
    if args.basin:
        bench_basin(repeat, args.profile)
        return 0
    bench_sweep(args.full, repeat)
    bench_basin(repeat, args.profile)
    bench_first_progress()
    if not args.no_page:
        bench_page_progress()
    return 0



# ----------------------------------------------------------------------------- 4. the page
def bench_page_progress() -> float | None:
    """A real server (werkzeug in a thread, DiskCache manager in a temp dir) and the page's protocol: POST
    the analysis job callback, then poll as the page does (every POLL_MS) until a progress report arrives."""
    import json
    import logging
    import socket
    import tempfile
    import threading
    import urllib.request

    import dash
    import diskcache
    from werkzeug.serving import make_server

    from app import create_app
    from layouts.analysis.callbacks import POLL_MS
    from layouts.analysis.logic import build_job
    from scenarios.settings import defaults

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per poll otherwise
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        app = create_app(dash.DiskcacheManager(diskcache.Cache(tmp)))
        server = make_server("127.0.0.1", port, app.server, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        try:
            html = urllib.request.urlopen(base + "/", timeout=30).read().decode()
            end_id = json.loads(html.split('<script id="_dash-config" type="application/json">')[1]
                                .split("</script>")[0]).get("end_id")
            deps = json.loads(urllib.request.urlopen(base + "/_dash-dependencies", timeout=30).read())
            dep = next(d for d in deps if d["output"].lstrip(".").startswith("dl-an-graph.figure"))
            settings = defaults()
            job = build_job("map", [1], "", "eta=0.001:10:100:log", "gamma=0:0.99:100", 0, 1500, "steps", settings)
            values = {"dl-an-job.data": job, "dl-settings.data": settings}
            fill = lambda items: [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]
            outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
                       for p in dep["output"].strip(".").split("...")]
            body = {"output": dep["output"], "outputs": outputs, "inputs": fill(dep["inputs"]),
                    "state": fill(dep["state"]), "changedPropIds": ["dl-an-job.data"]}

            def post(payload, **params):
                query = "&".join(f"{k}={v}" for k, v in ({"endId": end_id, **params} if end_id else params).items())
                req = urllib.request.Request(f"{base}/_dash-update-component?{query}",
                                             data=json.dumps(payload).encode(),
                                             headers={"Content-Type": "application/json"}, method="POST")
                with urllib.request.urlopen(req, timeout=60) as res:
                    raw = res.read()
                    return json.loads(raw) if raw else {}

            t0 = time.perf_counter()
            answer = post(body)
            blank = {**body, "inputs": [{**i, "value": None} for i in body["inputs"]],
                     "state": [{**i, "value": None} for i in body["state"]]}
            first = None
            while time.perf_counter() - t0 < 60:
                time.sleep(POLL_MS / 1000)
                reply = post(blank, cacheKey=answer["cacheKey"], job=answer["job"])
                if reply.get("progress") and first is None:
                    first = time.perf_counter() - t0
                if "response" in reply:
                    break
            total = time.perf_counter() - t0
        finally:
            server.shutdown()
    if first is None:
        print("4. page: no progress report seen")
        return None
    print(f"4. page (real server, DiskCache job, polled every {POLL_MS} ms): first progress on the page after "
          f"{first:.2f} s (target ≤ 0.5 s); the 100×100 map × 1,500 steps done after {total:.1f} s")
    return first


if __name__ == "__main__":
    sys.exit(main())
