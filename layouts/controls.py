"""Controls generated from the engine's declarations (Hyper, ScheduleKind), and the pure mapping
between control values and the settings dict.

Rendering: `control_panel(settings)` builds every control from the settings (values shown are the
settings' values). Reading back: `apply_controls(settings, values)` turns the controls' current values
(keyed by their pattern-matching ids) into new settings plus one message per control whose value was
refused ("η='abc' is not a number"); a refused value keeps the previous setting. What the browser sends
for the controls is untrusted: `read_controls` keeps only ids of the shapes this module renders and
values of plain JSON types, and every value is then checked against the control's declaration.
"""

from __future__ import annotations

import math

from dash import dcc, html

from optimizers import CONVENTIONS, OPTIMIZERS, SCHEDULES, Hyper, SpecError, parse_batching, parse_schedule, parse_spec
from scenarios import schema
from scenarios.budgets import MAX_OPTIMIZERS, MAX_PAGE_STARTS, MAX_PAGE_STEPS
from scenarios.settings import VIEW_X_AXES, check_start, problem_eta, problem_of
from surfaces import PROBLEM_IDS, get_problem

from . import figures, ids

BATCH_MODES = ("full", "stochastic", "minibatch")
CONVENTION_ONLY = {"psi": "pytorch"}  # NAdam's momentum decay ψ acts in torch's update only (DESIGN.md §3)
MODES = (("overlay", "overlay"), ("side", "side by side"))


# ----------------------------------------------------------------------------- spec strings
def fmt(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def spec_text(opt_id: str, hp: dict, schedule: str = "constant", sched_params: dict | None = None,
              batch: str = "full") -> str:
    """ID[:hp=v,...][|schedule=ID[:p=v]][|batch=MODE], η always written, other values when set."""
    opt = OPTIMIZERS[opt_id]
    parts = [f"{h.name}={fmt(hp[h.name])}" for h in opt.hypers if h.name in hp]
    text = f"{opt_id}:{','.join(parts)}" if parts else opt_id
    if schedule and schedule != "constant":
        params = ",".join(f"{k}={fmt(v)}" for k, v in (sched_params or {}).items())
        text += f"|schedule={schedule}" + (f":{params}" if params else "")
    if batch and batch != "full":
        text += f"|batch={batch}"
    return text


def spec_parts(text: str, convention: str) -> dict:
    """A spec as the controls see it: every hyperparameter's value, schedule id/params, batch."""
    spec = parse_spec(text)
    values = {h.name: spec.hp.get(h.name, h.default_for(convention)) for h in spec.optimizer.hypers}
    sched = spec.schedule or parse_schedule("constant")
    kind = SCHEDULES[sched.id]
    sparams = {p.name: sched.params.get(p.name, p.default) for p in kind.params}
    batch = spec.batch or "full"
    return {"id": spec.optimizer.id, "hp": values, "set": dict(spec.hp), "schedule": sched.id,
            "sched_params": sparams, "batch": batch}


# ----------------------------------------------------------------------------- rendering
def _label(text: str, title: str = "") -> html.Label:
    return html.Label(text, title=title, className="dl-label")


def _msg(key: str) -> html.Span:
    return html.Span("", id=ids.msg(key), className="dl-msg", role="alert")


NEAR_ONE_MARKS = {0: "0", 1: "0.9", 2: "0.99", 3: "0.999", 4: "0.9999"}  # positions u = −log10(1 − β)


def _slider_marks(h: Hyper, lo: float, hi: float) -> dict:
    scale = h.slider_scale
    if scale == "log":
        return {e: f"1e{e}" for e in range(math.ceil(lo), math.floor(hi) + 1, max(1, round((hi - lo) / 4)))}
    if scale == "near1":
        return {u: text for u, text in NEAR_ONE_MARKS.items() if lo <= u <= hi}
    return {lo: fmt(lo), hi: fmt(hi)}


def hyper_control(opt: int, h: Hyper, value) -> html.Div:
    """One hyperparameter: label with the course's symbol, slider (log10 for η, ε; −log10(1 − β) for β₂ and
    the other averages near 1: Hyper.slider_scale) + typed-in box, message."""
    key = f"opt{opt}.{h.name}"
    title = f"{h.symbol}: {h.help}"
    if h.kind == "bool":
        body = dcc.Checklist(id=ids.hp("bool", opt, h.name), options=[{"label": f" {h.symbol}", "value": "on"}],
                             value=["on"] if value else [], className="dl-check")
        return html.Div([body, _msg(key)], className="dl-row", title=title)
    if h.kind == "choice":
        body = dcc.Dropdown(id=ids.hp("choice", opt, h.name), options=list(h.choices), value=value,
                            clearable=False, className="dl-choice")
        return html.Div([_label(h.symbol, title), body, _msg(key)], className="dl-row")
    lo, hi = h.slider_span()
    scale = h.slider_scale  # assets/descent.js (syncHyper) reads it from the class name
    slider = dcc.Slider(id=ids.hp("slider", opt, h.name), min=lo, max=hi,
                        step=(hi - lo) / 1000 if scale == "linear" else 0.01, value=h.slider_position(value),
                        marks=_slider_marks(h, lo, hi), updatemode="mouseup", allow_direct_input=False,
                        className=f"dl-slider dl-scale-{scale}")
    box = dcc.Input(id=ids.hp("box", opt, h.name), type="text", value=fmt(value), debounce=True,
                    className="dl-box", name=f"{h.name}-{opt}",
                    style={"width": "112px"} if scale == "near1" else None)  # 0.999898 in full
    return html.Div([html.Div([_label(h.symbol, title), box], className="dl-head"), slider, _msg(key)],
                    className="dl-row", **{"data-scale": scale})


def optimizer_panel(i: int, text: str, settings: dict, problem) -> html.Div:
    parts = spec_parts(text, settings["convention"])
    opt = OPTIMIZERS[parts["id"]]
    rows = [hyper_control(i, h, parts["hp"][h.name]) for h in opt.hypers
            if CONVENTION_ONLY.get(h.name, settings["convention"]) == settings["convention"]]
    kind = SCHEDULES[parts["schedule"]]
    rows.append(html.Div([_label("η schedule", kind.help),
                          dcc.Dropdown(id=ids.opt_ctl("sched", i), options=list(SCHEDULES), value=parts["schedule"],
                                       clearable=False, className="dl-choice"), _msg(f"opt{i}.schedule")],
                         className="dl-row"))
    for p in kind.params:
        rows.append(html.Div([html.Div([_label(p.symbol, p.help),
                                        dcc.Input(id=ids.sched_param(i, p.name), type="text", debounce=True,
                                                  value=fmt(parts["sched_params"][p.name]), className="dl-box")],
                                       className="dl-head"), _msg(f"opt{i}.s.{p.name}")], className="dl-row"))
    if kind.id != "constant":  # a flat line says nothing; skipping it keeps η changes cheap
        rows.append(dcc.Graph(id=ids.opt_ctl("preview", i), config={"displayModeBar": False, "staticPlot": True},
                              figure=figures.schedule_preview(settings, text, problem),
                              className="dl-preview", style={"height": "110px"}))
    if problem.n_points is not None:
        mode, _, k = parts["batch"].partition(":")
        rows.append(html.Div([_label("batch"),
                              dcc.RadioItems(id=ids.opt_ctl("batch", i), options=list(BATCH_MODES), value=mode,
                                             inline=True, className="dl-radio"),
                              html.Div([_label("K"), dcc.Input(id=ids.opt_ctl("batch-k", i), type="text",
                                                               debounce=True, value=k or "2", className="dl-box")],
                                       className="dl-head"),
                              _msg(f"opt{i}.batch")], className="dl-row"))
    color = f"var(--c{i % 12})"
    head = html.Span(f"{opt.name}", className="dl-opt-name", style={"borderLeftColor": color})
    # the buttons sit on the summary's line but outside it (a button inside <summary> is a control inside a
    # control: axe nested-interactive) and outside <details>, so they stay when the panel is closed
    tools = html.Div([html.Button("copy", id=ids.opt_ctl("dup", i), title="duplicate", className="dl-icon",
                                  **{"aria-label": f"copy optimizer {i + 1}"}),
                      html.Button("✕", id=ids.opt_ctl("rm", i), title="remove", className="dl-icon",
                                  **{"aria-label": f"remove optimizer {i + 1}"})], className="dl-opt-tools")
    # live drag (request, reply) and the spec `tune` last applied (layouts/callbacks.py: register_tuning)
    drag = [dcc.Store(id=ids.opt_ctl(kind, i)) for kind in ("drag", "dragged", "tuned")]
    panel = html.Details([html.Summary(head), *rows, *drag], open=True, className="dl-opt",
                         **{"data-opt": str(i), "data-a11y-of": f"optimizer {i + 1} ({opt.name})"})
    return html.Div([panel, tools], className="dl-opt-box")


def problem_options(settings: dict) -> list:
    """The built-in problems, and the user's own (typed loss or data) while it is the one shown."""
    own = {"custom": "your function f(x, y)", "data": "your data"}.get(settings["problem"])
    return list(PROBLEM_IDS) + ([{"label": own, "value": settings["problem"]}] if own else [])


def _glob_row(label: str, control, key: str, title: str = "") -> html.Div:
    return html.Div([_label(label, title), control, _msg(key)], className="dl-row")


def global_controls(settings: dict, problem) -> html.Div:
    names = problem.param_names
    view = settings.get("view") or {}
    dims = view.get("dims", [0, 1])
    rows = [
        _glob_row("problem", dcc.Dropdown(id=ids.glob("problem"), options=problem_options(settings),
                                          value=settings["problem"], clearable=False,
                                          className="dl-choice"), "problem"),
        _glob_row("steps", dcc.Input(id=ids.glob("steps"), type="text", debounce=True, value=str(settings["steps"]),
                                     className="dl-box"), "steps", f"updates per run (0 … {MAX_PAGE_STEPS})"),
        html.Div([_label("start θ₀", "type it, or click the contour map"),
                  html.Div([dcc.Input(id=ids.start(d), type="text", debounce=True, value=fmt(float(v)),
                                      className="dl-box dl-start", placeholder=n, name=f"start-{n}")
                            for d, (n, v) in enumerate(zip(names, settings["start"], strict=True))],
                           className="dl-starts"), _msg("start")], className="dl-row"),
        _glob_row("starts", dcc.Input(id=ids.glob("starts"), type="text", debounce=True,
                                      value=str(settings.get("starts", 1)), className="dl-box", name="starts"),
                  "starts", f"runs per optimizer: θ₀, then random starts in the window (1 … {MAX_PAGE_STARTS})"),
        _glob_row("convention", dcc.RadioItems(id=ids.glob("convention"), options=["lecture", "pytorch"],
                                               value=settings["convention"], inline=True, className="dl-radio"),
                  "convention"),
        _glob_row("view", dcc.RadioItems(id=ids.glob("mode"), options=[{"label": b, "value": a} for a, b in MODES],
                                         value=view.get("mode", "overlay"), inline=True, className="dl-radio"), "mode"),
    ]
    if problem.n_points is not None:  # epochs differ from steps only with data (stochastic, mini-batch)
        rows.append(_glob_row("plots against", dcc.RadioItems(id=ids.glob("x_axis"), options=list(VIEW_X_AXES),
                                                              value=view.get("x_axis", "step"), inline=True,
                                                              className="dl-radio"), "x_axis",
                              "the x axis of the loss, η and parameter plots: updates, or passes over the data"))
        rows.append(html.Div([_label("shuffle"), dcc.Checklist(id=ids.glob("shuffle"), options=[{"label": " on",
                                                                                              "value": "on"}],
                                                               value=["on"] if settings["shuffle"] else [],
                                                               className="dl-check"),
                              _label("seed"), dcc.Input(id=ids.glob("seed"), type="text", debounce=True,
                                                        value=str(settings["seed"]), className="dl-box"),
                              _msg("seed")], className="dl-row dl-inline"))
    if problem.dim > 2:
        opts = [{"label": n, "value": d} for d, n in enumerate(names)]
        rows.append(html.Div([_label("surface spans"),
                              dcc.Dropdown(id=ids.glob("dim0"), options=opts, value=dims[0], clearable=False,
                                           className="dl-choice dl-dim"),
                              dcc.Dropdown(id=ids.glob("dim1"), options=opts, value=dims[1], clearable=False,
                                           className="dl-choice dl-dim"), _msg("dims")], className="dl-row"))
    return html.Div(rows, className="dl-global")


def control_panel(settings: dict) -> list:
    problem = problem_of(settings)
    panels = [optimizer_panel(i, text, settings, problem) for i, text in enumerate(settings["optimizers"])]
    add = html.Div([dcc.Dropdown(id=ids.ADD_CHOICE, options=[{"label": o.name, "value": o.id}
                                                             for o in OPTIMIZERS.values()],
                                 value="nag", clearable=False, className="dl-choice"),
                    html.Button("+ add optimizer", id=ids.ADD, className="dl-button",
                                disabled=len(settings["optimizers"]) >= MAX_OPTIMIZERS)], className="dl-add")
    return [global_controls(settings, problem), html.H2("Optimizers"), *panels, add]


def signature(settings: dict, revision: int) -> list:
    """What decides which controls exist; the panel is re-rendered only when this changes."""
    shape = []
    for text in settings["optimizers"]:
        spec = parse_spec(text)
        shape.append([spec.optimizer.id, spec.schedule.id if spec.schedule else "constant"])
    return [settings["problem"], shape, revision, settings["convention"]]  # a convention has its own controls


# ----------------------------------------------------------------------------- reading back
CONTROL_KEYS = {"hp-box": ("opt", "name"), "hp-bool": ("opt", "name"), "hp-choice": ("opt", "name"),
                "sched-p": ("opt", "name"), "sched": ("opt",), "batch": ("opt",), "batch-k": ("opt",),
                "g": ("name",), "start": ("i",)}
MAX_CONTROL_TEXT = 200  # a typed value longer than this is refused, not echoed


def _control_id(component_id) -> tuple | None:
    """(type, opt or index, name) for an id this module renders; None for anything else."""
    if not isinstance(component_id, dict) or component_id.get("type") not in CONTROL_KEYS:
        return None
    keys = CONTROL_KEYS[component_id["type"]]
    if set(component_id) != {"type", *keys}:
        return None
    index = component_id.get("opt", component_id.get("i"))
    name = component_id.get("name")
    if index is not None and (type(index) is not int or not 0 <= index < max(MAX_OPTIMIZERS, 16)):
        return None
    if name is not None and (not isinstance(name, str) or len(name) > 40):
        return None
    return key_of(component_id)


def _control_value(value):
    """A control's value as sent: text, a number, a bool, None or a short list of those (a checklist)."""
    if isinstance(value, str):
        return value if len(value) <= MAX_CONTROL_TEXT else value[:MAX_CONTROL_TEXT] + "…"
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, list) and len(value) <= 10 and all(isinstance(v, str) and len(v) <= 40 for v in value):
        return value
    return f"<{type(value).__name__}>"  # refused by every control's check, with a short message


def read_controls(groups) -> dict:
    """Control values keyed (type, opt-or-index, name) from Dash's inputs_list (a list per pattern)."""
    out = {}
    for group in groups if isinstance(groups, list) else []:
        for item in group if isinstance(group, list) else []:
            key = _control_id(item.get("id")) if isinstance(item, dict) else None
            if key is not None:
                out[key] = _control_value(item.get("value"))
    return out


def _coerce(h: Hyper, raw, owner: str):
    """Value typed or slid into a control -> checked value (SpecError with the user-facing message)."""
    if h.kind == "bool":
        return bool(raw)
    text = str(raw).strip() if raw is not None else ""
    if text == "":
        raise SpecError(f"{h.symbol}: enter a value")
    try:
        return h.coerce(text, owner)
    except SpecError as err:
        raise SpecError(str(err).replace(f"{owner}: {h.name}=", f"{h.symbol} = ")) from None


def _opt_spec(i: int, text: str, settings: dict, v: dict, msgs: dict) -> str:
    parts = spec_parts(text, settings["convention"])
    opt = OPTIMIZERS[parts["id"]]
    hp = dict(parts["set"])
    for h in opt.hypers:
        raw = v.get(("hp-bool" if h.kind == "bool" else "hp-choice" if h.kind == "choice" else "hp-box", i, h.name))
        if raw is None and h.kind != "bool":
            continue
        if h.kind == "bool" and ("hp-bool", i, h.name) not in v:
            continue
        raw = bool(raw) if h.kind == "bool" else raw
        try:
            value = _coerce(h, raw, opt.id)
        except SpecError as err:
            msgs[f"opt{i}.{h.name}"] = str(err)
            continue
        if h.name in hp or value != h.default_for(settings["convention"]) or h.name == "eta":
            hp[h.name] = value
    schedule = v.get(("sched", i, None), parts["schedule"])
    if not isinstance(schedule, str) or schedule not in SCHEDULES:
        msgs[f"opt{i}.schedule"] = f"schedule {schema.short(schedule)} is not one of {', '.join(SCHEDULES)}"
        schedule = parts["schedule"]
    sparams = (parts["sched_params"] if schedule == parts["schedule"]
               else {p.name: p.default for p in SCHEDULES[schedule].params})
    for p in SCHEDULES[schedule].params:
        raw = v.get(("sched-p", i, p.name))
        if raw is None:
            continue
        try:
            sparams[p.name] = _coerce(p, raw, schedule)
        except SpecError as err:
            msgs[f"opt{i}.s.{p.name}"] = str(err)
    batch = parts["batch"]
    mode = v.get(("batch", i, None))
    if mode is not None and mode not in BATCH_MODES:
        msgs[f"opt{i}.batch"] = f"batch {schema.short(mode)} is not one of {', '.join(BATCH_MODES)}"
    elif mode is not None:
        batch = mode
        if mode == "minibatch":
            batch = f"minibatch:{str(v.get(('batch-k', i, None), '2')).strip()}"
        try:
            parse_batching(batch)
        except SpecError as err:
            msgs[f"opt{i}.batch"] = str(err)
            batch = parts["batch"]
    return spec_text(opt.id, hp, schedule, sparams, batch)


def _globals(settings: dict, v: dict, msgs: dict) -> dict:
    out = dict(settings)
    problem = v.get(("g", None, "problem"), settings["problem"])
    if not isinstance(problem, str) or (problem not in PROBLEM_IDS and problem != settings["problem"]):
        msgs["problem"] = f"problem {schema.short(problem)} is not one of the listed problems"
        problem = settings["problem"]
    if problem != settings["problem"]:
        fresh = get_problem(problem)
        view = dict(settings.get("view") or {}, dims=[0, 1])
        own = ("loss", "window", "data")  # the user's own problem's fields go with it
        specs = [problem_eta(spec, problem, out["convention"]) for spec in settings["optimizers"]]  # η that suits it
        return {**{k: x for k, x in out.items() if k not in own}, "problem": problem, "start": list(fresh.start),
                "view": view, "optimizers": specs}
    steps = v.get(("g", None, "steps"))
    if steps is not None:
        try:
            out["steps"] = schema.whole(steps, "steps", 0, MAX_PAGE_STEPS)
        except SpecError:
            msgs["steps"] = f"steps = {schema.short(steps)}: enter a whole number from 0 to {MAX_PAGE_STEPS}"
    runs = v.get(("g", None, "starts"))
    if runs is not None:
        try:
            out["starts"] = schema.whole(runs, "starts", 1, MAX_PAGE_STARTS)
        except SpecError:
            msgs["starts"] = f"starts = {schema.short(runs)}: enter a whole number from 1 to {MAX_PAGE_STARTS}"
    starts = [v[key] for key in sorted(k for k in v if k[0] == "start")]
    if starts:
        try:
            out["start"] = check_start(["" if s is None else str(s).strip() for s in starts], problem_of(settings))
        except SpecError as err:
            msgs["start"] = str(err)
    if ("g", None, "convention") in v:
        convention = v[("g", None, "convention")]
        if isinstance(convention, str) and convention in CONVENTIONS:
            out["convention"] = convention
        else:
            msgs["convention"] = f"convention {schema.short(convention)}: use lecture or pytorch"
    if ("g", None, "shuffle") in v:
        out["shuffle"] = bool(v[("g", None, "shuffle")])
    seed = v.get(("g", None, "seed"))
    if seed is not None:
        try:
            out["seed"] = schema.whole(seed, "seed", 0, 2**32 - 1)
        except SpecError:
            msgs["seed"] = f"seed = {schema.short(seed)}: enter a whole number from 0 to 2^32 − 1"
    view = dict(settings.get("view") or {})
    if ("g", None, "mode") in v:
        mode = v[("g", None, "mode")]
        if isinstance(mode, str) and mode in dict(MODES):
            view["mode"] = mode
        else:
            msgs["mode"] = f"view {schema.short(mode)} is not one of {', '.join(dict(MODES))}"
    if ("g", None, "x_axis") in v:
        axis = v[("g", None, "x_axis")]
        if isinstance(axis, str) and axis in VIEW_X_AXES:
            view["x_axis"] = axis
            if axis == VIEW_X_AXES[0]:  # the default (step) is not written: a link or file keeps only choices
                del view["x_axis"]
        else:
            msgs["x_axis"] = f"plots against {schema.short(axis)}: use {' or '.join(VIEW_X_AXES)}"
    if ("g", None, "dim0") in v or ("g", None, "dim1") in v:
        dims = [v.get(("g", None, "dim0")), v.get(("g", None, "dim1"))]
        dim = problem_of(settings).dim
        if not all(type(d) is int and 0 <= d < dim for d in dims):
            msgs["dims"] = f"dims {schema.short(dims)}: choose two of the problem's {dim} parameters"
        elif dims[0] == dims[1]:
            msgs["dims"] = "choose two different parameters"
        else:
            view["dims"] = dims
    out["view"] = view
    return out


def apply_controls(settings: dict, values: dict) -> tuple[dict, dict[str, str]]:
    """New settings from control values keyed (type, opt-or-index, name); messages by control key."""
    msgs: dict[str, str] = {}
    v = {k: (bool(val) if k[0] in ("hp-bool",) or k[:3] == ("g", None, "shuffle") else val)
         for k, val in values.items()}
    out = _globals(settings, v, msgs)
    if out["problem"] != settings["problem"]:
        return out, msgs
    out["optimizers"] = [_opt_spec(i, text, out, v, msgs) for i, text in enumerate(settings["optimizers"])]
    return out, msgs


def dragged_spec(settings: dict, i: int, raw) -> tuple[str, int] | None:
    """A live-drag request {"name", "pos", "seq"} for optimizer i (assets/descent.js: drag gate) -> (the spec
    with that value, seq), or None when refused. `pos` is the slider's position (log10 of the value on a log
    slider, −log10(1 − value) on a near-one one: Hyper.slider_text), rounded as the box shows it and checked against
    the declaration as a typed value is."""
    if not isinstance(raw, dict) or type(i) is not int or not 0 <= i < len(settings["optimizers"]):
        return None
    seq, name, pos = raw.get("seq"), raw.get("name"), raw.get("pos")
    if type(seq) is not int or not isinstance(name, str) or type(pos) not in (int, float) or not abs(pos) < 1e6:
        return None
    parts = spec_parts(settings["optimizers"][i], settings["convention"])
    h = next((h for h in OPTIMIZERS[parts["id"]].hypers if h.name == name and h.kind not in ("bool", "choice")), None)
    try:
        value = _coerce(h, h.slider_text(pos), parts["id"]) if h is not None and pos < 300 else None
    except SpecError:
        return None
    if value is None:
        return None
    hp = {**parts["set"], name: value}
    return spec_text(parts["id"], hp, parts["schedule"], parts["sched_params"], parts["batch"]), seq


def key_of(component_id) -> tuple:
    """A pattern-matching id as a flat key: (type, opt or index, name)."""
    if isinstance(component_id, str):
        return (component_id, None, None)
    return (component_id["type"], component_id.get("opt", component_id.get("i")), component_id.get("name"))
