"""Share and export on the page: "Copy link" (the address itself: layouts/link.py), settings files
(save / load), and a download of the current view in any export format. Loading a file is the same move as
a scenario: replacing the SETTINGS store and bumping REVISION.

    upload ──(size check, load_settings strict: one clear message)──> SETTINGS (+REVISION)
    SETTINGS ──(export_bytes in the server, "rendering…" on the button)──> dcc.Download

The pure functions (`read_upload`, `load_upload`, `export_file`, …) hold the logic; the callbacks registered
by `register_share_callbacks` only adapt them to Dash.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from string import Template

from dash import Input, Output, State, dcc, html, no_update, set_props
from dash.exceptions import PreventUpdate

from optimizers import SpecError
from scenarios import schema
from scenarios.budgets import MAX_JSON_DEPTH, MAX_UPLOAD_BYTES
from scenarios.settings import (
    MAX_SETTINGS_BYTES,
    load_settings,
    parse_settings,
)

from . import ids
from .chromium import lower_priority
from .export import FORMATS, MIME, ExportOptions, export_bytes, filename
from .guard import guarded
from .jobs import export_slot
from .link import HIDE, SHOW, register_link_callbacks

log = logging.getLogger(__name__)

FORMAT_LABELS = {"png": "PNG image", "svg": "SVG (vector)", "html": "HTML animation", "gif": "GIF animation",
                 "csv": "CSV trajectories", "json": "JSON run + settings"}
PLOTS = (("contour", "contour map"), ("surface", "3-D surface"), ("loss", "loss vs step"))
SCALES = (1, 2, 3, 4)
THEMES = (("white", "white"), ("contrast", "high contrast (dark)"))
PLOT_FORMATS = ("png", "svg")  # formats with a plot choice
THEME_FORMATS = ("png", "svg", "html", "gif")
EXPORT_HEAD = 200  # a JSON export names itself ("descent_lab_export") in its first bytes (layouts/export.py)
OWN_DATA = re.compile(rb'"problem"\s*:\s*"data"')  # settings of problem data (its CSV is in the file)
UPLOAD_CAP = MAX_UPLOAD_BYTES  # larger files are refused by the browser (assets/upload_limit.js says so)
_W, _H = ExportOptions().width, ExportOptions().height


# ----------------------------------------------------------------------------- settings files
def settings_file(settings: dict) -> dict:
    """dcc.Download data: the settings as pretty JSON."""
    text = json.dumps(settings, indent=2, ensure_ascii=False) + "\n"
    return dcc.send_bytes(text.encode(), f"descent-lab-{settings['problem']}-settings.json",
                          type="application/json")


def too_big(kilobytes: float) -> str:
    """The message for a file over the limit (assets/upload_limit.js writes the same for files the
    browser refuses outright, over MAX_UPLOAD_BYTES)."""
    return (f"the file is {kilobytes:,.0f} kB; settings files are at most {MAX_SETTINGS_BYTES // 1000} kB "
            f"(MAX_SETTINGS_BYTES)")


def read_upload(contents: str | None, name: str | None) -> dict:
    """Validated settings from an uploaded file (a settings file, or a JSON export holding one).
    Raises SpecError with one message naming the problem; the size is checked before anything is parsed."""
    return load_upload(contents, name)[0]


def load_upload(contents: str | None, name: str | None) -> tuple[dict, list[str]]:
    """read_upload plus the notices of any budget clamp (an over-budget file loads, smaller, and says so)."""
    if not isinstance(contents, str) or "," not in contents:
        raise SpecError("the file is empty")
    head, payload = contents.split(",", 1)
    if len(payload) * 3 // 4 > UPLOAD_CAP + 3:  # a JSON export (settings + trajectories) may be larger than
        raise SpecError(too_big(len(payload) * 3 / 4000))  # a settings file: only its settings must fit
    try:
        raw = base64.b64decode(payload, validate=True) if head.endswith(";base64") else payload.encode()
    except (binascii.Error, ValueError):
        raise SpecError("the file could not be read") from None
    own_data = OWN_DATA.search(raw[:EXPORT_HEAD]) is not None  # a settings file with its data set may be larger
    if len(raw) > UPLOAD_CAP or (len(raw) > MAX_SETTINGS_BYTES and not own_data
                                 and b'"descent_lab_export"' not in raw[:EXPORT_HEAD]):
        raise SpecError(too_big(len(raw) / 1000))  # before parsing: only a JSON export or own data may be larger
    if not raw.strip():
        raise SpecError("the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError("not a text file (expected settings JSON)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise SpecError(f"not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})") from None
    except RecursionError:
        raise SpecError(f"nested deeper than MAX_JSON_DEPTH = {MAX_JSON_DEPTH}") from None
    if isinstance(data, dict) and "descent_lab_export" in data and isinstance(data.get("settings"), dict):
        data = data["settings"]  # a JSON export carries the settings that reproduce it
        if _settings_bytes(data) > MAX_SETTINGS_BYTES:
            raise SpecError(f"the export's settings are over MAX_SETTINGS_BYTES = {MAX_SETTINGS_BYTES // 1000} kB")
    elif len(raw) > MAX_SETTINGS_BYTES and not (own_data and _settings_bytes(data) <= MAX_SETTINGS_BYTES):
        raise SpecError(too_big(len(raw) / 1000))  # the export key was there, but not as an export's
    return load_settings(data, strict=True)


def _settings_bytes(data) -> int:
    """The size of settings as JSON, without a data set (which has its own limits: scenarios/userdata.py)."""
    rest = {k: v for k, v in data.items() if k != "data"} if isinstance(data, dict) else data
    return len(json.dumps(rest, ensure_ascii=False).encode())


def upload_result(contents: str | None, name: str | None) -> tuple[dict | None, str, str]:
    """(settings or None, message, message class) for one upload."""
    label = name if isinstance(name, str) and 0 < len(name) <= 255 else "the file"
    try:
        settings, notices = load_upload(contents, name)
    except SpecError as err:
        return None, f"Could not load {label}: {err}. The current view is kept.", "dl-share-msg dl-share-bad"
    if notices:
        return settings, f"Loaded {label}, within the page's budgets: {'; '.join(notices)}.", "dl-share-msg dl-share-ok"
    return settings, f"Loaded {label}.", "dl-share-msg dl-share-ok"


# ----------------------------------------------------------------------------- export
def export_options(plot: str | None, scale, theme: str | None) -> ExportOptions:
    """The picker's values as ExportOptions (anything a picker cannot send → the default)."""
    return ExportOptions(plot=plot if isinstance(plot, str) and plot in dict(PLOTS) else "contour",
                         scale=float(scale) if schema.is_number(scale) and scale in SCALES else 2.0,
                         theme=theme if isinstance(theme, str) and theme in dict(THEMES) else "white")


def export_name(settings: dict, fmt: str, options: ExportOptions) -> str:
    stem = f"descent-lab-{settings['problem']}"
    if fmt in PLOT_FORMATS:
        stem += f"-{options.plot}"
    if fmt == "png" and options.scale != 1:
        stem += f"@{options.scale:g}x"
    return filename(settings, fmt, stem)


def export_file(settings: dict, fmt: str, options: ExportOptions, progress=None) -> tuple[dict | None, str]:
    """(dcc.Download data or None, message). A failed render is a message, never a server error.
    `progress(done, total, stage)` hears the export's stages (the page's progress bar)."""
    if not isinstance(fmt, str) or fmt not in FORMATS:
        return None, f"Unknown format {schema.short(fmt)}."
    try:
        data = export_bytes(settings, fmt, options, progress=progress)
    except Exception as err:  # kaleido / Chromium / the engine: report it on the page
        log.exception("export %s failed", fmt)
        hint = (" PNG, SVG and GIF need Chromium (Debian: apt install chromium)."
                if "chrom" in f"{type(err).__name__} {err}".lower() else "")
        return None, f"Export to {fmt.upper()} failed: {err}.{hint}"
    name = export_name(settings, fmt, options)
    return dcc.send_bytes(data, name, type=MIME[fmt]), f"Saved {name} ({len(data) / 1000:,.0f} kB)."


# ----------------------------------------------------------------------------- components
def share_bar() -> html.Div:
    """One row: copy link · save / load settings · export format, its options (a pop-over) and the button."""
    choice = dict(clearable=False, searchable=False, className="dl-share-choice")
    options = html.Details([
        html.Summary("options", className="dl-button dl-export-options-toggle",
                     title="plot, pixel scale and theme of the exported figure"),
        html.Div([
            html.Div([html.Span("plot", className="dl-share-label"),
                      dcc.Dropdown(id=ids.EXPORT_PLOT, value="contour", style={"width": "150px"},
                                   options=[{"label": b, "value": a} for a, b in PLOTS], **choice)],
                     id=ids.EXPORT_PLOT_WRAP, className="dl-share-group"),
            html.Div([html.Span("scale", className="dl-share-label"),
                      dcc.Dropdown(id=ids.EXPORT_SCALE, value=2, style={"width": "190px"},
                                   options=[{"label": f"{s}× ({_W * s}×{_H * s} px)", "value": s} for s in SCALES],
                                   **choice)], id=ids.EXPORT_SCALE_WRAP, className="dl-share-group"),
            html.Div([html.Span("theme", className="dl-share-label"),
                      dcc.RadioItems(id=ids.EXPORT_THEME, value="white", inline=True, className="dl-radio",
                                     options=[{"label": b, "value": a} for a, b in THEMES])],
                     id=ids.EXPORT_THEME_WRAP, className="dl-share-group"),
        ], className="dl-export-options"),
    ], id=ids.EXPORT_OPTIONS, className="dl-export-details")
    return html.Div([
        html.Div([
            html.Button("Copy link", id=ids.COPY_LINK, className="dl-button",
                        title="copy a link that opens exactly this view"),
            html.Label("link to this view", htmlFor=ids.LINK_BOX, className="dl-sr-only"),
            dcc.Input(id=ids.LINK_BOX, type="text", readOnly=True, value="", className="dl-link-box"),
            html.Span("", id=ids.COPY_FEEDBACK, className="dl-copy-feedback", role="status"),
        ], className="dl-share-group"),
        html.Div([
            html.Button("Save settings", id=ids.SAVE_SETTINGS, className="dl-button",
                        title="download the current settings as a JSON file"),
            html.Span(dcc.Upload(html.Button("Load settings…", className="dl-button",
                                             title=f"load a settings JSON file (at most "
                                                   f"{MAX_SETTINGS_BYTES // 1000} kB)"),
                                 id=ids.LOAD_SETTINGS, accept=".json,application/json", max_size=UPLOAD_CAP,
                                 className="dl-upload"),
                      className="dl-upload-limit",  # assets/upload_limit.js: files the browser refuses
                      **{"data-max-bytes": str(UPLOAD_CAP), "data-limit-kb": str(MAX_SETTINGS_BYTES // 1000),
                         "data-msg": ids.FILE_MSG}),
            dcc.Download(id=ids.SETTINGS_DOWNLOAD),
        ], className="dl-share-group"),
        html.Div([
            html.Label("export format", htmlFor=ids.EXPORT_FORMAT, className="dl-sr-only"),
            dcc.Dropdown(id=ids.EXPORT_FORMAT, value="png", style={"width": "170px"},
                         options=[{"label": FORMAT_LABELS[f], "value": f} for f in FORMATS], **choice),
            options,
            html.Button("⤓ Export", id=ids.EXPORT, className="dl-button dl-export-button",
                        title="render the current view in the chosen format and download it"),
            dcc.Download(id=ids.EXPORT_DOWNLOAD),
            export_progress(),
        ], className="dl-share-group"),
        html.Span("", id=ids.FILE_MSG, className="dl-share-msg", role="alert"),
        html.Span("", id=ids.EXPORT_MSG, className="dl-share-msg", role="alert"),
    ], className="dl-share-bar")


def export_progress() -> html.Span:
    """Shown while an export job runs: a bar, the stage ("drawing frame 12/60") and Cancel."""
    return html.Span([
        html.Progress(id=ids.EXPORT_PROGRESS, value="0", max="1", className="dl-export-bar"),
        html.Span("", id=ids.EXPORT_STAGE, className="dl-export-stage", role="status"),
        html.Button("Cancel", id=ids.EXPORT_CANCEL, className="dl-button", title="stop this export"),
    ], id=ids.EXPORT_PROGRESS_WRAP, className="dl-export-progress", style=HIDE)


# ----------------------------------------------------------------------------- callbacks
COPY_JS = Template("""function(n) {
    if (!n) { return window.dash_clientside.no_update; }
    const dc = window.dash_clientside, url = window.location.href;
    const box = document.getElementById('$box');
    clearTimeout(window.__dlCopyTimer);
    window.__dlCopyTimer = setTimeout(() => dc.set_props('$feedback', {children: ''}), 5000);
    const fallback = () => {  // no clipboard API (plain http, permission refused): select the text box
        let ok = false;
        if (box) {
            box.value = url; box.focus(); box.select();
            try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
        }
        return ok ? '✓ link copied' : 'link selected — press Ctrl+C to copy';
    };
    if (navigator.clipboard && window.isSecureContext) {
        const say = (text) => dc.set_props('$feedback', {children: text});
        navigator.clipboard.writeText(url).then(() => say('✓ link copied'), () => say(fallback()));
        return 'copying…';
    }
    return fallback();
}""").substitute(box=ids.LINK_BOX, feedback=ids.COPY_FEEDBACK)

# The address is reported at start-up and after back / forward (popstate), never for our own writes
# (pushState by write_address): reading one back after a newer edit would undo that edit. At start-up, an
# address the layout did not read (no Referer, or one Chromium cut to the origin: over 4 kB) makes the page
# inert until `open_address` has opened it (UNLOCK_JS): no edit can be made and then undone.
LINK_BOX_JS = """function(search) {
    return window.location.origin + window.location.pathname + (search || '');
}"""

FORMAT_JS = Template("""function(fmt) {
    const show = (on) => on ? {} : {display: 'none'};
    return [show($plots.includes(fmt)), show(fmt === 'png'), show($themes.includes(fmt))];
}""").substitute(plots=json.dumps(PLOT_FORMATS), themes=json.dumps(THEME_FORMATS))


def register_share_callbacks(app) -> None:
    register_link_callbacks(app)
    @app.callback(Output(ids.SETTINGS_DOWNLOAD, "data"), Input(ids.SAVE_SETTINGS, "n_clicks"),
                  State(ids.SETTINGS, "data"), prevent_initial_call=True)
    @guarded(ids.FILE_MSG)
    def save(_n, raw_settings):
        settings, problems = parse_settings(raw_settings)
        if settings is None:
            set_props(ids.FILE_MSG, {"children": " ".join(problems), "className": "dl-share-msg dl-share-bad"})
            return no_update
        return settings_file(settings)

    @app.callback(Output(ids.SETTINGS, "data", allow_duplicate=True),
                  Output(ids.REVISION, "data", allow_duplicate=True),
                  Output(ids.FILE_MSG, "children"), Output(ids.FILE_MSG, "className"),
                  Output(ids.LOAD_SETTINGS, "contents"),
                  Input(ids.LOAD_SETTINGS, "contents"), State(ids.LOAD_SETTINGS, "filename"),
                  State(ids.REVISION, "data"), prevent_initial_call=True)
    @guarded(ids.FILE_MSG)
    def load(contents, name, revision):
        if contents is None:
            raise PreventUpdate
        settings, message, cls = upload_result(contents, name)
        if settings is None:
            return no_update, no_update, message, cls, None
        return settings, schema.count(revision) + 1, message, cls, None  # cleared: the same file loads again

    @app.callback(Output(ids.EXPORT_DOWNLOAD, "data"), Output(ids.EXPORT_MSG, "children"),
                  Output(ids.EXPORT_MSG, "className"),
                  Input(ids.EXPORT, "n_clicks"), State(ids.EXPORT_FORMAT, "value"), State(ids.EXPORT_PLOT, "value"),
                  State(ids.EXPORT_SCALE, "value"), State(ids.EXPORT_THEME, "value"), State(ids.SETTINGS, "data"),
                  background=True,  # a job beside the web workers (DiskCache or Celery): nobody else waits
                  progress=[Output(ids.EXPORT_PROGRESS, "value"), Output(ids.EXPORT_PROGRESS, "max"),
                            Output(ids.EXPORT_STAGE, "children")],
                  progress_default=["0", "1", ""],
                  cancel=[Input(ids.EXPORT_CANCEL, "n_clicks")],
                  running=[(Output(ids.EXPORT, "disabled"), True, False),
                           (Output(ids.EXPORT, "children"), "rendering…", "⤓ Export"),
                           (Output(ids.EXPORT_MSG, "children"), "", ""),
                           (Output(ids.EXPORT_PROGRESS_WRAP, "style"), SHOW, HIDE)],
                  prevent_initial_call=True)
    @guarded(ids.EXPORT_MSG)
    def export(set_progress, _n, fmt, plot, scale, theme, settings):
        lower_priority()  # SCHED_IDLE: this job runs only on CPU the students' callbacks leave

        def progress(done: int, total: int, stage: str) -> None:
            set_progress((str(done), str(total), stage))

        settings, problems = parse_settings(settings)  # the same schema (and budgets) as every way in
        if settings is None:
            return no_update, " ".join(problems), "dl-share-msg dl-share-bad"
        with export_slot(progress):  # at most EXPORT_SLOTS exports at once on this machine; the rest wait
            data, message = export_file(settings, fmt, export_options(plot, scale, theme), progress)
        return data or no_update, message, "dl-share-msg " + ("dl-share-ok" if data else "dl-share-bad")

    app.clientside_callback(COPY_JS, Output(ids.COPY_FEEDBACK, "children"), Input(ids.COPY_LINK, "n_clicks"),
                            prevent_initial_call=True)
    app.clientside_callback(LINK_BOX_JS, Output(ids.LINK_BOX, "value"), Input(ids.URL, "search"))
    app.clientside_callback(FORMAT_JS, Output(ids.EXPORT_PLOT_WRAP, "style"), Output(ids.EXPORT_SCALE_WRAP, "style"),
                            Output(ids.EXPORT_THEME_WRAP, "style"), Input(ids.EXPORT_FORMAT, "value"))
    app.clientside_callback("function(n) { return n ? {display: 'none'} : window.dash_clientside.no_update; }",
                            Output(ids.LINK_NOTICE, "style", allow_duplicate=True),
                            Input(ids.LINK_NOTICE_CLOSE, "n_clicks"), prevent_initial_call=True)
