"""Settings: everything that defines a view, as one plain, JSON-able dict.

The page keeps its state as Settings, the URL and settings files encode them, scenarios are Settings
plus text, and exports render them. `load_settings` validates a dict two ways: `strict` raises
SpecError on the first bad value (CLI, uploaded files); lenient replaces each missing, unknown or
out-of-range value with its default and returns one notice per replacement (shared links).

    {"problem": "sigmoid-2pt",
     "optimizers": ["gd", "momentum:eta=1,gamma=0.9", "adam|schedule=cosine"],
     "start": [-2.0, -2.0], "starts": 1, "steps": 100, "shuffle": false, "seed": 0,
     "convention": "lecture", "view": {...free-form view options...}}
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

import numpy as np

from optimizers import CONVENTIONS, SpecError, Trajectory, parse_batching, parse_spec, run_spec
from surfaces import PROBLEM_IDS, UnknownProblem, get_problem

MAX_OPTIMIZERS = 12
MAX_PAGE_STEPS = 5_000  # the page's cap (the CLI allows MAX_STEPS)
MAX_SETTINGS_BYTES = 64_000
MAX_PAGE_STARTS = 100

DEFAULT_SETTINGS: dict = {
    "problem": "sigmoid-2pt",
    "optimizers": ["gd:eta=1", "momentum:eta=1,gamma=0.9", "adam:eta=0.1"],
    "start": [-2.0, -2.0],
    "starts": 1,  # runs per optimizer: the start, then starts − 1 seeded random points in the window
    "steps": 300,
    "shuffle": False,
    "seed": 0,
    "convention": "lecture",
    "view": {"mode": "overlay", "dims": [0, 1]},  # mode: overlay | side (one panel per optimizer)
}


def defaults(problem: str | None = None) -> dict:
    out = copy.deepcopy(DEFAULT_SETTINGS)
    if problem and problem != out["problem"]:
        out["problem"] = problem
        out["start"] = list(get_problem(problem).start)
    return out


def _check_problem(value) -> str:
    try:
        get_problem(str(value))
    except UnknownProblem as err:
        raise SpecError(str(err)) from None
    return str(value)


def _check_optimizers(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise SpecError("optimizers must be a non-empty list of specs")
    if len(value) > MAX_OPTIMIZERS:
        raise SpecError(f"at most {MAX_OPTIMIZERS} optimizers at once ({len(value)} given)")
    return [parse_spec(str(v)).text for v in value]


def _whole(name: str, value, lo: int, hi: int) -> int:
    """A whole number in [lo, hi] from user input, or SpecError naming `name`."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SpecError(f"{name}={value!r} is not a number") from None
    if not number.is_integer() or not lo <= number <= hi:
        raise SpecError(f"{name}={value!r} must be a whole number in [{lo}, {hi}]")
    return int(number)


def _check_steps(value, cap: int) -> int:
    return _whole("steps", value, 0, cap)


def _check_starts(value) -> int:
    return _whole("starts", value, 1, MAX_PAGE_STARTS)


def _check_seed(value) -> int:
    try:
        seed = int(value)
    except (TypeError, ValueError):
        raise SpecError(f"seed={value!r} is not a whole number") from None
    if not 0 <= seed < 2**32:
        raise SpecError(f"seed={seed} must be in [0, 2^32)")
    return seed


def _check_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("true", "1", "on", "yes"):
        return True
    if text in ("false", "0", "off", "no"):
        return False
    raise SpecError(f"{value!r} is not true/false")


def _check_convention(value) -> str:
    if value not in CONVENTIONS:
        raise SpecError(f"convention={value!r} (use lecture or pytorch)")
    return value


def check_start(value, problem: str) -> list[float]:
    prob = get_problem(problem)
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    try:
        point = [float(v) for v in value]
    except (TypeError, ValueError):
        raise SpecError(f"start={value!r} is not a list of numbers") from None
    if len(point) != prob.dim:
        raise SpecError(f"start needs {prob.dim} coordinates ({', '.join(prob.param_names)}), "
                        f"got {len(point)}")
    if not prob.in_window(point):
        window = " × ".join(f"[{lo:g}, {hi:g}]" for lo, hi in prob.window)
        raise SpecError(f"start {tuple(point)} is outside the view window {window}")
    return point


def check_view(view: dict, problem_id: str) -> tuple[dict, list[str]]:
    """The free-form view with its two structural keys present and safe: dims (two different parameter
    indices) and mode (a string). Missing ones are filled in; bad ones are replaced by the default and
    named in the returned problems (a bad dims would otherwise break the page's render)."""
    out, problems = {**DEFAULT_SETTINGS["view"], **view}, []
    dim = max(get_problem(problem_id).dim, 2)
    dims = out.get("dims", [0, 1])
    if not (isinstance(dims, list) and len(dims) == 2 and all(type(d) is int and 0 <= d < dim for d in dims)
            and dims[0] != dims[1]):
        problems.append(f"view: dims={dims!r} must be two different parameter indices below {dim}")
        out["dims"] = [0, 1]
    if not isinstance(out.get("mode", "overlay"), str):
        problems.append(f"view: mode={out['mode']!r} is not a name")
        out["mode"] = "overlay"
    return out, problems


def load_settings(data: dict | str, strict: bool = True, step_cap: int = MAX_PAGE_STEPS
                  ) -> tuple[dict, list[str]]:
    """Validated settings + notices. strict: raise SpecError on the first bad value."""
    if isinstance(data, str):
        if len(data.encode()) > MAX_SETTINGS_BYTES:
            raise SpecError(f"settings file is larger than {MAX_SETTINGS_BYTES // 1000} kB")
        try:
            data = json.loads(data)
        except json.JSONDecodeError as err:
            raise SpecError(f"settings are not valid JSON: {err.msg} (line {err.lineno})") from None
    if not isinstance(data, dict):
        raise SpecError("settings must be a JSON object")
    notices: list[str] = []
    unknown = sorted(set(data) - set(DEFAULT_SETTINGS))
    if unknown:
        if strict:
            raise SpecError(f"unknown setting {unknown[0]!r}")
        notices.append(f"ignored unknown setting(s): {', '.join(unknown)}")

    def take(key: str, check: Callable, fallback):
        if key not in data:
            return fallback
        try:
            return check(data[key])
        except SpecError as err:
            if strict:
                raise SpecError(f"{key}: {err}") from None
            notices.append(f"{key}: {err} — using the default")
            return fallback

    problem = take("problem", _check_problem, DEFAULT_SETTINGS["problem"])
    base = defaults(problem)
    out = {
        "problem": problem,
        "optimizers": take("optimizers", _check_optimizers, base["optimizers"]),
        "start": take("start", lambda v: check_start(v, problem), base["start"]),
        "starts": take("starts", _check_starts, base["starts"]),
        "steps": take("steps", lambda v: _check_steps(v, step_cap), base["steps"]),
        "shuffle": take("shuffle", _check_bool, base["shuffle"]),
        "seed": take("seed", _check_seed, base["seed"]),
        "convention": take("convention", _check_convention, base["convention"]),
        "view": take("view", lambda v: dict(v) if isinstance(v, dict) else _bad_view(v), base["view"]),
    }
    out["view"], problems = check_view(out["view"], problem)
    if problems and strict:
        raise SpecError(problems[0])
    notices += [f"{p} — using the default" for p in problems]
    return out, notices


def _bad_view(value):
    raise SpecError(f"view={value!r} is not an object")


# ----------------------------------------------------------------------------- URL
def to_query(settings: dict) -> str:
    """Settings as a URL query string (?problem=…&opt=…&opt=…&start=…)."""
    pairs = [("problem", settings["problem"])]
    pairs += [("opt", spec) for spec in settings["optimizers"]]
    pairs += [("start", ",".join(f"{v:.12g}" for v in settings["start"])),
              ("starts", settings["starts"]), ("steps", settings["steps"]),
              ("shuffle", str(settings["shuffle"]).lower()), ("seed", settings["seed"]),
              ("convention", settings["convention"])]
    view = settings.get("view") or {}
    if view:
        pairs.append(("view", json.dumps(view, separators=(",", ":"))))
    return "?" + urlencode(pairs)


def from_query(query: str) -> tuple[dict, list[str]]:
    """Lenient: anything missing or bad falls back to its default with a notice."""
    raw = parse_qs((query or "").lstrip("?"), keep_blank_values=True)
    data: dict = {}
    notices: list[str] = []
    names = {"problem": "problem", "start": "start", "starts": "starts", "steps": "steps", "shuffle": "shuffle",
             "seed": "seed", "convention": "convention"}
    for key, values in raw.items():
        if key == "opt":
            data["optimizers"] = values
        elif key == "view":
            try:
                data["view"] = json.loads(values[-1])
            except json.JSONDecodeError:
                notices.append("view: not readable — using the default")
        elif key in names:
            data[names[key]] = values[-1]
        else:
            notices.append(f"ignored unknown link parameter {key!r}")
    settings, more = load_settings(data, strict=False)
    return settings, notices + more


# ----------------------------------------------------------------------------- running
def start_points(settings: dict) -> np.ndarray:
    """(R, D): the start, then starts − 1 seeded random points inside the view window."""
    problem = get_problem(settings["problem"])
    start = np.array([settings["start"]], dtype=float)
    extra = settings.get("starts", 1) - 1
    if extra > 0:
        start = np.vstack([start, problem.random_starts(extra, seed=settings["seed"])])
    return start


def simulate(settings: dict, **kwargs) -> list[Trajectory]:
    """Run every optimizer of the settings from their start(s) (one engine call each)."""
    problem = get_problem(settings["problem"])
    start = start_points(settings)
    batching = parse_batching("full", shuffle=settings["shuffle"], seed=settings["seed"])
    return [run_spec(problem, spec, start, settings["steps"], convention=settings["convention"],
                     batching=batching, **kwargs) for spec in settings["optimizers"]]


__all__ = ["DEFAULT_SETTINGS", "MAX_OPTIMIZERS", "MAX_PAGE_STARTS", "MAX_PAGE_STEPS", "PROBLEM_IDS",
           "check_start", "defaults", "from_query", "load_settings", "simulate", "start_points", "to_query"]
