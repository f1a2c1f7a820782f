"""The page: stores, the control sidebar, the plots, the playback bar and the comparison table."""

from __future__ import annotations

from dash import dcc, html

from scenarios.settings import defaults

from . import controls, ids, link, own_problem, scenario_ui, share
from .analysis.section import analysis_section
from .callbacks import render

# plotGlPixelRatio 1: each WebGL (3-D) redraw is several times cheaper on software rendering
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "plotGlPixelRatio": 1,
                "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def _graph(gid: str, height: str, cls: str = "", first: dict | None = None) -> dcc.Graph:
    figure = (first or {}).get(gid.split("-", 1)[1]) or {"data": [], "layout": {"height": None}}
    return dcc.Graph(id=gid, figure=figure, config=GRAPH_CONFIG,
                     className=f"dl-graph {cls}", style={"height": height})


def _playback_bar() -> html.Div:
    button = lambda gid, text, title: html.Button(text, id=gid, title=title, className="dl-button dl-pb",
                                                  **({} if gid == ids.SPEED else {"aria-label": title}))
    return html.Div([
        button(ids.RESET, "|◀", "reset to step 0"),
        button(ids.BACK, "◀", "step back (←)"),
        button(ids.PLAY, "▶ Play", "play / pause (space)"),
        button(ids.FORWARD, "▶|", "step forward (→)"),
        button(ids.SPEED, "speed ×1", "playback speed (steps per frame)"),
        html.Label([html.Span("playback step", className="dl-sr-only"),
                    dcc.Input(id=ids.SCRUB, type="range", min=0, max=1, step=1, value=1, className="dl-scrub",
                              name="step")], className="dl-scrub-wrap"),
        html.Span("step – / –", id=ids.STEP_LABEL, className="dl-step-label"),
        html.Span(className="dl-sep"),
        html.Button("● Live", id=ids.LIVE_TOGGLE, className="dl-button dl-live",
                    title="Live: the server runs the optimizers in chunks; pause, change η, continue"),
        html.Button("exit Live", id=ids.LIVE_EXIT, className="dl-button", style={"display": "none"}),
        html.Span("", id=ids.LIVE_LABEL, className="dl-live-label"),
    ], className="dl-playbar")


def build_page(query: str | None = None) -> html.Div:
    """Layout function (a fresh page per visit); every per-user value lives in the stores. The page opens the
    view of its link (`query`, by default the address the browser asked the layout for: link.page_query),
    its notices on show, so no later callback replaces what the user may already be editing (D4)."""
    query = link.page_query() if query is None else query
    settings, notices = link.read_link(query) if query else (defaults(), [])
    first = render(settings, {}, False)  # the first view is in the layout: no round trip before the first path
    figs = dict(first["figs"])
    surface = figs.pop("surface")  # software 3-D drawing takes seconds: the contour map and its paths go first
    return html.Div([
        link.location(settings, query),
        dcc.Store(id=ids.SETTINGS, data=settings),
        dcc.Store(id=ids.REVISION, data=0),
        dcc.Store(id=ids.CONTROLS_SIG, data=controls.signature(settings, 0)),
        dcc.Store(id=ids.DRAWN, data=first["drawn"]),
        dcc.Store(id=ids.TRAJ, data={}),
        dcc.Store(id=ids.TRAJ0, data=first["traj"]),
        dcc.Store(id=ids.SURFACE0, data=surface),
        dcc.Store(id=ids.LIVE, data={"on": False}),
        dcc.Store(id=ids.STEP, data=None),
        dcc.Interval(id=ids.LIVE_TICK, interval=250, disabled=True),
        html.Header([html.H1("Descent Lab"),
                     html.Span("gradient descent and its variants on error surfaces", className="dl-sub"),
                     scenario_ui.scenario_bar(),
                     # a do-nothing round trip for benchmarks/bench_browser.py, never shown (clicked from script)
                     html.Button("ping", id=ids.NOOP, hidden=True, tabIndex="-1", **{"aria-hidden": "true"}),
                     html.Span(id=ids.NOOP_OUT, hidden=True)], className="dl-header"),
        html.Div([
            html.Aside(controls.control_panel(settings), id=ids.CONTROLS, className="dl-sidebar"),
            html.Main([
                share.share_bar(),
                link.link_notice(notices),
                scenario_ui.explanation_card(),
                html.Div([_graph(ids.SURFACE, "400px", "dl-main-plot", figs),
                          _graph(ids.CONTOUR, "400px", "dl-main-plot", figs)],
                         className="dl-row2"),
                _playback_bar(),
                html.Div(id=ids.STATUS, className="dl-status", role="status"),
                html.Div([_graph(gid, "260px", "", figs) for gid in (ids.LOSS, ids.ETA, ids.PARAMS, ids.FIT)],
                         className="dl-row4"),
                html.Div([html.Div([html.H3("Comparison"), html.Div(id=ids.TABLE)], className="dl-card"),
                          html.Div([html.H3(["Step inspector ",
                                             html.Button("inspect current step", id=ids.INSPECT,
                                                         className="dl-button")]),
                                    html.P("click a point on the loss, η or parameter plot, or pause and press "
                                           "the button", className="dl-hint"),
                                    html.Div(id=ids.INSPECTOR)], className="dl-card")], className="dl-row2 dl-cards"),
                own_section(settings),
                analysis_section(),
            ], className="dl-main"),
        ], className="dl-body"),
    ], className="dl-page", **({} if query is not None else {"style": link.LOCKED, "aria-busy": "true"}))


def own_section(settings: dict) -> html.Div:
    """The own-problem card, its boxes holding a custom loss the page opens with (a later REVISION fills them
    for a scenario, link or settings file)."""
    section = own_problem.section()
    if settings["problem"] == "custom":
        section[own_problem.LOSS].value, section[own_problem.WINDOW].value = settings["loss"], settings["window"]
    return section
