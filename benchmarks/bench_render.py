"""Server cost of the page's main callback, through the real request path (Flask test client: routing, the
callback, JSON serialisation), in CPU milliseconds and response bytes:

0. the page's layout (GET /_dash-layout): since the first view sits in the layout, a new visitor's figures
   are built here, not in a first callback
1. the first main callback of the default settings (a new visitor), with the surface-grid cache cold and warm
2. an η change of one optimizer (the Patch path: only that run's trajectory payload)
3. a problem change (sigmoid-2pt -> rosenbrock: new surface, new figures)

The "before" column runs the same requests with the figure builders of BASELINE (layouts/figures.py as it
was before figures became plain dicts: go.Figure validation, no grid cache), loaded from git, so both
columns are measured in one run on the same machine; the ratio is before / after.

    python benchmarks/bench_render.py [--reps N] [--profile]

Recorded on the 2-core dev box, shared with other jobs (load 5-13), median of 15, CPU ms / response kB:

                    before        after      ratio (CPU, bytes)
    first render    219 / 469     50 / 241   4.4x, 1.9x
    η change         13 / 9.1     13 / 9.1   1.0x (the Patch path had no figures; its time is the engine's)
    problem change  169 / 215     23 / 154   7.4x, 1.4x
    surface grid of sigmoid-sparse-4d: computed 12.6 ms, from the cache 0.018 ms

cProfile of render() before: 58% of its own time in plotly (basedatatypes, validators); after: none, and
half of what is left is the engine. The rest of the first render's bytes are the paths the server fills in
(about 140 kB; the trajectory payload that carries the same is 13 kB) and the two grids (about 60 kB).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import json
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from layouts import callbacks  # noqa: E402

BASELINE = "b399529"  # last commit with the go.Figure builders
UPDATE_OUTPUT_HEAD = "..dl-settings.data...dl-drawn.data...dl-traj.data"


# ----------------------------------------------------------------------------- the page's request body
def _components(node):
    """Every component of a layout tree (depth first)."""
    yield node
    kids = getattr(node, "children", None)
    for kid in kids if isinstance(kids, list | tuple) else [kids]:
        if hasattr(kid, "to_plotly_json"):
            yield from _components(kid)


def _matches(pattern: dict, cid) -> bool:
    return isinstance(cid, dict) and set(cid) == set(pattern) and cid["type"] == pattern["type"]


def _entry(spec: dict, layout_ids: dict, values: dict):
    """One inputs/state/outputs entry as dash-renderer sends it (a list for ALL patterns)."""
    raw, prop = spec["id"], spec["property"]
    if raw.startswith("{"):
        pattern = json.loads(raw)
        out = []
        for cid, comp in layout_ids:
            if _matches(pattern, cid):
                item = {"id": cid, "property": prop}
                if "value" in values:
                    item["value"] = getattr(comp, prop, None)
                out.append(item)
        return out
    item = {"id": raw, "property": prop}
    if "value" in values:
        item["value"] = values["value"].get(raw)
    return item


class Page:
    """One browser tab: the layout it shows and the stores it holds, and how it calls the main update."""

    def __init__(self, app, client):
        self.client = client
        deps = client.get("/_dash-dependencies").get_json()
        self.dep = next(d for d in deps if d["output"].startswith(UPDATE_OUTPUT_HEAD))
        page = app.layout()
        self.stores = {c.id: c.data for c in _components(page) if hasattr(c, "data") and isinstance(c.id, str)}
        self.layout_ids = [(c.id, c) for c in _components(page) if isinstance(getattr(c, "id", None), dict)]

    def body(self, changed: list[str], overrides: dict | None = None) -> dict:
        vals = {"value": {**self.stores}}
        inputs = [_entry(s, self.layout_ids, vals) for s in self.dep["inputs"]]
        for group in inputs:
            for item in group if isinstance(group, list) else []:
                key = json.dumps(item["id"], sort_keys=True, separators=(",", ":"))
                if overrides and key in overrides:
                    item["value"] = overrides[key]
        outputs = [_entry({"id": o.split("@")[0].rsplit(".", 1)[0], "property": o.split("@")[0].rsplit(".", 1)[1]},
                          self.layout_ids, {}) for o in self.dep["output"].strip(".").split("...")]
        return {"output": self.dep["output"], "outputs": outputs, "inputs": inputs,
                "state": [_entry(s, self.layout_ids, vals) for s in self.dep["state"]], "changedPropIds": changed}

    def post(self, body: dict) -> tuple[float, int, dict]:
        """CPU seconds, response bytes; the stores the response wrote are kept (as the browser would)."""
        t0 = time.process_time()
        res = self.client.post("/_dash-update-component", json=body)
        cpu = time.process_time() - t0
        assert res.status_code == 200, res.data[:300]
        reply = res.get_json()["response"]
        for store in ("dl-settings", "dl-drawn", "dl-traj"):
            data = reply.get(store, {}).get("data")
            if data is not None and not (isinstance(data, dict) and "__dash_patch_update" in data):
                self.stores[store] = data
        return cpu, len(res.data), reply


# ----------------------------------------------------------------------------- scenarios
def _hp_key(opt: int, name: str) -> str:
    return json.dumps({"name": name, "opt": opt, "type": "hp-box"}, sort_keys=True, separators=(",", ":"))


def _glob_key(name: str) -> str:
    return json.dumps({"name": name, "type": "g"}, sort_keys=True, separators=(",", ":"))


def one_visit(app) -> dict:
    """A visitor's first render, an η change, then a problem change: (cpu s, bytes) each."""
    client = app.server.test_client()
    t0 = time.process_time()
    res = client.get("/_dash-layout")  # the first view sits in the layout: most of a visit's cost is here
    out = {"layout": (time.process_time() - t0, len(res.data))}
    page = Page(app, client)
    out["first"] = page.post(page.body([]))[:2]
    eta = page.body([_hp_key(0, "eta") + ".value"], {_hp_key(0, "eta"): "0.5"})
    out["eta"] = page.post(eta)[:2]
    prob = page.body([_glob_key("problem") + ".value"], {_glob_key("problem"): "rosenbrock"})
    out["problem"] = page.post(prob)[:2]
    return out


def clear_cache() -> None:
    grids = getattr(callbacks.figures, "grids", callbacks.figures)  # today's package, or BASELINE's module
    for f in (getattr(grids, "surface_grid", None), getattr(grids, "_grid", None)):
        if hasattr(f, "cache_clear"):
            f.cache_clear()


def measure(app, reps: int, cold: bool) -> dict:
    runs = []
    for _ in range(reps):
        if cold:
            clear_cache()
        runs.append(one_visit(app))
    return {k: (statistics.median(r[k][0] for r in runs), statistics.median(r[k][1] for r in runs))
            for k in runs[0]}


def baseline_module():
    """layouts/figures.py at BASELINE as a module of the layouts package (None without git)."""
    try:
        src = subprocess.run(["git", "show", f"{BASELINE}:layouts/figures.py"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader("layouts._figures_baseline", loader=None)
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "layouts"
    exec(compile(src, f"{BASELINE}:layouts/figures.py", "exec"), mod.__dict__)  # our own git history
    return mod


def grid_cost(problem_id: str = "sigmoid-sparse-4d", reps: int = 20) -> tuple[float, float]:
    """CPU seconds of one surface grid, computed (cache cleared) and from the cache."""
    from layouts import figures
    from surfaces import get_problem
    base = get_problem(problem_id).start
    cold, warm = [], []
    for _ in range(reps):
        figures.grids._grid.cache_clear()
        t0 = time.process_time()
        figures.surface_grid(problem_id, base=base)
        t1 = time.process_time()
        figures.surface_grid(problem_id, base=base)
        cold.append(t1 - t0)
        warm.append(time.process_time() - t1)
    return statistics.median(cold), statistics.median(warm)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--profile", action="store_true", help="cProfile one first render (current code)")
    args = ap.parse_args()
    app = create_app()
    one_visit(app)  # warm-up: imports, first-call caches of Dash and NumPy
    if args.profile:
        prof = cProfile.Profile()
        clear_cache()
        prof.enable()
        one_visit(app)
        prof.disable()
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(30)
        print(s.getvalue())
    after_cold = measure(app, args.reps, cold=True)
    after_warm = measure(app, args.reps, cold=False)
    current = callbacks.figures
    old = baseline_module()
    before = None
    if old is not None:
        callbacks.figures = old
        try:
            one_visit(app)
            before = measure(app, args.reps, cold=True)
        except Exception as err:  # today's page calls builders BASELINE did not have (custom problems, x_axis, …)
            print(f"(BASELINE's builders no longer fit today's page: {type(err).__name__}: {err})")
        finally:
            callbacks.figures = current
    names = {"layout": "page layout", "first": "first callback", "eta": "η change", "problem": "problem change"}
    print(f"main update callback via /_dash-update-component, median of {args.reps} (CPU ms / response kB)")
    print(f"{'':16}{'before':>18}{'after (cold grid)':>22}{'after (warm grid)':>22}{'CPU ratio':>11}"
          f"{'bytes ratio':>13}")
    for k, label in names.items():
        b = before[k] if before else (float("nan"), float("nan"))
        ac, aw = after_cold[k], after_warm[k]
        print(f"{label:16}{b[0] * 1e3:9.0f} / {b[1] / 1e3:5.1f}{ac[0] * 1e3:12.0f} / {ac[1] / 1e3:6.1f}"
              f"{aw[0] * 1e3:12.0f} / {aw[1] / 1e3:6.1f}{b[0] / ac[0]:10.1f}x{b[1] / ac[1]:12.1f}x")
    cold, warm = grid_cost()
    print(f"surface grid of sigmoid-sparse-4d (100 points, 61 x 61): computed {cold * 1e3:.1f} ms, "
          f"from the cache {warm * 1e3:.3f} ms ({cold / warm:.0f}x)")
    if before is None:
        print(f"(no before column: see the figures recorded in this script's docstring, {BASELINE})")


if __name__ == "__main__":
    main()
