"""Descent Lab: `create_app()` builds the Dash app; `python app.py [serve|run|export|list]` is the CLI."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import cli

if TYPE_CHECKING:
    import dash


def create_app() -> dash.Dash:
    """A fresh app with its own callbacks (several can live in one process). Dash is imported
    here, not at module level, so `python app.py run/list` starts in a fraction of the time."""
    import dash

    from layouts.callbacks import register_callbacks
    from layouts.page import build_page

    app = dash.Dash(__name__, title="Descent Lab", serve_locally=True,
                    suppress_callback_exceptions=True)
    app.layout = build_page
    register_callbacks(app)
    return app


def serve(host: str = "127.0.0.1", port: int = 8050, debug: bool = False) -> None:
    create_app().run(host=host, port=port, debug=debug)


def __getattr__(name: str):
    """`app.server` for WSGI servers (gunicorn app:server), built on first use, not at import."""
    if name == "server":
        return create_app().server
    raise AttributeError(name)


def main(argv=None) -> int:
    return cli.main(argv, serve=serve)


if __name__ == "__main__":
    sys.exit(main())
