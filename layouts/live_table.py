"""The comparison table in Live mode (D8): the normal table's numbers (layouts/metrics.py) for the steps done
so far, carried from chunk to chunk in a few numbers per run, so that a chunk needs only its own rows.

Per run: the last loss and epoch, the first step within TOLERANCE of the target, the path length and the
u-turn count over the finite rows, the divergence step, the last finite point and the last move (so the next
chunk's first move adds its length and u-turn), and a line search's loss evaluations (sum, count).
The numbers travel in the LIVE store, signed like the checkpoints (live.register_live).
"""

from __future__ import annotations

import numpy as np

from optimizers import Trajectory
from scenarios import schema

from . import figures, metrics

RUN_KEYS = ("loss", "epoch", "hit", "len", "turns", "div", "p", "d", "ev")


def start(trajs: list[Trajectory], target: float) -> dict:
    """The numbers of step 0 (trajectories of 0 steps, one per optimizer, R runs each)."""
    runs = []
    for t in trajs:
        for r in range(t.runs):
            p0 = t.params[0, r]
            runs.append({"loss": float(t.loss[0, r]), "epoch": float(t.epoch[0]),
                         "hit": metrics.steps_to(t.loss[:1, r], target), "len": 0.0, "turns": 0,
                         "div": 0 if t.diverged_at[r] == 0 else None,
                         "p": p0.tolist() if np.all(np.isfinite(p0)) else None, "d": None,
                         "ev": [0.0, 0] if t.evaluations is not None else None})
    return {"target": target, "runs": runs}


def extend(run: dict, t: Trajectory, r: int, step: int, target: float) -> dict:
    """Run r of the chunk t (resumed at `step`: its row k is step k + step) added to the numbers of `run`."""
    last = t.last_row(r)
    if last == 0:
        return run
    rows = t.params[1: last + 1, r]  # (K, D)
    rows = rows[np.all(np.isfinite(rows), axis=1)]
    points = rows if run["p"] is None else np.vstack([np.asarray(run["p"], dtype=float), rows])
    moves = np.diff(points, axis=0)  # (K', D)
    turns = metrics.u_turns(points)  # within the chunk, from the previous chunk's last point on
    if run["d"] is not None and len(moves):
        turns += int(np.dot(moves[0], np.asarray(run["d"], dtype=float)) < 0)
    hit = run["hit"]
    if hit is None:
        k = metrics.steps_to(t.loss[1: last + 1, r], target)
        hit = None if k is None else step + 1 + k
    ev = run["ev"]
    if ev is not None and t.evaluations is not None:
        ev = [ev[0] + float(t.evaluations[1: last + 1, r].sum()), ev[1] + last]
    return {"loss": float(t.loss[last, r]), "epoch": float(t.epoch[last]), "hit": hit,
            "len": run["len"] + metrics.path_length(points), "turns": run["turns"] + turns,
            "div": step + last if t.diverged_at[r] >= 0 else None,
            "p": points[-1].tolist() if len(points) else None,
            "d": moves[-1].tolist() if len(moves) else run["d"], "ev": ev}


def rows(table: dict, specs: list[str], starts: int) -> list[dict]:
    """The table's rows (as comparison.metric_rows gives them), runs named after their current specs."""
    out = []
    for j, run in enumerate(table["runs"]):
        i, r = divmod(j, starts)
        row = {"opt": i, "run": r, "label": figures.run_name(specs[i], None if starts == 1 else r),
               "final_loss": run["loss"], "epochs": run["epoch"], "steps_to_tol": run["hit"],
               "path_length": run["len"], "u_turns": run["turns"], "diverged_at": run["div"]}
        if run["ev"] is not None:
            row["evals"] = run["ev"][0] / run["ev"][1] if run["ev"][1] > 0 else None
        out.append(row)
    return out


def save(live: dict, serializer) -> dict:
    """The LIVE store: the signed checkpoint (scenarios.schema.live_store) and the comparison numbers, signed
    with the same serializer (display only, yet what comes back is only what this server wrote)."""
    store = schema.live_store(live, serializer)
    if live.get("table") is not None:
        store["table"] = serializer.dumps(live["table"])
    return store


def load(raw_live, serializer, n_runs: int, dim: int) -> dict | None:
    """The comparison numbers in the LIVE store, or None if missing, unsigned or not of these runs."""
    token = raw_live.get("table") if isinstance(raw_live, dict) else None
    if not isinstance(token, str) or len(token) > 4_000_000:
        return None
    try:
        body = serializer.loads(token)
    except Exception:  # altered, another server's, unreadable: the table says it is not kept up
        return None
    return parse(body, n_runs, dim)


def parse(body, n_runs: int, dim: int) -> dict | None:
    """The table as it came back in the LIVE store (already verified as signed by this server): its shape is
    checked anyway; None when it does not fit the runs."""
    if not (isinstance(body, dict) and isinstance(body.get("runs"), list) and len(body["runs"]) == n_runs
            and _number(body.get("target"))):
        return None
    for run in body["runs"]:
        if not (isinstance(run, dict) and tuple(run) == RUN_KEYS and _number(run["loss"]) and _number(run["epoch"])
                and _number(run["len"]) and _count(run["turns"]) and all(
                    run[k] is None or _count(run[k]) for k in ("hit", "div"))
                and all(run[k] is None or _point(run[k], dim) for k in ("p", "d"))
                and (run["ev"] is None or (isinstance(run["ev"], list) and len(run["ev"]) == 2
                                           and _number(run["ev"][0]) and _count(run["ev"][1])))):
            return None
    return body


def _number(v) -> bool:  # a loss may be inf or nan (a diverged run)
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _count(v) -> bool:
    return type(v) is int and v >= 0


def _point(v, dim: int) -> bool:
    return isinstance(v, list) and len(v) == dim and all(_number(x) for x in v)
