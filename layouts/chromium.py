"""One Chromium per server process for kaleido (PNG / SVG / GIF exports), kept alive between exports and
restarted when it dies: only the first image pays for the browser's start.

    render_images(figures, fmt, scale) -> bytes per figure
      ├─ in the process that owns the session (CLI, Celery worker, tests): the session's event-loop thread
      └─ in a forked export job (DiskCache runs each background callback in a fork of the web worker):
         over a Unix socket to the render service of the worker that forked it, so the browser outlives
         the job and cancelling a job kills only the job

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
import tempfile
import threading
from multiprocessing.connection import Client, Listener
from pathlib import Path

log = logging.getLogger(__name__)

BROWSER = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")
RENDER_SECONDS = 120  # one image, before kaleido gives up
START_SECONDS = 60  # the browser's start
REPLY_SECONDS = RENDER_SECONDS * 2  # a job waiting for the service (it may be rendering another job's image)
EXPORT_NICE = 10  # exports (jobs and the browser) yield the CPU to the page's callbacks


def lower_priority(pid: int | None = None) -> None:
    """Give a process (default: this one) and its children EXPORT_NICE, so on a busy machine the
    students' callbacks run first and exports take the CPU that is left."""
    import psutil

    try:
        proc = psutil.Process(pid)
        for p in [proc, *proc.children(recursive=True)]:
            if p.nice() < EXPORT_NICE:
                p.nice(EXPORT_NICE)
    except (psutil.Error, OSError) as err:  # gone already, or not ours to change
        log.debug("could not lower the priority of %s: %s", pid, err)


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
        await asyncio.wait_for(k.open(), START_SECONDS)
        lower_priority(k.subprocess.pid)  # the renderers it starts later inherit it
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
    """A Unix-socket listener in a web worker: its forked export jobs send (figures, fmt, scale) and get
    the images back from this process's session. One thread per connection; the session serialises."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.authkey = secrets.token_bytes(32)
        self.address = str(Path(tempfile.mkdtemp(prefix="dl-render-")) / "sock")
        self._listener = Listener(self.address, family="AF_UNIX", authkey=self.authkey)
        self._closed = False
        threading.Thread(target=self._accept, name="render-service", daemon=True).start()
        atexit.register(self.close)

    def _accept(self) -> None:
        while True:
            try:
                conn = self._listener.accept()
            except Exception:  # closed, or a client that failed the handshake
                if self._closed:
                    return
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn) -> None:
        with conn:
            try:
                figures, fmt, scale = conn.recv()
                conn.send(("ok", _SESSION.render(figures, fmt, scale)))
            except Exception as err:  # the job hears why; the service goes on
                try:
                    conn.send(("error", str(err)))
                except OSError:  # the job was cancelled meanwhile
                    pass

    def close(self) -> None:
        if os.getpid() == self.pid and not self._closed:
            self._closed = True
            self._listener.close()
            Path(self.address).unlink(missing_ok=True)
            Path(self.address).parent.rmdir()


_SERVICE: RenderService | None = None


def start_render_service() -> None:
    """Listen for this process's forked export jobs (idempotent; the browser starts on the first image)."""
    global _SERVICE
    if _SERVICE is None or _SERVICE.pid != os.getpid():
        _SERVICE = RenderService()


def render_images(figures: list, fmt: str, scale: float = 1.0) -> list[bytes]:
    """PNG or SVG bytes for each figure (go.Figure or its dict), through this process's browser or, in a
    job forked from a web worker, through that worker's."""
    service = _SERVICE
    if service is None or service.pid == os.getpid():
        return _SESSION.render(figures, fmt, scale)
    figures = [f if isinstance(f, dict) else f.to_dict() for f in figures]
    try:
        with Client(service.address, family="AF_UNIX", authkey=service.authkey) as conn:
            conn.send((figures, fmt, scale))
            if not conn.poll(REPLY_SECONDS * len(figures)):
                raise RenderError(f"no image from the render service within {REPLY_SECONDS * len(figures)} s")
            status, value = conn.recv()
    except (OSError, EOFError) as err:  # the worker is gone: render here (slow, but the export succeeds)
        log.warning("render service unreachable (%s); rendering in the job", err)
        try:
            return _SESSION.render(figures, fmt, scale)
        finally:  # a forked job ends with os._exit: atexit would not close this browser
            _SESSION.close()
    if status != "ok":
        raise RenderError(value)
    return value


def session_browser_pid() -> int | None:
    """The pid of this process's Chromium, if running (tests and benchmarks)."""
    return _SESSION.browser_pid()
