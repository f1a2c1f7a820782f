"""Traces filled from the payload (mirrors assets/descent.js), and the list naming diverged runs.

Every trajectory trace carries `meta = {"run", "at", "x", "y"[, "z", "zlog"]}` naming the payload fields
it shows and which rows (`all`, `upto` the current step, `cur` = the marker, `first`, `div` = the
divergence marker, `chg` = Live-mode change points, `fit` = model-fit curve). A `div` marker with
`pin` (the view box) is pinned to the box's edge when the run left it and, with `arrow`, drawn as an arrow
pointing the way the run went; one list in a corner of the map names the diverged runs (`divergence_note`),
the status banner and the hover text give the true values. `fill()` computes the trace
from the payload; assets/descent.js does the same in the browser (for updates and playback), so a
hyperparameter change only ships the payload, never the surface grid. The server fills the traces of the
figures it sends (at the last step, values rounded to SIG digits as the payload); the browser keeps them.
"""

from __future__ import annotations

import math

from .. import theme
from .codec import decode_run
from .numbers import rounded


# ----------------------------------------------------------------------------- fill (mirrors descent.js)
def field(run: dict, name: str) -> list:
    head, _, d = name.partition(".")
    return run[head][int(d)] if d else run[head]


def index_at(k: list[int], step: int | None) -> int:
    """Last kept index whose step is ≤ step (the last index for step None)."""
    if step is None:
        return len(k) - 1
    lo, hi = 0, len(k) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if k[mid] <= step:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _rows_for(meta: dict, run: dict, idx: int) -> list[int]:
    at = meta["at"]
    n = len(run["k"])
    if at == "all":
        return list(range(n))
    if at == "upto":
        return list(range(idx + 1))
    if at == "cur":
        return [idx]
    if at == "first":
        return [0]
    if at == "div":
        return [n - 1] if run["div"] >= 0 else []
    if at == "chg":
        return [index_at(run["k"], s) for s in run["changes"]]
    return []


def _pick(values: list, rows: list[int], log: bool = False) -> list:
    out = [values[i] for i in rows]
    if log:
        out = [math.log10(v) if v is not None and v > 0 else None for v in out]
    return out


def fill(trace: dict, pl: dict, step: int | None = None) -> dict:
    """Set x/y(/z) of a trajectory trace from the payload at playback step `step` (None = the end)."""
    meta = trace.get("meta") or {}
    if "run" not in meta or meta["run"] >= len(pl["runs"]):
        return trace
    runs = pl.get("decoded")
    run = runs[meta["run"]] if runs else {**pl["runs"][meta["run"]], **decode_run(pl["runs"][meta["run"]])}
    idx = index_at(run["k"], step)
    if meta["at"] == "fit":
        trace.update(_fit_xy(run, idx, pl["data"]))
        return trace
    rows = _rows_for(meta, run, idx)
    trace["x"] = _pick(field(run, meta["x"]), rows)
    trace["y"] = _pick(field(run, meta["y"]), rows, meta.get("ylog", False))
    if meta.get("z"):
        trace["z"] = _pick(field(run, meta["z"]), rows, meta.get("zlog", False))
    if meta.get("c"):  # the step of each point, for a click on an epoch axis (layouts/callbacks.py: inspect)
        trace["customdata"] = _pick(field(run, meta["c"]), rows)
    if meta.get("legend"):
        trace["name"] = run["label"] + meta.get("suffix", "")
    if meta.get("pin") and trace["x"]:
        _pin(trace, meta, run)
    return trace


def _pin(trace: dict, meta: dict, run: dict) -> None:
    """Pin a divergence marker that left the view box to the box's edge, an arrow the way the run went
    (assets/descent.js: pin)."""
    moved = []
    for key, (lo, hi) in zip("xyz", meta["pin"], strict=False):
        v = trace[key][0]
        c = hi if v is None else min(max(v, lo), hi)
        moved.append(1.0 if v is None else (v - c) / (hi - lo))
        trace[key] = [c]
    pinned = any(m != 0 for m in moved)
    mx, my = moved[0], moved[1]
    if meta.get("arrow"):
        arrow = pinned and (mx != 0 or my != 0)
        trace["marker"] = {**trace.get("marker", {}), "symbol": ["arrow" if arrow else "x"],
                           "angle": [round(math.degrees(math.atan2(mx, my))) if arrow else 0]}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def _fit_xy(run: dict, idx: int, data: dict) -> dict:
    theta = [p[idx] for p in run["p"]]
    if any(v is None for v in theta):
        return {"x": [], "y": []}
    if "xs" in data:
        w, b = theta
        return {"x": data["xs"], "y": [_sigmoid(w * x + b) for x in data["xs"]]}
    w, b = theta[:-1], theta[-1]
    pred = [_sigmoid(sum(wi * xi for wi, xi in zip(w, row, strict=True)) + b) for row in data["X"]]
    return {"x": data["Y"], "y": pred}


# ----------------------------------------------------------------------------- divergence list (mirrors descent.js)
DIV_LINES = 6  # runs a map's divergence list names; the rest are counted ("… and 3 more")
CORNERS = ((0, 1), (1, 1), (0, 0), (1, 0))  # the list's corner (x, y in the plot's fractions), in order of preference
DIV_NOTE = "dl-div"  # the list's annotation name; a side-by-side panel's is "dl-div:<run>"


def _div_end(run: dict, dims, box) -> tuple[tuple[float, float] | None, bool]:
    """Where a diverged run's marker sits, as fractions of the view box (None without a box: a 1-parameter
    curve), and whether the run left the box (its marker is pinned to the edge: _pin)."""
    if box is None:
        return None, False
    out, left = [], False
    for d, (lo, hi) in zip(dims, box, strict=False):
        v = run["p"][d][-1]
        c = hi if v is None else min(max(v, lo), hi)
        left = left or v is None or c != v
        out.append((c - lo) / (hi - lo))
    return (out[0], out[1]), left


def _corner(points: list) -> tuple[int, int]:
    """The corner farthest (in the larger of the two fractions) from the nearest marker."""
    def room(c):
        return min((max(abs(p[0] - c[0]), abs(p[1] - c[1])) for p in points), default=1.0)
    return max(CORNERS, key=room)  # max keeps the first of equals: CORNERS' order


def divergence_note(pl: dict, grid: dict, only: int | None = None, axes: str = "") -> dict:
    """The annotation naming a map's diverged runs, one line each ("✕ GD (η=2) → step 7": → when the run left
    the map, "at" when it stopped inside), in the plot's corner farthest from their markers; hidden when none
    diverged. One block of text: labels of runs that diverged close together can never overlap (D9).
    `only`: the run of one side-by-side panel (`axes`: that panel's axis suffix); assets/descent.js: divNote."""
    runs = decoded(pl)["decoded"]
    box = grid["window"] if grid["dim"] > 1 else None
    picked = [j for j in (range(len(runs)) if only is None else [only]) if runs[j]["div"] >= 0]
    lines, points = [], []
    for j in picked:
        at, left = _div_end(runs[j], grid["dims"], box)
        points += [at] if at else []
        words = f"{'→' if left else 'at'} step {runs[j]['div']}"
        if only is not None:
            lines.extend(["diverged", words])  # two short lines: a panel is narrow
        elif len(lines) < DIV_LINES:
            lines.append(f'<span style="color:{runs[j]["color"]}">✕</span> {runs[j]["label"]} {words}')
    if only is None and lines:
        more = len(picked) - len(lines)
        lines = ["<b>diverged</b>", *lines] + ([f"… and {more} more (see the table)"] if more > 0 else [])
    cx, cy = _corner(points) if box is not None else (1, 1)
    ref = ("paper", "paper") if only is None else (f"x{axes} domain", f"y{axes} domain")
    return {"name": DIV_NOTE if only is None else f"{DIV_NOTE}:{only}", "text": "<br>".join(lines) or " ",
            "visible": bool(lines), "showarrow": False, "align": "left", "x": cx, "y": cy, "xref": ref[0],
            "yref": ref[1], "xanchor": "left" if cx == 0 else "right", "yanchor": "top" if cy == 1 else "bottom",
            "bgcolor": "rgba(255,255,255,0.88)", "bordercolor": theme.DIVERGED, "borderwidth": 1, "borderpad": 4,
            "font": {"size": theme.FONT_SIZE - 1}}


def decoded(pl: dict) -> dict:
    """The payload with its runs decoded once for the server's own filling (`decoded`: values rounded to SIG
    digits, steps as integers). Not for the browser: send `pl` itself."""
    if "decoded" in pl:
        return pl
    runs = []
    for run in pl["runs"]:
        d = decode_run(run)
        plain = {**run, "blocks": [], "k": [round(k) for k in d["k"]], "e": rounded(d["e"]), "loss": rounded(d["loss"]),
                 "eta": rounded(d["eta"]), "p": [rounded(p) for p in d["p"] or []]}
        if "lr" in d:
            plain["lr"] = [rounded(a) for a in d["lr"]]
        runs.append(plain)
    return {**pl, "decoded": runs}


def filled(fig: dict, pl: dict, step: int | None = None) -> dict:
    """The figure with every trajectory trace computed from the payload (in place; returns fig)."""
    pl = decoded(pl)
    for trace in fig["data"]:
        if "meta" in trace:
            fill(trace, pl, step)
    return fig
