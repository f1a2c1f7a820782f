"""The analysis lab's callbacks, registered on the app by `register_analysis_callbacks(app)`.

Thin adapters over logic.py: the Run button checks the controls into a job (JOB store); the job runs as
a Dash background callback (DiskCache or Celery, configured in app.create_app) with a progress bar and
Cancel; clicks on the figures load exactly that configuration into the main view (SETTINGS).
"""

from __future__ import annotations

import json
import logging

from dash import Input, Output, Patch, State, ctx, no_update
from dash.exceptions import PreventUpdate

from optimizers import SpecError
from scenarios import schema
from scenarios.settings import parse_settings

from .. import ids as main_ids
from ..guard import failure_message, guarded
from . import ids, logic
from .figures import MARKER_TRACE, current_cell_trace
from .logic import build_job, check_job, clicked, compute, csv_file, job_from_view
from .section import HIDE, HINTS, SHOW

log = logging.getLogger(__name__)
POLL_MS = 200  # the page asks for progress this often (Dash's default, 1 s, would be the first report's delay)
SPLIT = {"display": "inline-block", "width": "50%"}


def _bad(message: str):
    from dash import html

    return html.Div(message, className="dl-notice dl-bad", role="alert")


def register_analysis_callbacks(app) -> None:
    register_browser_side(app)

    @app.callback(Output(ids.JOB, "data", allow_duplicate=True), Output(ids.OPTS, "value", allow_duplicate=True),
                  Output(ids.KIND, "value"), Output(ids.SWEEP_RANGE, "value"), Output(ids.AXIS1, "value"),
                  Output(ids.AXIS2, "value"), Output(ids.GRID, "value"), Output(ids.STEPS, "value"),
                  Input(ids.VIEW_FEED, "data"), State(ids.JOB, "data"), prevent_initial_call=True)
    @guarded(ids.MSG)
    def load_view(raw_settings, job):
        """A scenario's or link's analysis view (the settings' view.analysis) is loaded and run."""
        settings, _ = parse_settings(raw_settings)
        if settings is None:
            raise PreventUpdate
        wanted = job_from_view(settings)
        if wanted is None or (isinstance(job, dict) and job.get("request") == wanted["request"]):
            raise PreventUpdate
        request = wanted["request"]
        vary = request.get("vary", [])
        checked = [s for s in wanted["sources"] if s is not None] or list(range(len(settings["optimizers"])))
        return (wanted, checked, request["kind"],
                vary[0].partition("=")[2] if request["kind"] == "sweep" else no_update,
                vary[0] if request["kind"] == "map" else no_update,
                vary[1] if request["kind"] == "map" else no_update,
                request.get("grid", no_update), request["steps"])

    @app.callback(Output(ids.JOB, "data", allow_duplicate=True), Output(ids.MSG, "children", allow_duplicate=True),
                  Output(main_ids.SETTINGS, "data", allow_duplicate=True),
                  Input(ids.RUN, "n_clicks"),
                  State(ids.KIND, "value"), State(ids.OPTS, "value"), State(ids.SWEEP_RANGE, "value"),
                  State(ids.AXIS1, "value"), State(ids.AXIS2, "value"), State(ids.GRID, "value"),
                  State(ids.STEPS, "value"), State(ids.METRIC, "value"), State(main_ids.SETTINGS, "data"),
                  prevent_initial_call=True)
    @guarded(ids.MSG)
    def run(_n, kind, checked, sweep_range, axis1, axis2, grid, steps, metric, raw_settings):
        settings, problems = parse_settings(raw_settings)
        if settings is None:
            return no_update, _bad(" ".join(problems)), no_update
        try:
            job = build_job(kind, checked, sweep_range, axis1, axis2, grid, steps, metric, settings)
        except SpecError as err:
            return no_update, _bad(str(err)), no_update
        view = {**settings["view"], "analysis": job["request"]}  # links and settings files carry the view
        return job, "", {**settings, "view": view}

    @app.callback(Output(ids.GRAPH, "figure"), Output(ids.GRAPH2, "figure"), Output(ids.GRAPH, "style"),
                  Output(ids.GRAPH2, "style"), Output(ids.MSG, "children"), Output(ids.SHOWN, "data"),
                  Output(ids.MARKS, "data"), Input(ids.JOB, "data"), State(main_ids.SETTINGS, "data"),
                  background=True, interval=POLL_MS,
                  progress=[Output(ids.PROGRESS, "value"), Output(ids.PROGRESS, "max")],
                  progress_default=["0", "1"],
                  cancel=[Input(ids.CANCEL, "n_clicks")],
                  running=[(Output(ids.RUN, "disabled"), True, False),
                           (Output(ids.PROGRESS_WRAP, "style"), SHOW, HIDE)],
                  prevent_initial_call=True)
    def work(set_progress, job, raw_settings):
        if not job:
            raise PreventUpdate
        settings, _ = parse_settings(raw_settings)
        try:
            figs, message = compute(job, settings, lambda done, total: set_progress((str(done), str(total))))
        except SpecError as err:
            return no_update, no_update, no_update, no_update, _bad(str(err)), no_update, no_update
        except Exception as err:  # a bug must not leave the page waiting: say so, keep the last figures
            log.exception("analysis job failed")
            return (no_update, no_update, no_update, no_update, _bad(failure_message("analysis", err)), no_update,
                    no_update)
        kept = logic.marks(job, figs)
        if len(figs) == 1:
            return figs[0], {"data": [], "layout": {}}, {}, HIDE, message, job, kept
        return figs[0], figs[1], SPLIT, SPLIT, message, job, kept

    @app.callback(Output(ids.GRAPH, "figure", allow_duplicate=True), Input(ids.FOLLOW_FEED, "data"),
                  State(ids.SHOWN, "data"), State(ids.MARKS, "data"), prevent_initial_call=True)
    @guarded(ids.MSG)
    def follow(raw_settings, shown, kept):
        """The "current" markers follow the main view (an η slider, a typed γ, a clicked point or cell): a
        sweep's dashed η lines, a map's open circle — moved by a Patch, the map is not computed again."""
        settings, _ = parse_settings(raw_settings)
        if settings is None or shown is None:
            raise PreventUpdate
        try:
            found = logic.moved(shown, settings, kept)
        except SpecError:
            raise PreventUpdate from None
        if found is None:
            raise PreventUpdate
        kind, value = found
        patch = Patch()
        if kind == "shapes":
            patch["layout"]["shapes"] = value
        else:
            trace = current_cell_trace(value)
            patch["data"][MARKER_TRACE]["x"], patch["data"][MARKER_TRACE]["y"] = trace["x"], trace["y"]
        return patch

    @app.callback(Output(ids.DOWNLOAD, "data"), Output(ids.MSG, "children", allow_duplicate=True),
                  Input(ids.CSV, "n_clicks"), State(ids.SHOWN, "data"),
                  background=True, interval=POLL_MS, running=[(Output(ids.CSV, "disabled"), True, False)],
                  prevent_initial_call=True)
    def download(_n, shown):
        if shown is None:
            return no_update, _bad("run an analysis first: the CSV holds the shown map")
        try:
            return csv_file(shown), no_update
        except SpecError as err:
            return no_update, _bad(str(err))
        except Exception as err:  # a bug must not leave the button disabled: say so
            log.exception("analysis CSV failed")
            return no_update, _bad(failure_message("analysis CSV", err))

    @app.callback(Output(main_ids.SETTINGS, "data", allow_duplicate=True),
                  Output(main_ids.REVISION, "data", allow_duplicate=True),
                  Output(ids.MSG, "children", allow_duplicate=True),
                  Input(ids.GRAPH, "clickData"), Input(ids.GRAPH2, "clickData"),
                  State(ids.SHOWN, "data"), State(main_ids.SETTINGS, "data"), State(main_ids.REVISION, "data"),
                  prevent_initial_call=True)
    @guarded(ids.MSG)
    def click(click1, click2, shown, raw_settings, revision):
        settings, _ = parse_settings(raw_settings)
        if settings is None or shown is None:
            raise PreventUpdate
        graph = 1 if ctx.triggered_id == ids.GRAPH2 else 0
        try:
            check_job(shown)
            new = clicked(shown, graph, click2 if graph else click1, settings)
        except SpecError as err:
            return no_update, no_update, _bad(str(err))
        loaded = ", ".join(new["optimizers"])
        return new, schema.count(revision) + 1, f"loaded into the main view: {loaded} from {tuple(new['start'])}"


# ----------------------------------------------------------------------------- in the browser, no request
# While the card is closed, or no sweep or map is shown, the main view's changes (every η edit, every page
# view) cost the server nothing: the optimizer list and the visible fields are drawn here, and the main
# view's settings reach the server callbacks only through two gates. VIEW_FEED passes them on when they ask
# for an analysis the page does not hold yet (a link, scenario or settings file with view.analysis; the
# card opens to show it); FOLLOW_FEED while the card is open and a sweep or map is shown (its markers move).
KIND_FIELDS_JS = """
function (kind) {
  const hints = %s;
  const k = Object.prototype.hasOwnProperty.call(hints, kind) ? kind : "sweep";
  return ["dl-an-controls dl-an-show-" + k, hints[k]];
}
"""
GATE_JS = """
function (settings, clicks, job, marks, checked) {
  const skip = window.dash_clientside.no_update;
  const specs = settings && Array.isArray(settings.optimizers) ? settings.optimizers : null;
  if (!specs) return [skip, skip, skip, skip];
  const n = specs.length;  // the optimizer list follows the main view
  const options = specs.map((s, i) => ({label: (i + 1) + ". " + String(s), value: i}));
  let keep = (Array.isArray(checked) ? checked : []).filter(i => Number.isInteger(i) && i >= 0 && i < n);
  if (!keep.length) keep = specs.map((s, i) => i);
  const canon = v => Array.isArray(v) ? "[" + v.map(canon).join(",") + "]"  // JSON with sorted keys
    : v && typeof v === "object"
      ? "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canon(v[k])).join(",") + "}"
    : JSON.stringify(v);
  const wanted = settings.view ? settings.view.analysis : null;
  const decide = () => {
    // html.Details does not report a user's toggle, so the card's state is read from the page, after the
    // click that toggles it has been handled (hence the timeout)
    const card = document.getElementById("%s");
    if (wanted && !(job && canon(job.request) === canon(wanted))) {
      if (card) card.open = true;  // a link, scenario or settings file asks for an analysis: show it
      return [settings, skip, options, keep];
    }
    if (!(card && card.open) || !marks) return [skip, skip, options, keep];
    return [skip, settings, options, keep];
  };
  return new Promise(resolve => setTimeout(() => resolve(decide()), 0));
}
"""


def register_browser_side(app) -> None:
    app.clientside_callback(KIND_FIELDS_JS % json.dumps(HINTS), Output(ids.CONTROLS, "className"),
                            Output(ids.SECTION + "-hint", "children"), Input(ids.KIND, "value"),
                            prevent_initial_call=True)  # the layout holds the default kind's fields and hint
    # one callback, so that it runs when the page opens (SUMMARY.n_clicks is an input no other callback
    # writes) and fills the optimizer list, though every callback writing SETTINGS then sends no_update
    app.clientside_callback(GATE_JS % ids.SECTION, Output(ids.VIEW_FEED, "data"), Output(ids.FOLLOW_FEED, "data"),
                            Output(ids.OPTS, "options"), Output(ids.OPTS, "value"),
                            Input(main_ids.SETTINGS, "data"), Input(ids.SUMMARY, "n_clicks"),
                            State(ids.JOB, "data"), State(ids.MARKS, "data"), State(ids.OPTS, "value"))
