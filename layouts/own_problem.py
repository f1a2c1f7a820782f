"""Your own problem on the page (DESIGN.md §7): a typed loss f(x, y) with live validation, and a CSV of data
for a sigmoid neuron, each turned into the settings' problem "custom" or "data".

    loss box ──(check, debounced; the parse runs in a one-thread pool, waited on for CHECK_WAIT)──> message
        (a slow parse answers "checking…" and the POLL interval asks again: typing never waits on it)
    "show this function" ──(parse_settings: the one schema)──> SETTINGS (+REVISION) | message, view kept
    CSV upload ──(size cap, parse_data: row and column of a bad cell)──> SETTINGS (+REVISION) | message
    SETTINGS ──(DATA_KEY_JS in the browser: a hash of the data, or null)──> DATA_SEEN, only when it changed
    DATA_SEEN ──(show_data)──> preview table, scatter, and what a link carries (an η change sends no request)
    REVISION ──(fill_boxes)──> the loss and window boxes follow a scenario, link or settings file

The pure pieces (`loss_feedback`, `data_settings`, `read_csv_upload`, `data_preview`, `data_figure`,
`link_note`) take plain values and are tested without a server; the callbacks are thin adapters.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from optimizers import SpecError
from scenarios import schema
from scenarios.budgets import MAX_UPLOAD_BYTES
from scenarios.settings import parse_settings, problem_key, problem_of
from scenarios.userdata import MAX_LINK_ROWS, data_text, encode_data, rows_of
from surfaces import DataError, LossError, parse_data, parse_loss, parse_window
from surfaces.custom import GRAMMAR, MAX_LENGTH

from . import figures, ids
from .guard import guarded

# component ids of this section
LOSS = "dl-own-loss"
WINDOW = "dl-own-window"
APPLY = "dl-own-apply"
LOSS_MSG = "dl-own-loss-msg"
POLL = "dl-own-poll"
UPLOAD = "dl-own-upload"
DATA_MSG = "dl-own-data-msg"
PREVIEW = "dl-own-preview"
SCATTER = "dl-own-scatter"
LINK_NOTE = "dl-own-link-note"
SHOWN = "dl-own-shown"  # the data set the preview shows (its row count and hash): redraw only on change
DATA_SEEN = "dl-own-data-seen"  # the browser's hash of the settings' data (null: not a data problem)

EXAMPLE = "(1 - x)^2 + 100*(y - x^2)^2"
DEBOUNCE = 0.35  # s the browser waits after the last key before asking for a check
CHECK_WAIT = 0.25  # s a check request waits for the parse; longer parses answer "checking…" and poll
POLL_MS = 400
PREVIEW_ROWS = 5
OWN_FIELDS = ("loss", "window", "data")
# The settings change on every η change, but the preview only with the data: the browser hashes the data
# (FNV-1a of its JSON, and its length) and wakes the server only when that hash changes.
DATA_KEY_JS = """
function(settings, seen) {
    let key = null;
    if (settings && settings.problem === "data") {
        const text = JSON.stringify(settings.data === undefined ? null : settings.data);
        let h = 0x811c9dc5;
        for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
        key = text.length + ":" + h.toString(16);
    }
    return key === seen ? window.dash_clientside.no_update : key;
}
"""


# ----------------------------------------------------------------------------- typed loss: checking
def loss_problem(text) -> tuple[str, int] | None:
    """None if the text is an allowed loss, else (message, column; 0 = the whole text)."""
    try:
        parse_loss(text)
    except LossError as err:
        return str(err), err.column
    except (RecursionError, MemoryError, ValueError, TypeError, ArithmeticError) as err:
        return f"the loss cannot be read ({type(err).__name__})", 0
    return None


class LossChecker:
    """Parses typed losses in one background thread (per server process), so a request waits at most
    `wait` seconds; results are kept for the last `size` texts (a bounded cache of a pure function) and
    at most `pending` parses queue at once (more: "busy", the browser asks again)."""

    def __init__(self, wait: float = CHECK_WAIT, size: int = 64, pending: int = 4):
        self.wait, self.size, self.pending = wait, size, pending
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loss-check")
        self._futures: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def check(self, text: str) -> tuple[bool, tuple[str, int] | None]:
        """(done, problem): done False means still parsing (ask again)."""
        with self._lock:
            future = self._futures.get(text)
            if future is None:
                if sum(not f.done() for f in self._futures.values()) >= self.pending:
                    return False, None
                future = self._futures[text] = self._pool.submit(loss_problem, text)
                while len(self._futures) > self.size:
                    self._futures.popitem(last=False)
            else:
                self._futures.move_to_end(text)
        try:
            return True, future.result(timeout=self.wait)
        except FutureTimeout:
            return False, None


def loss_feedback(text: str, problem: tuple[str, int] | None) -> html.Div:
    """The message under the loss box: OK, or the problem with the first bad character marked."""
    if problem is None:
        return html.Div(f"✓ f(x, y) = {text}", className="dl-own-ok")
    message, column = problem
    parts: list = [html.Div(message, className="dl-bad", role="alert")]
    if 0 < column <= len(text):
        parts.append(html.Pre([text[: column - 1], html.Mark(text[column - 1] or " ", className="dl-own-bad"),
                               text[column:]], className="dl-own-where", title=f"column {column}"))
    return html.Div(parts)


def window_problem(window) -> str | None:
    try:
        parse_window(window)
    except LossError as err:
        return str(err)
    return None


def typed_settings(settings: dict, loss: str, window: str | None) -> dict:
    """The settings with the typed loss as their problem: the start kept when it still fits the window."""
    base = {k: v for k, v in settings.items() if k not in OWN_FIELDS}
    new = {**base, "problem": "custom", "loss": loss, "window": window or None,
           "view": {**(settings.get("view") or {}), "dims": [0, 1]}}
    new.pop("start")
    if settings["problem"] == "custom" and window == settings.get("window"):
        new["start"] = settings["start"]
    if new["window"] is None:
        del new["window"]
    return new


# ----------------------------------------------------------------------------- own data
def read_csv_upload(contents, name) -> str:
    """The canonical CSV text of an uploaded file (dcc.Upload's data URL); SpecError names row and column."""
    filename = schema.text(name, 200) or "the file"
    if not isinstance(contents, str) or "," not in contents[:300]:
        raise SpecError(f"{filename} is empty")
    head, payload = contents.split(",", 1)
    if len(payload) * 3 // 4 > MAX_UPLOAD_BYTES + 3:
        raise SpecError(f"{filename} is {len(payload) * 3 / 4000:,.0f} kB; data files are at most "
                        f"MAX_UPLOAD_BYTES = {MAX_UPLOAD_BYTES // 1000:,} kB")
    try:
        raw = base64.b64decode(payload, validate=True) if head.endswith(";base64") else payload.encode()
    except (binascii.Error, ValueError):
        raise SpecError(f"{filename} could not be read") from None
    try:
        X, Y = parse_data(raw, filename)
    except DataError as err:
        raise SpecError(str(err)) from None
    return data_text(X, Y)


def data_settings(settings: dict, text: str) -> dict:
    """The settings with the data set as their problem (a fresh start: the neuron's default)."""
    base = {k: v for k, v in settings.items() if k not in (*OWN_FIELDS, "start")}
    return {**base, "problem": "data", "data": text, "view": {**(settings.get("view") or {}), "dims": [0, 1]}}


def data_preview(text: str) -> html.Div:
    lines = text.split("\n")
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1: PREVIEW_ROWS + 1]]
    n, k = rows_of(text), len(header) - 1
    table = html.Table([html.Thead(html.Tr([html.Th(h) for h in header])),
                        html.Tbody([html.Tr([html.Td(f"{float(c):.4g}") for c in row]) for row in rows])],
                       className="dl-table dl-own-table", style={"width": "auto"})
    more = f" (first {PREVIEW_ROWS} shown)" if n > PREVIEW_ROWS else ""
    return html.Div([html.P(f"{n:,} rows, {k} input{'s' if k > 1 else ''}{more}: a sigmoid neuron "
                            f"f = σ(w·x + b), L = ½ Σ (y − f)²", className="dl-hint"), table])


def data_figure(problem) -> dict:
    """The data: y over x (one input), or x1 against x2 coloured by y (more inputs)."""
    X, Y = problem.X, problem.Y
    if X.shape[1] == 1:
        trace = {"type": "scatter", "x": figures.rounded(X[:, 0]), "y": figures.rounded(Y), "mode": "markers",
                 "name": "data", "marker": {"size": 7}}
        return figures.figure([trace], height=220, margin={"l": 40, "r": 10, "t": 10, "b": 35},
                              xaxis={"title": {"text": "x"}}, yaxis={"title": {"text": "y"}, "range": [-0.05, 1.05]})
    trace = {"type": "scatter", "x": figures.rounded(X[:, 0]), "y": figures.rounded(X[:, 1]), "mode": "markers",
             "name": "data", "marker": {"size": 7, "color": figures.rounded(Y), "cmin": 0, "cmax": 1,
                                        "colorscale": "Viridis", "colorbar": {"title": {"text": "y"}}}}
    return figures.figure([trace], height=220, margin={"l": 40, "r": 10, "t": 10, "b": 35},
                          xaxis={"title": {"text": "x1"}}, yaxis={"title": {"text": "x2"}})


def link_note(text: str) -> str:
    n = rows_of(text)
    if encode_data(text) is not None:
        return f"The page's link carries these {n:,} rows (compressed)."
    return (f"The page's link does NOT include this data ({n:,} rows; links carry at most {MAX_LINK_ROWS}): "
            "use “Save settings” to keep it in a settings file.")


# ----------------------------------------------------------------------------- layout
def section() -> html.Div:
    return html.Div([
        html.H3("Your own problem"),
        html.Div([
            html.Label("f(x, y) =", htmlFor=LOSS, className="dl-label"),
            dcc.Input(id=LOSS, type="text", value=EXAMPLE, debounce=DEBOUNCE, maxLength=MAX_LENGTH,
                      className="dl-box dl-own-loss", spellCheck=False, autoComplete="off",
                      style={"width": "min(28em, 100%)"}),
            html.Label("window", htmlFor=WINDOW, className="dl-label"),
            dcc.Input(id=WINDOW, type="text", value="-2:2,-1:3", debounce=DEBOUNCE, placeholder="X0:X1,Y0:Y1",
                      className="dl-box dl-own-window"),
            html.Button("show this function", id=APPLY, className="dl-button"),
        ], className="dl-row dl-inline"),
        html.P(f"allowed: {GRAMMAR}; at most {MAX_LENGTH} characters.", id="dl-own-grammar", className="dl-hint"),
        html.Div(id=LOSS_MSG, role="status", **{"aria-live": "polite"}),
        dcc.Interval(id=POLL, interval=POLL_MS, disabled=True),
        html.Div([
            html.Span(dcc.Upload(html.Button("Load a CSV of data…", className="dl-button"), id=UPLOAD,
                                 max_size=MAX_UPLOAD_BYTES, accept=".csv,text/csv,text/plain", className="dl-upload"),
                      className="dl-upload-limit",  # assets/upload_limit.js: files the browser refuses
                      **{"data-max-bytes": str(MAX_UPLOAD_BYTES), "data-limit-kb": str(MAX_UPLOAD_BYTES // 1000),
                         "data-msg": DATA_MSG, "data-what": "data files", "data-limit-name": "MAX_UPLOAD_BYTES"}),
            html.Span(f"columns x (or x1..x4) and y in [0, 1]; at most 10,000 rows, {MAX_UPLOAD_BYTES // 1000:,} kB",
                      className="dl-hint"),
        ], className="dl-row dl-inline"),
        html.Div(id=DATA_MSG, role="status"),
        html.Div(id=PREVIEW),
        dcc.Graph(id=SCATTER, figure={"data": [], "layout": {}}, config={"displaylogo": False},
                  style={"height": "220px", "display": "none"}),
        html.P(id=LINK_NOTE, className="dl-hint"),
        dcc.Store(id=SHOWN, data=None),
        dcc.Store(id=DATA_SEEN, data=None),
    ], className="dl-card dl-own")


# ----------------------------------------------------------------------------- callbacks
def register_own_problem(app) -> None:
    checker = LossChecker()

    @app.callback(Output(LOSS_MSG, "children"), Output(POLL, "disabled"),
                  Input(LOSS, "value"), Input(WINDOW, "value"), Input(POLL, "n_intervals"))
    @guarded(LOSS_MSG)
    def check(loss, window, _n):
        text = schema.text(loss, MAX_LENGTH + 1)
        if text is None:
            return html.Div(f"the loss must be text of at most {MAX_LENGTH} characters", className="dl-bad"), True
        done, problem = checker.check(text)
        if not done:
            return html.Div("checking…", className="dl-hint"), False
        box = schema.text(window, 100)
        bad_window = window_problem(box) if box is not None or window is None else \
            "the window must be text like X0:X1,Y0:Y1"
        if problem is None and bad_window:
            return html.Div(bad_window, className="dl-bad", role="alert"), True
        return loss_feedback(text, problem), True

    @app.callback(Output(ids.SETTINGS, "data", allow_duplicate=True), Output(ids.REVISION, "data",
                                                                             allow_duplicate=True),
                  Output(LOSS_MSG, "children", allow_duplicate=True),
                  Input(APPLY, "n_clicks"), State(LOSS, "value"), State(WINDOW, "value"),
                  State(ids.SETTINGS, "data"), State(ids.REVISION, "data"), prevent_initial_call=True)
    @guarded(LOSS_MSG)
    def apply(n, loss, window, raw_settings, revision):
        settings, notices = parse_settings(raw_settings)
        text, box = schema.text(loss, MAX_LENGTH + 1), schema.text(window, 100)
        if settings is None or not n:
            raise PreventUpdate
        if text is None:
            return no_update, no_update, html.Div("the loss must be text", className="dl-bad")
        done, problem = checker.check(text)
        if not done:
            return no_update, no_update, html.Div("still checking the loss — try again in a moment",
                                                  className="dl-hint")
        if problem is not None:
            return no_update, no_update, loss_feedback(text, problem)
        new, notices = parse_settings(typed_settings(settings, text, (box or "").strip() or None))
        if new is None:
            return no_update, no_update, html.Div(notices, className="dl-bad", role="alert")
        return new, schema.count(revision) + 1, loss_feedback(text, None)

    @app.callback(Output(ids.SETTINGS, "data", allow_duplicate=True), Output(ids.REVISION, "data",
                                                                             allow_duplicate=True),
                  Output(DATA_MSG, "children"),
                  Input(UPLOAD, "contents"), State(UPLOAD, "filename"), State(ids.SETTINGS, "data"),
                  State(ids.REVISION, "data"), prevent_initial_call=True)
    @guarded(DATA_MSG)
    def upload(contents, name, raw_settings, revision):
        settings, _ = parse_settings(raw_settings)
        if settings is None or contents is None:
            raise PreventUpdate
        try:
            text = read_csv_upload(contents, name)
        except SpecError as err:
            return no_update, no_update, html.Div(f"{err}. The view is kept.", className="dl-bad", role="alert")
        new, notices = parse_settings(data_settings(settings, text))
        if new is None:
            return no_update, no_update, html.Div(notices, className="dl-bad", role="alert")
        return new, schema.count(revision) + 1, ""

    app.clientside_callback(DATA_KEY_JS, Output(DATA_SEEN, "data"), Input(ids.SETTINGS, "data"),
                            State(DATA_SEEN, "data"))

    @app.callback(Output(PREVIEW, "children"), Output(SCATTER, "figure"), Output(SCATTER, "style"),
                  Output(LINK_NOTE, "children"), Output(SHOWN, "data"),
                  Input(DATA_SEEN, "data"), State(ids.SETTINGS, "data"), State(SHOWN, "data"),
                  prevent_initial_call=True)  # DATA_SEEN starts as null: a page without data sends nothing
    @guarded(DATA_MSG)
    def show_data(_seen, raw_settings, shown):
        settings, _ = parse_settings(raw_settings)
        if settings is None:
            raise PreventUpdate
        key = problem_key(settings) if settings["problem"] == "data" else None
        if key == shown:
            raise PreventUpdate
        if key is None:
            return None, {"data": [], "layout": {}}, {"height": "220px", "display": "none"}, "", None
        text = settings["data"]
        return (data_preview(text), data_figure(problem_of(settings)), {"height": "220px"}, link_note(text), key)

    @app.callback(Output(LOSS, "value"), Output(WINDOW, "value"),
                  Input(ids.REVISION, "data"), State(ids.SETTINGS, "data"), prevent_initial_call=True)
    @guarded(LOSS_MSG)
    def fill_boxes(_revision, raw_settings):
        settings, _ = parse_settings(raw_settings)
        if settings is None or settings["problem"] != "custom":
            raise PreventUpdate
        return settings["loss"], settings["window"]


__all__ = ["LossChecker", "data_figure", "data_preview", "data_settings", "link_note", "loss_feedback",
           "loss_problem", "read_csv_upload", "register_own_problem", "section", "typed_settings"]
