"""One Chromium per server process for kaleido (PNG / SVG / GIF exports), kept alive between exports and
restarted when it dies: only the first image pays for the browser's start.

    render_images(figures, fmt, scale) -> bytes per figure
      ├─ no render service (CLI, Celery worker, tests): this process's session (its event-loop thread)
      └─ a web worker and the export jobs it forks (DiskCache runs each background callback in a fork of
         the worker): over a Unix socket to the worker's render service, a child process that owns the
         session, so the browser outlives the jobs and cancelling a job kills only the job

Exports never take CPU from the students' callbacks: the export job (`lower_priority()` in the callback),
the render service and the Chromium it starts (they inherit it) run under SCHED_IDLE — on CPU time no
normal process wants, and a callback that wakes up preempts them at once (at nice 10 an export still
took ~10 % of a busy core from the callbacks). The web worker itself keeps no export thread: a
low-priority thread there could hold the GIL while the worker waits for it.

The browser is the system one (BROWSER_PATH, default /usr/bin/chromium); kaleido never downloads one.
The session and the service are process infrastructure, like a connection pool: no user data is kept
between calls.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Client, Listener
from pathlib import Path

log = logging.getLogger(__name__)

BROWSER = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")
RENDER_SECONDS = 120  # one image, before kaleido gives up
START_SECONDS = 60  # the browser's start
REPLY_SECONDS = RENDER_SECONDS * 2  # a job waiting for the service (it may be rendering another job's image)
EXPORT_NICE = 10  # where SCHED_IDLE is missing: exports (jobs and the browser) yield the CPU this way
EXPORT_CPUS_ENV = "DESCENT_LAB_EXPORT_CPUS"  # e.g. "1" or "2,3": pin exports to these cores (default: any)


def lower_priority(pid: int | None = None) -> None:
    """Put a process (default: this one) and its children under SCHED_IDLE — every thread: a policy is
    per thread, and what they start later inherits it — so on a busy machine the students' callbacks
    run first and exports take only the CPU that is left. Where SCHED_IDLE is missing: nice EXPORT_NICE."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error as err:  # gone already
        log.debug("could not lower the priority of %s: %s", pid, err)
        return
    for p in procs:
        try:
            threads = [t.id for t in p.threads()]
        except psutil.Error:
            continue
        for tid in threads:
            try:
                _lower_thread(tid)
            except OSError as err:  # gone meanwhile, or not ours to change
                log.debug("could not lower the priority of thread %s: %s", tid, err)


def _lower_thread(tid: int) -> None:
    if os.getpriority(os.PRIO_PROCESS, tid) < EXPORT_NICE:  # Linux: per thread; it also lowers the I/O priority
        os.setpriority(os.PRIO_PROCESS, tid, EXPORT_NICE)
    if hasattr(os, "SCHED_IDLE") and os.sched_getscheduler(tid) != os.SCHED_IDLE:
        os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
    cpus = export_cpus()
    if cpus:
        os.sched_setaffinity(tid, cpus)


def export_cpus() -> set[int]:
    """The cores of DESCENT_LAB_EXPORT_CPUS that this machine has (empty: exports may run on any core)."""
    try:
        wanted = {int(c) for c in os.environ.get(EXPORT_CPUS_ENV, "").replace(" ", "").split(",") if c}
    except ValueError:
        log.warning("%s must be core numbers like 1 or 2,3; ignored", EXPORT_CPUS_ENV)
        return set()
    return wanted & os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()


class RenderError(RuntimeError):
    """An image could not be made (browser missing, crashed twice, timed out); the message says which."""


class KaleidoSession:
    """A kaleido.Kaleido (one Chromium, one tab) on its own event-loop thread; calls are serialised."""

    def __init__(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None

    def render(self, figures: list, fmt: str, scale: float) -> list[bytes]:
        self._after_fork()
        with self._lock:
            try:
                return self._run(self._calc_all(figures, fmt, scale), RENDER_SECONDS * len(figures))
            except Exception as err:  # the browser died or hung: one fresh browser, one more try
                log.warning("Chromium failed (%s: %s); restarting it", type(err).__name__, err)
                self._close_browser()
                try:
                    return self._run(self._calc_all(figures, fmt, scale), RENDER_SECONDS * len(figures))
                except Exception as again:
                    self._close_browser()
                    raise RenderError(f"Chromium ({BROWSER}) could not render the image: {again}") from again

    def alive(self) -> bool:
        self._after_fork()
        k = self._kaleido
        return k is not None and getattr(k, "subprocess", None) is not None and k.subprocess.poll() is None

    def browser_pid(self) -> int | None:
        return self._kaleido.subprocess.pid if self.alive() else None

    def close(self) -> None:
        if self._pid == os.getpid():
            with self._lock:
                self._close_browser()

    # ------------------------------------------------------------------ internals
    def _after_fork(self) -> None:
        if self._pid != os.getpid():  # a fork: the parent's loop thread and browser are not ours
            self._pid, self._lock, self._loop, self._kaleido = os.getpid(), threading.Lock(), None, None
            self._thread = None

    def _run(self, coro, timeout: float):
        if self._loop is None or not self._thread.is_alive():  # none yet, or its thread died: a new loop
            self._drop_dead_browser()
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido-loop", daemon=True)
            self._thread.start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _drop_dead_browser(self) -> None:
        """The browser of a loop that no longer runs cannot be driven: end its process and forget it
        (a loop thread can die of an exception raised into it, e.g. SystemExit at interpreter teardown)."""
        k, self._kaleido = self._kaleido, None
        proc = getattr(k, "subprocess", None)
        if proc is not None and proc.poll() is None:
            proc.kill()

    async def _calc_all(self, figures: list, fmt: str, scale: float) -> list[bytes]:
        if not self.alive():
            await self._open()
        out = []
        for fig in figures:
            layout = fig["layout"] if isinstance(fig, dict) else fig.layout
            width, height = (layout.get("width"), layout.get("height")) if isinstance(layout, dict) else \
                (layout.width, layout.height)
            opts = {"format": fmt, "width": width, "height": height, "scale": scale}
            out.append(await self._kaleido.calc_fig(fig, opts=opts))
        return out

    async def _open(self) -> None:
        import kaleido

        if self._kaleido is not None:
            await self._close_kaleido()
        if not Path(BROWSER).exists():
            raise RenderError(f"no browser at {BROWSER} (Debian: apt install chromium; or set BROWSER_PATH)")
        k = kaleido.Kaleido(n=1, timeout=RENDER_SECONDS, mathjax=False, path=BROWSER)
        await asyncio.wait_for(k.open(), START_SECONDS)  # it inherits this process's priority
        self._kaleido = k

    async def _close_kaleido(self) -> None:
        k, self._kaleido = self._kaleido, None
        try:
            await asyncio.wait_for(k.close(), 10)
        except Exception as err:  # already dead: make sure the process is gone
            log.debug("closing Chromium: %s", err)
        proc = getattr(k, "subprocess", None)
        if proc is not None and proc.poll() is None:
            proc.kill()

    def _close_browser(self) -> None:
        if self._thread is not None and not self._thread.is_alive():
            self._drop_dead_browser()
        elif self._kaleido is not None and self._loop is not None:
            try:
                asyncio.run_coroutine_threadsafe(self._close_kaleido(), self._loop).result(20)
            except Exception as err:
                log.debug("Chromium did not close: %s", err)


_SESSION = KaleidoSession()
atexit.register(_SESSION.close)


class RenderService:
    """A web worker's render service: a child process (`python -m layouts.chromium`, under SCHED_IDLE) that
    owns the worker's Chromium session and listens on a Unix socket; the worker and the export jobs it
    forks send (figures, fmt, scale) and get the images back. A thread of the worker starts it again if it
    dies; it ends with the worker (its stdin, a pipe from the worker, reaches end of file)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.authkey = secrets.token_bytes(32)
        self.address = str(Path(tempfile.mkdtemp(prefix="dl-render-")) / "sock")
        self._closed = False
        self._proc = self._start()
        threading.Thread(target=self._watch, name="render-service-watch", daemon=True).start()
        atexit.register(self.close)

    @property
    def process_pid(self) -> int:
        return self._proc.pid

    def _start(self) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-m", "layouts.chromium", self.address],
                                cwd=Path(__file__).resolve().parents[1], stdin=subprocess.PIPE)
        proc.stdin.write(self.authkey.hex().encode() + b"\n")  # the rest of the pipe stays open: its life line
        proc.stdin.flush()
        return proc

    def _watch(self) -> None:
        while not self._closed:
            code = self._proc.wait()
            if self._closed:
                return
            log.warning("the render service exited (%s); starting it again", code)
            time.sleep(0.5)
            self._proc = self._start()

    def ask(self, request: tuple, seconds: float):
        """Send one request, wait `seconds` for the answer. A service that is (re)starting gets START_SECONDS
        to listen."""
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                conn = Client(self.address, family="AF_UNIX", authkey=self.authkey)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        with conn:
            conn.send(request)
            if not conn.poll(seconds):
                raise RenderError(f"no image from the render service within {seconds:.0f} s")
            status, value = conn.recv()
        if status != "ok":
            raise RenderError(value)
        return value

    def close(self) -> None:
        if os.getpid() == self.pid and not self._closed:
            self._closed = True
            self._proc.stdin.close()  # end of file: the service closes its browser and exits
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            Path(self.address).unlink(missing_ok=True)
            Path(self.address).parent.rmdir()


_SERVICE: RenderService | None = None


def start_render_service() -> None:
    """Start this process's render service, shared by the export jobs it forks (idempotent; the browser
    starts on the first image)."""
    global _SERVICE
    if _SERVICE is None or _SERVICE.pid != os.getpid():
        _SERVICE = RenderService()


def render_images(figures: list, fmt: str, scale: float = 1.0) -> list[bytes]:
    """PNG or SVG bytes for each figure (go.Figure or its dict), through the render service of this process
    or of the worker that forked this job; without one, through this process's own browser."""
    service = _SERVICE
    if service is None:
        return _SESSION.render(figures, fmt, scale)
    figures = [f if isinstance(f, dict) else f.to_dict() for f in figures]
    try:
        return service.ask(("render", figures, fmt, scale), REPLY_SECONDS * len(figures))
    except (OSError, EOFError) as err:  # the service is gone: render here (slow, but the export succeeds)
        log.warning("render service unreachable (%s); rendering in this process", err)
        try:
            return _SESSION.render(figures, fmt, scale)
        finally:  # a forked job ends with os._exit: atexit would not close this browser
            _SESSION.close()


def session_browser_pid() -> int | None:
    """The pid of this process's own Chromium, if running (tests and benchmarks)."""
    return _SESSION.browser_pid()


def service_browser_pid() -> int | None:
    """The pid of the render service's Chromium, if running (tests)."""
    return _SERVICE.ask(("pid",), 10) if _SERVICE is not None else None


def service_pid() -> int | None:
    """The pid of this process's render service (tests)."""
    return _SERVICE.process_pid if _SERVICE is not None and _SERVICE.pid == os.getpid() else None


# ----------------------------------------------------------------------------- the service's own process
def _serve(conn) -> None:
    with conn:
        try:
            request = conn.recv()
            if request[0] == "pid":
                conn.send(("ok", _SESSION.browser_pid()))
            else:
                _, figures, fmt, scale = request
                conn.send(("ok", _SESSION.render(figures, fmt, scale)))
        except Exception as err:  # the client hears why; the service goes on
            try:
                conn.send(("error", str(err)))
            except OSError:  # the job was cancelled meanwhile
                pass


def _exit_with_worker() -> None:
    sys.stdin.buffer.read()  # returns at end of file: the worker closed the pipe, or died
    _SESSION.close()
    os._exit(0)


def serve_forever(address: str) -> None:
    """The render service: SCHED_IDLE first, so every thread and the Chromium it starts inherit it; then the
    authkey from stdin, and a listener on `address` that renders with this process's one session."""
    lower_priority()
    authkey = bytes.fromhex(sys.stdin.buffer.readline().decode().strip())
    Path(address).unlink(missing_ok=True)  # a previous service of the same worker that died
    listener = Listener(address, family="AF_UNIX", authkey=authkey)
    threading.Thread(target=_exit_with_worker, name="worker-life-line", daemon=True).start()
    while True:
        try:
            conn = listener.accept()
        except Exception:  # a client that failed the handshake
            continue
        threading.Thread(target=_serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    serve_forever(sys.argv[1])
