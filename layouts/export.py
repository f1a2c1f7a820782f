"""Export the current view: PNG/SVG (kaleido + the system Chromium), standalone HTML animation,
animated GIF, and CSV/JSON of the trajectories (JSON also holds the settings that reproduce them).

Images are rendered by the process's one kaleido/Chromium session (`render`, layouts/chromium.py), kept
alive between exports: a 60-frame GIF renders its background once, and only the first image of a process
pays for the browser's start. kaleido is pointed at no CDN: plotly.js comes from the plotly package and
MathJax is switched off (figures use Unicode symbols), so nothing is downloaded at run time.

`export_bytes(..., progress=)` reports its stages ("rendering frame 12/60") for the page's progress bar.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from optimizers import Trajectory
from scenarios.settings import problem_of, simulate

from .chromium import render_images
from .publication import PALETTE, animation_figure, contour_figure, frame_steps, legend_name, static_figure

FORMATS = ("png", "svg", "html", "csv", "json", "gif")
MIME = {"png": "image/png", "svg": "image/svg+xml", "html": "text/html", "csv": "text/csv",
        "json": "application/json", "gif": "image/gif"}
EXPORT_VERSION = 1


Progress = Callable[[int, int, str], None] | None  # (done, total, stage), e.g. (12, 63, "drawing frame 10/60")


def _silent(done: int, total: int, stage: str) -> None:
    pass


@dataclass(frozen=True)
class ExportOptions:
    plot: str = "contour"  # contour | surface | loss
    width: int = 900
    height: int = 760
    scale: float = 2.0  # PNG pixel density: 2 → 1800×1520 px
    theme: str = "white"  # white | contrast
    frames: int = 60  # GIF frames (HTML uses up to 120)
    title: str | None = None


def render(figures: list[go.Figure], fmt: str, scale: float = 1.0) -> list[bytes]:
    """PNG or SVG bytes for each figure, from this process's Chromium (started on first use)."""
    # their levels, restored after the render: other loggers, and these outside a render, are left alone
    loggers = [logging.getLogger(name) for name in ("choreographer", "kaleido", "logistro")]
    levels = {log: log.level for log in loggers}

    for log in levels:  # their tracebacks on stray pipe messages, silenced only while this render runs
        log.setLevel(logging.CRITICAL)
    try:
        return render_images(figures, fmt, scale)
    finally:
        for log, level in levels.items():
            log.setLevel(level)


def trajectories_frame(trajectories: list[Trajectory]) -> pd.DataFrame:
    """Tidy table: optimizer, hyperparameters, schedule, batch, run, step, epoch, params, loss, eta."""
    frames = []
    for traj in trajectories:
        f = traj.to_frame()
        hp = ",".join(f"{k}={v}" for k, v in traj.hp.items())
        f.insert(1, "hyperparameters", hp)
        f.insert(2, "schedule", traj.schedule)
        f.insert(3, "batch", traj.batching)
        f.insert(4, "convention", traj.convention)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def trajectories_json(settings: dict, trajectories: list[Trajectory]) -> dict:
    return {
        "descent_lab_export": EXPORT_VERSION,
        "settings": settings,
        "trajectories": [{
            "optimizer": t.label, "hyperparameters": t.hp, "schedule": t.schedule, "batch": t.batching,
            "convention": t.convention, "params_names": list(t.param_names),
            "diverged_at": [int(d) if d >= 0 else None for d in t.diverged_at],
            "runs": [{"step": list(range(t.last_row(r) + 1)),
                      "epoch": t.epoch[: t.last_row(r) + 1].tolist(),
                      "params": t.params[: t.last_row(r) + 1, r].tolist(),
                      "loss": t.loss[: t.last_row(r) + 1, r].tolist(),
                      "eta": t.eta[: t.last_row(r) + 1, r].tolist()} for r in range(t.runs)],
        } for t in trajectories],
    }


def _dims(settings: dict, problem) -> tuple[int, int]:
    dims = tuple(settings.get("view", {}).get("dims", (0, 1)))
    if len(dims) != 2 or max(dims) >= problem.dim or dims[0] == dims[1]:
        return (0, 1)
    return dims


def gif_bytes(problem, trajectories, options: ExportOptions, dims, progress: Progress = None) -> bytes:
    """Animated GIF: the contour map is rendered once (one Chromium session), then each frame draws
    the paths up to its step on a copy of it — exact plot-area geometry, no browser per frame."""
    from PIL import Image, ImageDraw

    report = progress or _silent
    steps = frame_steps(trajectories, options.frames)
    total = len(steps) + 3  # the run, the background, the frames, the encoding
    report(1, total, "rendering the map in Chromium")
    fig = gif_background(problem, trajectories, dims, options)
    scale = 1.0
    base = Image.open(io.BytesIO(render([fig], "png", scale=scale)[0])).convert("RGB")
    to_px = _pixel_mapping(fig, problem, dims, scale)
    font = _font(int(18 * scale))
    frames = []
    for n, k in enumerate(steps, 1):
        report(1 + n, total, f"drawing frame {n}/{len(steps)}")
        frame = base.copy()
        draw = ImageDraw.Draw(frame)
        for i, traj in enumerate(trajectories):
            color = PALETTE[i % len(PALETTE)]
            for r in range(traj.runs):
                last = min(int(k), traj.last_row(r))
                P = traj.params[: last + 1, r][:, list(dims)]
                points = [to_px(x, y) for x, y in P]
                if len(points) > 1:
                    draw.line(points, fill=color, width=max(2, int(3 * scale)), joint="curve")
                x, y = points[-1]
                rad = 6 * scale
                if traj.diverged_at[r] >= 0 and last >= traj.diverged_at[r]:
                    draw.line([(x - rad, y - rad), (x + rad, y + rad)], fill=color, width=int(3 * scale))
                    draw.line([(x - rad, y + rad), (x + rad, y - rad)], fill=color, width=int(3 * scale))
                else:
                    draw.ellipse([x - rad, y - rad, x + rad, y + rad], fill=color, outline="white")
        draw.text((fig.layout.margin.l * scale, 8 * scale), f"step {int(k)}", fill="#111111" if
                  options.theme == "white" else "#f5f5f5", font=font)
        frames.append(frame)
    report(total - 1, total, "encoding the GIF")
    # one palette for all frames, taken from the last (every path drawn) so each colour is in it
    palette = frames[-1].quantize(colors=250, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    frames = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    return buffer.getvalue()


def gif_background(problem, trajectories, dims, options: ExportOptions) -> go.Figure:
    """The contour map without paths (legend entries only), with a fixed plot area."""
    fig = contour_figure(problem, [], dims=dims, theme=options.theme, width=options.width,
                         height=options.height, title=options.title or " ", grid=121)
    fig.update_traces(showscale=False, selector=dict(type="contour"))
    for i, traj in enumerate(trajectories):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=legend_name(traj),
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=3)))
    fig.update_layout(margin=dict(autoexpand=False, b=70), showlegend=True,
                      legend=dict(orientation="v", x=0.99, y=0.99, xanchor="right", yanchor="top",
                                  bgcolor="rgba(255,255,255,0.8)" if options.theme == "white"
                                  else "rgba(0,0,0,0.6)"))
    return fig


def _pixel_mapping(fig: go.Figure, problem, dims, scale: float):
    m = fig.layout.margin
    (x0, x1), (y0, y1) = problem.window[dims[0]], problem.window[dims[1]]
    left, top = m.l * scale, m.t * scale
    plot_w = (fig.layout.width - m.l - m.r) * scale
    plot_h = (fig.layout.height - m.t - m.b) * scale

    def to_px(x: float, y: float) -> tuple[float, float]:
        return left + (x - x0) / (x1 - x0) * plot_w, top + (y1 - y) / (y1 - y0) * plot_h

    return to_px


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default()


def export_bytes(settings: dict, fmt: str, options: ExportOptions | None = None,
                 trajectories: list[Trajectory] | None = None, progress: Progress = None) -> bytes:
    """The file contents for one export of the view described by `settings`; `progress(done, total, stage)`
    hears each stage."""
    options = options or ExportOptions()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    report = progress or _silent
    report(0, 3, "running the optimizers")
    problem = problem_of(settings)
    trajectories = trajectories if trajectories is not None else simulate(settings, record_internals=False)
    dims = _dims(settings, problem)
    if problem.dim < 2 and options.plot != "loss":
        options = ExportOptions(**{**options.__dict__, "plot": "loss"})
    if fmt == "csv":
        return trajectories_frame(trajectories).to_csv(index=False, float_format="%.17g").encode()
    if fmt == "json":
        return json.dumps(trajectories_json(settings, trajectories), allow_nan=True).encode()
    common = dict(theme=options.theme, width=options.width, height=options.height, title=options.title)
    if fmt == "html":
        report(1, 3, "building the animation")
        if problem.dim < 2:
            fig = static_figure("loss", problem, trajectories, **common)
        else:
            fig = animation_figure(problem, trajectories, dims=dims, frames=min(120, max(options.frames, 2)),
                                   **common)
        report(2, 3, "writing the HTML")
        html = fig.to_html(include_plotlyjs=True, full_html=True, include_mathjax=False, auto_play=False,
                           config={"displaylogo": False, "responsive": True})  # it waits for ▶ Play (D5)
        return html.encode()
    if fmt == "gif":
        return gif_bytes(problem, trajectories, options, dims, progress)
    fig = static_figure(options.plot, problem, trajectories, dims=dims, **common)
    report(1, 3, "rendering the image in Chromium")
    return render([fig], fmt, scale=options.scale if fmt == "png" else 1.0)[0]


def filename(settings: dict, fmt: str, name: str | None = None) -> str:
    stem = name or f"descent-lab-{settings['problem']}"
    return f"{stem}.{fmt}"
