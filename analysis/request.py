"""An analysis view as plain data — what the page, links, settings files and scenarios carry — parsed
once into a checked, budgeted request (DESIGN.md §6: the cost is known before any work starts).

    {"kind": "sweep", "optimizers": ["gd", "momentum:gamma=0.9"], "vary": ["eta=0.01:100:41:log"],
     "steps": 300, "metric": "steps", "target": null}
    {"kind": "map", "optimizers": ["momentum"], "vary": ["eta=0.001:1:40:log", "gamma=0:0.99:34"], ...}
    {"kind": "basin", "optimizers": ["gd:eta=0.01", "momentum:eta=0.01"], "grid": 40, "steps": 500, "window": null, ...}

`check_analysis` raises SpecError naming the bad part; `run_analysis` runs it (one engine call per
optimizer) and returns one MapResult per optimizer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizers import SpecError, parse_spec

from .grid import Axis, check_axes, parse_axis
from .maps import MapResult, Progress, basin, check_window, sweep

KINDS = ("sweep", "map", "basin")
METRICS = ("steps", "loss")
MAX_SWEEP_OPTIMIZERS = 4  # curves on one η sweep plot
MAX_BASIN_OPTIMIZERS = 2  # basin maps side by side (GD vs momentum)
MAX_SWEEP_POINTS = 200  # values on a 1-D sweep
MAX_MAP_SIDE = 100  # a hyperparameter map: up to 100 × 100 cells
MAX_BASIN_SIDE = 200  # a basin map: up to 200 × 200 starts
MAX_ANALYSIS_STEPS = 5_000  # the page's step cap
MAX_ANALYSIS_WORK = 20_000_000  # runs × (steps + 1) summed over optimizers, per request
MAX_SPEC_CHARS = 300


@dataclass(frozen=True)
class Request:
    kind: str
    optimizers: tuple[str, ...]
    vary: tuple[Axis, ...]
    grid: int
    steps: int
    metric: str
    target: float | None
    window: tuple[tuple[float, float], tuple[float, float]] | None

    @property
    def runs(self) -> int:
        per = self.grid**2 if self.kind == "basin" else int(np.prod([a.n for a in self.vary]))
        return per * len(self.optimizers)

    def as_dict(self) -> dict:
        out = {"kind": self.kind, "optimizers": list(self.optimizers), "steps": self.steps, "metric": self.metric,
               "target": self.target}
        if self.kind == "basin":
            out.update(grid=self.grid, window=[list(w) for w in self.window] if self.window else None)
        else:
            out["vary"] = [a.text for a in self.vary]
        return out


def _whole(value, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        raise SpecError(f"analysis: {what}={value!r} is not a whole number")
    if not lo <= value <= hi:
        raise SpecError(f"analysis: {what}={int(value)} must be in [{lo}, {hi:,}]")
    return int(value)


def check_analysis(raw, problem) -> Request:
    """The analysis view `raw` (untrusted JSON) as a Request for `problem`, or SpecError."""
    if not isinstance(raw, dict):
        raise SpecError("analysis must be an object")
    unknown = sorted(set(raw) - {"kind", "optimizers", "vary", "grid", "steps", "metric", "target", "window"})
    if unknown:
        raise SpecError(f"analysis: unknown key {str(unknown[0])[:40]!r}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise SpecError(f"analysis: kind={str(kind)[:40]!r} is not one of {', '.join(KINDS)}")
    texts = raw.get("optimizers")
    most = {"sweep": MAX_SWEEP_OPTIMIZERS, "map": 1, "basin": MAX_BASIN_OPTIMIZERS}[kind]
    if not (isinstance(texts, list) and 1 <= len(texts) <= most and all(isinstance(t, str) for t in texts)):
        raise SpecError(f"analysis: optimizers must be a list of 1 to {most} spec strings")
    if any(len(t) > MAX_SPEC_CHARS for t in texts):
        raise SpecError(f"analysis: an optimizer spec is longer than {MAX_SPEC_CHARS} characters")
    specs = [parse_spec(t) for t in texts]
    steps = _whole(raw.get("steps", 300), "steps", 0, MAX_ANALYSIS_STEPS)
    metric = raw.get("metric", "steps")
    if metric not in METRICS:
        raise SpecError(f"analysis: metric={str(metric)[:40]!r} is not one of {', '.join(METRICS)}")
    target = raw.get("target")
    if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float))
                               or not np.isfinite(target)):
        raise SpecError(f"analysis: target={str(target)[:40]!r} is not a number")
    vary, grid, window = (), 0, None
    if kind == "basin":
        # a basin map on a one-parameter problem is refused when it runs, not here: switching the main view
        # to such a problem must not make the whole settings (which carry this view) invalid
        grid = _whole(raw.get("grid", 40), "grid", 2, MAX_BASIN_SIDE)
        window = _window(raw.get("window"), problem)
    else:
        vary = _axes(raw.get("vary"), kind)
        for spec in specs:
            check_axes(spec, list(vary))
    request = Request(kind, tuple(s.text for s in specs), vary, grid, steps, metric,
                      None if target is None else float(target), window)
    if request.runs * (steps + 1) > MAX_ANALYSIS_WORK:
        raise SpecError(f"analysis: {request.runs:,} runs × {steps + 1:,} steps is over MAX_ANALYSIS_WORK = "
                        f"{MAX_ANALYSIS_WORK:,}; use fewer cells or steps")
    return request


def _axes(raw, kind: str) -> tuple[Axis, ...]:
    want = 1 if kind == "sweep" else 2
    if not (isinstance(raw, list) and len(raw) == want and all(isinstance(v, str) and len(v) <= 100 for v in raw)):
        raise SpecError(f"analysis: a {kind} varies {want} name{'s' * (want > 1)} (vary: ['NAME=LO:HI:N[:log]'])")
    axes = tuple(parse_axis(v) for v in raw)
    side = MAX_SWEEP_POINTS if kind == "sweep" else MAX_MAP_SIDE
    for axis in axes:
        if axis.n > side:
            raise SpecError(f"analysis: {axis.name} has {axis.n} values; a {kind} allows at most {side}")
    return axes


def _window(raw, problem):
    if raw is None:
        return None
    try:
        (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in raw)
    except (TypeError, ValueError):
        raise SpecError("analysis: window must be [[x0, x1], [y0, y1]]") from None
    return check_window(((x0, x1), (y0, y1)), problem)


def run_analysis(request: Request, problem, *, start=None, convention: str = "lecture", dims=(0, 1),
                 progress: Progress | None = None) -> list[MapResult]:
    """One MapResult per optimizer; progress(done, total) counts steps over all of them. Sweeps run from
    `start`; basin maps vary the parameters `dims` (the main view's) with the others at `start`."""
    results = []
    n = len(request.optimizers)
    for i, spec in enumerate(request.optimizers):
        step = None if progress is None else (lambda d, t, i=i: progress(i * t + d, n * t))
        if request.kind == "basin":
            results.append(basin(problem, spec, request.grid, request.steps, window=request.window,
                                 target=request.target, convention=convention, dims=dims, start=start,
                                 progress=step))
        else:
            results.append(sweep(problem, spec, list(request.vary), request.steps, start=start,
                                 target=request.target, convention=convention, progress=step))
    return results
