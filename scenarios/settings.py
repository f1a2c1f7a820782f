"""Settings: everything that defines a view, as one plain, JSON-able dict.

The page keeps its state as Settings, the URL and settings files encode them, scenarios are Settings
plus text, and exports render them. `load_settings` validates a dict two ways: `strict` raises
SpecError on the first bad value (CLI, uploaded files, the page's own store); lenient replaces each
missing, unknown or out-of-range value with its default and returns one notice per replacement (shared
links). Either way the page's budgets (scenarios/budgets.py) then clamp the cost, with a notice naming
the limit. This is the one schema of the trust boundary: nothing the browser sends reaches the engine
without passing it (scenarios/schema.py parses the rest of a request).

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

from analysis.request import check_analysis
from optimizers import CONVENTIONS, MAX_STEPS, SpecError, Trajectory, parse_batching, parse_spec, run_spec
from surfaces import PROBLEM_IDS, Problem, ProblemError, UnknownProblem, get_problem, make_problem, window_text

from .budgets import (
    MAX_DIM,
    MAX_OPTIMIZERS,
    MAX_PAGE_LOOP,
    MAX_PAGE_RUNS,
    MAX_PAGE_STARTS,
    MAX_PAGE_STEPS,
    MAX_PAGE_WORK,
    MAX_SETTINGS_BYTES,
    MAX_SPEC_CHARS,
)
from .schema import json_problem, number, short, whole
from .userdata import MAX_LINK_ROWS, canonical, data_key, data_problem_of, decode_data, encode_data, rows_of

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

# the view: what the figures show (DEFAULT_SETTINGS["view"] holds the two keys every view has)
VIEW_MODES = ("overlay", "side", "guess", "quiz")  # guess / quiz: the scenario panels
VIEW_PANELS = ("loss", "eta", "params", "fit", "lr", "state")  # panels a scenario points at
VIEW_X_AXES = ("step", "epoch")
MAX_VIEW_EXTRAS = 16  # other view keys, kept only as plain scalars (a newer page's options)


# a typed loss travels with problem "custom" (DESIGN.md §7), checked by surfaces/custom.py's parser
CUSTOM_KEYS = ("loss", "window")
DATA_KEYS = ("data",)  # problem "data": the CSV text (scenarios/userdata.py)


# η per problem for the lecture convention, where η = 1 (GD's default) diverges at once or stands still: each
# converges visibly within the default 300 steps from the problem's start. Columns: GD and QHM; momentum and
# NAG; Adam and the other adaptive methods (AdaDelta's η is a scale factor and keeps its 1).
PROBLEM_ETA = {
    "sigmoid-sparse": (0.2, 0.01, 0.1), "sigmoid-sparse-4d": (0.2, 0.05, 0.1), "bowl": (0.05, 0.05, 0.1),
    "ravine": (0.1, 0.02, 0.1), "saddle": (0.05, 0.01, 0.05), "rosenbrock": (0.002, 0.001, 0.5),
    "beale": (0.01, 0.005, 0.1), "himmelblau": (0.005, 0.002, 0.1), "rastrigin": (0.005, 0.005, 0.1),
    "plateau": (1.0, 0.1, 0.1),
}
ETA_COLUMN = {"gd": 0, "qhm": 0, "momentum": 1, "nag": 1, "adadelta": None}  # the rest: column 2


def problem_eta(spec: str, problem: str, convention: str = "lecture") -> str:
    """`spec` with η set to the problem's PROBLEM_ETA value (every other setting kept); unchanged for a
    problem or optimizer without one, a spec that does not parse, or the pytorch convention (torch's lr)."""
    try:
        opt = parse_spec(spec).optimizer.id
    except SpecError:
        return spec
    col = ETA_COLUMN.get(opt, 2)
    if convention != "lecture" or problem not in PROBLEM_ETA or col is None:
        return spec
    head, bar, rest = spec.partition("|")
    name, _, hps = head.partition(":")
    parts = [p for p in hps.split(",") if p.strip() and p.split("=")[0].strip() != "eta"]
    return f"{name}:{','.join([f'eta={PROBLEM_ETA[problem][col]:g}', *parts])}{bar}{rest}"


def defaults(problem: str | Problem | None = None) -> dict:
    out = copy.deepcopy(DEFAULT_SETTINGS)
    if isinstance(problem, Problem):
        out["problem"], out["start"] = problem.id, list(problem.start)
    elif problem and problem != out["problem"]:
        out["problem"] = problem
        out["start"] = list(get_problem(problem).start)
    out["optimizers"] = [problem_eta(spec, out["problem"]) for spec in out["optimizers"]]
    return out


def problem_of(settings: dict) -> Problem:
    """The problem a (validated) settings dict names: a built-in, or the typed loss it carries."""
    if settings["problem"] == "custom":
        return make_problem("custom", loss=settings["loss"], window=settings.get("window"))
    if settings["problem"] == "data":
        return data_problem_of(settings["data"])
    return get_problem(settings["problem"])


def problem_key(settings: dict) -> str:
    """Names the problem's loss: the id of a built-in, the typed loss and window, or the data's hash."""
    if settings["problem"] == "custom":
        return f"custom:{settings['loss']}|{settings.get('window')}"
    if settings["problem"] == "data":
        return data_key(settings["data"])
    return settings["problem"]


def _check_custom(data: dict) -> Problem:
    """problem "custom": its loss (required) and window (optional), parsed by the whitelist parser."""
    loss, window = data.get("loss"), data.get("window")
    if not isinstance(loss, str):
        raise SpecError("problem custom needs a loss: a text f(x, y)")
    if window is not None and not isinstance(window, str):
        if not (isinstance(window, list) and len(window) == 2 and all(isinstance(w, list) and len(w) == 2
                                                                     for w in window)):
            raise SpecError(f"window={short(window)} must be 'X0:X1,Y0:Y1' or [[x0, x1], [y0, y1]]")
        window = window_text([(number(lo, "window"), number(hi, "window")) for lo, hi in window])
    try:
        return make_problem("custom", loss=loss, window=window)
    except ProblemError as err:
        raise SpecError(str(err)) from None


def _check_problem(value) -> str:
    if not isinstance(value, str) or len(value) > 100:
        raise SpecError(f"problem={short(value)} is not a problem name (known: {', '.join(PROBLEM_IDS)})")
    if value in ("custom", "data"):
        return value  # its loss (or data) is checked with the other custom keys
    try:
        get_problem(value)
    except UnknownProblem as err:
        raise SpecError(str(err)) from None
    return value


def _check_optimizers(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise SpecError("optimizers must be a non-empty list of specs")
    if len(value) > MAX_OPTIMIZERS:
        raise SpecError(f"{len(value)} optimizers given: at most MAX_OPTIMIZERS = {MAX_OPTIMIZERS} at once")
    for i, v in enumerate(value):
        if not isinstance(v, str) or len(v) > MAX_SPEC_CHARS:
            raise SpecError(f"optimizer {i + 1} = {short(v)} is not a spec (text of at most "
                            f"MAX_SPEC_CHARS = {MAX_SPEC_CHARS} characters)")
    return [parse_spec(v).text for v in value]


def _check_steps(value, cap: int) -> int:
    return whole(value, "steps", 0, cap, "MAX_PAGE_STEPS" if cap == MAX_PAGE_STEPS else "MAX_STEPS")


def _check_starts(value) -> int:
    return whole(value, "starts", 1, MAX_PAGE_STARTS, "MAX_PAGE_STARTS")


def _check_seed(value) -> int:
    return whole(value, "seed", 0, 2**32 - 1)


def _check_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = value.strip().lower() if isinstance(value, str) and len(value) <= 10 else None
    if word in ("true", "1", "on", "yes"):
        return True
    if word in ("false", "0", "off", "no"):
        return False
    raise SpecError(f"{short(value)} is not true/false")


def _check_convention(value) -> str:
    if not isinstance(value, str) or value not in CONVENTIONS:
        raise SpecError(f"convention={short(value)} (use lecture or pytorch)")
    return value


def check_start(value, problem: str | Problem) -> list[float]:
    prob = problem if isinstance(problem, Problem) else get_problem(problem)
    if isinstance(value, str):
        value = [v for v in value[:2000].split(",") if v.strip()] if len(value) <= 2000 else None
    if not isinstance(value, (list, tuple)) or len(value) > MAX_DIM:
        raise SpecError(f"start={short(value)} is not a list of numbers")
    point = [number(v, "start") for v in value]
    if len(point) != prob.dim:
        raise SpecError(f"start needs {prob.dim} coordinates ({', '.join(prob.param_names)}), "
                        f"got {len(point)}")
    if not prob.in_window(point):
        window = " × ".join(f"[{lo:g}, {hi:g}]" for lo, hi in prob.window)
        raise SpecError(f"start {tuple(point)} is outside the view window {window}")
    return point


def _view_extra(key: str, value) -> bool:
    """A view option this schema does not know is kept only as a plain scalar."""
    if isinstance(value, str):
        return len(value) <= 100
    return value is None or isinstance(value, bool) or (isinstance(value, (int, float)) and np.isfinite(value))


def _check_analysis(raw, problem_id: str) -> dict:
    """The analysis lab's view (sweep, map or basin): checked and budgeted by analysis/request.py."""
    return check_analysis(raw, problem_id if isinstance(problem_id, Problem) else get_problem(problem_id)).as_dict()


def _check_quiz(quiz) -> dict:
    ok = (isinstance(quiz, dict) and set(quiz) == {"answer", "choices"} and isinstance(quiz["choices"], list)
          and 2 <= len(quiz["choices"]) <= 6 and quiz["answer"] in quiz["choices"]
          and all(isinstance(c, str) and c in PROBLEM_IDS for c in quiz["choices"]))
    if not ok:
        raise SpecError(f"quiz={short(quiz)} must be {{answer, choices}} naming 2–6 problems")
    return {"answer": quiz["answer"], "choices": list(quiz["choices"])}


def check_view(view: dict, problem_id: str) -> tuple[dict, list[str]]:
    """The view with its keys typed: dims (two different parameter indices), mode (one of VIEW_MODES),
    panels, x_axis, lookahead, quiz; missing dims / mode are filled in. A bad value is replaced by the
    default (or dropped) and named in the returned problems (a bad dims would break the page's render)."""
    out, problems = {**DEFAULT_SETTINGS["view"], **view}, []
    dim = max((problem_id if isinstance(problem_id, Problem) else get_problem(problem_id)).dim, 2)
    dims = out.get("dims", [0, 1])
    if not (isinstance(dims, list) and len(dims) == 2 and all(type(d) is int and 0 <= d < dim for d in dims)
            and dims[0] != dims[1]):
        problems.append(f"view: dims={short(dims)} must be two different parameter indices below {dim}")
        out["dims"] = [0, 1]
    if not isinstance(out["mode"], str) or out["mode"] not in VIEW_MODES:
        problems.append(f"view: mode={short(out['mode'])} is not one of {', '.join(VIEW_MODES)}")
        out["mode"] = "overlay"
    typed = {"panels": lambda v: isinstance(v, list) and len(v) <= len(VIEW_PANELS)
             and all(isinstance(p, str) and p in VIEW_PANELS for p in v),
             "x_axis": lambda v: isinstance(v, str) and v in VIEW_X_AXES,
             "lookahead": lambda v: isinstance(v, bool)}
    extras = 0
    for key in [k for k in out if k not in ("dims", "mode")]:
        value = out[key]
        if key in ("quiz", "analysis"):
            try:
                out[key] = _check_quiz(value) if key == "quiz" else _check_analysis(value, problem_id)
            except SpecError as err:
                problems.append(f"view: {err}")
                del out[key]
            continue
        if key in typed:
            good = typed[key](value)
        else:
            extras += 1
            good = extras <= MAX_VIEW_EXTRAS and len(key) <= 40 and _view_extra(key, value)
        if not good:
            problems.append(f"view: {key}={short(value)} is not a valid view option")
            del out[key]
    return out, problems


def over_budget(settings: dict) -> tuple[dict, list[str]]:
    """The settings clamped to the page's budgets, and one notice per clamp naming the limit. Runs drawn
    at once (optimizers × starts ≤ MAX_PAGE_RUNS) go first, then steps, so that runs × (steps + 1) ≤
    MAX_PAGE_WORK and optimizers × steps ≤ MAX_PAGE_LOOP: the cost of a request is known before it runs."""
    out, notices = dict(settings), []
    n = len(out["optimizers"])
    if n * out["starts"] > MAX_PAGE_RUNS:
        starts = max(1, MAX_PAGE_RUNS // n)
        notices.append(f"{n} optimizers × {out['starts']} starts is over MAX_PAGE_RUNS = {MAX_PAGE_RUNS:,} runs "
                       f"— using {starts} starts")
        out["starts"] = starts
    runs = n * out["starts"]
    cap = min((MAX_PAGE_WORK // runs) - 1, MAX_PAGE_LOOP // n)
    if out["steps"] > cap:
        name = "MAX_PAGE_WORK" if (MAX_PAGE_WORK // runs) - 1 <= MAX_PAGE_LOOP // n else "MAX_PAGE_LOOP"
        what = (f"{runs:,} runs × {out['steps'] + 1:,} steps is over MAX_PAGE_WORK = {MAX_PAGE_WORK:,}"
                if name == "MAX_PAGE_WORK" else
                f"{n} optimizers × {out['steps']:,} steps is over MAX_PAGE_LOOP = {MAX_PAGE_LOOP:,}")
        notices.append(f"{what} — using {cap:,} steps")
        out["steps"] = cap
    return out, notices


def load_settings(data: dict | str, strict: bool = True, step_cap: int = MAX_PAGE_STEPS,
                  budget: bool | None = None) -> tuple[dict, list[str]]:
    """Validated settings + notices. strict: raise SpecError on the first bad value (lenient: the default
    and a notice). `budget` (default: whenever step_cap is the page's) clamps the cost to the page's budgets
    with a notice in both modes — an over-budget link or file still opens, smaller, and says so."""
    if isinstance(data, str):
        if len(data) > MAX_SETTINGS_BYTES or len(data.encode()) > MAX_SETTINGS_BYTES:
            raise SpecError(f"settings are larger than MAX_SETTINGS_BYTES = {MAX_SETTINGS_BYTES // 1000} kB")
        try:
            data = json.loads(data)
        except json.JSONDecodeError as err:
            raise SpecError(f"settings are not valid JSON: {err.msg} (line {err.lineno})") from None
        except RecursionError:
            raise SpecError("settings are nested too deeply") from None
    if not isinstance(data, dict):
        raise SpecError("settings must be a JSON object")
    shape = json_problem(data, "settings")
    if shape:
        raise SpecError(shape)
    notices: list[str] = []
    unknown = sorted(set(data) - set(DEFAULT_SETTINGS) - set(CUSTOM_KEYS) - set(DATA_KEYS))
    if unknown:
        if strict:
            raise SpecError(f"unknown setting {short(unknown[0])}")
        notices.append(f"ignored unknown setting(s): {short(', '.join(unknown), 200)}")

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
    custom = None
    if problem == "custom":
        custom = take("problem", lambda _: _check_custom(data), None)
        if custom is None:  # lenient: the typed loss was bad, so show the default problem
            problem = DEFAULT_SETTINGS["problem"]
    elif problem == "data":
        text = take("data", canonical, None) if "data" in data else None
        if text is None and "data" not in data:
            if strict:
                raise SpecError("problem data needs its data: CSV text with columns x (or x1..x4) and y")
            notices.append("problem data: the data is not included — using the default problem")
        custom = data_problem_of(text) if text is not None else None
        if custom is None:
            problem = DEFAULT_SETTINGS["problem"]
    if data.get("problem") != "custom" and any(key in data for key in CUSTOM_KEYS):
        if strict:
            raise SpecError(f"loss and window go with problem custom, not {problem!r}")
        notices.append(f"ignored loss/window: they go with problem custom, not {problem!r}")
    if "data" in data and data.get("problem") != "data":
        if strict:
            raise SpecError(f"data goes with problem data, not {problem!r}")
        notices.append(f"ignored data: it goes with problem data, not {problem!r}")
    base = defaults(custom or problem)
    out = {
        "problem": problem,
        "optimizers": take("optimizers", _check_optimizers, base["optimizers"]),
        "start": take("start", lambda v: check_start(v, custom or problem), base["start"]),
        "starts": take("starts", _check_starts, base["starts"]),
        "steps": take("steps", lambda v: _check_steps(v, step_cap), base["steps"]),
        "shuffle": take("shuffle", _check_bool, base["shuffle"]),
        "seed": take("seed", _check_seed, base["seed"]),
        "convention": take("convention", _check_convention, base["convention"]),
        "view": take("view", lambda v: dict(v) if isinstance(v, dict) else _bad_view(v), base["view"]),
    }
    if problem == "custom":
        out["loss"], out["window"] = custom.text, window_text(custom.window)
    elif problem == "data":
        out["data"] = text
    out["view"], problems = check_view(out["view"], custom or problem)
    if problems and strict:
        raise SpecError(problems[0])
    notices += [f"{p} — using the default" for p in problems]
    if budget if budget is not None else step_cap <= MAX_PAGE_STEPS:
        out, clamped = over_budget(out)
        notices += clamped
    return out, notices


def parse_settings(raw) -> tuple[dict | None, list[str]]:
    """The settings as the browser sent them (the page's SETTINGS store) → (settings, notices of any budget
    clamp), or (None, [what was wrong]). Strict: the store is written by the server, so anything off in it
    is refused whole, and the caller keeps the user's view. Never raises."""
    try:
        return load_settings(raw, strict=True)
    except SpecError as err:
        return None, [f"These settings were refused: {err}. The view is kept."]


def _bad_view(value):
    raise SpecError(f"view={short(value)} is not an object")


# ----------------------------------------------------------------------------- URL
def to_query(settings: dict) -> str:
    """Settings as a URL query string (?problem=…&opt=…&opt=…&start=…)."""
    pairs = [("problem", settings["problem"])]
    pairs += [(key, settings[key]) for key in CUSTOM_KEYS if key in settings]
    if "data" in settings:  # a small data set travels compressed; a larger one is left out, and said so
        packed = encode_data(settings["data"])
        pairs.append(("data", packed) if packed else ("nodata", rows_of(settings["data"])))
    pairs += [("opt", spec) for spec in settings["optimizers"]]
    pairs += [("start", ",".join(repr(float(v)).removesuffix(".0") for v in settings["start"])),  # exact
              ("starts", settings["starts"]), ("steps", settings["steps"]),
              ("shuffle", str(settings["shuffle"]).lower()), ("seed", settings["seed"]),
              ("convention", settings["convention"])]
    view = settings.get("view") or {}
    if view:
        pairs.append(("view", json.dumps(view, separators=(",", ":"))))
    return "?" + urlencode(pairs)


def from_query(query: str) -> tuple[dict, list[str]]:
    """Lenient: anything missing or bad falls back to its default with a notice."""
    data: dict = {}
    notices: list[str] = []
    query = query if isinstance(query, str) else ""
    if len(query) > MAX_SETTINGS_BYTES:
        notices.append(f"the link is longer than MAX_SETTINGS_BYTES = {MAX_SETTINGS_BYTES:,} characters — "
                       "showing the default view")
        query = ""
    try:
        raw = parse_qs(query.lstrip("?"), keep_blank_values=True, max_num_fields=4 * MAX_OPTIMIZERS + 40)
    except ValueError:
        notices.append("the link has too many parameters — showing the default view")
        raw = {}
    names = {"problem": "problem", "start": "start", "starts": "starts", "steps": "steps", "shuffle": "shuffle",
             "seed": "seed", "convention": "convention", "loss": "loss", "window": "window"}
    for key, values in raw.items():
        if key == "opt":
            data["optimizers"] = values
        elif key == "view":
            try:
                data["view"] = json.loads(values[-1])
            except (json.JSONDecodeError, RecursionError):
                notices.append("view: not readable — using the default")
        elif key == "data":
            try:
                data["data"] = decode_data(values[-1])
            except SpecError as err:
                notices.append(f"data: {err}")
        elif key == "nodata":
            rows = values[-1] if values[-1].isdigit() and len(values[-1]) < 7 else "your"
            notices.append(f"this link does not include its data ({rows} rows; links carry at most "
                           f"MAX_LINK_ROWS = {MAX_LINK_ROWS}): load the settings file that holds them")
        elif key in names:
            data[names[key]] = values[-1]
        else:
            notices.append(f"ignored unknown link parameter {key!r}")
    settings, more = load_settings(data, strict=False)
    return settings, notices + more


# ----------------------------------------------------------------------------- running
def start_points(settings: dict) -> np.ndarray:
    """(R, D): the start, then starts − 1 seeded random points inside the view window."""
    problem = problem_of(settings)
    start = np.array([settings["start"]], dtype=float)
    extra = settings.get("starts", 1) - 1
    if extra > 0:
        start = np.vstack([start, problem.random_starts(extra, seed=settings["seed"])])
    return start


def simulate(settings: dict, **kwargs) -> list[Trajectory]:
    """Run every optimizer of the settings from their start(s) (one engine call each)."""
    problem = problem_of(settings)
    start = start_points(settings)
    batching = parse_batching("full", shuffle=settings["shuffle"], seed=settings["seed"])
    return [run_spec(problem, spec, start, settings["steps"], convention=settings["convention"],
                     batching=batching, **kwargs) for spec in settings["optimizers"]]


__all__ = ["DEFAULT_SETTINGS", "MAX_OPTIMIZERS", "MAX_PAGE_STARTS", "MAX_PAGE_STEPS", "MAX_SETTINGS_BYTES",
           "MAX_STEPS", "PROBLEM_IDS", "check_start", "defaults", "from_query", "load_settings", "over_budget",
           "parse_settings", "problem_key", "problem_of", "simulate", "start_points", "to_query"]
