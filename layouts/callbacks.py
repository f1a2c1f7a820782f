"""Callbacks: thin adapters between the page and the pure pieces (controls, engine, figures, metrics).

Data flow
  controls ──(update)──> SETTINGS ──(update)──> TRAJ (Patch of the changed runs) ──(clientside draw)──> figures
                                      └──> full figures + TRAJ when the problem / view / optimizer list changes
  SETTINGS ──(render_controls, only when the set of controls changes)──> sidebar
  playback: assets/descent.js only (no server callback listens to the playback bar)
  Live: LIVE_TICK ──(live_tick)──> TRAJ Patch (extend by a chunk, resumed from the engine's checkpoint)
"""

from __future__ import annotations

import math

import numpy as np
from dash import ALL, MATCH, ClientsideFunction, Input, Output, Patch, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from optimizers import SpecError, parse_batching, parse_spec, run_spec
from scenarios.settings import MAX_PAGE_STEPS, simulate, start_points
from surfaces import get_problem

from . import controls, figures, ids, metrics, scenario_ui, share, theme

LIVE_CHUNK = 10
CONTROL_INPUTS = (("hp-box", "value"), ("hp-bool", "value"), ("hp-choice", "value"), ("sched", "value"),
                  ("sched-p", "value"), ("batch", "value"), ("batch-k", "value"), ("g", "value"), ("start", "value"))


def _pattern(kind: str) -> dict:
    keys = {"hp-box": ("opt", "name"), "hp-bool": ("opt", "name"), "hp-choice": ("opt", "name"),
            "sched-p": ("opt", "name"), "sched": ("opt",), "batch": ("opt",), "batch-k": ("opt",),
            "g": ("name",), "start": ("i",)}[kind]
    return {"type": kind, **{k: ALL for k in keys}}


# ----------------------------------------------------------------------------- pure helpers
def structure(settings: dict) -> list:
    """What the figures' traces depend on (beyond the trajectories' numbers)."""
    view = settings.get("view") or {}
    key = [settings["problem"], list(view.get("dims", [0, 1])), view.get("mode", "overlay"),
           settings.get("starts", 1), [parse_spec(s).optimizer.id for s in settings["optimizers"]]]
    if view.get("lookahead"):  # the static look-ahead points follow every change: redraw in full
        key.append(list(settings["optimizers"]) + common(settings))
    return key


def common(settings: dict) -> list:
    """Settings every run depends on: a change re-runs all optimizers."""
    return [settings["problem"], list(settings["start"]), settings["steps"], settings["shuffle"],
            settings["seed"], settings["convention"], settings.get("starts", 1)]


def known_min(problem) -> float | None:
    if not problem.minima:
        return None
    with np.errstate(all="ignore"):
        return float(np.min(problem.loss(np.array(problem.minima, dtype=float))))


def metric_rows(trajs, problem, first_opt: int = 0) -> list[dict]:
    rows = metrics.comparison(trajs, known_min(problem) if problem.minima else 0.0)
    for row in rows:
        row["opt"] += first_opt
    return rows


def table(rows: list[dict]) -> html.Table:
    def num(v, f="{:.4g}"):
        return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f.format(v)
    head = ["optimizer", "final loss", "epochs", f"steps to loss ≤ min + {metrics.TOLERANCE:g}", "path length",
            "u-turns", "diverged at"]
    body = [html.Tr([html.Td(r["label"], className="dl-swatch", style={"borderLeftColor": f"var(--c{r['opt'] % 12})"}),
                     html.Td(num(r["final_loss"])), html.Td(num(r.get("epochs"), "{:.4g}")),
                     html.Td(num(r["steps_to_tol"], "{}")),
                     html.Td(num(r["path_length"], "{:.3g}")), html.Td(str(r["u_turns"])),
                     html.Td(num(r["diverged_at"], "step {}"), className="dl-bad" if r["diverged_at"] else "")])
            for r in rows]
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)], className="dl-table")


def status(rows: list[dict], payload_runs: list[dict] | None = None, notices=()) -> list:
    out = [html.Div(n, className="dl-notice") for n in notices]
    for r in rows:
        if r["diverged_at"] is not None:
            out.append(html.Div(f"{r['label']}: {r.get('msg', '')}", className="dl-diverged"))
    return out


def preview(settings: dict, text: str):
    spec = parse_spec(text)
    eta0 = spec.hp.get("eta", spec.optimizer.hyper("eta").default_for(settings["convention"]))
    problem = get_problem(settings["problem"])
    per_epoch = parse_batching(spec.batch or "full").updates_per_epoch(problem.n_points)
    sched = spec.schedule
    steps = max(settings["steps"], 1)
    values = sched.preview(eta0, steps, per_epoch) if sched is not None else np.full(steps, eta0)
    return figures.preview_figure(values, f"η over {steps} steps" + (f" ({sched.id})" if sched else ""))


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
    problem = get_problem(settings["problem"])
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
        grid = figures.surface_grid(settings["problem"], dims, base=settings["start"])
        pl = figures.payload(trajs, settings["problem"], dims)
        figs = figures.all_figures(grid, pl, mode)  # plain dicts: no go.Figure validation on the server
        if view.get("lookahead") and mode != "side":
            figs["contour"]["data"] += lookahead_traces(trajs, dims)
        return {"drawn": new_drawn, "traj": pl, "figs": figs, "changed": changed}
    spans = np.array([hi - lo for lo, hi in problem.window], dtype=float)
    patch, R = Patch(), settings.get("starts", 1)
    for i, t in zip(changed, trajs, strict=True):
        for r in range(t.runs):
            patch["runs"][i * R + r] = figures.run_payload(t, r, i, spans)
    return {"drawn": new_drawn, "traj": patch, "figs": None, "changed": changed}


# ----------------------------------------------------------------------------- registration
def register_callbacks(app) -> None:
    scenario_ui.register_scenario_callbacks(app)
    share.register_share_callbacks(app)
    fig_outputs = [Output(fid, "figure") for fid in ids.FIGURES]
    control_inputs = [Input(_pattern(kind), prop) for kind, prop in CONTROL_INPUTS]

    @app.callback(
        [Output(ids.SETTINGS, "data"), Output(ids.DRAWN, "data"), Output(ids.TRAJ, "data"), *fig_outputs,
         Output({"type": "msg", "key": ALL}, "children"), Output({"type": "preview", "opt": ALL}, "figure"),
         Output(ids.TABLE, "children"), Output(ids.STATUS, "children")],
        [Input(ids.SETTINGS, "data"), *control_inputs],
        [State(ids.DRAWN, "data"), State(ids.LIVE, "data")],
    )
    def update(settings, *rest):
        drawn, live = rest[-2] or {}, rest[-1] or {}
        msgs: dict[str, str] = {}
        if ctx.triggered_id not in (None, ids.SETTINGS):
            values = {controls.key_of(item["id"]): item.get("value") for group in ctx.inputs_list[1:]
                      for item in group}
            settings, msgs = controls.apply_controls(settings, values)
        out = render(settings, drawn, bool(live.get("on")))
        figs = out["figs"] or {}
        n = len(settings["optimizers"])
        previews = [preview(settings, settings["optimizers"][o["id"]["opt"]])
                    if o["id"]["opt"] < n and (o["id"]["opt"] in out["changed"] or ctx.triggered_id is None)
                    else no_update for o in ctx.outputs_list[-3]]
        drawn_rows = (drawn if out["drawn"] is no_update else out["drawn"]).get("rows", [])
        return [settings, out["drawn"], out["traj"], *[figs.get(f.split("-")[1], no_update) for f in ids.FIGURES],
                [msgs.get(o["id"]["key"], "") for o in ctx.outputs_list[-4]], previews,
                table(drawn_rows), status(drawn_rows)]

    @app.callback(Output(ids.CONTROLS, "children"), Output(ids.CONTROLS_SIG, "data"),
                  Input(ids.SETTINGS, "data"), Input(ids.REVISION, "data"), State(ids.CONTROLS_SIG, "data"))
    def render_controls(settings, revision, sig):
        new = controls.signature(settings, revision or 0)
        if new == sig:
            raise PreventUpdate
        return controls.control_panel(settings), new

    @app.callback(Output(ids.SETTINGS, "data", allow_duplicate=True),
                  Input(ids.ADD, "n_clicks"), Input({"type": "rm", "opt": ALL}, "n_clicks"),
                  Input({"type": "dup", "opt": ALL}, "n_clicks"), State(ids.ADD_CHOICE, "value"),
                  State(ids.SETTINGS, "data"), prevent_initial_call=True)
    def edit_list(_add, _rm, _dup, choice, settings):
        trig = ctx.triggered_id
        if not ctx.triggered or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        specs = list(settings["optimizers"])
        if trig == ids.ADD:
            specs.append(choice or "gd")
        elif trig["type"] == "rm" and len(specs) > 1:
            specs.pop(trig["opt"])
        elif trig["type"] == "dup":
            specs.insert(trig["opt"] + 1, specs[trig["opt"]])
        return {**settings, "optimizers": specs[:12]}

    @app.callback(Output(ids.SETTINGS, "data", allow_duplicate=True), Output(ids.REVISION, "data"),
                  Input(ids.CONTOUR, "clickData"), State(ids.SETTINGS, "data"), State(ids.REVISION, "data"),
                  prevent_initial_call=True)
    def click_start(click, settings, revision):
        problem = get_problem(settings["problem"])
        if not click or problem.dim < 2:
            raise PreventUpdate
        point = click["points"][0]
        dims = (settings.get("view") or {}).get("dims", [0, 1])
        start = list(settings["start"])
        start[dims[0]], start[dims[1]] = float(f"{point['x']:.4g}"), float(f"{point['y']:.4g}")
        if not problem.in_window(start):
            raise PreventUpdate
        return {**settings, "start": start}, (revision or 0) + 1

    @app.callback(Output(ids.INSPECTOR, "children"),
                  Input(ids.INSPECT, "n_clicks"), Input(ids.LOSS, "clickData"), Input(ids.ETA, "clickData"),
                  Input(ids.PARAMS, "clickData"), State(ids.STEP, "data"), State(ids.SETTINGS, "data"),
                  prevent_initial_call=True)
    def inspect(_n, c1, c2, c3, step, settings):
        click = {ids.LOSS: c1, ids.ETA: c2, ids.PARAMS: c3}.get(ctx.triggered_id)
        k = int(click["points"][0]["x"]) if click else (settings["steps"] if step is None else int(step))
        return inspector(simulate(settings), min(max(k, 0), settings["steps"]))

    @app.callback(Output(ids.NOOP_OUT, "children"), Input(ids.NOOP, "n_clicks"), prevent_initial_call=True)
    def noop(n):
        return str(n)

    register_live(app)
    app.clientside_callback(ClientsideFunction("descent", "draw"), [Output(f, "figure", allow_duplicate=True)
                                                                     for f in ids.FIGURES],
                            Input(ids.TRAJ, "data"), [State(f, "figure") for f in ids.FIGURES],
                            prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("descent", "syncHyper"),
                            Output(ids.hp("slider", MATCH, MATCH), "value"),
                            Output(ids.hp("box", MATCH, MATCH), "value"),
                            Input(ids.hp("slider", MATCH, MATCH), "value"), Input(ids.hp("box", MATCH, MATCH), "value"),
                            State(ids.hp("slider", MATCH, MATCH), "min"), prevent_initial_call=True)


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


# ----------------------------------------------------------------------------- Live mode
def live_chunk(settings: dict, live: dict) -> tuple[Patch, dict]:
    """Advance every run LIVE_CHUNK steps from its checkpoint with the current settings; the Patch appends."""
    problem = get_problem(settings["problem"])
    spans = np.array([hi - lo for lo, hi in problem.window], dtype=float)
    batching = parse_batching("full", shuffle=settings["shuffle"], seed=settings["seed"])
    patch, R = Patch(), settings.get("starts", 1)
    ckpts, specs, done = list(live["ckpt"]), list(live["specs"]), list(live["done"])
    step = live["step"]
    for i, spec in enumerate(settings["optimizers"][: len(specs)]):
        try:
            traj = run_spec(problem, spec, start_points(settings), LIVE_CHUNK, convention=settings["convention"],
                            batching=batching, resume=ckpts[i])
        except SpecError:
            continue
        for r in range(traj.runs):
            j = i * R + r
            if done[j]:
                continue
            if spec != specs[i]:
                patch["runs"][j]["changes"].append(step)
                patch["runs"][j]["label"] = spec
            last = traj.last_row(r)
            if last > 0:
                patch["runs"][j]["blocks"].append(figures.run_rows(traj, r, np.arange(1, last + 1), step, spans))
            if traj.diverged_at[r] >= 0:
                done[j] = True
                patch["runs"][j]["div"] = step + last
                patch["runs"][j]["msg"] = f"diverged at step {step + last}: {traj.diverged_reason[r]}"
        ckpts[i], specs[i] = traj.checkpoint(), spec
    return patch, {**live, "ckpt": ckpts, "specs": specs, "done": done, "step": step + LIVE_CHUNK}


def live_start(settings: dict) -> tuple[dict, dict]:
    """Step-0 payload and the checkpoints to continue from."""
    trajs = simulate({**settings, "steps": 0})
    pl = figures.payload(trajs, settings["problem"], tuple((settings.get("view") or {}).get("dims", [0, 1])))
    pl["live"] = True
    live = {"on": True, "ckpt": [t.checkpoint() for t in trajs],
            "specs": list(settings["optimizers"]), "done": [False] * len(pl["runs"]), "step": 0}
    return pl, live


def register_live(app) -> None:
    @app.callback(Output(ids.LIVE, "data", allow_duplicate=True), Output(ids.LIVE_TICK, "disabled"),
                  Output(ids.TRAJ, "data", allow_duplicate=True), Output(ids.DRAWN, "data", allow_duplicate=True),
                  Output(ids.LIVE_TOGGLE, "children"), Output(ids.LIVE_EXIT, "style"),
                  Output(ids.LIVE_LABEL, "children"),
                  Output(ids.SETTINGS, "data", allow_duplicate=True),
                  Input(ids.LIVE_TOGGLE, "n_clicks"), Input(ids.LIVE_EXIT, "n_clicks"),
                  State(ids.LIVE, "data"), State(ids.LIVE_TICK, "disabled"), State(ids.SETTINGS, "data"),
                  prevent_initial_call=True)
    def live_control(_t, _x, live, paused, settings):
        """Start / pause / continue / exit. Only start and exit write LIVE (the tick owns it while running),
        so a chunk in flight when Pause is pressed is never lost or applied twice."""
        shown = {"display": "inline-block"}
        if ctx.triggered_id == ids.LIVE_EXIT:
            return {"on": False}, True, no_update, {}, "● Live", {"display": "none"}, "", settings
        if not (live or {}).get("on"):
            pl, live = live_start(settings)
            return live, False, pl, no_update, "❚❚ Pause", shown, "Live: running", no_update
        running = bool(paused)
        return (no_update, not running, no_update, no_update, "❚❚ Pause" if running else "▶ Continue", shown,
                "Live: running" if running else "Live: paused — change η (or any setting of an optimizer), "
                                                "then Continue", no_update)

    @app.callback(Output(ids.TRAJ, "data", allow_duplicate=True), Output(ids.LIVE, "data", allow_duplicate=True),
                  Output(ids.LIVE_TICK, "disabled", allow_duplicate=True),
                  Input(ids.LIVE_TICK, "n_intervals"), State(ids.LIVE, "data"), State(ids.SETTINGS, "data"),
                  prevent_initial_call=True)
    def live_tick(_n, live, settings):
        if not live or not live.get("on"):
            raise PreventUpdate
        patch, live = live_chunk(settings, live)
        finished = live["step"] >= MAX_PAGE_STEPS or all(live["done"])
        return patch, live, True if finished else no_update
