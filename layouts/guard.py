"""The last-resort net under every server callback of the page.

Inputs are parsed at the edge (scenarios/schema.py, scenarios/settings.py), so a callback body should
never raise. If one does anyway, that is a bug: `guarded` logs it with its traceback (log.exception,
never hidden), keeps the user's view (no_update for every output) and puts one visible message in the
page, so the browser gets an HTTP 200, not a 500. PreventUpdate passes through untouched.
"""

from __future__ import annotations

import functools
import logging

from dash import html, no_update, set_props
from dash.exceptions import PreventUpdate

from . import ids

log = logging.getLogger("descent_lab.callbacks")


def failure_message(name: str, err: BaseException) -> str:
    return (f"Something went wrong on the server ({type(err).__name__} in {name}); your view is kept. "
            "Reloading the page starts afresh.")


def guarded(target: str = ids.STATUS, prop: str = "children"):
    """Decorator for a callback body: any exception → logged, no_update for all outputs, message in `target`."""
    def wrap(func):
        @functools.wraps(func)
        def safe(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except PreventUpdate:
                raise
            except Exception as err:
                log.exception("callback %s failed", func.__name__)
                message = failure_message(func.__name__, err)
                set_props(target, {prop: html.Div(message, className="dl-notice dl-bad", role="alert")})
                return no_update
        return safe
    return wrap


__all__ = ["failure_message", "guarded"]
