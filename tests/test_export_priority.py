"""Exports never take CPU from the students' callbacks (issue 10): what runs an export — the job, the render
service and the Chromium it drives — runs under SCHED_IDLE, read back from the kernel (/proc/<pid>/task/
<tid>/sched, every thread: a policy is per thread), while the web worker stays a normal process; and at
most EXPORT_SLOTS exports run at once, the others waiting with a visible stage, a slot freed however its
job ends. (Under a real gunicorn: tests/test_background.py, the cancel test.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

SCHED_OTHER, SCHED_IDLE = 0, 5  # the kernel's numbers (include/uapi/linux/sched.h)
PNG = b"\x89PNG\r\n\x1a\n"


def kernel_policy(pid: int, tid: int) -> int:
    """The policy the kernel reports for one thread, from /proc (not through the os module under test)."""
    for line in Path(f"/proc/{pid}/task/{tid}/sched").read_text().splitlines():
        if line.startswith("policy"):
            return int(line.split(":")[1])
    raise AssertionError(f"no policy line for thread {tid} of {pid}")


def policies(pid: int, tree: bool = True) -> dict[tuple[int, int], int]:
    """{(pid, tid): policy} of every thread of a process and, with `tree`, of its descendants."""
    root = psutil.Process(pid)
    out = {}
    for proc in [root, *(root.children(recursive=True) if tree else [])]:
        try:
            for task in Path(f"/proc/{proc.pid}/task").iterdir():
                out[proc.pid, int(task.name)] = kernel_policy(proc.pid, int(task.name))
        except (FileNotFoundError, ProcessLookupError):  # ended meanwhile
            continue
    return out


def _tiny_figure() -> dict:
    return {"data": [{"type": "scatter", "x": [0, 1], "y": [1, 0]}], "layout": {"width": 200, "height": 150}}


SLEEPER = """
import subprocess, sys, threading, time
threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_lower_priority_puts_every_thread_of_a_process_and_its_children_under_sched_idle():
    from layouts.chromium import lower_priority

    proc = subprocess.Popen([sys.executable, "-c", SLEEPER], stdout=subprocess.PIPE, text=True)
    try:
        child = int(proc.stdout.readline())
        before = policies(proc.pid)
        assert len({pid for pid, _ in before}) == 2 and len(before) >= 3 and set(before.values()) == {SCHED_OTHER}
        lower_priority(proc.pid)
        after = policies(proc.pid)
        assert after.keys() == before.keys() and set(after.values()) == {SCHED_IDLE}, after
        assert psutil.Process(child).nice() >= 10  # and nice, where SCHED_IDLE were missing
        assert set(policies(os.getpid(), tree=False).values()) == {SCHED_OTHER}  # the caller is left alone
    finally:
        for p in psutil.Process(proc.pid).children(recursive=True):
            p.kill()
        proc.kill()
        proc.wait(10)


def allowed_cpus(pid: int, tid: int) -> str:
    for line in Path(f"/proc/{pid}/task/{tid}/status").read_text().splitlines():
        if line.startswith("Cpus_allowed_list:"):
            return line.split(":")[1].strip()
    raise AssertionError("no Cpus_allowed_list")


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores")
def test_with_export_cpus_set_every_thread_is_pinned_to_those_cores(monkeypatch):
    from layouts.chromium import EXPORT_CPUS_ENV, lower_priority

    last = max(os.sched_getaffinity(0))
    monkeypatch.setenv(EXPORT_CPUS_ENV, f"{last}, 999")  # a core this machine lacks is left out
    proc = subprocess.Popen([sys.executable, "-c", SLEEPER], stdout=subprocess.PIPE, text=True)
    try:
        proc.stdout.readline()
        lower_priority(proc.pid)
        threads = policies(proc.pid)
        assert {allowed_cpus(pid, tid) for pid, tid in threads} == {str(last)}
        assert set(threads.values()) == {SCHED_IDLE}
        monkeypatch.setenv(EXPORT_CPUS_ENV, "one")  # a typo: a warning, no pinning, no crash
        lower_priority(proc.pid)
    finally:
        for p in psutil.Process(proc.pid).children(recursive=True):
            p.kill()
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def service():
    from layouts import chromium

    chromium.start_render_service()
    assert chromium.render_images([_tiny_figure()], "png")[0][:8] == PNG
    yield chromium


def test_the_render_service_and_its_chromium_run_under_sched_idle_and_the_worker_does_not(service):
    """The worker (here: this test process) keeps only normal threads; the service it started, and every
    process and thread of the Chromium that service drives, are SCHED_IDLE."""
    own = policies(os.getpid(), tree=False)
    assert set(own.values()) == {SCHED_OTHER}, own
    service_pid, browser = service.service_pid(), service.service_browser_pid()
    assert service_pid is not None and browser is not None
    tree = policies(service_pid)
    names = {psutil.Process(pid).name() for pid, _ in tree}
    assert browser in {pid for pid, _ in tree} and any("chrom" in n for n in names), names
    assert len({pid for pid, _ in tree}) >= 3  # the service, kaleido's wrapper, Chromium and its renderers
    assert set(tree.values()) == {SCHED_IDLE}, {k: v for k, v in tree.items() if v != SCHED_IDLE}


def test_a_render_service_that_died_is_started_again_by_its_worker(service):
    old = service.service_pid()
    victims = [psutil.Process(old), *psutil.Process(old).children(recursive=True)]
    for p in victims:
        p.kill()
    psutil.wait_procs(victims, timeout=10)
    assert service.render_images([_tiny_figure()], "png")[0][:8] == PNG
    new = service.service_pid()
    assert new not in (None, old) and set(policies(new).values()) == {SCHED_IDLE}


# ----------------------------------------------------------------------------- export slots
def test_an_export_beyond_the_slots_waits_saying_so_and_starts_when_a_slot_frees(tmp_path):
    from layouts.jobs import export_slot

    stages, got = [], []

    def second():
        with export_slot(lambda done, total, stage: stages.append(stage), slots=1, where=tmp_path) as k:
            got.append(k)

    with export_slot(slots=1, where=tmp_path) as first:
        assert first == 0
        t = threading.Thread(target=second)
        t.start()
        deadline = time.time() + 10
        while not stages and time.time() < deadline:
            time.sleep(0.05)
        assert not got and stages and stages[0].startswith("waiting: 1 export running"), stages
    t.join(10)
    assert got == [0]


def test_the_slots_belong_to_one_server_its_cache_directory(monkeypatch, tmp_path):
    from layouts.jobs import slot_dir

    monkeypatch.setenv("DESCENT_LAB_CACHE", str(tmp_path / "one"))
    one = slot_dir()
    monkeypatch.setenv("DESCENT_LAB_CACHE", str(tmp_path / "two"))
    assert one != slot_dir() and one.parent == tmp_path and not one.is_relative_to(tmp_path / "one")


def test_two_slots_let_two_exports_run_at_once(tmp_path):
    from layouts.jobs import export_slot

    with export_slot(slots=2, where=tmp_path) as a, export_slot(slots=2, where=tmp_path) as b:
        assert {a, b} == {0, 1}


HOLDER = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from layouts.jobs import export_slot
with export_slot(slots=1, where=Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_slot_is_freed_when_its_job_is_killed(tmp_path):
    """Cancel kills the job's process: its slot must not stay taken."""
    from layouts.jobs import export_slot

    root = str(Path(__file__).resolve().parents[1])
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path), root], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        stages = []

        def wait_for_slot():
            with export_slot(lambda *stage: stages.append(stage), slots=1, where=tmp_path):
                pass

        waiter = threading.Thread(target=wait_for_slot, daemon=True)
        waiter.start()
        deadline = time.time() + 10
        while not stages and time.time() < deadline:
            time.sleep(0.05)
        assert stages, "the second export did not wait for the slot"
        holder.kill()
        holder.wait(10)
        waiter.join(10)
        assert not waiter.is_alive(), "the killed job's slot was not freed"
    finally:
        holder.kill()
