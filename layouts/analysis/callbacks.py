"""The analysis lab's callbacks, registered on the app by `register_analysis_callbacks(app)`.

Thin adapters over logic.py: the Run button checks the controls into a job (JOB store); the job runs as
a Dash background callback (DiskCache or Celery, configured in app.create_app) with a progress bar and
Cancel; clicks on the figures load exactly that configuration into the main view (SETTINGS).
"""

from __future__ import annotations

import logging

from dash import Input, Output, Patch, State, ctx, no_update
from dash.exceptions import PreventUpdate

from optimizers import SpecError
from scenarios import schema
from scenarios.settings import parse_settings

from .. import ids as main_ids
from ..guard import failure_message, guarded
from . import ids, logic
from .logic import build_job, check_job, clicked, compute, csv_file, job_from_view
from .section import HIDE, HINTS, SHOW

log = logging.getLogger(__name__)
POLL_MS = 200  # the page asks for progress this often (Dash's default, 1 s, would be the first report's delay)
SPLIT = {"display": "inline-block", "width": "50%"}


def _bad(message: str):
    from dash import html

    return html.Div(message, className="dl-notice dl-bad", role="alert")


def register_analysis_callbacks(app) -> None:
    @app.callback(Output(ids.OPTS, "options"), Output(ids.OPTS, "value"),
                  Output(ids.JOB, "data", allow_duplicate=True), Output(ids.KIND, "value"),
                  Output(ids.SWEEP_RANGE, "value"), Output(ids.AXIS1, "value"), Output(ids.AXIS2, "value"),
                  Output(ids.GRID, "value"), Output(ids.STEPS, "value"),
                  Input(main_ids.SETTINGS, "data"), State(ids.JOB, "data"), State(ids.OPTS, "value"),
                  prevent_initial_call="initial_duplicate")
    @guarded(ids.MSG)
    def sync(raw_settings, job, checked):
        """The optimizer list follows the main view; a scenario's or link's analysis view is loaded and run."""
        settings, _ = parse_settings(raw_settings)
        if settings is None:
            raise PreventUpdate
        n = len(settings["optimizers"])
        options = [{"label": f"{i + 1}. {s}", "value": i} for i, s in enumerate(settings["optimizers"])]
        keep = [i for i in (checked or []) if type(i) is int and i < n] or list(range(n))
        wanted = job_from_view(settings)
        if wanted is None or (isinstance(job, dict) and job.get("request") == wanted["request"]):
            return options, keep, *[no_update] * 7
        request = wanted["request"]
        vary = request.get("vary", [])
        values = [request["kind"],
                  vary[0].partition("=")[2] if request["kind"] == "sweep" else no_update,
                  vary[0] if request["kind"] == "map" else no_update,
                  vary[1] if request["kind"] == "map" else no_update,
                  request.get("grid", no_update), request["steps"]]
        checked = [s for s in wanted["sources"] if s is not None] or keep
        return options, checked, wanted, *values

    @app.callback(Output(ids.CONTROLS, "className"), Output(ids.SECTION + "-hint", "children"),
                  Input(ids.KIND, "value"))
    def kind_fields(kind):
        kind = kind if isinstance(kind, str) and kind in HINTS else "sweep"
        return f"dl-an-controls dl-an-show-{kind}", HINTS[kind]

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
                  Input(ids.JOB, "data"), State(main_ids.SETTINGS, "data"),
                  background=True, interval=POLL_MS,
                  progress=[Output(ids.PROGRESS, "value"), Output(ids.PROGRESS, "max")],
                  progress_default=["0", "1"],
                  cancel=[Input(ids.CANCEL, "n_clicks")],
                  running=[(Output(ids.RUN, "disabled"), True, False),
                           (Output(ids.PROGRESS_WRAP, "style"), SHOW, HIDE)],
                  prevent_initial_call=True)
    def work(set_progress, job, raw_settings):
        if job is None:
            raise PreventUpdate
        settings, _ = parse_settings(raw_settings)
        try:
            figs, message = compute(job, settings, lambda done, total: set_progress((str(done), str(total))))
        except SpecError as err:
            return no_update, no_update, no_update, no_update, _bad(str(err)), no_update
        except Exception as err:  # a bug must not leave the page waiting: say so, keep the last figures
            log.exception("analysis job failed")
            return no_update, no_update, no_update, no_update, _bad(failure_message("analysis", err)), no_update
        if len(figs) == 1:
            return figs[0], {"data": [], "layout": {}}, {}, HIDE, message, job
        return figs[0], figs[1], SPLIT, SPLIT, message, job

    @app.callback(Output(ids.GRAPH, "figure", allow_duplicate=True), Input(main_ids.SETTINGS, "data"),
                  State(ids.SHOWN, "data"), State(ids.GRAPH, "figure"), prevent_initial_call=True)
    @guarded(ids.MSG)
    def follow(raw_settings, shown, figure):
        """The dashed "current η" lines of a sweep follow the main view (a clicked point moves them)."""
        settings, _ = parse_settings(raw_settings)
        if settings is None or shown is None or not isinstance(figure, dict):
            raise PreventUpdate
        try:
            shapes = logic.moved_markers(shown, settings, (figure.get("layout") or {}).get("shapes"))
        except SpecError:
            raise PreventUpdate from None
        if shapes is None:
            raise PreventUpdate
        patch = Patch()
        patch["layout"]["shapes"] = shapes
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
