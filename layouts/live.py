"""Live mode: the runs advance LIVE_CHUNK steps per tick from the engine's signed checkpoints, with the
settings as they are now (change η while it runs), appended to the drawn paths by Patch; the comparison
table follows each chunk (D8)."""

from __future__ import annotations

import numpy as np
from dash import Input, Output, Patch, State, ctx, html, no_update, set_props
from dash.exceptions import PreventUpdate

from optimizers import SpecError, parse_batching, run_spec
from scenarios import schema
from scenarios.budgets import LIVE_CHUNK, MAX_LIVE_STEPS
from scenarios.settings import parse_settings, problem_key, problem_of, simulate, start_points

from . import figures, ids, live_table, metrics
from .comparison import known_min, table
from .guard import guarded


def live_chunk(settings: dict, live: dict) -> tuple[Patch, dict]:
    """Advance every run LIVE_CHUNK steps from its checkpoint with the current settings; the Patch appends,
    and the comparison numbers (live["table"], when there) take in the chunk's rows."""
    problem = problem_of(settings)
    spans = np.array([hi - lo for lo, hi in problem.window], dtype=float)
    batching = parse_batching("full", shuffle=settings["shuffle"], seed=settings["seed"])
    patch, R = Patch(), settings.get("starts", 1)
    ckpts, specs, done = list(live["ckpt"]), list(live["specs"]), list(live["done"])
    step, numbers = live["step"], live.get("table")
    runs = list(numbers["runs"]) if numbers else None
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
                patch["runs"][j]["label"] = figures.run_name(spec, None if traj.runs == 1 else r)
                patch["runs"][j]["spec"] = spec
            last = traj.last_row(r)
            if last > 0:
                patch["runs"][j]["blocks"].append(figures.run_rows(traj, r, np.arange(1, last + 1), step, spans))
            if runs is not None:
                runs[j] = live_table.extend(runs[j], traj, r, step, numbers["target"])
            if traj.diverged_at[r] >= 0:
                done[j] = True
                patch["runs"][j]["div"] = step + last
                patch["runs"][j]["msg"] = f"diverged at step {step + last}: {traj.diverged_reason[r]}"
        ckpts[i], specs[i] = traj.checkpoint(), spec
    table_part = {"table": {**numbers, "runs": runs}} if numbers else {}
    return patch, {**live, "ckpt": ckpts, "specs": specs, "done": done, "step": step + LIVE_CHUNK, **table_part}


def live_start(settings: dict) -> tuple[dict, dict]:
    """Step-0 payload, the checkpoints to continue from and the comparison numbers of step 0."""
    trajs, problem = simulate({**settings, "steps": 0}), problem_of(settings)
    pl = figures.payload(trajs, problem, tuple((settings.get("view") or {}).get("dims", [0, 1])))
    pl["live"] = True
    target = metrics.best_loss(trajs, known_min(problem) if problem.minima else 0.0)  # as metric_rows aims
    live = {"on": True, "ckpt": [t.checkpoint() for t in trajs], "specs": list(settings["optimizers"]),
            "done": [False] * len(pl["runs"]), "step": 0, "problem": problem_key(settings),
            "starts": settings.get("starts", 1), "table": live_table.start(trajs, target)}
    return pl, live


def live_table_view(live: dict, settings: dict):
    """The comparison table of the live runs after the steps done so far (or why it is not kept up)."""
    if live.get("table") is None:
        return html.P(LIVE_TABLE, className="dl-notice")
    rows = live_table.rows(live["table"], live["specs"], live["starts"])
    return html.Div([html.P(f"Live: after {live['step']:,} steps", className="dl-hint dl-live-step"), table(rows)])


LIVE_TABLE = ("Live: the comparison numbers could not be carried on (they did not verify); "
              "exit Live for the table of the current settings.")
LIVE_OFF = ({"on": False}, True, "● Live", {"display": "none"})  # LIVE, tick disabled, toggle text, exit button


def register_live(app, serializer) -> None:
    """Live mode's two callbacks. The LIVE store holds the engine's checkpoints signed with `serializer`
    (scenarios.schema.live_store): a tick resumes only from what this server wrote."""
    @app.callback(Output(ids.LIVE, "data", allow_duplicate=True), Output(ids.LIVE_TICK, "disabled"),
                  Output(ids.TRAJ, "data", allow_duplicate=True), Output(ids.DRAWN, "data", allow_duplicate=True),
                  Output(ids.LIVE_TOGGLE, "children"), Output(ids.LIVE_EXIT, "style"),
                  Output(ids.LIVE_LABEL, "children"),
                  Output(ids.SETTINGS, "data", allow_duplicate=True),
                  Input(ids.LIVE_TOGGLE, "n_clicks"), Input(ids.LIVE_EXIT, "n_clicks"),
                  State(ids.LIVE, "data"), State(ids.LIVE_TICK, "disabled"), State(ids.SETTINGS, "data"),
                  prevent_initial_call=True)
    @guarded(ids.LIVE_LABEL)
    def live_control(_t, _x, live, paused, raw_settings):
        """Start / pause / continue / exit. Only start and exit write LIVE (the tick owns it while running),
        so a chunk in flight when Pause is pressed is never lost or applied twice."""
        shown = {"display": "inline-block"}
        settings, notices = parse_settings(raw_settings)
        if settings is None:
            return (*LIVE_OFF[:2], no_update, no_update, *LIVE_OFF[2:], " ".join(notices), no_update)
        if ctx.triggered_id == ids.LIVE_EXIT:
            return {"on": False}, True, no_update, {}, "● Live", {"display": "none"}, "", settings
        if not (isinstance(live, dict) and live.get("on") is True):
            pl, live = live_start(settings)
            set_props(ids.TABLE, {"children": live_table_view(live, settings)})  # D8: the live runs' numbers
            return (live_table.save(live, serializer), False, pl, no_update, "❚❚ Pause", shown, "Live: running",
                    no_update)
        running = bool(paused)
        return (no_update, not running, no_update, no_update, "❚❚ Pause" if running else "▶ Continue", shown,
                "Live: running" if running else "Live: paused — change η (or any setting of an optimizer), "
                                                "then Continue", no_update)

    @app.callback(Output(ids.TRAJ, "data", allow_duplicate=True), Output(ids.LIVE, "data", allow_duplicate=True),
                  Output(ids.LIVE_TICK, "disabled", allow_duplicate=True),
                  Output(ids.LIVE_TOGGLE, "children", allow_duplicate=True),
                  Output(ids.LIVE_EXIT, "style", allow_duplicate=True),
                  Output(ids.LIVE_LABEL, "children", allow_duplicate=True),
                  Input(ids.LIVE_TICK, "n_intervals"), State(ids.LIVE, "data"), State(ids.SETTINGS, "data"),
                  prevent_initial_call=True)
    @guarded(ids.LIVE_LABEL)
    def live_tick(_n, raw_live, raw_settings):
        """One chunk from the signed checkpoint. Anything that does not verify or no longer fits the
        settings stops Live with a message (the drawn runs stay), before any engine call."""
        settings, notices = parse_settings(raw_settings)
        if settings is None:
            return (no_update, *LIVE_OFF, "Live stopped: " + " ".join(notices))
        live, why = schema.parse_live(raw_live, serializer, problem_of(settings).dim)
        if live is None and not why:
            raise PreventUpdate
        if live is not None and (live["problem"], live["starts"]) != (problem_key(settings), settings["starts"]):
            live, why = None, "Live stopped: the problem or the number of starts changed — start Live again"
        if live is None:
            return (no_update, *LIVE_OFF, why)
        if live["step"] >= MAX_LIVE_STEPS:
            return (no_update, no_update, True, no_update, no_update,
                    f"Live: finished at MAX_LIVE_STEPS = {MAX_LIVE_STEPS:,} steps")
        live["table"] = live_table.load(raw_live, serializer, len(live["done"]), problem_of(settings).dim)
        patch, live = live_chunk(settings, live)
        finished = live["step"] >= MAX_LIVE_STEPS or all(live["done"])
        set_props(ids.TABLE, {"children": live_table_view(live, settings)})  # D8: the table follows each chunk
        return (patch, live_table.save(live, serializer), True if finished else no_update, no_update, no_update,
                no_update)
