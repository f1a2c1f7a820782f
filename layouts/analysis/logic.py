"""What the analysis lab's callbacks do, as plain functions of plain data (tested without a server).

A *job* is the JSON the JOB store holds: the checked request (analysis/request.py) plus what it was
computed for — problem, start, convention, the main view's two parameters `dims` (a basin map varies
them, the other parameters stay at the start) — and `sources`, the index in the main view's optimizer list
that each analysed optimizer came from (None if it came from a link or scenario and matches none).
Everything read back from the browser (the job store, clicks, control values) is re-checked here.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from analysis import cell_values, spec_text, with_values
from analysis.request import Request, check_analysis, run_analysis
from optimizers import SpecError, parse_spec
from scenarios import schema
from scenarios.settings import check_start, load_settings, problem_of
from surfaces import USER_PROBLEMS, UnknownProblem, get_problem

from .figures import basin_figure, current_markers, map_figure, sweep_curves

KINDS = {"sweep": "η sweep", "map": "hyperparameter map", "basin": "basin map"}
DEFAULTS = {"kind": "sweep", "sweep": "0.001:100:41:log", "axis1": "eta=0.001:10:30:log", "axis2": "gamma=0:0.99:30",
            "grid": 60, "metric": "steps"}
MAX_SOURCES = 64


def without(text: str, names) -> str:
    """The spec with the named hyperparameters removed (they are the ones a sweep varies)."""
    spec = parse_spec(text)
    return spec_text(dataclasses.replace(spec, hp={k: v for k, v in spec.hp.items() if k not in names}))


def _int(value, fallback: int) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return fallback
    return int(number) if np.isfinite(number) and number.is_integer() else fallback


def build_job(kind, checked, sweep_range, axis1, axis2, grid, steps, metric, settings: dict) -> dict:
    """The job for the Run button: the request built from the controls and the main view. SpecError if bad."""
    specs = settings["optimizers"]
    chosen = [i for i in (checked or []) if type(i) is int and 0 <= i < len(specs)] or [0]
    if kind == "sweep":
        sources = chosen[:4]
        raw = {"kind": "sweep", "vary": [f"eta={schema.text(sweep_range, 100) or ''}"],
               "optimizers": [without(specs[i], {"eta"}) for i in sources]}
    elif kind == "map":
        sources = chosen[:1]
        vary = [schema.text(axis1, 100) or "", schema.text(axis2, 100) or ""]
        names = {v.partition("=")[0].strip() for v in vary}
        raw = {"kind": "map", "vary": vary, "optimizers": [without(specs[sources[0]], names)]}
    elif kind == "basin":
        sources = chosen[:2]
        raw = {"kind": "basin", "grid": _int(grid, -1), "optimizers": [specs[i] for i in sources]}
    else:
        raise SpecError(f"unknown analysis {str(kind)[:20]!r}")
    raw.update(steps=_int(steps, -1), metric=metric if metric in ("steps", "loss") else "steps")
    problem = problem_of(settings)
    request = check_analysis(raw, problem)
    return {"request": request.as_dict(), "problem": job_problem(settings), "start": list(settings["start"]),
            "convention": settings["convention"], "sources": sources, "dims": view_dims(settings)}


def job_from_view(settings: dict) -> dict | None:
    """The job a scenario or link asks for (settings.view.analysis), sources matched by optimizer id."""
    raw = settings["view"].get("analysis")
    if not raw:
        return None
    ids = [parse_spec(s).optimizer.id for s in settings["optimizers"]]
    sources = [next((i for i, oid in enumerate(ids) if oid == parse_spec(s).optimizer.id), None)
               for s in raw["optimizers"]]
    return {"request": raw, "problem": job_problem(settings), "start": list(settings["start"]),
            "convention": settings["convention"], "sources": sources, "dims": view_dims(settings)}


def view_dims(settings: dict) -> list[int]:
    """The two parameters the main view shows (view.dims, checked with the settings)."""
    return list(settings["view"].get("dims", [0, 1]))


def job_dims(job: dict) -> tuple[int, int]:
    """The job's two parameters (a job stored before they were kept: the first two); check_job checks them."""
    dims = job.get("dims", [0, 1])
    return int(dims[0]), int(dims[1])


def check_job(job) -> tuple[Request, object, list[float], str, list[int | None]]:
    """The job store as the browser sent it back, re-checked whole; SpecError if anything is off."""
    keys = {"request", "problem", "start", "convention", "sources"}
    if not isinstance(job, dict) or not keys <= set(job) <= keys | {"dims"}:
        raise SpecError("the analysis job is not readable: run it again")
    problem = _job_problem(job["problem"])
    if problem is None:
        raise SpecError("the analysis job names no known problem: run it again")
    start = check_start(job["start"], problem)
    if job["convention"] not in ("lecture", "pytorch"):
        raise SpecError("the analysis job has no valid convention")
    request = check_analysis(job["request"], problem)
    dims = job.get("dims", [0, 1])
    if not (isinstance(dims, list) and len(dims) == 2 and all(type(d) is int for d in dims) and dims[0] != dims[1]
            and all(0 <= d < max(problem.dim, 2) for d in dims)):
        raise SpecError("the analysis job's parameters (dims) are not readable: run it again")
    sources = job["sources"]
    if not (isinstance(sources, list) and len(sources) == len(request.optimizers)
            and all(s is None or (type(s) is int and 0 <= s < MAX_SOURCES) for s in sources)):
        raise SpecError("the analysis job's optimizer list is not readable: run it again")
    return request, problem, start, job["convention"], sources


def current_values(spec_text_: str, names: list[str]) -> list[float | None]:
    """The values a spec gives the varied names (its own, else the declared default)."""
    spec = parse_spec(spec_text_)
    out = []
    for name in names:
        if name.startswith("schedule."):
            value = (spec.schedule.params.get(name.split(".", 1)[1]) if spec.schedule else None)
        else:
            value = spec.hp.get(name, spec.optimizer.defaults().get(name))
        out.append(float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None)
    return out


def job_problem(settings: dict) -> str | dict:
    """The problem a job runs on: a built-in's id, or the settings fields of the user's own problem."""
    if settings["problem"] not in USER_PROBLEMS:
        return settings["problem"]
    return {k: settings[k] for k in ("problem", "loss", "window", "data") if k in settings}


def _job_problem(value):
    """The problem of a job store's field (None if it names none): re-checked as settings are."""
    try:
        if isinstance(value, str):
            return get_problem(value)
        if isinstance(value, dict) and value.get("problem") in USER_PROBLEMS:
            return problem_of(load_settings(value, strict=True, budget=False)[0])
    except (UnknownProblem, SpecError):
        pass
    return None


def current_of(job, settings: dict | None, names: list[str]) -> list[list[float | None] | None]:
    """The values of `names` in the main-view optimizer each analysed optimizer came from, as the main view
    is now (None: the view is on another problem, or that optimizer is gone or another one now)."""
    request, problem, _, _, sources = check_job(job)
    same = settings is not None and job_problem(settings) == job["problem"]
    specs = settings.get("optimizers") if same else None
    out = []
    for k, i in enumerate(sources):
        same = specs and i is not None and i < len(specs) and \
            parse_spec(specs[i]).optimizer.id == parse_spec(request.optimizers[k]).optimizer.id
        out.append(current_values(specs[i], names) if same else None)
    return out


def current_etas(job, settings: dict | None) -> list[float | None]:
    """η of the main-view optimizer each curve of a sweep came from (None: it matches none now)."""
    return [values[0] if values else None for values in current_of(job, settings, ["eta"])]


def current_cell(job, settings: dict | None) -> tuple[float, float] | None:
    """A hyperparameter map's "current" point: the map's two names in the optimizer it came from, now."""
    request = check_job(job)[0]
    values = current_of(job, settings, [a.name for a in request.vary])[0]
    return tuple(values) if values and None not in values else None


def compute(job, settings: dict | None, progress=None) -> tuple[list[dict], str]:
    """Run the job; the figures (one, or two basin maps) and a one-line summary."""
    request, problem, start, convention, sources = check_job(job)
    results = run_analysis(request, problem, start=start, convention=convention, dims=job_dims(job),
                           progress=progress)
    if request.kind == "sweep":
        figs = [sweep_curves(results, list(request.optimizers), current_etas(job, settings))]
    elif request.kind == "map":
        figs = [map_figure(results[0], request.metric, current_cell(job, settings))]
    else:
        figs = [basin_figure(r, problem, start) for r in results]
    runs = sum(r.runs for r in results)
    diverged = sum(int((r.diverged_at >= 0).sum()) for r in results)
    reached = sum(int((r.steps_to_target >= 0).sum()) for r in results)
    message = (f"{KINDS[request.kind]}: {runs:,} runs × {request.steps} steps on {problem.id} in one batched call "
               f"per optimizer — {reached:,} reached loss ≤ {results[0].target:.3g}, {diverged:,} diverged. "
               f"Click {'a point' if request.kind == 'sweep' else 'a cell' if request.kind == 'map' else 'a start'} "
               f"to load it into the main view.")
    return figs, message


def _point(click) -> dict | None:
    points = click.get("points") if isinstance(click, dict) else None
    return points[0] if isinstance(points, list) and points and isinstance(points[0], dict) else None


def clicked(job, graph: int, click, settings: dict) -> dict:
    """The main view's settings after a click on the analysis figure `graph` (0 or 1); SpecError if the
    click does not name a cell of the job. The loaded configuration is exactly the cell's run: the job's
    problem, start, convention and steps, and the cell's spec in place of the optimizer it came from."""
    request, problem, start, convention, sources = check_job(job)
    point = _point(click)
    if point is None:
        raise SpecError("the click did not name a cell")
    fields = job["problem"] if isinstance(job["problem"], dict) else {"problem": problem.id}
    new = {**{k: v for k, v in settings.items() if k not in ("loss", "window", "data")}, **fields, "start": start,
           "convention": convention, "steps": request.steps, "starts": 1}
    specs = list(settings["optimizers"]) if job_problem(settings) == job["problem"] else []
    if request.kind == "basin":
        x, y = point.get("x"), point.get("y")
        if not (schema.is_number(x) and schema.is_number(y)):
            raise SpecError("the click did not name a start")
        dims = job_dims(job)
        start = list(start)  # the basin's other parameters sit at the job's start
        start[dims[0]], start[dims[1]] = float(x), float(y)
        new.update(start=check_start(start, problem), optimizers=list(request.optimizers),
                   view={**settings["view"], "dims": list(dims)})
        return _valid(new)
    data = point.get("customdata")
    if request.kind == "sweep":
        if not (isinstance(data, list) and len(data) == 2 and all(type(v) is int for v in data)):
            raise SpecError("the click did not name a point of the sweep")
        k, j = data
        axis = request.vary[0]
        if not (0 <= k < len(request.optimizers) and 0 <= j < axis.n):
            raise SpecError("the click names no point of this sweep")
        row = np.array([axis.values()[j]])
    else:
        cells = cell_values(list(request.vary))
        if type(data) is not int or not 0 <= data < len(cells):
            raise SpecError("the click did not name a cell of the map")
        k, row = 0, cells[data]
    spec = spec_text(with_values(parse_spec(request.optimizers[k]), list(request.vary), row))
    i = sources[k]
    if i is not None and i < len(specs):
        specs[i] = spec
    else:
        specs = (specs + [spec])[-12:]
    new["optimizers"] = specs
    return _valid(new)


def _valid(settings: dict) -> dict:
    out, _ = load_settings(settings, strict=True)
    return out


def csv_file(job) -> dict:
    """The shown analysis as DESIGN §7's CSV (what `app.py sweep` / `basin` write), for dcc.Download;
    with several optimizers a leading `optimizer` column names each row's spec."""
    request, problem, start, convention, _ = check_job(job)
    results = run_analysis(request, problem, start=start, convention=convention, dims=job_dims(job))
    frames = [r.frame() for r in results]
    if len(frames) > 1:
        for spec, frame in zip(request.optimizers, frames, strict=True):
            frame.insert(0, "optimizer", spec)
    text = pd.concat(frames, ignore_index=True).to_csv(index=False, float_format="%.17g", lineterminator="\n")
    return {"content": text, "filename": f"{request.kind}-{problem.id}.csv", "type": "text/csv"}


def marks(job, figs: list[dict]) -> dict | None:
    """What the MARKS store keeps of a drawn analysis so the "current" markers can follow the main view
    without the figure being sent back: a sweep's other shapes (the shaded diverging ranges); for a map,
    only that it is one (its marker is trace MARKER_TRACE). None for basin maps: nothing follows there."""
    kind = check_job(job)[0].kind
    if kind == "sweep":
        shapes = figs[0]["layout"].get("shapes", [])
        return {"kind": "sweep", "fixed": [s for s in shapes if s.get("name") != "current"]}
    return {"kind": "map"} if kind == "map" else None


SHAPE_KEYS = {"type", "x0", "x1", "yref", "y0", "y1", "fillcolor", "opacity", "line", "layer"}
MAX_FIXED_SHAPES = 400  # ≤ 200 values per sweep: ≤ 100 separate diverging ranges per curve, ≤ 4 curves


def moved(job, settings: dict, kept) -> tuple[str, object] | None:
    """The "current" markers redrawn for the main view as it is now: ("shapes", a sweep's full shape list)
    or ("marker", (x, y) or None) for a map. `kept` is the MARKS store as the browser sent it back."""
    request = check_job(job)[0]
    if request.kind == "map" and kept == {"kind": "map"}:
        return "marker", current_cell(job, settings)
    if request.kind != "sweep" or not (isinstance(kept, dict) and kept.get("kind") == "sweep"):
        return None
    fixed = kept.get("fixed")
    if not (isinstance(fixed, list) and len(fixed) <= MAX_FIXED_SHAPES
            and all(isinstance(s, dict) and set(s) <= SHAPE_KEYS and s.get("type") == "rect" for s in fixed)):
        return None
    return "shapes", fixed + current_markers(current_etas(job, settings))
