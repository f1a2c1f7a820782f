"""The figure builders: (grid, trajectory payload, options) -> dict, Plotly's JSON figure form.

The builders return plain dicts (`{"data": [...], "layout": {...}}`), never `go.Figure`: validating a figure
object costs most of a page render, and the dicts are the same JSON that Plotly would send. Every page
figure carries the one small shared template (`theme.TEMPLATE`), not plotly.py's default one. The tests
validate the dicts with `go.Figure(d)`; exports (layouts/publication.py) keep their own go.Figure builders.
"""

from __future__ import annotations

import math

import numpy as np

from optimizers import parse_batching, parse_spec

from .. import theme
from .grids import SIDE_STRIDE, coarse
from .names import run_name, short_label
from .numbers import rounded, typed
from .traces import decoded, divergence_note, filled

MAX_COLS = 3
LEGEND_MAX = 4  # optimizers named in the contour's legend (one row or two above the map)
PREVIEW_POINTS = 600  # the η_t preview is ~250 px wide: 2 or more points a pixel


# ----------------------------------------------------------------------------- builders
def figure(data: list, **layout) -> dict:
    """A figure dict with the page's template."""
    return {"data": data, "layout": {"template": theme.template(), **layout}}


def _title(text: str) -> dict:
    return {"title": {"text": text}}


def _axis_title(grid: dict, d: int) -> str:
    return grid["names"][grid["dims"][d]]


def _zt(grid: dict) -> str:
    return "log₁₀ L" if grid["log"] else "L"


def _tag(grid: dict) -> str:
    """The part of a uirevision that names the view (a new problem or slice resets zoom and camera)."""
    return f"{list(grid['names'])}-{list(grid['dims'])}"


def _runs_layout(n: int) -> tuple[int, int]:
    """Rows and columns of small multiples: as square as possible (4 → 2×2, 5–6 → 2×3)."""
    cols = min(max(math.ceil(math.sqrt(max(n, 1))), 1), MAX_COLS)
    if n <= MAX_COLS and n <= 3:
        cols = max(n, 1)
    return math.ceil(max(n, 1) / cols), cols


def _cells(rows: int, cols: int, h: float, v: float) -> list[tuple[list, list]]:
    """Paper domains ([x0, x1], [y0, y1]) of a rows × cols grid of panels, row by row from the top, with
    spacings h and v (plotly.subplots.make_subplots' geometry)."""
    w, ht = (1 - h * (cols - 1)) / cols, (1 - v * (rows - 1)) / rows
    at = lambda a: min(max(round(a, 12), 0.0), 1.0)  # not -5.6e-17 from rounding: Plotly wants [0, 1]
    return [([at(c * (w + h)), at(c * (w + h) + w)], [at(1 - r * (ht + v) - ht), at(1 - r * (ht + v))])
            for r in range(rows) for c in range(cols)]


def _panel_names(runs: list[dict], cols: int) -> list[str]:
    """Small-multiple titles: one line ("Momentum (η=1, γ=0.9)") up to two columns, wrapped beyond (narrow panels);
    from the spec, so a title follows the run's settings."""
    return [run_name(r["spec"]) if cols <= 2 else short_label(r["spec"]) for r in runs]


def _panel_titles(cells: list, titles: list[str]) -> list[dict]:
    return [{"font": {"size": theme.FONT_SIZE}, "showarrow": False, "text": t, "x": (xd[0] + xd[1]) / 2,
             "xanchor": "center", "xref": "paper", "y": yd[1], "yanchor": "bottom", "yref": "paper"}
            for t, (xd, yd) in zip(titles, cells, strict=False)]


def _suffix(i: int) -> str:
    return "" if i == 0 else str(i + 1)


def _shared_axes(rows: int, cols: int, cells: list, window) -> dict:
    """2-D axes of a panel grid: x shared per column (tick labels on the bottom row), y per row (first column)."""
    out = {}
    for i, (xd, yd) in enumerate(cells):
        r, c, s = i // cols, i % cols, _suffix(i)
        x = {"anchor": f"y{s}", "domain": xd, "range": list(window[0])}
        y = {"anchor": f"x{s}", "domain": yd, "range": list(window[1])}
        if r < rows - 1:
            x.update(matches=f"x{_suffix((rows - 1) * cols + c)}", showticklabels=False)
        if c > 0:
            y.update(matches=f"y{_suffix(r * cols)}", showticklabels=False)
        out[f"xaxis{s}"], out[f"yaxis{s}"] = x, y
    return out


def _path_traces(j: int, run: dict, grid: dict, three_d: bool, legend: bool, on: dict | None = None) -> list[dict]:
    """Ghost of the whole path, the path so far, the current-step marker, start and divergence
    (`on`: the subplot axes or scene of a side-by-side panel)."""
    dx, dy = (f"p.{grid['dims'][0]}", f"p.{grid['dims'][1]}") if grid["dim"] > 1 else ("p.0", "loss")
    base = {"x": dx, "y": dy, "run": j}
    pin = {"pin": _view_box(grid, three_d), "arrow": not three_d} if grid["dim"] > 1 else {}
    if three_d:
        base.update(z="loss")
    c, name = run["color"], run["label"]
    common = {"type": "scatter3d" if three_d else "scatter", "legendgroup": f"run{j}", **(on or {})}
    width = (6 if three_d else 3) / (3 if run.get("cloud") else 1)
    size = (7 if three_d else 13) - (4 if run.get("cloud") else 0)
    return [
        {**common, "mode": "lines", "line": {"color": c, "width": width / 2}, "opacity": 0.35, "hoverinfo": "skip",
         "showlegend": False, "meta": {**base, "at": "all"}},
        {**common, "mode": "lines", "line": {"color": c, "width": width}, "name": name, "showlegend": legend,
         "meta": {**base, "at": "upto", "legend": True}},
        {**common, "mode": "markers", "marker": {"color": c, "line": {"color": "#000", "width": 2}, "size": size},
         "showlegend": False, "name": name, "hovertemplate": "%{fullData.name}<extra>current step</extra>",
         "meta": {**base, "at": "cur", "legend": True}},
        {**common, "mode": "markers", "marker": {"color": "#fff", "line": {"color": c, "width": 3}, "symbol": "circle",
                                                 "size": size - 2},
         "showlegend": False, "hovertemplate": "start<extra></extra>", "meta": {**base, "at": "first"}},
        # 3-D: a diamond (WebGL draws "x" as a glyph its font lacks: an empty rectangle, D9). No text beside it:
        # several runs' labels piled up (D9); the map's divergence list names them (divergence_note)
        {**common, "mode": "markers", "marker": {"color": c, "symbol": "diamond" if three_d else "x", "size": size + 6,
                                                 "line": {"color": theme.DIVERGED, "width": 2.5}},
         "showlegend": False, "hovertemplate": f"{name}: {run['msg'] or 'diverged'}<extra></extra>",
         "meta": {**base, "at": "div", **pin}, **({} if three_d else {"cliponaxis": False})},
        {**common, "mode": "markers", "marker": {"color": "#FFD700", "symbol": "diamond", "size": size + 2,
                                                 "line": {"color": "#000", "width": 2}},
         "showlegend": False, "hovertemplate": "η changed here (Live)<extra></extra>", "meta": {**base, "at": "chg"}},
    ]


def _view_box(grid: dict, three_d: bool) -> list:
    """The plotted window [[x0, x1], [y0, y1](, [z0, z1])]: a 3-D scene keeps the surface's own z range, so a
    diverged path (loss 1e6 and more) cannot stretch the z axis and flatten the surface."""
    box = [list(grid["window"][0]), list(grid["window"][1])]
    return box + [list(grid["z_range"])] if three_d else box


def _surface_trace(grid: dict, showscale: bool, on: dict | None = None) -> dict:
    trace = {"type": "surface", "x": list(grid["xs"]), "y": list(grid["ys"]), "z": typed(grid["z"]),
             "colorscale": theme.SURFACE_SCALE, "showscale": showscale, "opacity": 0.92,
             "hovertemplate": "%{x:.3g}, %{y:.3g}<br>L = %{z:.4g}<extra></extra>",
             "contours": {"z": {"show": True, "usecolormap": False, "color": "#555", "width": 1,
                                "project": {"z": False}}}, **(on or {})}
    if grid["log"]:  # otherwise the colour is z itself, Plotly's default
        trace["surfacecolor"] = typed(grid["zc"])
    return trace


def _contour_trace(grid: dict, showscale: bool, on: dict | None = None) -> dict:
    return {"type": "contour", "x": list(grid["xs"]), "y": list(grid["ys"]), "z": typed(grid["zc"]),
            "colorscale": theme.SURFACE_SCALE, "ncontours": 22, "showscale": showscale,
            "line": {"color": "#444", "width": 1},
            "hovertemplate": "click to start here: (%{x:.3g}, %{y:.3g})<extra></extra>",
            "colorbar": {"title": {"text": _zt(grid)}, "thickness": 14},
            "contours": {"coloring": "heatmap", "showlines": True}, **(on or {})}


def _minima_traces(grid: dict, legend: bool = True, on: dict | None = None) -> list[dict]:
    pts = grid.get("minima") or []
    if not pts:
        return []
    return [{"type": "scatter", "x": [p[0] for p in pts], "y": [p[1] for p in pts], "mode": "markers",
             "name": "minimum", "marker": {"symbol": "star", "size": 16, "color": "#FFD700",
                                           "line": {"color": "#000", "width": 1.5}},
             "hovertemplate": "minimum (%{x:.3g}, %{y:.3g})<extra></extra>",
             **({} if legend else {"showlegend": False}), **(on or {})}]


def _curve_figure(grid: dict, pl: dict, step: int | None) -> dict:
    """1-parameter problems: the loss curve L(θ) with the paths on it."""
    curve = {"type": "scatter", "x": list(grid["xs"]), "y": rounded(grid["z"]), "mode": "lines",
             "line": {"color": "#333", "width": 2}, "name": "L(θ)", "hoverinfo": "skip"}
    paths = [tr for j, run in enumerate(pl["runs"]) for tr in _path_traces(j, run, grid, three_d=False, legend=True)]
    fig = figure([curve, *paths], xaxis=_title(grid["names"][0]), yaxis=_title("L"),
                 annotations=[divergence_note(pl, grid)], uirevision=f"curve-{list(grid['names'])}")
    return filled(fig, pl, step)


def surface_figure(grid: dict, pl: dict, mode: str = "overlay", step: int | None = None) -> dict:
    """3-D loss surface with the trajectories (small multiples, one per run, in side-by-side mode)."""
    if grid["dim"] == 1:
        return _curve_figure(grid, pl, step)
    runs = pl["runs"]
    scene = {"xaxis": {**_title(_axis_title(grid, 0)), "range": list(grid["window"][0])},
             "yaxis": {**_title(_axis_title(grid, 1)), "range": list(grid["window"][1])},
             "zaxis": {**_title("L"), "range": list(grid["z_range"])},
             "camera": {"eye": {"x": -1.5, "y": -1.5, "z": 1.1}}, "aspectmode": "cube"}
    side = mode == "side" and len(runs) > 1
    common = {"margin": {"l": 0, "r": 0, "t": 52 if mode == "side" else 30, "b": 0}, "showlegend": False,
              "uirevision": f"surface-{_tag(grid)}-{mode}"}
    if not side:
        data = [_surface_trace(grid, showscale=False)]
        data += [tr for j, run in enumerate(runs) for tr in _path_traces(j, run, grid, three_d=True, legend=False)]
        return filled(figure(data, scene=scene, **common), pl, step)
    rows, cols = _runs_layout(len(runs))
    cells = _cells(rows, cols, 0.02, 0.12 if rows > 1 else 0.06)  # room for the lower row's titles
    panel = coarse(grid, SIDE_STRIDE) if rows * cols >= 4 else grid  # small panels: a quarter of the points
    data, scenes = [], {}
    for j, run in enumerate(runs):
        on = {"scene": f"scene{_suffix(j)}"}
        data.append(_surface_trace(panel, showscale=False, on=on))
        data += _path_traces(j, run, grid, three_d=True, legend=False, on=on)
    for i, (xd, yd) in enumerate(cells):
        scenes[f"scene{_suffix(i)}"] = {"domain": {"x": xd, "y": yd}, **scene}
    fig = figure(data, **scenes, annotations=_panel_titles(cells, _panel_names(runs, cols)),
                 **common)
    return filled(fig, pl, step)


def contour_figure(grid: dict, pl: dict, mode: str = "overlay", step: int | None = None) -> dict:
    """Contour map with the trajectories; click sets the start. Side-by-side: one panel per run."""
    if grid["dim"] == 1:
        return step_figure(pl, "params", step)
    runs = pl["runs"]
    # legend in one compact row above the map: inside it would block clicks that set the start
    common = {"clickmode": "event",
              "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left",
                         "font": {"size": theme.FONT_SIZE - 1}, "itemwidth": 30, "borderwidth": 0},
              "margin": {"l": 60, "r": 10, "t": 50 if mode != "side" else 56, "b": 50},
              "uirevision": f"contour-{_tag(grid)}-{mode}"}
    if not (mode == "side" and len(runs) > 1):
        named = [run.get("r", 0) == 0 for run in runs]  # one legend entry per optimizer, not per start
        legend = sum(named) <= LEGEND_MAX  # more would push the map down: the table names them instead
        data = [_contour_trace(grid, showscale=True), *_minima_traces(grid, legend=legend)]
        data += [tr for j, run in enumerate(runs)
                 for tr in _path_traces(j, run, grid, three_d=False, legend=legend and named[j])]
        note = [] if legend else [{"text": f"{sum(named)} optimizers: the comparison table names each colour",
                                   "showarrow": False, "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                                   "xref": "paper", "yref": "paper", "font": {"size": theme.FONT_SIZE - 1}}]
        fig = figure(data, xaxis={"range": list(grid["window"][0]), **_title(_axis_title(grid, 0))},
                     yaxis={"range": list(grid["window"][1]), **_title(_axis_title(grid, 1))},
                     annotations=[*note, divergence_note(pl, grid)], **common)
        return filled(fig, pl, step)
    rows, cols = _runs_layout(len(runs))
    cells = _cells(rows, cols, 0.03, 0.13 if rows > 1 else 0.08)
    data = []
    for j, run in enumerate(runs):
        on = {"xaxis": f"x{_suffix(j)}", "yaxis": f"y{_suffix(j)}"}
        data += [_contour_trace(grid, showscale=False, on=on), *_minima_traces(grid, legend=False, on=on)]
        data += _path_traces(j, run, grid, three_d=False, legend=False, on=on)
    notes = [divergence_note(pl, grid, only=j, axes=_suffix(j)) for j in range(len(runs))]
    fig = figure(data, **_shared_axes(rows, cols, cells, grid["window"]),
                 annotations=_panel_titles(cells, _panel_names(runs, cols)) + notes, **common)
    return filled(fig, pl, step)


STEP_PLOTS = {
    "loss": ("loss L (log scale)", True),
    "eta": ("η (dashed: effective lr)", True),
    "params": ("parameters θ", False),
}
DASHES = ("dash", "dot", "dashdot", "longdash", "longdashdot")


def _series(which: str, run: dict, names: list[str]) -> list[tuple[str, str, str]]:
    """(payload field, suffix of the run's name, dash) of each line a run draws on a step plot."""
    if which == "loss":
        return [("loss", "", "solid")]
    if which == "eta":
        return [("eta", ": η", "solid")] + \
            [(f"lr.{d}", f": lr {n}", DASHES[d % 5]) for d, n in enumerate(names) if run["lr"]]
    styles = ("solid", *DASHES)
    return [(f"p.{d}", f": {n}", styles[d % len(styles)]) for d, n in enumerate(names)]


X_AXES = {"step": ("k", "step", "step %{x}"), "epoch": ("e", "epoch", "epoch %{x:.4g} (step %{customdata})")}


def step_figure(pl: dict, which: str, step: int | None = None, x_axis: str = "step") -> dict:
    """Loss, η (+ effective per-parameter learning rate) or parameters against the step, or against the epoch
    (`x_axis`: a scenario's hint; each run's updates per epoch from its batch mode, so the runs line up by
    passes over the data)."""
    x, x_title, x_hover = X_AXES.get(x_axis, X_AXES["step"])
    at_x = {"x": x, **({"c": "k"} if x != "k" else {})}
    title, log_y = STEP_PLOTS[which]
    if which == "loss" and not all(v is None or v > 0 for run in decoded(pl)["decoded"] for v in run["loss"]):
        title, log_y = "loss L (linear scale: L ≤ 0 occurs)", False  # a log axis would drop those points
    data = []
    for j, run in enumerate(pl["runs"]):
        c, group = run["color"], f"run{j}"
        for f, suffix, dash in _series(which, run, pl["names"]):
            data.append({"type": "scatter", "mode": "lines", "line": {"color": c, "width": 2.5, "dash": dash},
                         "name": run["label"] + suffix, "legendgroup": group,
                         "meta": {"run": j, "at": "all", **at_x, "y": f, "legend": True, "suffix": suffix},
                         "hovertemplate": f"%{{fullData.name}}<br>{x_hover}: %{{y:.4g}}<extra></extra>"})
            data.append({"type": "scatter", "mode": "markers",
                         "marker": {"color": c, "size": 10, "line": {"color": "#000", "width": 1.5}},
                         "showlegend": False, "legendgroup": group, "hoverinfo": "skip",
                         "meta": {"run": j, "at": "cur", **at_x, "y": f}})
        if run["div"] >= 0 and which == "loss":
            data.append({"type": "scatter", "mode": "markers",
                         "marker": {"color": theme.DIVERGED, "symbol": "x", "size": 16}, "showlegend": False,
                         "hovertemplate": run["msg"] + "<extra></extra>",
                         "meta": {"run": j, "at": "div", **at_x, "y": "loss"}})
    fig = figure(data, xaxis=_title(x_title), showlegend=False,
                 title={"text": title, "font": {"size": 15}, "x": 0.01, "xanchor": "left", "y": 0.98},
                 yaxis={"type": "log" if log_y else "linear", "exponentformat": "power"},  # 10⁻⁶, never µ
                 hovermode="closest", clickmode="event", margin={"l": 60, "r": 10, "t": 32, "b": 45},
                 uirevision=f"{which}-{pl['names']}-{log_y}-{x_axis}")
    return filled(fig, pl, step)


def step_click(click):
    """A click on a step plot with its x as the step: on an epoch axis the step is the point's customdata (a
    number, or the click is left as it came; scenarios.schema.click_point checks what the browser sent)."""
    points = click.get("points") if isinstance(click, dict) else None
    point = points[0] if isinstance(points, list) and points and isinstance(points[0], dict) else None
    step = point.get("customdata") if point else None
    if type(step) not in (int, float):
        return click
    return {**click, "points": [{**point, "x": step}, *points[1:]]}


def fit_figure(pl: dict, step: int | None = None) -> dict:
    """Model fit for sigmoid problems: the data and σ(wx+b) at the current step (4-d: predicted vs target)."""
    data = pl.get("data")
    if data is None:
        return figure([], annotations=[{"text": "model fit:<br>only for the<br>sigmoid problems", "showarrow": False,
                                        "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                                        "font": {"size": theme.FONT_SIZE}}],  # on two lines it was cut (D9)
                      xaxis={"visible": False}, yaxis={"visible": False})
    one_d = "xs" in data
    if one_d:
        traces = [{"type": "scatter", "x": data["X"], "y": data["Y"], "mode": "markers", "name": "data (x, y)",
                   "marker": {"color": "#000", "size": 12, "symbol": "circle-open", "line": {"width": 3}}}]
    else:
        traces = [{"type": "scatter", "x": [0, 1], "y": [0, 1], "mode": "lines", "name": "perfect fit",
                   "line": {"color": "#777", "dash": "dot"}}]
    traces += [{"type": "scatter", "mode": "lines" if one_d else "markers", "name": run["label"],
                "line": {"color": run["color"], "width": 3}, "marker": {"color": run["color"], "size": 8},
                "meta": {"run": j, "at": "fit", "legend": True}} for j, run in enumerate(pl["runs"])]
    fig = figure(traces, margin={"l": 60, "r": 10, "t": 32, "b": 45},
                 title={"text": "model fit σ(w·x + b)", "font": {"size": 15}, "x": 0.01, "y": 0.98},
                 xaxis=_title("x" if one_d else "target y"), yaxis={**_title("prediction"), "range": [-0.05, 1.05]},
                 showlegend=False, uirevision=f"fit-{pl['names']}")
    return filled(fig, pl, step)


def sparkline_rows(values, most: int = PREVIEW_POINTS) -> np.ndarray:
    """Indices worth drawing of a series over the steps in a small plot: all of them up to `most`; else the
    corners of a piecewise-linear series (the ends and every step where the slope changes: exact for step,
    triangular and warm-up schedules), and if those are still more than `most`, the first, lowest and highest
    of each of most/3 equal runs of steps (a line thinner than a pixel per run looks the same)."""
    v = np.nan_to_num(np.asarray(values, dtype=float))
    n = v.size
    if n <= most:
        return np.arange(n)
    scale = float(np.max(np.abs(v))) or 1.0
    corners = np.flatnonzero(np.abs(np.diff(v, 2)) > 1e-9 * scale) + 1
    keep = np.unique(np.concatenate([[0, n - 1], corners]))
    if keep.size <= most:
        return keep
    runs = np.array_split(np.arange(n), most // 3)
    picks = [[r[0], r[np.argmin(v[r])], r[np.argmax(v[r])]] for r in runs]
    return np.unique(np.concatenate([[n - 1], np.ravel(picks)]))


def preview_figure(values, title: str = "η over the steps") -> dict:
    """The small η_t preview beside a schedule picker (at most PREVIEW_POINTS points of the line)."""
    values = np.asarray(values, dtype=float)
    rows = sparkline_rows(values)
    trace = {"type": "scatter", "y": rounded(values[rows], 4), "mode": "lines",
             "line": {"color": "#0072B2", "width": 2}, "hovertemplate": "step %{x}: η=%{y:.3g}<extra></extra>"}
    if rows.size < values.size:
        trace["x"] = rows.tolist()
    return figure([trace], height=110, margin={"l": 50, "r": 5, "t": 22, "b": 25},
                  title={"text": title, "font": {"size": 14}, "x": 0.02, "y": 0.97},
                  font={"size": 14}, xaxis={"showgrid": False}, yaxis={"nticks": 3})


def schedule_preview(settings: dict, text: str, problem) -> dict:
    """The η_t preview of one optimizer's spec over the settings' steps (drawn with the control panel, so a
    schedule picked from the list or loaded with a scenario shows at once)."""
    spec = parse_spec(text)
    eta0 = spec.hp.get("eta", spec.optimizer.hyper("eta").default_for(settings["convention"]))
    per_epoch = parse_batching(spec.batch or "full").updates_per_epoch(problem.n_points)
    sched = spec.schedule
    steps = max(settings["steps"], 1)
    values = sched.preview(eta0, steps, per_epoch) if sched is not None else np.full(steps, eta0)
    return preview_figure(values, f"η over {steps} steps" + (f" ({sched.id})" if sched else ""))


def all_figures(grid: dict, pl: dict, mode: str = "overlay", x_axis: str = "step") -> dict[str, dict]:
    """The page's six figures, keyed like layouts.ids.FIGURES' names (the payload decoded once for all);
    `x_axis`: the step plots' x (scenarios.settings.VIEW_X_AXES)."""
    pl = decoded(pl)
    return {"surface": surface_figure(grid, pl, mode), "contour": contour_figure(grid, pl, mode),
            "loss": step_figure(pl, "loss", x_axis=x_axis), "eta": step_figure(pl, "eta", x_axis=x_axis),
            "params": step_figure(pl, "params", x_axis=x_axis), "fit": fit_figure(pl)}
