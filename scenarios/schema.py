"""The trust boundary (DESIGN.md §6): what the browser sends, parsed once into typed, bounded values.

Every server callback of the page hands its raw inputs to a `parse_*` function here before it does
anything else. The settings themselves go through `scenarios.settings.load_settings` (the one schema of
links, files, the CLI and the store); this module adds the rest of what a request carries — the shape
of any JSON (nesting and size, checked without recursion), numbers that must not be booleans, clicks,
step indices, the drawn-figures key, and signed Live checkpoints. Parsers never raise: they return the
value, or None / a fallback plus one message that says what was wrong and names the limit.
"""

from __future__ import annotations

import math
import os
import re
from functools import cache

from itsdangerous import BadData, URLSafeSerializer

from optimizers import SpecError

from .budgets import MAX_DIM, MAX_JSON_DEPTH, MAX_JSON_NODES, MAX_LIVE_STEPS, MAX_PAGE_RUNS, MAX_TEXT_CHARS

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")  # plain decimal text: no 1_0, no 0x1, no nan


def short(value, n: int = 60) -> str:
    """repr of a hostile value, cut so a message never echoes 20 kB back."""
    text = repr(value)
    return text if len(text) <= n else text[: n - 1] + "…"


# ----------------------------------------------------------------------------- JSON shape
def json_problem(value, what: str = "the data", depth: int = MAX_JSON_DEPTH, nodes: int = MAX_JSON_NODES
                 ) -> str | None:
    """Why `value` is not small plain JSON (None: it is). Iterative, so a 10,000-level nesting is a
    message, not a RecursionError; a list longer than the node budget is refused before it is walked."""
    stack, seen = [(value, 1)], 0
    while stack:
        item, level = stack.pop()
        seen += 1
        if seen > nodes:
            return f"{what} holds more than MAX_JSON_NODES = {nodes:,} values"
        if isinstance(item, (list, tuple, dict)):
            if level > depth:
                return f"{what} is nested deeper than MAX_JSON_DEPTH = {depth}"
            if len(item) + seen > nodes:
                return f"{what} holds more than MAX_JSON_NODES = {nodes:,} values"
            if isinstance(item, dict):
                if not all(isinstance(k, str) for k in item):
                    return f"{what} has a key that is not text"
                stack.extend((v, level + 1) for v in item.values())
            else:
                stack.extend((v, level + 1) for v in item)
        elif not (item is None or isinstance(item, (bool, int, float, str))):
            return f"{what} holds a {type(item).__name__}, not JSON"
    return None


# ----------------------------------------------------------------------------- scalars
def is_number(value) -> bool:
    """A finite JSON number (booleans are not numbers)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number(value, what: str) -> float:
    """A finite number from a JSON number or plain decimal text; SpecError naming `what` otherwise."""
    if is_number(value):
        return float(value)
    if isinstance(value, bool):
        raise SpecError(f"{what}={value!r} is a boolean, not a number")
    if isinstance(value, str) and len(value) <= 64 and NUMBER.fullmatch(value.strip()):
        out = float(value.strip())
        if math.isfinite(out):
            return out
    raise SpecError(f"{what}={short(value)} is not a finite number")


def whole(value, what: str, lo: int, hi: int, cap_name: str = "") -> int:
    """A whole number in [lo, hi] ("118.9993" is not whole); SpecError naming `what` and the limit."""
    x = number(value, what)
    if not x.is_integer() or not lo <= x <= hi:
        limit = f" ({cap_name} = {hi:,})" if cap_name and x > hi else ""
        raise SpecError(f"{what}={short(value)} must be a whole number in [{lo}, {hi}]{limit}")
    return int(x)


def count(value, lo: int = 0, hi: int = 2**31 - 1, fallback: int = 0) -> int:
    """A counter the page keeps (REVISION, n_clicks): its value if it is a whole number in range, else `fallback`."""
    return int(value) if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi else fallback


def text(value, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """A string no longer than max_chars, else None."""
    return value if isinstance(value, str) and len(value) <= max_chars else None


def step_index(value, last: int) -> int | None:
    """A step index from a click or the playback store: a finite number rounded to the nearest whole
    step (the plots may report 118.9993), clamped into [0, last]. None for anything else."""
    if not is_number(value) or abs(value) > 1e12:
        return None
    return min(max(round(value), 0), max(last, 0))


def click_point(click) -> tuple[float, float] | None:
    """(x, y) of the first point of a Plotly clickData, both finite numbers; None for anything else."""
    if not isinstance(click, dict) or not isinstance(click.get("points"), list) or not click["points"]:
        return None
    point = click["points"][0]
    if not isinstance(point, dict) or not is_number(point.get("x")):
        return None
    y = point.get("y")
    return float(point["x"]), float(y) if is_number(y) else math.nan


# ----------------------------------------------------------------------------- the drawn-figures key
ROW_FIELDS = {"opt": int, "run": int, "label": str, "final_loss": float, "epochs": float, "steps_to_tol": int,
              "path_length": float, "u_turns": int, "diverged_at": int, "msg": str,
              "evals": float}  # evals: loss evaluations per update of a line search (armijo)


def _fits(value, kind) -> bool:
    if value is None:
        return kind is not str
    if kind is str:
        return isinstance(value, str) and len(value) <= 500
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**31
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_drawn(raw, n_specs: int) -> dict:
    """What the figures were last drawn for, or {} (= draw everything again) when the store does not
    hold exactly that. Nothing in it is trusted for more than deciding what to recompute: rows only fill
    the table, and a row that does not fit the schema makes the whole key unusable."""
    if not isinstance(raw, dict) or not raw or json_problem(raw, "drawn") is not None:
        return {}
    specs, rows = raw.get("specs"), raw.get("rows")
    if not (isinstance(raw.get("key"), list) and isinstance(raw.get("common"), list) and isinstance(specs, list)
            and all(isinstance(s, str) for s in specs) and isinstance(rows, list) and len(rows) <= MAX_PAGE_RUNS):
        return {}
    for row in rows:
        if not (isinstance(row, dict) and set(row) <= set(ROW_FIELDS) and {"opt", "run", "label"} <= set(row)
                and all(_fits(v, ROW_FIELDS[k]) for k, v in row.items())
                and all(row[k] is not None for k in ("opt", "run", "label")) and 0 <= row["opt"] < len(specs)):
            return {}
    return raw if len(specs) == n_specs else {}


# ----------------------------------------------------------------------------- Live checkpoints (signed)
@cache
def _process_secret() -> bytes:
    """DESCENT_LAB_SECRET (or SECRET_KEY) from the environment, else random bytes made once per process.
    Several gunicorn workers must share it: set DESCENT_LAB_SECRET, or start gunicorn with --preload."""
    configured = os.environ.get("DESCENT_LAB_SECRET") or os.environ.get("SECRET_KEY")
    return configured.encode() if configured else os.urandom(32)


def live_serializer(secret: bytes | str | None = None) -> URLSafeSerializer:
    return URLSafeSerializer(secret or _process_secret(), salt="descent-lab.live")


LIVE_FIELDS = ("step", "ckpt", "specs", "done", "problem", "starts")


def live_store(live: dict, serializer: URLSafeSerializer) -> dict:
    """The LIVE store for a running Live session: `on` in the clear, the rest — per optimizer its engine
    checkpoint and the spec of its last chunk, per run whether it is done, the step reached, and the
    problem and starts it was begun with — signed, so the browser can keep it but not change it."""
    return {"on": True, "token": serializer.dumps({k: live[k] for k in LIVE_FIELDS})}


def parse_live(raw, serializer: URLSafeSerializer, dim: int) -> tuple[dict | None, str]:
    """The Live state in the LIVE store, or (None, why; why is "" when Live is simply off). Only what this
    server signed is accepted; even then the step and the checkpoints' shapes are checked (a secret can
    leak, a bug can slip in), before any engine call."""
    if not isinstance(raw, dict) or raw.get("on") is not True:
        return None, ""
    token = raw.get("token")
    if not isinstance(token, str) or len(token) > 4_000_000:
        return None, "Live stopped: its checkpoint is missing — start Live again"
    try:
        body = serializer.loads(token)
    except BadData:
        return None, "Live stopped: its checkpoint was altered or comes from another server — start Live again"
    except Exception:  # signed, yet unreadable: treat it as forged
        return None, "Live stopped: its checkpoint could not be read — start Live again"
    problem = _live_problem(body, dim)
    if problem:
        return None, f"Live stopped: {problem} — start Live again"
    return {"on": True, **{k: body[k] for k in LIVE_FIELDS}}, ""


def _live_problem(body, dim: int) -> str:
    if not isinstance(body, dict) or json_problem(body, "the checkpoint", nodes=4 * MAX_JSON_NODES):
        return "the checkpoint is not a Live state"
    step, ckpt, specs, done, starts = (body.get(k) for k in ("step", "ckpt", "specs", "done", "starts"))
    if count(step, 0, MAX_LIVE_STEPS, -1) < 0:
        return f"checkpoint step {short(step)} is outside [0, MAX_LIVE_STEPS = {MAX_LIVE_STEPS:,}]"
    if count(starts, 1, MAX_PAGE_RUNS, -1) < 0 or not isinstance(body.get("problem"), str):
        return "the checkpoint does not say what it was started for"
    if not (isinstance(ckpt, list) and isinstance(specs, list) and len(ckpt) == len(specs) and ckpt
            and all(isinstance(s, str) for s in specs)):
        return "the checkpoint lists do not match"
    if not (isinstance(done, list) and len(done) == len(specs) * starts and all(isinstance(d, bool) for d in done)):
        return "the checkpoint's run list does not match"
    for i, c in enumerate(ckpt):
        if not (isinstance(c, dict) and c.get("step") == step and isinstance(c.get("state"), dict)):
            return f"checkpoint {i} is not at step {step}"
        params = c.get("params")
        if not (isinstance(params, list) and len(params) == starts
                and all(isinstance(p, list) and len(p) == dim <= MAX_DIM for p in params)
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for p in params for v in p)):
            return f"checkpoint {i} does not have {starts} × {dim} parameters"
        alive = [p for r, p in enumerate(params) if not done[i * starts + r]]
        if not all(math.isfinite(v) for p in alive for v in p):
            return f"checkpoint {i} has non-finite parameters for a run that has not diverged"
    return ""


__all__ = ["LIVE_FIELDS", "click_point", "count", "is_number", "json_problem", "live_serializer", "number",
           "live_store", "parse_drawn", "parse_live", "short", "step_index", "text", "whole"]
