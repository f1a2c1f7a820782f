"""Callbacks: thin adapters between the page and the pure pieces (controls, engine, figures, metrics).

Data flow
  controls ──(update)──> SETTINGS ──(update)──> TRAJ (Patch of the changed runs) ──(clientside draw)──> figures
                                      └──> full figures + TRAJ when the problem / view / optimizer list changes
  SETTINGS ──(render_controls, only when the set of controls changes)──> sidebar
  playback: assets/descent.js only (no server callback listens to the playback bar)
  Live (layouts/live.py): LIVE_TICK ──(live_tick)──> TRAJ Patch (extend by a chunk, from the engine's checkpoint)
                                                     └──> the comparison table after the steps done so far
"""

from __future__ import annotations

import math

import numpy as np
from dash import ALL, MATCH, ClientsideFunction, Input, Output, Patch, State, ctx, html, no_update, set_props
from dash.exceptions import PreventUpdate

from optimizers import parse_spec
from scenarios import schema
from scenarios.budgets import MAX_INSPECT_WORK
from scenarios.settings import parse_settings, problem_key, problem_of, simulate

from . import controls, figures, ids, scenario_ui, share, theme
from .analysis.callbacks import register_analysis_callbacks
from .comparison import metric_rows, table
from .guard import guarded
from .live import register_live
from .own_problem import register_own_problem

CONTROL_INPUTS = (("batch", "value"), ("batch-k", "value"), ("g", "value"), ("start", "value"))  # main `update`
# one optimizer's own controls: `tune` (MATCH on the optimizer index; the names of its controls ALL)
OPT_INPUTS = ({"type": "hp-box", "name": ALL}, {"type": "hp-bool", "name": ALL}, {"type": "hp-choice", "name": ALL},
              {"type": "sched"}, {"type": "sched-p", "name": ALL})


def work(settings: dict) -> int:
    """runs × (steps + 1): the rows one simulate(settings) computes."""
    return len(settings["optimizers"]) * settings.get("starts", 1) * (settings["steps"] + 1)


def _pattern(kind: str) -> dict:
    keys = {"hp-box": ("opt", "name"), "hp-bool": ("opt", "name"), "hp-choice": ("opt", "name"),
            "sched-p": ("opt", "name"), "sched": ("opt",), "batch": ("opt",), "batch-k": ("opt",),
            "g": ("name",), "start": ("i",)}[kind]
    return {"type": kind, **{k: ALL for k in keys}}


# ----------------------------------------------------------------------------- pure helpers
def structure(settings: dict) -> list:
    """What the figures' traces depend on (beyond the trajectories' numbers)."""
    view = settings.get("view") or {}
    key = [problem_key(settings), list(view.get("dims", [0, 1])), view.get("mode", "overlay"),
           settings.get("starts", 1), [parse_spec(s).optimizer.id for s in settings["optimizers"]],
           view.get("x_axis", "step")]
    if view.get("lookahead"):  # the static look-ahead points follow every change: redraw in full
        key.append(list(settings["optimizers"]) + common(settings))
    return key


def common(settings: dict) -> list:
    """Settings every run depends on: a change re-runs all optimizers."""
    return [problem_key(settings), list(settings["start"]), settings["steps"], settings["shuffle"],
            settings["seed"], settings["convention"], settings.get("starts", 1)]


def status(rows: list[dict], payload_runs: list[dict] | None = None, notices=()) -> list:
    out = [html.Div(n, className="dl-notice") for n in notices]
    for r in rows:
        if r["diverged_at"] is not None:
            out.append(html.Div(f"{r['label']}: {r.get('msg', '')}", className="dl-diverged"))
    return out


def preview(settings: dict, text: str):
    return figures.schedule_preview(settings, text, problem_of(settings))


def lookahead_traces(trajs, dims) -> list:
    """NAG's look-ahead points θ − γv (where its gradient was taken), hollow, one trace per run."""
    out = []
    for i, t in enumerate(trajs):
        if t.lookahead is None:
            continue
        for r in range(t.runs):
            pts = t.lookahead[1: t.last_row(r) + 1, r]
            out.append({"type": "scatter", "x": figures.typed(pts[:, dims[0]]), "y": figures.typed(pts[:, dims[1]]),
                        "mode": "markers", "name": f"{t.label}: look-ahead θ − γv", "hoverinfo": "skip",
                        "marker": {"symbol": "circle-open", "size": 7, "color": theme.color(i),
                                   "line": {"width": 1.5}}})
    return out


def render(settings: dict, drawn: dict, live_on: bool) -> dict:
    """Everything the main callback returns, as a dict of plain values / Patch / no_update."""
    problem = problem_of(settings)
    view = settings.get("view") or {}
    mode, dims = view.get("mode", "overlay"), tuple(view.get("dims", [0, 1]))
    key, comm, specs = structure(settings), common(settings), list(settings["optimizers"])
    full = drawn.get("key") != key
    if live_on and not full:
        return {"drawn": no_update, "traj": no_update, "figs": None, "changed": []}
    changed = list(range(len(specs))) if full or drawn.get("common") != comm else \
        [i for i, s in enumerate(specs) if drawn["specs"][i] != s]
    if not changed:
        return {"drawn": no_update, "traj": no_update, "figs": None, "changed": []}
    trajs = simulate({**settings, "optimizers": [specs[i] for i in changed]})
    rows_new = []
    for i, t in zip(changed, trajs, strict=True):
        rows_new += [{**row, "msg": t.divergence_message(row["run"])} for row in metric_rows([t], problem, i)]
    rows = rows_new if full else [r for r in drawn["rows"] if r["opt"] not in changed] + rows_new
    rows.sort(key=lambda r: (r["opt"], r["run"]))
    new_drawn = {"key": key, "common": comm, "specs": specs, "rows": rows}
    if full:
        grid = figures.surface_grid(problem, dims, base=settings["start"])
        pl = figures.payload(trajs, problem, dims)
        figs = figures.all_figures(grid, pl, mode, view.get("x_axis", "step"))  # plain dicts: no go.Figure validation
        if view.get("lookahead") and mode != "side":
            figs["contour"]["data"] += lookahead_traces(trajs, dims)
            if drawn.get("key", [])[:-1] == key[:-1]:  # only the look-ahead part (last) changed: the other
                figs = {"contour": figs["contour"]}     # figures stay and follow TRAJ (draw); no surface resent
        return {"drawn": new_drawn, "traj": pl, "figs": figs, "changed": changed}
    spans = np.array([hi - lo for lo, hi in problem.window], dtype=float)
    patch, R = Patch(), settings.get("starts", 1)
    for i, t in zip(changed, trajs, strict=True):
        for r in range(t.runs):
            patch["runs"][i * R + r] = figures.run_payload(t, r, i, spans)
    return {"drawn": new_drawn, "traj": patch, "figs": None, "changed": changed}


def matched_opt() -> int | None:
    """The optimizer index a MATCH callback runs for (from its first output's id)."""
    out = (ctx.outputs_list or [None])[0] if isinstance(ctx.outputs_list, list) else ctx.outputs_list
    i = out.get("id", {}).get("opt") if isinstance(out, dict) and isinstance(out.get("id"), dict) else None
    return i if type(i) is int else None


def opt_runs(settings: dict, i: int) -> list:
    """[index in TRAJ's runs, payload] of every run of optimizer i (one batched engine call over its starts)."""
    (traj,) = simulate({**settings, "optimizers": [settings["optimizers"][i]]})
    spans = np.array([hi - lo for lo, hi in problem_of(settings).window], dtype=float)
    R = settings.get("starts", 1)
    return [[i * R + r, figures.run_payload(traj, r, i, spans)] for r in range(traj.runs)]


def send_tuned(settings: dict, out: dict, msgs: dict, keys: list[str], changed: bool) -> None:
    """`tune`'s results beyond its own output (set_props: a MATCH callback cannot name the page's stores)."""
    for cid, prop, value in ((ids.DRAWN, "data", out["drawn"]), (ids.TRAJ, "data", out["traj"])):
        if value is not no_update:
            set_props(cid, {prop: value})
    for name, fig in (out["figs"] or {}).items():
        set_props(f"dl-{name}", {"figure": fig})
    if changed:  # `update` then redraws the table and status from DRAWN
        set_props(ids.SETTINGS, {"data": settings})
    for key in keys:
        set_props(ids.msg(key), {"children": msgs.get(key, "")})


def opt_msg_keys(i: int, inputs_list) -> list[str]:
    """The message keys beside optimizer i's controls (controls.py: _msg), from the ids `tune` received."""
    cids = [x["id"] for g in inputs_list for x in (g if isinstance(g, list) else [g])
            if isinstance(x, dict) and isinstance(x.get("id"), dict)]
    key = {"sched": lambda c: f"opt{i}.schedule", "sched-p": lambda c: f"opt{i}.s.{c.get('name')}"}
    return [key.get(c.get("type"), lambda c: f"opt{i}.{c.get('name')}")(c) for c in cids]


# ----------------------------------------------------------------------------- registration
def register_callbacks(app) -> None:
    scenario_ui.register_scenario_callbacks(app)
    share.register_share_callbacks(app)
    register_analysis_callbacks(app)
    register_own_problem(app)
    fig_outputs = [Output(fid, "figure") for fid in ids.FIGURES]
    control_inputs = [Input(_pattern(kind), prop) for kind, prop in CONTROL_INPUTS]

    @app.callback(
        [Output(ids.SETTINGS, "data"), Output(ids.DRAWN, "data"), Output(ids.TRAJ, "data"), *fig_outputs,
         Output({"type": "msg", "key": ALL}, "children"), Output({"type": "preview", "opt": ALL}, "figure"),
         Output(ids.TABLE, "children"), Output(ids.STATUS, "children")],
        [Input(ids.SETTINGS, "data"), *control_inputs],
        [State(ids.DRAWN, "data"), State(ids.LIVE, "data")],
    )
    @guarded()
    def update(raw_settings, *rest):
        msg_outs, preview_outs = ctx.outputs_list[-4], ctx.outputs_list[-3]
        settings, notices = parse_settings(raw_settings)
        if settings is None:  # keep the view; say what was wrong
            return [no_update] * (3 + len(ids.FIGURES)) + [[no_update] * len(msg_outs),
                                                            [no_update] * len(preview_outs), no_update,
                                                            status([], notices=notices)]
        msgs: dict[str, str] = {}
        if ctx.triggered_id not in (None, ids.SETTINGS):
            settings, msgs = controls.apply_controls(settings, controls.read_controls(ctx.inputs_list[1:]))
            settings, more = parse_settings(settings)  # the budgets (e.g. steps × optimizers) still hold
            if settings is None:
                raise PreventUpdate
            notices += more
            if more:  # also beside the box the user just typed in (steps, or what made the runs too many)
                msgs.setdefault("steps", more[-1])
        drawn = schema.parse_drawn(rest[-2], len(settings["optimizers"]))
        live_on = isinstance(rest[-1], dict) and rest[-1].get("on") is True
        out = render(settings, drawn, live_on)
        figs = out["figs"] or {}
        n = len(settings["optimizers"])
        opts = [o.get("id", {}).get("opt") if isinstance(o, dict) and isinstance(o.get("id"), dict) else None
                for o in preview_outs]
        previews = [preview(settings, settings["optimizers"][i])
                    if type(i) is int and 0 <= i < n and (i in out["changed"] or ctx.triggered_id is None)
                    else no_update for i in opts]
        keys = [o["id"].get("key") if isinstance(o, dict) and isinstance(o.get("id"), dict) else None
                for o in msg_outs]
        drawn_rows = (drawn if out["drawn"] is no_update else out["drawn"]).get("rows", [])
        by_store = ctx.triggered_id == ids.SETTINGS  # the messages stay: `tune` or a re-rendered panel set them
        # SETTINGS as they came are not written back: an edit made while this ran would be undone (D4)
        echo = ctx.triggered_id in (None, ids.SETTINGS) and settings == raw_settings
        return [no_update if echo else settings, out["drawn"], out["traj"],
                *[figs.get(f.split("-")[1], no_update) for f in ids.FIGURES],
                [no_update if by_store else msgs.get(k, "") if isinstance(k, str) else "" for k in keys], previews,
                no_update if live_on and out["figs"] is None else table(drawn_rows),  # Live says so (D8)
                status(drawn_rows, notices=notices)]

    @app.callback(Output(ids.CONTROLS, "children"), Output(ids.CONTROLS_SIG, "data"),
                  Input(ids.SETTINGS, "data"), Input(ids.REVISION, "data"), State(ids.CONTROLS_SIG, "data"))
    @guarded()
    def render_controls(raw_settings, revision, sig):
        settings, _ = parse_settings(raw_settings)  # refused settings: `update` says why
        if settings is None:
            raise PreventUpdate
        new = controls.signature(settings, schema.count(revision))
        if new == sig:
            raise PreventUpdate
        return controls.control_panel(settings), new

    @app.callback(Output(ids.SETTINGS, "data", allow_duplicate=True),
                  Input(ids.ADD, "n_clicks"), Input({"type": "rm", "opt": ALL}, "n_clicks"),
                  Input({"type": "dup", "opt": ALL}, "n_clicks"), State(ids.ADD_CHOICE, "value"),
                  State(ids.SETTINGS, "data"), prevent_initial_call=True)
    @guarded()
    def edit_list(_add, _rm, _dup, choice, raw_settings):
        settings, _ = parse_settings(raw_settings)
        trig = ctx.triggered_id
        if settings is None or not ctx.triggered or not ctx.triggered[0].get("value"):
            raise PreventUpdate
        specs = list(settings["optimizers"])
        i = trig.get("opt") if isinstance(trig, dict) else None
        if trig == ids.ADD:
            specs.append(choice if isinstance(choice, str) and choice in controls.OPTIMIZERS else "gd")
        elif type(i) is not int or not 0 <= i < len(specs):
            raise PreventUpdate
        elif trig.get("type") == "rm" and len(specs) > 1:
            specs.pop(i)
        elif trig.get("type") == "dup":
            specs.insert(i + 1, specs[i])
        new, notices = parse_settings({**settings, "optimizers": specs[:controls.MAX_OPTIMIZERS]})
        if new is None:
            raise PreventUpdate
        return new

    @app.callback(Output(ids.SETTINGS, "data", allow_duplicate=True), Output(ids.REVISION, "data"),
                  Input(ids.CONTOUR, "clickData"), State(ids.SETTINGS, "data"), State(ids.REVISION, "data"),
                  prevent_initial_call=True)
    @guarded()
    def click_start(click, raw_settings, revision):
        settings, _ = parse_settings(raw_settings)
        point = schema.click_point(click)
        if settings is None or point is None or not math.isfinite(point[1]):
            raise PreventUpdate
        problem = problem_of(settings)
        if problem.dim < 2:
            raise PreventUpdate
        dims = settings["view"]["dims"]
        start = list(settings["start"])
        start[dims[0]], start[dims[1]] = float(f"{point[0]:.4g}"), float(f"{point[1]:.4g}")
        if not problem.in_window(start):
            raise PreventUpdate
        return {**settings, "start": start}, schema.count(revision) + 1

    @app.callback(Output(ids.INSPECTOR, "children"),
                  Input(ids.INSPECT, "n_clicks"), Input(ids.LOSS, "clickData"), Input(ids.ETA, "clickData"),
                  Input(ids.PARAMS, "clickData"), State(ids.STEP, "data"), State(ids.SETTINGS, "data"),
                  prevent_initial_call=True)
    @guarded(ids.INSPECTOR)
    def inspect(_n, c1, c2, c3, step, raw_settings):
        settings, notices = parse_settings(raw_settings)
        if settings is None:
            return html.Div(notices, className="dl-notice")
        if work(settings) > MAX_INSPECT_WORK:
            return html.Div(f"The inspector recomputes every run: {work(settings):,} run-steps is over "
                            f"MAX_INSPECT_WORK = {MAX_INSPECT_WORK:,}. Use fewer starts or steps.",
                            className="dl-notice")
        trig = ctx.triggered_id if isinstance(ctx.triggered_id, str) else None
        click = schema.click_point(figures.step_click({ids.LOSS: c1, ids.ETA: c2, ids.PARAMS: c3}.get(trig)))
        k = schema.step_index(click[0] if click else step, settings["steps"])
        return inspector(simulate(settings), settings["steps"] if k is None else k)

    @app.callback(Output(ids.NOOP_OUT, "children"), Input(ids.NOOP, "n_clicks"), prevent_initial_call=True)
    @guarded()
    def noop(n):
        return str(schema.count(n))

    register_tuning(app)
    register_live(app, schema.live_serializer(app.server.config.get("SECRET_KEY")))
    app.clientside_callback(ClientsideFunction("descent", "draw"), [Output(f, "figure", allow_duplicate=True)
                                                                     for f in ids.FIGURES],
                            Input(ids.TRAJ, "data"), [State(f, "figure") for f in ids.FIGURES],
                            prevent_initial_call=True)
    app.clientside_callback("function (first) { return first; }", Output(ids.TRAJ, "data", allow_duplicate=True),
                            Input(ids.TRAJ0, "data"), prevent_initial_call="initial_duplicate")  # the layout's view
    app.clientside_callback(ClientsideFunction("descent", "surfaceLater"),
                            Output(ids.SURFACE, "figure", allow_duplicate=True), Input(ids.SURFACE0, "data"),
                            State(ids.SURFACE, "figure"), prevent_initial_call="initial_duplicate")
    app.clientside_callback(ClientsideFunction("descent", "syncHyper"),
                            Output(ids.hp("slider", MATCH, MATCH), "value"),
                            Output(ids.hp("box", MATCH, MATCH), "value"),
                            Input(ids.hp("slider", MATCH, MATCH), "value"), Input(ids.hp("box", MATCH, MATCH), "value"),
                            State(ids.hp("slider", MATCH, MATCH), "min"), State(ids.hp("slider", MATCH, MATCH), "max"),
                            State(ids.SETTINGS, "data"), State(ids.hp("slider", MATCH, MATCH), "className"),
                            prevent_initial_call=True)  # SETTINGS: descent.js released; className: the slider's scale


def register_tuning(app) -> None:
    """One optimizer's controls: `tune` on a change (release, typed value), `drag` while a slider moves."""
    @app.callback(Output(ids.opt_ctl("tuned", MATCH), "data"),
                  *[Input({**pattern, "opt": MATCH}, "value") for pattern in OPT_INPUTS],
                  State(ids.SETTINGS, "data"), State(ids.DRAWN, "data"), State(ids.LIVE, "data"),
                  prevent_initial_call=True)
    @guarded()
    def tune(*args):
        """Re-run only this optimizer (a TRAJ Patch); every other setting as in SETTINGS."""
        settings, _ = parse_settings(args[-3])
        i, n = matched_opt(), len(OPT_INPUTS)
        if settings is None or i is None or i >= len(settings["optimizers"]):
            raise PreventUpdate
        groups = [g if isinstance(g, list) else [g] for g in ctx.inputs_list[:n]]
        new, msgs = controls.apply_controls(settings, controls.read_controls(groups))
        new, _ = parse_settings(new)  # the budgets still hold
        if new is None:
            raise PreventUpdate
        live_on = isinstance(args[-1], dict) and args[-1].get("on") is True
        send_tuned(new, render(new, schema.parse_drawn(args[-2], len(new["optimizers"])), live_on), msgs,
                   opt_msg_keys(i, ctx.inputs_list[:n]), new != settings)
        return new["optimizers"][i]

    @app.callback(Output(ids.opt_ctl("dragged", MATCH), "data"), Input(ids.opt_ctl("drag", MATCH), "data"),
                  State(ids.SETTINGS, "data"), prevent_initial_call=True)
    @guarded()
    def drag(raw, raw_settings):
        """The dragged value's runs, for the page's overlay only: SETTINGS changes on release (`tune`).
        A refused request still answers (with no runs), so the page's gate sends the next one."""
        settings, _ = parse_settings(raw_settings)
        i = matched_opt()
        got = controls.dragged_spec(settings, i, raw) if settings is not None else None
        seq = raw.get("seq") if isinstance(raw, dict) and type(raw.get("seq")) is int else None
        if got is None:
            return {"seq": seq, "runs": []}
        new, _ = parse_settings({**settings, "optimizers": [*settings["optimizers"][:i], got[0],
                                                            *settings["optimizers"][i + 1:]]})
        return {"seq": seq, "runs": opt_runs(new, i) if new is not None else []}

    app.clientside_callback(ClientsideFunction("descent", "dragGate"), Output(ids.opt_ctl("drag", MATCH), "data"),
                            Input(ids.hp("slider", MATCH, ALL), "drag_value"),
                            State(ids.hp("slider", MATCH, ALL), "value"), State(ids.SETTINGS, "data"),
                            prevent_initial_call=True)  # the page posts the drag request itself (descent.js: post)


# ----------------------------------------------------------------------------- inspector
def _vec(a) -> str:
    return "(" + ", ".join("—" if not np.isfinite(v) else f"{v:.4g}" for v in np.atleast_1d(a)) + ")"


def inspector(trajs, k: int) -> html.Div:
    """Gradient, optimizer state and effective per-parameter learning rate at step k, per run."""
    names = ", ".join(trajs[0].param_names) if trajs else ""
    rows = []
    for t in trajs:
        for r in range(t.runs):
            kk = min(k, t.last_row(r))
            cells = [("θ", _vec(t.params[kk, r])), ("L", f"{t.loss[kk, r]:.5g}"), ("η", f"{t.eta[kk, r]:.4g}")]
            if t.grad is not None:
                cells.append(("g (update → step)", _vec(t.grad[kk, r])))
            cells += [(name, _vec(arr[kk, r])) for name, arr in t.state.items()]
            if t.lr is not None:
                cells.append(("effective lr", _vec(t.lr[kk, r])))
            rows.append(html.Div([html.Strong(t.label), html.Span(f" step {kk}"),
                                  html.Dl([x for c in cells for x in (html.Dt(c[0]), html.Dd(c[1]))])],
                                 className="dl-insp-run"))
    return html.Div([html.P(f"step {k}; vectors are over ({names}); g, lr: the update that produced this step"),
                     *rows], className="dl-insp")
