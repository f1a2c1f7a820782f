"""Descent Lab: `create_app()` builds the Dash app; `python app.py [serve|run|export|list]` is the CLI.

Serving (DESIGN.md §6): `gunicorn app:server -w N` — `server` (and `celery_app`) are module attributes
built once per process on first use, so the CLI never imports Dash. Heavy callbacks (exports) run as Dash
background callbacks, on one of two managers chosen by the environment:

    DESCENT_LAB_CACHE   DiskCache directory shared by the workers of one machine (default <tmp>/descent-lab-<uid>)
    REDIS_URL           Celery + Redis instead (redis://host:6379/0); run `celery -A app:celery_app worker`
    DESCENT_LAB_SECRET  key that signs background-job handles; set the same value on every machine
"""

from __future__ import annotations

import functools
import os
import secrets
import sys
from typing import TYPE_CHECKING

import cli
from scenarios.budgets import MAX_REQUEST_BYTES

if TYPE_CHECKING:
    import celery
    import dash

REDIS_ENV, SECRET_ENV = "REDIS_URL", "DESCENT_LAB_SECRET"  # DESCENT_LAB_CACHE: layouts/jobs.py (cache_dir)
CACHE_BYTES = 1_000_000_000  # DiskCache size limit: finished exports wait here until their page fetches them
JOB_RESULT_SECONDS = 3600  # a finished job's result is dropped after this (its page fetched it or left)


def create_app(background_manager=None) -> dash.Dash:
    """A fresh app with its own callbacks (several can live in one process). Dash is imported
    here, not at module level, so `python app.py run/list` starts in a fraction of the time.
    `background_manager`: where background callbacks run (default: `default_manager()`)."""
    import dash

    from layouts.callbacks import register_callbacks
    from layouts.chromium import start_render_service
    from layouts.page import build_page

    manager = background_manager or default_manager()
    app = dash.Dash(__name__, title="Descent Lab", serve_locally=True, suppress_callback_exceptions=True,
                    background_callback_manager=manager)
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)  # screen readers: the language
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES  # larger bodies: 413 before they are read
    app.server.secret_key = shared_secret(manager)  # before the callbacks: the Live signer reads it
    app.layout = build_page
    register_callbacks(app)
    start_render_service()  # this process's Chromium, shared by the export jobs it forks
    return app


def shared_secret(manager) -> str:
    """DESCENT_LAB_SECRET, else one random key kept in the background manager's store (the DiskCache
    directory or Redis), so every worker — and with Redis every machine — signs and verifies alike."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    value = manager.get_or_create_signing_secret(lambda: secrets.token_hex(32))
    return value.decode() if isinstance(value, bytes) else str(value)


def default_manager():
    """Celery + Redis when REDIS_URL is set, else DiskCache in `layouts.jobs.cache_dir()` (one per process and
    place)."""
    if os.environ.get(REDIS_ENV):
        return _celery_manager(os.environ[REDIS_ENV])
    from layouts.jobs import cache_dir

    return _diskcache_manager(str(cache_dir()))


@functools.cache
def _diskcache_manager(path: str):
    import diskcache

    from layouts.jobs import DiskcacheJobs

    return DiskcacheJobs(diskcache.Cache(path, size_limit=CACHE_BYTES), cache_by=[_job_nonce],
                         expire=JOB_RESULT_SECONDS)


@functools.cache
def _celery_manager(url: str):
    import dash

    return dash.CeleryManager(_celery(url), cache_by=[_job_nonce], expire=JOB_RESULT_SECONDS)


def _job_nonce() -> str:
    """Part of every background job's key. Dash keys a job by its inputs alone, so two students exporting
    the same view at once would share one result slot and one of them could be left with nothing."""
    return secrets.token_hex(8)


@functools.cache
def _celery(url: str) -> celery.Celery:
    from celery import Celery

    app = Celery("descent_lab", broker=url, backend=url)
    app.conf.update(result_expires=JOB_RESULT_SECONDS, broker_connection_retry_on_startup=True)
    return app


@functools.cache
def _production_app() -> dash.Dash:
    return create_app()


def __getattr__(name: str):
    """`server` for WSGI servers (gunicorn app:server) and `celery_app` for `celery -A app:celery_app worker`:
    built on first use, not at import, and then the same object for the life of the process."""
    if name == "server":
        return _production_app().server
    if name == "celery_app":
        if not os.environ.get(REDIS_ENV):
            raise RuntimeError(f"celery_app needs {REDIS_ENV} (e.g. redis://127.0.0.1:6379/0)")
        _production_app()  # registers the background callbacks as this Celery app's tasks
        return _celery(os.environ[REDIS_ENV])
    raise AttributeError(f"module 'app' has no attribute {name!r}")


def serve(host: str = "127.0.0.1", port: int = 8050, debug: bool = False) -> None:
    create_app().run(host=host, port=port, debug=debug)


def main(argv=None) -> int:
    return cli.main(argv, serve=serve)


if __name__ == "__main__":
    sys.exit(main())
