"""Exports as background callbacks (issues 10 and 12), through the real HTTP API of a real server:

(a) DiskCache (the default) under `gunicorn -w 2`: the job reports its stages as progress, Cancel stops the
    job's process, and the workers are free afterwards (a normal callback answers, the next export works);
(b) Celery + Redis (REDIS_URL): a real `redis-server` and a real `celery -A app:celery_app worker` run one
    export to the end.

The client speaks the page's protocol: POST the callback; the answer is a job (signed cacheKey and job
handles); POST again with the handles until the answer holds the response, reading `progress` meanwhile.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time

import psutil
import pytest
from test_export_priority import SCHED_IDLE, SCHED_OTHER, policies
from test_serving import ROOT, callback_body, dependencies, free_port, gunicorn, page_config, post, stop

from scenarios.settings import defaults

EXPORT_OUTPUT = "dl-export-download.data"
STAGE = "dl-export-stage.children"
WAITING = {f"waiting: {n} export{'s' * (n > 1)} running, this one starts when one ends" for n in range(1, 65)}


def export_body(deps: list[dict], fmt: str, settings: dict | None = None) -> dict:
    return callback_body(deps, EXPORT_OUTPUT, {
        "dl-export.n_clicks": 1, "dl-export-format.value": fmt, "dl-export-plot.value": "contour",
        "dl-export-scale.value": 1, "dl-export-theme.value": "white", "dl-settings.data": settings or defaults()})


def blank(body: dict) -> dict:
    """What the page sends while polling: the same callback with every value nulled."""
    return {**body, "inputs": [{**i, "value": None} for i in body["inputs"]],
            "state": [{**s, "value": None} for s in body["state"]]}


class Job:
    """One background callback, started and polled as the page does."""

    def __init__(self, base: str, end_id: str, body: dict):
        self.base, self.end_id, self.body = base, end_id, body
        status, answer = post(base, body, end_id)
        assert status == 200 and "cacheKey" in answer and "job" in answer, (status, answer)
        self.cache_key, self.job = answer["cacheKey"], answer["job"]
        self.progress: list[dict] = []

    @property
    def pid(self) -> int:
        return int(self.job.split("~")[0])  # the signed handle is "<pid>~<signature>"

    def poll(self) -> tuple[int, dict]:
        status, answer = post(self.base, blank(self.body), self.end_id, cacheKey=self.cache_key, job=self.job)
        if answer.get("progress"):
            self.progress.append(answer["progress"])
        return status, answer

    def result(self, seconds: float = 120) -> dict:
        deadline = time.time() + seconds
        while time.time() < deadline:
            status, answer = self.poll()
            assert status == 200, status
            if "response" in answer:
                return answer["response"]
            time.sleep(0.05)
        raise AssertionError(f"no result within {seconds} s; progress seen: {self.progress}")


def downloaded(response: dict) -> bytes:
    data = response["dl-export-download"]["data"]
    return base64.b64decode(data["content"]) if data.get("base64") else data["content"].encode()


def is_render_service(proc: psutil.Process) -> bool:
    try:
        return "layouts.chromium" in " ".join(proc.cmdline())
    except psutil.Error:  # a finished job (a zombie until its worker reaps it), or gone
        return False


def stopped(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


# ----------------------------------------------------------------------------- one Chromium per worker
def _tiny_figure() -> dict:
    return {"data": [{"type": "scatter", "x": [0, 1], "y": [1, 0]}], "layout": {"width": 200, "height": 150}}


def _render_in_fork(queue) -> None:
    from layouts import chromium

    png = chromium.render_images([_tiny_figure()], "png")[0]
    queue.put((png[:8], chromium.session_browser_pid()))


def test_a_forked_export_job_renders_with_its_workers_chromium_and_a_dead_one_is_restarted():
    """What a DiskCache job does: it is a fork of the web worker, and asks the worker's render service,
    so it starts no browser of its own; and when that browser dies, the next image starts a new one."""
    from multiprocess import Process, Queue

    from layouts import chromium

    chromium.start_render_service()
    assert chromium.render_images([_tiny_figure()], "png")[0][:8] == b"\x89PNG\r\n\x1a\n"
    browser = chromium.service_browser_pid()
    assert browser is not None and chromium.session_browser_pid() is None  # the worker starts no browser
    queue = Queue()
    job = Process(target=_render_in_fork, args=(queue,))
    job.start()
    head, own_browser = queue.get(timeout=120)
    job.join(30)
    assert head == b"\x89PNG\r\n\x1a\n" and own_browser is None
    assert chromium.service_browser_pid() == browser  # the same browser served the job
    chromium_proc = psutil.Process(browser).children()[0]  # the session's pid is choreographer's pipe wrapper
    assert "chromium" in chromium_proc.name()
    for proc in [*chromium_proc.children(recursive=True), chromium_proc]:  # a crash: the browser is gone
        proc.kill()
    psutil.wait_procs([chromium_proc], timeout=10)
    assert chromium.render_images([_tiny_figure()], "png")[0][:8] == b"\x89PNG\r\n\x1a\n"
    assert chromium.service_browser_pid() not in (None, browser)


def test_a_session_whose_loop_thread_died_renders_on_a_new_one():
    """The session's event-loop thread can die (an exception raised into it); the next image must not wait
    on a loop that no longer runs (it did: a 120 s time-out, twice) but start a new loop and browser."""
    from layouts import chromium

    session = chromium.KaleidoSession()  # what the render service (and the CLI) render with
    try:
        assert session.render([_tiny_figure()], "png", 1.0)[0][:8] == b"\x89PNG\r\n\x1a\n"
        old_thread = session._thread
        session._loop.call_soon_threadsafe(session._loop.stop)  # run_forever returns: the thread ends
        old_thread.join(10)
        assert not old_thread.is_alive()
        started = time.monotonic()
        assert session.render([_tiny_figure()], "png", 1.0)[0][:8] == b"\x89PNG\r\n\x1a\n"
        assert time.monotonic() - started < 60 and session._thread is not old_thread
    finally:
        session.close()


# ----------------------------------------------------------------------------- (a) DiskCache
@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with gunicorn({"DESCENT_LAB_CACHE": str(tmp_path_factory.mktemp("cache"))}) as base:
        yield base, page_config(base)["end_id"], dependencies(base)


def test_gif_export_reports_its_stages_and_ends_with_the_file(served):
    base, end_id, deps = served
    job = Job(base, end_id, export_body(deps, "gif"))
    gif = downloaded(job.result())
    assert gif[:6] == b"GIF89a"
    stages = [p[STAGE] for p in job.progress]
    assert stages, "no progress was reported"
    assert set(stages) <= {"running the optimizers", "rendering the map in Chromium", "encoding the GIF"} | \
        {f"drawing frame {k}/60" for k in range(1, 61)} | WAITING, stages
    done = [int(p["dl-export-progress.value"]) for p in job.progress]
    assert done == sorted(done) and {p["dl-export-progress.max"] for p in job.progress} <= {"3", "63"}


def test_two_students_exporting_the_same_view_at_once_both_get_the_file(served):
    base, end_id, deps = served
    body = export_body(deps, "csv")
    first, second = Job(base, end_id, body), Job(base, end_id, body)
    assert first.cache_key != second.cache_key
    assert downloaded(second.result()) == downloaded(first.result())


def test_cancel_stops_the_job_and_the_workers_stay_free(served):
    base, end_id, deps = served
    heavy = {**defaults(), "steps": 3000, "starts": 20,
             "optimizers": ["gd:eta=1", "momentum:eta=1,gamma=0.9", "nag:eta=1,gamma=0.9", "adam:eta=0.1"]}
    job = Job(base, end_id, export_body(deps, "gif", heavy))
    deadline = time.time() + 60
    while not job.progress and time.time() < deadline:
        job.poll()
        time.sleep(0.05)
    assert job.progress, "the job never reported progress"
    assert not stopped(job.pid)
    # it runs under SCHED_IDLE (every thread), its web worker does not
    worker = psutil.Process(job.pid).parent()
    assert set(policies(job.pid).values()) == {SCHED_IDLE}, policies(job.pid)
    assert set(policies(worker.pid, tree=False).values()) == {SCHED_OTHER}
    cancel = callback_body(deps, "dl-export-cancel.id", {"dl-export-cancel.n_clicks": 1})
    status, _ = post(base, cancel, end_id, cancelJob=job.job)
    assert status in (200, 204)
    deadline = time.time() + 10
    while not stopped(job.pid) and time.time() < deadline:
        time.sleep(0.1)
    assert stopped(job.pid), "the cancelled job is still running"
    status, answer = job.poll()  # the page's last poll: no result, nothing to download
    assert status in (200, 204) and "dl-export-download" not in answer.get("response", {})
    # the workers are free: a normal callback answers at once, and the next export runs to the end
    t = time.perf_counter()
    status, answer = post(base, callback_body(deps, "dl-noop-out.children", {"dl-noop.n_clicks": 7}), end_id)
    assert status == 200 and answer["response"]["dl-noop-out"]["children"] == "7"
    assert time.perf_counter() - t < 5
    png = downloaded(Job(base, end_id, export_body(deps, "png")).result())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # the PNG was drawn by a worker's render service, in a Chromium under SCHED_IDLE like the service
    services = [c for c in psutil.Process(worker.pid).parent().children(recursive=True) if is_render_service(c)]
    assert len(services) == 2  # one per worker
    trees = [policies(s.pid) for s in services]
    assert any(len({pid for pid, _ in t}) >= 3 for t in trees)  # the one that rendered has its browser
    assert all(set(t.values()) == {SCHED_IDLE} for t in trees), trees


# ----------------------------------------------------------------------------- (b) Celery + Redis
def _wait_redis(port: int, proc: subprocess.Popen) -> None:
    import redis

    client = redis.Redis(port=port)
    deadline = time.time() + 20
    while time.time() < deadline:
        assert proc.poll() is None, "redis-server exited"
        try:
            if client.ping():
                return
        except redis.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("redis-server did not answer")


@pytest.mark.skipif(shutil.which("redis-server") is None,
                    reason="redis-server is not installed (Debian: apt-get install redis-server)")
def test_export_runs_on_a_celery_worker_through_redis(tmp_path):
    port = free_port()
    redis_proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    worker = None
    try:
        _wait_redis(port, redis_proc)
        env = {"REDIS_URL": f"redis://127.0.0.1:{port}/0", "DESCENT_LAB_CACHE": str(tmp_path / "unused")}
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app:celery_app", "worker",
                                   "--concurrency", "1", "--pool", "solo", "--loglevel", "warning",
                                   "--without-gossip", "--without-mingle", "--without-heartbeat"],
                                  cwd=ROOT, env={**os.environ, **env})
        with gunicorn(env) as base:
            end_id, deps = page_config(base)["end_id"], dependencies(base)
            job = Job(base, end_id, export_body(deps, "png"))
            png = downloaded(job.result(seconds=180))
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            assert worker.poll() is None
        assert not (tmp_path / "unused").exists(), "the web side used DiskCache although REDIS_URL was set"
    finally:
        if worker is not None:
            stop(worker)
        stop(redis_proc)
