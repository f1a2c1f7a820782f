"""Pure figure builders for the analysis lab: (MapResult, options) -> Plotly figure dict.

- `sweep_curves`: final loss and steps-to-target against one hyperparameter, one curve per optimizer,
  the diverging range shaded, a dashed marker at each optimizer's current value.
- `map_figure`: a 2-D hyperparameter map (first axis on x), coloured by steps-to-target or log final
  loss, diverged cells (and cells that never reach the target) in their own colours, with a colour bar.
- `basin_figure`: the grid of starts over the contour, coloured by the known minimum each reaches.

Every clickable trace carries `customdata` naming what a click loads (a cell index, a start).
"""

from __future__ import annotations

import math

import numpy as np

from analysis import MapResult

from .. import theme
from ..figures import figure, rounded, surface_grid

MAP_SCALE = "Viridis"
NEVER = "#d9d9d9"  # cells that never reach the target
METRICS = {"steps": "steps to target", "loss": "log₁₀ final loss"}


def _label(name: str) -> str:
    return {"eta": "η", "gamma": "γ", "beta": "β", "beta1": "β₁", "beta2": "β₂", "eps": "ε"}.get(name, name)


def _log10(a) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isfinite(a) & (a > 0), np.log10(np.where(a > 0, a, 1.0)), np.nan)


def _metric(result: MapResult, metric: str) -> np.ndarray:
    """(R,) colour values: NaN where the cell diverged (or never reached the target, for steps)."""
    dead = result.diverged_at >= 0
    if metric == "steps":
        values = np.where(result.steps_to_target >= 0, result.steps_to_target, np.nan).astype(float)
    else:
        values = _log10(result.final_loss)
    return np.where(dead, np.nan, values)


def _nulls(a: np.ndarray) -> list:
    """A 2-D array as nested lists with None for NaN (JSON null: a gap in a heatmap)."""
    return [[None if not math.isfinite(v) else v for v in row] for row in np.asarray(a, dtype=float).tolist()]


def _status(result: MapResult) -> np.ndarray:
    """(R,) NaN for ordinary cells, 0 never reached the target, 1 diverged (the overlay's colours)."""
    out = np.full(result.runs, np.nan)
    out[result.steps_to_target < 0] = 0.0
    out[result.diverged_at >= 0] = 1.0
    return out


OVERLAY_SCALE = [[0, NEVER], [0.5, NEVER], [0.5, theme.DIVERGED], [1, theme.DIVERGED]]


# ----------------------------------------------------------------------------- 1-D: curves
def sweep_curves(results: list[MapResult], labels: list[str], current: list[float | None] | None = None) -> dict:
    """Final loss (top, log) and steps to target (bottom) against the one varied hyperparameter."""
    name = next(iter(results[0].columns)) if results else "eta"
    log_x = bool(results) and _is_log(results[0].columns[name])
    data, shapes = [], []
    for i, (res, label) in enumerate(zip(results, labels, strict=True)):
        x = res.columns[name]
        dead = res.diverged_at >= 0
        loss = np.where(dead, np.nan, res.final_loss)
        steps = np.where((res.steps_to_target >= 0) & ~dead, res.steps_to_target, np.nan)
        common = {"x": rounded(x, 8), "customdata": [[i, j] for j in range(len(x))], "legendgroup": label,
                  "line": {"color": theme.color(i), "width": 2}, "marker": {"size": 6}, "mode": "lines+markers"}
        at = f"{_label(name)}=%{{x:.4g}}"
        data.append({"type": "scatter", "y": rounded(loss), "name": label, **common,
                     "hovertemplate": f"{at}: final loss %{{y:.3g}} (click to run)<extra>{label}</extra>"})
        data.append({"type": "scatter", "y": rounded(steps), "name": label, "showlegend": False, **common,
                     "xaxis": "x2", "yaxis": "y2",
                     "hovertemplate": f"{at}: %{{y}} steps (click to run)<extra>{label}</extra>"})
        if dead.any():
            data.append({"type": "scatter", "x": rounded(x[dead], 8), "y": [1.0] * int(dead.sum()), "yaxis": "y3",
                         "mode": "markers", "name": f"{label}: diverged", "legendgroup": label, "showlegend": False,
                         "marker": {"symbol": "x", "size": 9, "color": theme.DIVERGED},
                         "customdata": [[i, int(j)] for j in np.flatnonzero(dead)],
                         "hovertemplate": f"{_label(name)}=%{{x:.4g}}: diverged<extra>{label}</extra>"})
            shapes += _diverging_ranges(x, dead, theme.color(i))
    shapes += current_markers(current or [])
    axis_x = {"type": "log" if log_x else "linear", "title": {"text": _label(name)}}
    return figure(data, shapes=shapes, clickmode="event", hovermode="closest",
                  xaxis={**axis_x, "anchor": "y", "matches": "x2", "showticklabels": False, "title": None},
                  xaxis2={**axis_x, "anchor": "y2"},
                  yaxis={"type": "log", "title": {"text": "final loss"}, "domain": [0.52, 1.0]},
                  yaxis2={"title": {"text": "steps to target"}, "domain": [0.0, 0.44], "rangemode": "tozero"},
                  yaxis3={"overlaying": "y", "range": [0, 1.05], "visible": False},
                  legend={"orientation": "h", "y": 1.08, "x": 0, "font": {"size": 12}},
                  margin={"l": 90, "r": 20, "t": 40, "b": 50},
                  annotations=[{"text": "shaded: diverges", "xref": "paper", "yref": "paper", "x": 1, "y": 1.0,
                                "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                                "font": {"size": 12, "color": theme.DIVERGED}}] if shapes else [])


def current_markers(current: list[float | None]) -> list[dict]:
    """A dashed vertical line at each optimizer's current η (shapes named "current": they follow the main view)."""
    return [{"type": "line", "name": "current", "x0": v, "x1": v, "yref": "paper", "y0": 0, "y1": 1,
             "line": {"color": theme.color(i), "width": 2, "dash": "dash"}}
            for i, v in enumerate(current) if v is not None]


def _is_log(values) -> bool:
    v = np.asarray(values, dtype=float)
    if len(v) < 3 or (v <= 0).any():
        return False
    ratios = v[1:] / v[:-1]
    return bool(np.allclose(ratios, ratios[0], rtol=1e-9) and not np.allclose(np.diff(v), np.diff(v)[0], rtol=1e-9))


def _diverging_ranges(x: np.ndarray, dead: np.ndarray, color: str) -> list[dict]:
    """One shaded band per run of consecutive diverged cells, to half-way to the neighbours."""
    shapes, j, n = [], 0, len(x)
    while j < n:
        if not dead[j]:
            j += 1
            continue
        k = j
        while k + 1 < n and dead[k + 1]:
            k += 1
        lo = x[j] if j == 0 else (x[j - 1] * x[j]) ** 0.5 if x[j - 1] > 0 else (x[j - 1] + x[j]) / 2
        hi = x[k] if k == n - 1 else (x[k] * x[k + 1]) ** 0.5 if x[k] > 0 else (x[k] + x[k + 1]) / 2
        shapes.append({"type": "rect", "x0": float(lo), "x1": float(hi), "yref": "paper", "y0": 0, "y1": 1,
                       "fillcolor": color, "opacity": 0.12, "line": {"width": 0}, "layer": "below"})
        j = k + 1
    return shapes


# ----------------------------------------------------------------------------- 2-D: the map
def map_figure(result: MapResult, metric: str = "steps", marker: tuple[float, float] | None = None) -> dict:
    """Heatmap over (axis 1 → x, axis 2 → y); diverged cells dark red, never-reached cells grey."""
    names = list(result.columns)
    if len(names) == 1:
        return sweep_curves([result], [result.spec])
    n1, n2 = result.shape
    x, y = result.columns[names[0]][::n2], result.columns[names[1]][:n2]
    index = np.arange(result.runs).reshape(n1, n2).T  # [j, i]: y index j, x index i
    values = _metric(result, metric)[index]
    status = _status(result)[index]
    hover = (f"{_label(names[0])}=%{{x:.4g}}, {_label(names[1])}=%{{y:.4g}}: "
             f"{METRICS[metric]} %{{z:.4g}}<br>click to load this configuration<extra></extra>")
    data = [
        {"type": "heatmap", "x": x.tolist(), "y": y.tolist(), "z": _nulls(values), "customdata": index.tolist(),
         "colorscale": MAP_SCALE, "reversescale": metric == "steps", "hovertemplate": hover,
         "colorbar": {"title": {"text": METRICS[metric]}, "thickness": 14}, "name": "cells", "hoverongaps": False},
        {"type": "heatmap", "x": x.tolist(), "y": y.tolist(), "z": _nulls(status), "customdata": index.tolist(),
         "colorscale": OVERLAY_SCALE, "zmin": 0, "zmax": 1, "showscale": False, "name": "status", "hoverongaps": False,
         "hovertemplate": f"{_label(names[0])}=%{{x:.4g}}, {_label(names[1])}=%{{y:.4g}}: "
                          "%{z:.0f} → 1 diverged, 0 never reached the target<extra></extra>"},
    ]
    data.append(current_cell_trace(marker))
    return figure(data, clickmode="event", hovermode="closest",
                  title={"text": f"{result.spec} on {result.problem}: {METRICS[metric]} after {result.steps} steps "
                                 f"(dark red: diverged, grey: never ≤ {result.target:.3g})", "font": {"size": 13}},
                  xaxis={"type": "log" if _is_log(x) else "linear", "title": {"text": _label(names[0])}},
                  yaxis={"type": "log" if _is_log(y) else "linear", "title": {"text": _label(names[1])}},
                  margin={"l": 70, "r": 20, "t": 50, "b": 50})


MARKER_TRACE = 2  # the map's "current" marker: always trace 2 (empty when no optimizer matches), so it can move


def current_cell_trace(marker: tuple[float, float] | None) -> dict:
    """The open circle at the main view's current configuration (moved by a Patch of its x and y)."""
    return {"type": "scatter", "x": [] if marker is None else [marker[0]], "y": [] if marker is None else [marker[1]],
            "mode": "markers", "name": "current", "hoverinfo": "skip", "showlegend": False,
            "marker": {"symbol": "circle-open", "size": 14, "color": "#fff", "line": {"width": 3}}}


def sweep_figure(result: MapResult, metric: str = "steps") -> dict:
    """What the CLI's --png draws: curves for one axis, the map for two."""
    if len(result.columns) == 1:
        return sweep_curves([result], [result.spec])
    return map_figure(result, metric)


# ----------------------------------------------------------------------------- basins
def basin_figure(result: MapResult, problem, base=None) -> dict:
    """Each start coloured by the known minimum it reaches (grey: none, dark red: diverged), over the contour
    of the slice the starts lie in (the map's two parameters; the others at `base`, default its first start)."""
    dims = result.dims
    base = result.origin if base is None else base
    names = list(result.columns)
    n = result.shape[0]
    x, y = result.columns[names[0]][::n], result.columns[names[1]][:n]
    index = np.arange(result.runs).reshape(n, n).T
    m = len(problem.minima)
    category = np.where(result.diverged_at >= 0, m + 1, np.where(result.minimum >= 0, result.minimum, m))
    colors = [theme.color(i) for i in range(m)] + [NEVER, theme.DIVERGED]
    scale = []
    for i, c in enumerate(colors):  # discrete: category i fills [i, i + 1) of m + 2
        scale += [[i / len(colors), c], [(i + 1) / len(colors), c]]
    labels = [f"minimum {i}: ({v[dims[0]]:.3g}, {v[dims[1]]:.3g})" for i, v in enumerate(problem.minima)]
    labels += ["no known minimum", "diverged"]
    grid = surface_grid(problem, dims, base=None if base is None else [float(v) for v in base])
    data = [  # x, y at full precision: a click reads back exactly the start of that cell
        {"type": "heatmap", "x": x.tolist(), "y": y.tolist(), "z": category[index].tolist(),
         "zmin": -0.5, "zmax": len(colors) - 0.5, "colorscale": scale, "opacity": 0.6, "name": "basins",
         "hovertemplate": "start (%{x:.3g}, %{y:.3g}) → %{z} (see the colour bar)<br>click to run from here"
                          "<extra></extra>",
         "colorbar": {"tickvals": list(range(len(colors))), "ticktext": [lab.split(":")[0] for lab in labels],
                      "thickness": 14, "title": {"text": "reaches"}}},
        {"type": "contour", "x": list(grid["xs"]), "y": list(grid["ys"]), "z": _nulls(np.asarray(grid["zc"])),
         "ncontours": 22, "showscale": False, "hoverinfo": "skip", "name": "loss", "showlegend": False,
         "contours": {"coloring": "none", "showlines": True}, "line": {"color": "#333", "width": 1}},
    ]
    if problem.minima:
        data.append({"type": "scatter", "x": [v[dims[0]] for v in problem.minima],
                     "y": [v[dims[1]] for v in problem.minima], "mode": "markers+text", "name": "minima",
                     "showlegend": False,
                     "text": [str(i) for i in range(m)], "textposition": "top center",
                     "marker": {"symbol": "star", "size": 16, "color": "#FFD700",
                                "line": {"color": "#000", "width": 1.5}},
                     "hoverinfo": "skip"})
    window = [[float(x[0]), float(x[-1])], [float(y[0]), float(y[-1])]]
    counts = np.bincount(category, minlength=len(colors))
    summary = ", ".join(f"{lab.split(':')[0].replace('minimum ', '#')}: {c}"
                        for lab, c in zip(labels, counts, strict=True) if c)
    return figure(data, clickmode="event", hovermode="closest", showlegend=False,
                  title={"text": f"{result.spec} on {result.problem}: {n}×{n} starts, {result.steps} steps<br>"
                                 f"<span style='font-size:11px'>starts per minimum — {summary}</span>",
                         "font": {"size": 13}},
                  xaxis={"range": window[0], "title": {"text": names[0][len("start_"):]}},
                  yaxis={"range": window[1], "title": {"text": names[1][len("start_"):]}},
                  margin={"l": 60, "r": 20, "t": 60, "b": 50})
