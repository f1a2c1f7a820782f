"""The analysis lab's part of the page: controls, progress bar with Cancel, the figure(s)."""

from __future__ import annotations

from dash import dcc, html

from . import ids
from .logic import DEFAULTS, KINDS

GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
SHOW, HIDE = {"display": "inline-flex"}, {"display": "none"}
HINTS = {
    "sweep": "η of each ticked optimizer from LO to HI (N values, :log for a geometric grid)",
    "map": "two hyperparameters of the first ticked optimizer, NAME=LO:HI:N[:log] (schedule.k for schedules)",
    "basin": "an N×N grid of starts over the view window for the first one or two ticked optimizers",
}


def _field(label: str, component, cls: str = "") -> html.Label:
    return html.Label([html.Span(label, className="dl-an-label"), component], className=f"dl-an-field {cls}")


def _text(cid: str, value: str, width: str = "15em") -> dcc.Input:
    return dcc.Input(id=cid, type="text", value=value, debounce=True, style={"width": width}, spellCheck=False)


def analysis_section() -> html.Details:
    """A collapsible card under the main view (open by default: it is one of the page's three labs)."""
    controls = html.Div([
        _field("analysis", dcc.RadioItems(id=ids.KIND, options=[{"label": v, "value": k} for k, v in KINDS.items()],
                                          value=DEFAULTS["kind"], inline=True)),
        _field("optimizers", dcc.Checklist(id=ids.OPTS, options=[], value=[0, 1, 2], inline=True)),
        _field("η range", _text(ids.SWEEP_RANGE, DEFAULTS["sweep"], "12em"), "dl-an-sweep"),
        _field("x", _text(ids.AXIS1, DEFAULTS["axis1"]), "dl-an-map"),
        _field("y", _text(ids.AXIS2, DEFAULTS["axis2"]), "dl-an-map"),
        _field("grid N", dcc.Input(id=ids.GRID, type="number", min=2, max=200, step=1, value=DEFAULTS["grid"],
                                   style={"width": "5em"}), "dl-an-basin"),
        _field("steps", dcc.Input(id=ids.STEPS, type="number", min=0, max=5000, step=1, value=300,
                                  style={"width": "6em"})),
        _field("colour", dcc.Dropdown(id=ids.METRIC, options=[{"label": "steps to target", "value": "steps"},
                                                              {"label": "final loss (log)", "value": "loss"}],
                                      value=DEFAULTS["metric"], clearable=False, style={"width": "11em"}), "dl-an-map"),
        html.Button("▶ Run analysis", id=ids.RUN, className="dl-button dl-an-run"),
        html.Button("⤓ CSV", id=ids.CSV, className="dl-button", title="the shown analysis as a CSV file "
                    "(the columns of app.py sweep / basin); PNG and SVG: the camera icon on the plot"),
        dcc.Download(id=ids.DOWNLOAD),
        html.Span([html.Progress(id=ids.PROGRESS, value="0", max="1"),
                   html.Button("cancel", id=ids.CANCEL, className="dl-button")],
                  id=ids.PROGRESS_WRAP, style=HIDE, className="dl-an-progress"),
    ], id=ids.CONTROLS, className=f"dl-an-controls dl-an-show-{DEFAULTS['kind']}")
    return html.Details([
        html.Summary(html.H3("Analysis lab: many runs at once", className="dl-an-title"), id=ids.SUMMARY),
        controls,
        html.P(HINTS["sweep"], id=ids.SECTION + "-hint", className="dl-hint"),
        html.Div(id=ids.MSG, className="dl-an-msg", role="status"),
        # the stores others listen to start as {}, not None: a memory dcc.Store whose data is None sets it
        # again when it mounts, and that "change" would fire their callbacks on every page view
        dcc.Store(id=ids.JOB, data={}),
        dcc.Store(id=ids.SHOWN, data=None),
        dcc.Store(id=ids.MARKS, data=None),
        dcc.Store(id=ids.VIEW_FEED, data={}),
        dcc.Store(id=ids.FOLLOW_FEED, data={}),
        html.Div([
            dcc.Graph(id=ids.GRAPH, figure={"data": [], "layout": {}}, config=GRAPH_CONFIG, className="dl-an-graph"),
            dcc.Graph(id=ids.GRAPH2, figure={"data": [], "layout": {}}, config=GRAPH_CONFIG, className="dl-an-graph",
                      style=HIDE),
        ], className="dl-an-graphs"),
    ], id=ids.SECTION, open=True, className="dl-card dl-an")
