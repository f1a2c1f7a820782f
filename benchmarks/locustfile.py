"""A class of students on one server (issue 10): locust users replaying what the page really sends.

Run through benchmarks/bench_load.py, which records the flows first (headless Chromium on the page) and
points DL_FLOWS at them; by hand:

    locust -f benchmarks/locustfile.py --headless -u 100 -r 20 -t 60s --host http://127.0.0.1:PORT

Each simulated student waits 3–7 s between actions; 1 action in 5 is a first page view (GET / with every
asset, /_dash-layout, /_dash-dependencies and the initial callbacks, in the browser's order), 4 in 5 an
η change of the first optimizer (the POSTs the page sends after a new value in its η box, the value drawn
at random so no two requests are the same). Requests the browser had in flight together are sent together
(each waits only for those that had answered before it started). Each request is reported under its own
name, and the whole flow under "page view" / "η change" (type FLOW), which is what a student waits for.

With DL_PHASE (a file bench_load.py rewrites: "quiet", "exports", …) every name gets the phase the flow
started in, as " [exports]"; a flow that ended in another phase is reported as " [switching]". So one run
measures the class with and without exports, on the same machine at nearly the same moment.
"""

from __future__ import annotations

import json
import os
import random
import time

import gevent
from bench_load import with_eta  # same directory; the standard library only at import
from locust import HttpUser, between, task

FLOWS = json.loads(open(os.environ.get("DL_FLOWS", "benchmarks/flows.json"), encoding="utf-8").read())
PHASE_FILE = os.environ.get("DL_PHASE")


def phase() -> str:
    if not PHASE_FILE:
        return ""
    try:
        with open(PHASE_FILE, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return "?"


class Student(HttpUser):
    wait_time = between(3, 7)

    def _send(self, flow: str, req: dict, eta: float | None, waits: list, failed: list, tag: str) -> None:
        gevent.joinall(waits)  # what this request waited for in the browser
        name = f"{flow}: {req['name']}{tag}"
        if req["method"] == "GET":
            res_cm = self.client.get(req["path"], name=name, catch_response=True)
        else:
            body = with_eta(req["body"], eta) if eta is not None else req["body"]
            res_cm = self.client.post(req["path"], json=body, name=name, catch_response=True)
        with res_cm as res:
            if res.status_code not in ((200,) if req["method"] == "GET" else (200, 204)):
                failed.append(req["name"])
                res.failure(f"HTTP {res.status_code}")

    def _replay(self, flow: str, requests: list[dict], eta: float | None = None) -> None:
        """The flow as the browser ran it: each request once those it waited for have answered, the rest
        at the same time (the page fires its initial callbacks together)."""
        start, failed, sent, began = time.perf_counter(), [], [], phase()
        tag = f" [{began}]" if began else ""
        for req in requests:
            waits = [sent[j] for j in req.get("after", range(len(sent)))]
            sent.append(gevent.spawn(self._send, flow, req, eta, waits, failed, tag))
        gevent.joinall(sent)
        ok = not failed
        if began and phase() != began:
            tag = " [switching]"
        self.environment.events.request.fire(
            request_type="FLOW", name=flow + tag, response_time=(time.perf_counter() - start) * 1000,
            response_length=0, exception=None if ok else RuntimeError(f"{flow} had a failed request"),
            context={})

    @task(1)
    def page_view(self) -> None:
        self._replay("page view", FLOWS["page"])

    @task(4)
    def eta_change(self) -> None:
        self._replay("η change", FLOWS["eta"], eta=10 ** random.uniform(-1.5, 0.2))
