"""Background-callback managers (DESIGN.md §6): Dash's DiskCache manager, minus a stall.

Dash's `DiskcacheManager.terminate_job` — called when a job's result is fetched, and on Cancel — kills the
job and then waits up to 1 s for it to go. A finished job stays a zombie until the worker that forked it
reaps it, so whenever the poll that fetches the result lands on the *other* gunicorn worker, that worker
sat idle for a full second (measured: 1 of 6 fetches took 1,077 ms instead of ~20 ms). Here a finished
job is left to its parent, a running one is killed without the wait, and a pid is only killed if it is
still one of ours (same command line: a fork of a sibling worker), never a process that reused the pid.

`export_slot()`: at most EXPORT_SLOTS exports of one server (the workers sharing a DiskCache directory,
or the Celery workers of one machine) render at once — a GIF may hold 400 MB of frames —; the others wait,
saying so in their progress label, and start when a slot frees.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dash
import psutil

CACHE_ENV = "DESCENT_LAB_CACHE"
EXPORT_SLOTS = max(1, os.cpu_count() or 1)  # exports rendering at once per server
SLOT_POLL = 0.25  # s between two looks for a free slot


def cache_dir() -> Path:
    """The DiskCache directory the workers of one machine share: DESCENT_LAB_CACHE, default <tmp>/descent-lab-<uid>."""
    return Path(os.environ.get(CACHE_ENV) or Path(tempfile.gettempdir()) / f"descent-lab-{os.getuid()}")


def slot_dir() -> Path:
    """Beside the server's DiskCache directory, so two servers on one machine — or two test runs — do not
    wait for each other."""
    cache = cache_dir()
    return cache.with_name(cache.name + "-export-slots")


@contextlib.contextmanager
def export_slot(progress: Callable[[int, int, str], None] | None = None, slots: int = EXPORT_SLOTS,
                where: Path | None = None) -> Iterator[int]:
    """Hold one of `slots` export slots of this machine while the block runs (yields its number). A slot is
    an flock on a file in `where`: the kernel releases it when the job ends in any way — Cancel kills the
    job — so a slot is never lost. Meanwhile `progress(0, 1, "waiting …")` says why nothing happens yet."""
    where = where or slot_dir()
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    while True:
        for k in range(slots):
            f = open(where / f"slot-{k}", "a")  # held open for the block: the lock lives with it
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.close()
                continue
            try:
                yield k
            finally:
                f.close()  # the lock goes with the file
            return
        if progress is not None:
            progress(0, 1, f"waiting: {slots} export{'s' * (slots > 1)} running, this one starts when one ends")
        time.sleep(SLOT_POLL)


class DiskcacheJobs(dash.DiskcacheManager):
    def terminate_job(self, job) -> None:
        if job is None:
            return
        try:
            proc = psutil.Process(int(job))
            if proc.status() == psutil.STATUS_ZOMBIE or proc.cmdline() != psutil.Process().cmdline():
                return  # finished (its parent reaps it), or the pid now belongs to someone else
            for p in [*proc.children(recursive=True), proc]:
                p.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
            pass
