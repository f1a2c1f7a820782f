"""Serving a class (issue 10, DESIGN.md §6): `app.server` is built once per process, the CLI does not
import Dash, `gunicorn app:server` serves the page and its callbacks, and a request body over
MAX_REQUEST_BYTES is refused with 413 before it is read.

The helpers here (a gunicorn on a free port, callback bodies built from /_dash-dependencies the way the
browser builds them) are shared with tests/test_background.py.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from scenarios.budgets import MAX_REQUEST_BYTES
from scenarios.settings import defaults

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- helpers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"no answer from {url} within {seconds} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def gunicorn(env: dict | None = None, workers: int = 2):
    """`gunicorn app:server -w N -b 127.0.0.1:PORT --timeout 60` from the repository; yields its URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "app:server", "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--timeout", "60", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})})
    try:
        wait_for(f"http://127.0.0.1:{port}/_dash-layout", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as res:
        return res.status, res.read()


def page_config(base: str) -> dict:
    """The page's Dash config (holds end_id, the token background-callback handles are bound to)."""
    _, html = get(base + "/")
    found = re.search(rb'<script id="_dash-config" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def dependencies(base: str) -> list[dict]:
    return json.loads(get(base + "/_dash-dependencies")[1])


def _split_outputs(output: str) -> list[dict]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]


def callback_body(deps: list[dict], first_output: str, values: dict[str, object]) -> dict:
    """The POST body the browser sends for the (non-pattern) callback whose first output is `first_output`
    ("id.prop"); `values` maps "id.prop" of its inputs and states to their values; the first input is the
    one that changed."""
    dep = next(d for d in deps if d["output"].lstrip(".").startswith(first_output))
    outputs = _split_outputs(dep["output"])
    fill = lambda items: [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]
    first = dep["inputs"][0]
    return {"output": dep["output"], "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": fill(dep["inputs"]), "state": fill(dep["state"]),
            "changedPropIds": [f"{first['id']}.{first['property']}"]}


def post(base: str, body: dict, end_id: str | None = None, **params: str) -> tuple[int, dict]:
    query = "&".join(f"{k}={v}" for k, v in ({"endId": end_id, **params} if end_id else params).items())
    req = urllib.request.Request(f"{base}/_dash-update-component" + (f"?{query}" if query else ""),
                                 data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            raw = res.read()
            return res.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as err:
        return err.code, {}


def save_settings_body(deps: list[dict], settings: dict) -> dict:
    """The "Save settings" button: a cheap real callback that echoes the settings as a download."""
    return callback_body(deps, "dl-settings-download.data",
                         {"dl-save-settings.n_clicks": 1, "dl-settings.data": settings})


# ----------------------------------------------------------------------------- server object
def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_server_is_one_object_per_process_and_importing_app_does_not_import_dash():
    out = _python("import sys, app\n"
                  "print('dash' in sys.modules)\n"
                  "first = app.server\n"
                  "from app import server\n"
                  "from app import server as again\n"
                  "print(first is server is again, type(server).__name__)")
    assert out.splitlines() == ["False", "True Flask"]


def test_server_refuses_bodies_over_the_limit():
    import app

    flask_app = app.create_app().server
    assert flask_app.config["MAX_CONTENT_LENGTH"] == MAX_REQUEST_BYTES == 2_000_000


# ----------------------------------------------------------------------------- gunicorn
@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with gunicorn({"DESCENT_LAB_CACHE": str(tmp_path_factory.mktemp("cache"))}) as base:
        yield base


def test_gunicorn_serves_the_page_and_a_real_callback(served):
    status, html = get(served + "/")
    assert status == 200 and b"Descent Lab" in html
    config = page_config(served)
    settings = defaults()
    status, answer = post(served, save_settings_body(dependencies(served), settings), config["end_id"])
    assert status == 200
    download = answer["response"]["dl-settings-download"]["data"]
    assert download["base64"] and json.loads(base64.b64decode(download["content"])) == settings
    assert download["filename"].endswith("-settings.json")


def test_a_3_mb_body_gets_413_before_it_is_sent_whole(served):
    """Only the headers and 64 kB of a 3 MB body are sent: the answer must come anyway (the server
    refused on Content-Length and never waited for the rest)."""
    port = int(served.rsplit(":", 1)[1])
    size = 3_000_000
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(f"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode())
        sock.sendall(b"[" + b"0," * 32_000)
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 413"), status_line
    status, _ = get(served + "/_dash-layout")  # and the server goes on
    assert status == 200
