"""A class of students on one server (issue 10): locust users replaying what the page really sends.

Run through benchmarks/bench_load.py, which records the flows first (headless Chromium on the page) and
points DL_FLOWS at them; by hand:

    locust -f benchmarks/locustfile.py --headless -u 100 -r 20 -t 60s --host http://127.0.0.1:PORT

Each simulated student waits 3–7 s between actions; 1 action in 5 is a first page view (GET / with every
asset, /_dash-layout, /_dash-dependencies and the initial callbacks, in the browser's order), 4 in 5 an
η change of the first optimizer (the POSTs the page sends after a new value in its η box, the value drawn
at random so no two requests are the same). Each request is reported under its own name, and the whole
flow under "page view" / "η change" (type FLOW), which is what a student waits for.
"""

from __future__ import annotations

import json
import os
import random
import time

from bench_load import with_eta  # same directory; the standard library only at import
from locust import HttpUser, between, task

FLOWS = json.loads(open(os.environ.get("DL_FLOWS", "benchmarks/flows.json"), encoding="utf-8").read())


class Student(HttpUser):
    wait_time = between(3, 7)

    def _replay(self, flow: str, requests: list[dict], eta: float | None = None) -> None:
        start = time.perf_counter()
        ok = True
        for req in requests:
            name = f"{flow}: {req['name']}"
            if req["method"] == "GET":
                with self.client.get(req["path"], name=name, catch_response=True) as res:
                    ok &= res.status_code == 200
                    if res.status_code != 200:
                        res.failure(f"HTTP {res.status_code}")
                continue
            body = with_eta(req["body"], eta) if eta is not None else req["body"]
            with self.client.post(req["path"], json=body, name=name, catch_response=True) as res:
                if res.status_code not in (200, 204):
                    ok = False
                    res.failure(f"HTTP {res.status_code}")
        self.environment.events.request.fire(
            request_type="FLOW", name=flow, response_time=(time.perf_counter() - start) * 1000,
            response_length=0, exception=None if ok else RuntimeError(f"{flow} had a failed request"),
            context={})

    @task(1)
    def page_view(self) -> None:
        self._replay("page view", FLOWS["page"])

    @task(4)
    def eta_change(self) -> None:
        self._replay("η change", FLOWS["eta"], eta=10 ** random.uniform(-1.5, 0.2))
