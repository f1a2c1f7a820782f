"""A hostile browser against the real server: every server callback of the page, with each input and state
value — and each nested field of each store — replaced in turn by hostile values (DESIGN.md §6).

The app runs in this process on a free port (werkzeug, threaded); the test reads `/_dash-layout` and
`/_dash-dependencies`, builds a valid request for every callback (pattern-matching ids expanded from the
layout, stores filled by real earlier responses: the drawn key, a signed Live checkpoint), checks that
it succeeds, then sends the hostile variants. Every answer must come back in under 5 s with a status
below 500 (200, or 204 for "nothing to update"); afterwards a normal request is still served. The number
of variants per field is sampled (seeded) so the whole run stays at a few hundred requests a minute.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import requests
from werkzeug.serving import make_server

from app import create_app
from layouts import ids
from scenarios.settings import defaults

TIMEOUT = 5.0  # seconds: an answer slower than this is a failure (a hang, or an unbounded request)
PER_FIELD = 5  # hostile values tried per input / nested field (sampled from HOSTILE, seeded)
WORKERS = 2  # concurrent clients (the machine has 2 cores)


def _nested(depth: int):
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


NAN = float("nan")  # json.dumps writes the bare token NaN, which Flask's parser accepts
HOSTILE = {
    "None": None, "empty": "", "abc": "abc", "-1": -1, "0": 0, "1e308": 1e308, "NaN": NAN, "'NaN'": "NaN",
    "1e15": 10**15, "true": True, "[]": [], "{}": {}, "20kB": "x" * 20_000, "nest200": _nested(200),
    "list1e5": list(range(100_000)), "ragged": [[1, 2], [3]], "points": {"points": [{"x": "1", "y": None}]},
    "inf": float("inf"),
}
ALWAYS = ("None", "abc", "NaN", "nest200")  # tried on every field; the rest are sampled


# ----------------------------------------------------------------------------- the server
@pytest.fixture(scope="module")
def base_url():
    app = create_app()
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


# ----------------------------------------------------------------------------- layout and dependencies
def id_key(component_id) -> str:
    return component_id if isinstance(component_id, str) else json.dumps(component_id, sort_keys=True,
                                                                          separators=(",", ":"))


def layout_props(layout) -> dict[str, tuple]:
    """id key -> (id, props) for every component of the layout (iterative walk)."""
    out, stack = {}, [layout]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict) and "props" in node:
            props = node["props"]
            if "id" in props:
                out[id_key(props["id"])] = (props["id"], props)
            stack.extend(v for v in props.values() if isinstance(v, (list, dict)))
    return out


MATCHED = 0  # a MATCH key names one component per request, as the browser sends it: here the first optimizer's


def expand(dep_id, components: dict) -> list | dict | None:
    """A dependency's id → the concrete ids it names: None for a plain id, every match for ALL, the one
    component with MATCHED for MATCH (a dict, as the browser sends it; ALL on other keys: a list)."""
    if isinstance(dep_id, str) and not dep_id.startswith("{"):
        return None
    pattern = json.loads(dep_id) if isinstance(dep_id, str) else dep_id
    found = [cid for cid, _ in components.values() if isinstance(cid, dict) and set(cid) == set(pattern)
             and all(v == ["ALL"] or (v == ["MATCH"] and cid[k] == MATCHED) or cid[k] == v for k, v in pattern.items())]
    if ["MATCH"] in pattern.values() and ["ALL"] not in pattern.values():
        return found[0] if found else {k: MATCHED if v == ["MATCH"] else v for k, v in pattern.items()}
    return found


def split_outputs(output: str) -> list[tuple[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        part = part.split("@")[0]
        cid, prop = part.rsplit(".", 1)
        out.append((cid, prop))
    return out


VALID = {  # realistic values for props the layout leaves empty (clicks, uploads, the address)
    (ids.CONTOUR, "clickData"): {"points": [{"x": -1.0, "y": -1.0, "curveNumber": 0}]},
    (ids.LOSS, "clickData"): {"points": [{"x": 118.9993, "y": 0.1, "curveNumber": 0}]},
    (ids.ETA, "clickData"): {"points": [{"x": 3, "y": 0.5}]},
    (ids.PARAMS, "clickData"): {"points": [{"x": 7.2, "y": -1.0}]},
    (ids.LOAD_SETTINGS, "contents"): "data:application/json;base64,"
                                     + base64.b64encode(json.dumps({**defaults(), "steps": 40}).encode()).decode(),
    (ids.LOAD_SETTINGS, "filename"): "mine.json",
    (ids.LINK_QUERY, "data"): "?steps=50&opt=gd&opt=adam",
    (ids.SCENARIO, "value"): "gd-vs-momentum",
    (ids.STEP, "data"): 10,
    (ids.LINK_OPENED, "data"): True,
    (ids.EXPORT_FORMAT, "value"): "csv",  # the export job's valid request: a quick format
}
JOB_SECONDS = 60  # a background job (export) must have answered by then


class Callback:
    """One server callback and a valid request body for it."""

    def __init__(self, dep: dict, components: dict):
        self.dep, self.output = dep, dep["output"]
        self.background = bool(dep.get("background"))
        self.outputs = []
        for cid, prop in split_outputs(self.output):
            ids_ = expand(cid, components)
            self.outputs.append({"id": cid, "property": prop} if ids_ is None else {"id": ids_, "property": prop}
                                if isinstance(ids_, dict) else [{"id": i, "property": prop} for i in ids_])
        self.inputs = [self.item(d, components) for d in dep["inputs"]]
        self.state = [self.item(d, components) for d in dep["state"]]
        self.name = split_outputs(self.output)[0][0] + " ← " + ", ".join(str(d["id"])[:30] for d in dep["inputs"])

    @staticmethod
    def item(dep: dict, components: dict):
        def value(cid, prop):
            if (id_key(cid), prop) in VALID:
                return VALID[(id_key(cid), prop)]
            if prop in ("n_clicks", "n_intervals"):
                return 1
            return components.get(id_key(cid), (None, {}))[1].get(prop)
        ids_ = expand(dep["id"], components)
        if ids_ is None or isinstance(ids_, dict):
            cid = dep["id"] if ids_ is None else ids_
            return {"id": cid, "property": dep["property"], "value": value(cid, dep["property"])}
        return [{"id": i, "property": dep["property"], "value": value(i, dep["property"])} for i in ids_]

    def body(self, inputs=None, state=None) -> dict:
        inputs = self.inputs if inputs is None else inputs
        first = inputs[0][0] if isinstance(inputs[0], list) and inputs[0] else inputs[0]
        changed = [f"{id_key(first['id'])}.{first['property']}"] if isinstance(first, dict) else []
        return {"output": self.output, "outputs": self.outputs if len(self.outputs) > 1 else self.outputs[0],
                "inputs": inputs, "state": self.state if state is None else state, "changedPropIds": changed}

    def set_value(self, cid: str, prop: str, value) -> None:
        for group in (self.inputs, self.state):
            for item in group:
                if isinstance(item, dict) and item["id"] == cid and item["property"] == prop:
                    item["value"] = value


def post(session, url: str, body: dict, query: str = "") -> tuple[int, float, dict | None]:
    t0 = time.perf_counter()
    try:
        r = session.post(url + "/_dash-update-component" + query, data=json.dumps(body), timeout=TIMEOUT,
                         headers={"Content-Type": "application/json"})
    except requests.Timeout:
        return -1, time.perf_counter() - t0, None
    payload = r.json() if r.status_code == 200 and r.content else None
    return r.status_code, time.perf_counter() - t0, payload


def run_job(session, url: str, body: dict) -> list[int]:
    """A background callback the way the browser runs it: the request starts a job, then the page polls
    with the signed handles until the job's answer (or 204) comes back. Every status seen, in order."""
    status, _, payload = post(session, url, body)
    statuses = [status]
    if status != 200 or not payload or "cacheKey" not in payload:
        return statuses
    query = "?" + urlencode({"cacheKey": payload["cacheKey"], "job": payload["job"]})
    deadline = time.perf_counter() + JOB_SECONDS
    while time.perf_counter() < deadline:
        time.sleep(0.3)
        status, _, reply = post(session, url, body, query)
        statuses.append(status)
        if status != 200 or (reply and "response" in reply):
            return statuses
    return [*statuses, -1]  # never answered


# ----------------------------------------------------------------------------- hostile variants
def slots(cb: Callback):
    """(section, index, item or None, path) for every value and nested field of every input / state."""
    for section in ("inputs", "state"):
        for i, item in enumerate(getattr(cb, section)):
            entries = item if isinstance(item, list) else [item]
            for j, entry in enumerate(entries):
                sub = j if isinstance(item, list) else None
                stack = [((), entry["value"])]
                while stack:
                    path, value = stack.pop()
                    yield section, i, sub, path
                    if len(path) < 4 and isinstance(value, dict):
                        stack.extend(((*path, k), v) for k, v in list(value.items())[:12])
                    elif len(path) < 4 and isinstance(value, list) and value and len(value) <= 12:
                        stack.extend(((*path, k), v) for k, v in enumerate(value[:3]))


def variant(cb: Callback, section: str, i: int, sub, path: tuple, hostile) -> dict:
    group = json.loads(json.dumps(getattr(cb, section), allow_nan=True))  # a deep copy
    entry = group[i][sub] if sub is not None else group[i]
    if not path:
        entry["value"] = hostile
    else:
        target = entry["value"]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = hostile
    return cb.body(**{section: group})


def test_no_hostile_request_gets_a_server_error_or_hangs(base_url):
    session = requests.Session()
    layout = session.get(base_url + "/_dash-layout", timeout=TIMEOUT)
    deps = session.get(base_url + "/_dash-dependencies", timeout=TIMEOUT)
    assert layout.status_code == deps.status_code == 200
    components = layout_props(layout.json())
    callbacks = [Callback(d, components) for d in deps.json() if d.get("clientside_function") is None]
    assert len(callbacks) >= 16, [cb.name for cb in callbacks]
    by_output = {cb.output.split("@")[0][:40]: cb for cb in callbacks}

    # valid requests first, in the page's order: the main update (its drawn key feeds the next ones), Live
    main = next(cb for cb in callbacks if cb.output.startswith(f"..{ids.SETTINGS}.data...{ids.DRAWN}.data"))
    status, _, payload = post(session, base_url, main.body())
    assert status == 200, "the first render must succeed"
    # the first view (and its drawn key) is in the layout: the first update may have nothing to redraw
    drawn = payload["response"].get(ids.DRAWN, {}).get("data") or components[id_key(ids.DRAWN)][1]["data"]
    live_on = next(cb for cb in callbacks if cb.output.startswith(f"..{ids.LIVE}.data"))
    status, _, payload = post(session, base_url, live_on.body())
    assert status == 200
    live = payload["response"][ids.LIVE]["data"]
    assert live["on"] is True and isinstance(live["token"], str)  # signed, not plain checkpoints
    for cb in callbacks:
        cb.set_value(ids.DRAWN, "data", drawn)
        cb.set_value(ids.LIVE, "data", live)
    valid = Counter()
    for cb in callbacks:
        if cb.background:
            seen = run_job(session, base_url, cb.body())
            valid[seen[-1]] += 1
            assert all(s in (200, 204) for s in seen), (cb.name, seen)
            continue
        status, seconds, _ = post(session, base_url, cb.body())
        valid[status] += 1
        assert status in (200, 204) and seconds < TIMEOUT, (cb.name, status, seconds)

    # hostile variants: every field, a seeded sample of values (ALWAYS plus PER_FIELD others)
    rng = random.Random(10)
    jobs, background = [], []
    for cb in callbacks:
        for section, i, sub, path in slots(cb):
            names = [*ALWAYS, *rng.sample(sorted(set(HOSTILE) - set(ALWAYS)), PER_FIELD)]
            if cb.background:  # each request forks an export job: its inputs get two values, not every field
                if path:
                    continue
                names = ["None", "nest200"]
            for name in names:
                job = (cb.name, section, path, name, variant(cb, section, i, sub, path, HOSTILE[name]))
                (background if cb.background else jobs).append(job)
    started = time.perf_counter()

    def send(job):
        with requests.Session() as s:
            return job, *post(s, base_url, job[-1])[:2]

    statuses, slow, errors = Counter(), [], []
    with ThreadPoolExecutor(WORKERS) as pool:
        for job, status, seconds in pool.map(send, jobs):
            statuses[status] += 1
            if status >= 500 or status < 0:
                errors.append((job[:4], status))
            if seconds >= TIMEOUT:
                slow.append((job[:4], round(seconds, 2)))
    for job in background:  # one at a time: each forks a job, polled to its end
        seen = run_job(session, base_url, job[-1])
        for status in seen:
            statuses[status] += 1
        if any(s >= 500 or s < 0 for s in seen):
            errors.append((job[:4], seen))
    elapsed = time.perf_counter() - started
    print(f"\nfuzz: {len(callbacks)} server callbacks ({len(by_output)} outputs), valid {dict(valid)}; "
          f"{len(jobs)} hostile requests + {len(background)} background jobs in {elapsed:.0f} s, "
          f"statuses {dict(sorted(statuses.items()))}, "
          f"slowest allowed {TIMEOUT:g} s, {len(slow)} slow, {len(errors)} errors")
    assert not errors, errors[:20]
    assert not slow, slow[:20]

    # and the server still serves a normal page
    status, seconds, payload = post(session, base_url, main.body())
    assert status == 200 and seconds < TIMEOUT and ids.STATUS in payload["response"]  # SETTINGS: not echoed (D4)
    assert "went wrong" not in json.dumps(payload["response"])
    assert session.get(base_url + "/_dash-layout", timeout=TIMEOUT).status_code == 200
