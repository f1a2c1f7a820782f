"""Pure figure builders: (grid, trajectory payload, options) -> dict, Plotly's JSON figure form. No Dash, no server.

One module per part, in the order the data flows:
  numbers   rounding to SIG digits and float32 typed arrays (the numbers as the browser gets them)
  grids     surface grids over the view window, in a bounded cache
  names     runs named in words ("Adam (η=0.1, β₁=0.9)")
  codec     the trajectory payload the browser gets of each run, and its codec (mirrors assets/descent.js)
  traces    traces filled from the payload (mirrors assets/descent.js), the list naming diverged runs
  builders  the page's figures as plain dicts
The names below are the package's interface; the rest of the app uses `figures.<name>`.
"""

from .builders import (
    LEGEND_MAX,
    MAX_COLS,
    PREVIEW_POINTS,
    STEP_PLOTS,
    X_AXES,
    all_figures,
    contour_figure,
    figure,
    fit_figure,
    preview_figure,
    schedule_preview,
    sparkline_rows,
    step_click,
    step_figure,
    surface_figure,
)
from .codec import (
    LOG_TOL,
    MOVE_TOL,
    decode_run,
    fit_data,
    keep_rows,
    pack,
    payload,
    per_epoch,
    run_payload,
    run_rows,
    unpack,
)
from .grids import CURVE_N, GRID_CACHE, GRID_N, SIDE_STRIDE, as_problem, coarse, grid_key, surface_grid
from .names import SHORT_NAMES, run_name, run_parts, short_label
from .numbers import SIG, rounded, typed, untyped
from .traces import DIV_LINES, DIV_NOTE, decoded, divergence_note, field, fill, filled, index_at

__all__ = [
    "CURVE_N", "DIV_LINES", "DIV_NOTE", "GRID_CACHE", "GRID_N", "LEGEND_MAX", "LOG_TOL", "MAX_COLS", "MOVE_TOL",
    "PREVIEW_POINTS", "SHORT_NAMES", "SIDE_STRIDE", "SIG", "STEP_PLOTS", "X_AXES", "all_figures", "as_problem",
    "coarse", "contour_figure", "decode_run", "decoded", "divergence_note", "field", "figure", "fill", "filled",
    "fit_data", "fit_figure", "grid_key", "index_at", "keep_rows", "pack", "payload", "per_epoch", "preview_figure",
    "rounded", "run_name", "run_parts", "run_payload", "run_rows", "schedule_preview", "short_label",
    "sparkline_rows", "step_click", "step_figure", "surface_figure", "surface_grid", "typed", "unpack", "untyped",
]
