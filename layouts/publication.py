"""Publication-quality figures for export: pure builders (problem, trajectories, options) -> go.Figure.

Axis titles in the course's symbols, one legend entry per optimizer naming its hyperparameters,
a clean white theme (or the page's high-contrast one), chosen width and height. The same builders
make the animation frames for the standalone HTML and the GIF.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import get_colorscale, sample_colorscale

from optimizers import Trajectory, get_optimizer

from . import theme as page

PALETTE = page.COLORS  # the page's colours: an exported figure shows each optimizer as the page did
THEMES = {
    "white": {"paper": "white", "plot": "white", "ink": "#111111", "grid": "#dddddd",
              "scale": [list(stop) for stop in page.SURFACE_SCALE]},
    "contrast": {"paper": "#0b0f19", "plot": "#0b0f19", "ink": "#f5f5f5", "grid": "#39414f",
                 "scale": "Cividis"},
}


def axis_title(name: str) -> str:
    """'w1' -> 'w₁' (the notes' notation for the 4-input neuron)."""
    subs = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    return name[0] + name[1:].translate(subs)


def legend_name(traj: Trajectory) -> str:
    """'Adam (η=0.1, β₁=0.9, β₂=0.999, ε=1e-08)', plus schedule and batch mode when not the defaults."""
    opt = get_optimizer(traj.optimizer)
    parts = []
    for h in opt.hypers:
        value = traj.hp.get(h.name)
        if h.kind == "bool":
            if not value:
                parts.append(f"no {h.symbol}")
        elif h.kind == "choice":
            if value != h.default:
                parts.append(f"{h.symbol}: {value}")
        elif h.name != "psi" or traj.convention == "pytorch":
            parts.append(f"{h.symbol}={value:g}" if np.isscalar(value) else f"{h.symbol}=…")
    extra = [s for s in (traj.schedule if traj.schedule != "constant" else "",
                         traj.batching if traj.batching != "full" else "") if s]
    label = f"{opt.name} ({', '.join(parts)})"
    return label + (f" [{'; '.join(extra)}]" if extra else "")


def _layout(fig: go.Figure, theme: str, width: int, height: int, title: str | None) -> go.Figure:
    t = THEMES[theme]
    fig.update_layout(
        width=width, height=height, paper_bgcolor=t["paper"], plot_bgcolor=t["plot"],
        font=dict(family="DejaVu Sans, Arial, sans-serif", size=16, color=t["ink"]),
        title=dict(text=title, x=0.5, font=dict(size=18)) if title else None,
        legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="center", x=0.5,
                    bgcolor="rgba(0,0,0,0)"),
        margin=dict(l=70, r=30, t=60 if title else 30, b=110),
    )
    fig.update_xaxes(gridcolor=t["grid"], zerolinecolor=t["grid"], linecolor=t["ink"], mirror=True,
                     showline=True, ticks="outside")
    fig.update_yaxes(gridcolor=t["grid"], zerolinecolor=t["grid"], linecolor=t["ink"], mirror=True,
                     showline=True, ticks="outside")
    return fig


def _levels(Z: np.ndarray, log: bool) -> tuple[np.ndarray, str]:
    """Contour values (log10 of the loss where it spans decades) and the colour-bar title."""
    if log:
        floor = max(np.nanmin(Z[Z > 0]) if (Z > 0).any() else 1e-12, 1e-12)
        return np.log10(np.maximum(Z, floor)), "log₁₀ L"
    return Z, "L"


def path_xy(traj: Trajectory, dims: tuple[int, int], upto: int | None = None, run: int = 0):
    last = traj.last_row(run) if upto is None else min(upto, traj.last_row(run))
    P = traj.params[: last + 1, run]
    return P[:, dims[0]], P[:, dims[1]]


def contour_figure(problem, trajectories: list[Trajectory], *, dims=(0, 1), step: int | None = None,
                   theme: str = "white", width: int = 900, height: int = 760, title: str | None = None,
                   grid: int = 161) -> go.Figure:
    """Contour map of the loss with every trajectory (up to `step`) and its current point."""
    base = trajectories[0].params[0, 0] if trajectories else None
    xs, ys, Z = problem.grid(grid, dims=tuple(dims), base=base)
    levels, bar = _levels(Z, problem.log_color)
    t = THEMES[theme]
    # "fill": shaded bands drawn as paths (a "heatmap" fill is an image that vanished while the HTML export
    # animated its frames)
    fig = go.Figure(go.Contour(x=xs, y=ys, z=levels, colorscale=t["scale"], ncontours=24,
                               contours=dict(coloring="fill", showlines=True),
                               line=dict(width=0.6, color="rgba(255,255,255,0.5)"),
                               colorbar=dict(title=dict(text=bar), thickness=14), hoverinfo="skip",
                               name="loss", showlegend=False))
    for i, traj in enumerate(trajectories):
        fig.add_traces(_path_traces(traj, dims, step, PALETTE[i % len(PALETTE)], legend_name(traj)))
    for m in problem.minima:
        if len(m) > max(dims):
            fig.add_trace(go.Scatter(x=[m[dims[0]]], y=[m[dims[1]]], mode="markers", showlegend=False,
                                     marker=dict(symbol="star", size=14, color="white",
                                                 line=dict(color="black", width=1)), hoverinfo="skip"))
    names = problem.param_names
    fig.update_xaxes(title=axis_title(names[dims[0]]), range=list(problem.window[dims[0]]))
    fig.update_yaxes(title=axis_title(names[dims[1]]), range=list(problem.window[dims[1]]))
    return _layout(fig, theme, width, height, title)


def _path_traces(traj: Trajectory, dims, step, color: str, name: str) -> list[go.Scatter]:
    traces = []
    for r in range(traj.runs):
        x, y = path_xy(traj, dims, step, r)
        first = r == 0
        traces.append(go.Scatter(x=x, y=y, mode="lines", line=dict(color=color, width=3), name=name,
                                 legendgroup=name, showlegend=first))
        end_symbol = "x" if traj.diverged_at[r] >= 0 and (step is None or step >= traj.diverged_at[r]) \
            else "circle"
        traces.append(go.Scatter(x=x[-1:], y=y[-1:], mode="markers", legendgroup=name, showlegend=False,
                                 marker=dict(color=color, size=12, symbol=end_symbol,
                                             line=dict(color="white", width=1.5))))
    return traces


def surface_figure(problem, trajectories: list[Trajectory], *, dims=(0, 1), step: int | None = None,
                   theme: str = "white", width: int = 900, height: int = 760, title: str | None = None,
                   grid: int = 81) -> go.Figure:
    """3-D error surface with each trajectory drawn on it (z = loss)."""
    base = trajectories[0].params[0, 0] if trajectories else None
    xs, ys, Z = problem.grid(grid, dims=tuple(dims), base=base)
    t = THEMES[theme]
    fig = go.Figure(go.Surface(x=xs, y=ys, z=Z, colorscale=t["scale"], opacity=0.9, showscale=False,
                               hoverinfo="skip"))
    for i, traj in enumerate(trajectories):
        color = PALETTE[i % len(PALETTE)]
        for r in range(traj.runs):
            last = traj.last_row(r) if step is None else min(step, traj.last_row(r))
            P, L = traj.params[: last + 1, r], traj.loss[: last + 1, r]
            fig.add_trace(go.Scatter3d(x=P[:, dims[0]], y=P[:, dims[1]], z=L, mode="lines",
                                       line=dict(color=color, width=6), name=legend_name(traj),
                                       legendgroup=str(i), showlegend=r == 0))
    names = problem.param_names
    axis = dict(gridcolor=t["grid"], color=t["ink"], backgroundcolor=t["plot"])
    fig.update_layout(scene=dict(xaxis=dict(title=axis_title(names[dims[0]]), **axis),
                                 yaxis=dict(title=axis_title(names[dims[1]]), **axis),
                                 zaxis=dict(title="L", **axis),
                                 camera=dict(eye=dict(x=-1.6, y=-1.6, z=1.1))))
    return _layout(fig, theme, width, height, title)


def loss_figure(trajectories: list[Trajectory], *, theme: str = "white", width: int = 900, height: int = 600,
                title: str | None = None, log: bool = True) -> go.Figure:
    """Loss against update step (log y), one line per optimizer."""
    fig = go.Figure()
    for i, traj in enumerate(trajectories):
        color = PALETTE[i % len(PALETTE)]
        for r in range(traj.runs):
            last = traj.last_row(r)
            steps = traj.start_step + np.arange(last + 1)
            fig.add_trace(go.Scatter(x=steps, y=traj.loss[: last + 1, r], mode="lines",
                                     line=dict(color=color, width=2.5), name=legend_name(traj),
                                     legendgroup=str(i), showlegend=r == 0))
    fig.update_xaxes(title="step t (updates)")
    fig.update_yaxes(title="loss L", type="log" if log else "linear", exponentformat="power")
    return _layout(fig, theme, width, height, title)


PLOTS = {"contour": contour_figure, "surface": surface_figure}


def static_figure(plot: str, problem, trajectories, **options) -> go.Figure:
    if plot == "loss":
        options.pop("dims", None)
        options.pop("step", None)
        return loss_figure(trajectories, **options)
    return PLOTS[plot](problem, trajectories, **options)


def frame_steps(trajectories: list[Trajectory], frames: int) -> np.ndarray:
    """`frames` evenly spaced steps from 0 to the longest recorded run."""
    longest = max(max(t.last_row(r) for r in range(t.runs)) for t in trajectories)
    return np.unique(np.linspace(0, longest, max(frames, 2)).round().astype(int))


def _bands(contour: go.Contour, scale, n: int = 24) -> dict:
    """The contour's filled bands as a picture under the plot (layout.images). Plotly's frame transitions
    remove every non-scatter trace of the animated axes while they play (the contour fill vanished, D5);
    a layout image stays, and the contour trace over it looks the same whenever playback stops."""
    z = np.asarray(contour.z, dtype=float)
    xs, ys = np.asarray(contour.x, dtype=float), np.asarray(contour.y, dtype=float)
    finite = z[np.isfinite(z)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    band = np.clip(np.floor((np.nan_to_num(z, nan=lo) - lo) / ((hi - lo) or 1.0) * n), 0, n - 1)
    rgb = np.array([[int(c) for c in col[4:-1].split(",")] for col in
                    sample_colorscale(get_colorscale(scale) if isinstance(scale, str) else scale,
                                      (np.arange(n) + 0.5) / n, colortype="rgb")], dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb[band.astype(int)][::-1]).save(buf, format="PNG")  # row 0 of a picture is the top
    return dict(source="data:image/png;base64," + base64.b64encode(buf.getvalue()).decode(), xref="x", yref="y",
                x=float(xs[0]), y=float(ys[-1]), sizex=float(xs[-1] - xs[0]), sizey=float(ys[-1] - ys[0]),
                xanchor="left", yanchor="top", sizing="stretch", layer="below")


def animation_figure(problem, trajectories: list[Trajectory], *, dims=(0, 1), frames: int = 120,
                     theme: str = "white", width: int = 900, height: int = 760,
                     title: str | None = None) -> go.Figure:
    """Contour map with Plotly frames: play / pause buttons and a step slider (standalone HTML)."""
    steps = frame_steps(trajectories, frames)
    fig = contour_figure(problem, trajectories, dims=dims, step=int(steps[0]), theme=theme, width=width,
                         height=height, title=title)
    n_path = sum(2 * t.runs for t in trajectories)
    moving = list(range(1, 1 + n_path))
    fig.add_layout_image(_bands(fig.data[0], THEMES[theme]["scale"]))  # the fill while the frames play
    fig.frames = [go.Frame(name=str(k), traces=moving, data=[
        trace for i, traj in enumerate(trajectories)
        for trace in _path_traces(traj, dims, int(k), PALETTE[i % len(PALETTE)], legend_name(traj))])
        for k in steps]
    play = dict(label="▶ Play", method="animate",
                args=[None, dict(frame=dict(duration=60, redraw=False), fromcurrent=True, transition=dict(duration=0))])
    pause = dict(label="❚❚ Pause", method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=1.08, xanchor="left", yanchor="bottom",
                          buttons=[play, pause], pad=dict(r=6, t=0), showactive=False)],
        sliders=[dict(active=0, x=0.22, y=1.08, len=0.78, yanchor="bottom", pad=dict(t=0, b=0),
                      currentvalue=dict(prefix="step ", font=dict(size=14)),
                      steps=[dict(label=str(k), method="animate",
                                  args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=False))])
                             for k in steps])],
        margin=dict(t=110),
    )
    return fig
