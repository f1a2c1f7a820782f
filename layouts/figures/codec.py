"""The trajectory payload: what the server sends the browser of each run, and its codec (mirrors
assets/descent.js).

Trajectories travel to the browser once, as a compact *payload* (`payload()`): per run the kept step
indices `k` and, at those steps, the parameters `p`, `loss`, `eta` and, for adaptive methods, the
effective per-parameter learning rate `lr`, rounded to 5 significant digits. Steps that would not move
anything on screen (sub-pixel moves, loss/η changes below 0.5 %) are dropped ("send only what is drawn");
playback shows the last kept step at or before the current one, which looks the same.
"""

from __future__ import annotations

import base64
import math

import numpy as np

from optimizers import Trajectory
from surfaces import Problem

from .. import theme
from .grids import as_problem
from .names import run_name
from .numbers import SIG, log10, rounded

MOVE_TOL = 1 / 1500  # of the window span: below a pixel on any screen
LOG_TOL = 1 / 800  # of the decades a log-scaled series spans (at least one decade)


# ----------------------------------------------------------------------------- payload
def keep_rows(traj: Trajectory, r: int, spans: np.ndarray, decimate: bool = True) -> np.ndarray:
    """Indices of the rows worth drawing for run r: the start, the last row and every row that moves a
    parameter by more than MOVE_TOL of the window, or the log of loss/η/lr by more than LOG_TOL of the
    decades that series spans (the y axes of those plots are logarithmic)."""
    last = traj.last_row(r)
    if not decimate or last < 2:
        return np.arange(last + 1)
    loss = traj.loss[: last + 1, r, None]
    cols = [traj.params[: last + 1, r] / (spans * MOVE_TOL),
            _log_scaled(loss) if _positive(loss) else _lin_scaled(loss), _log_scaled(traj.eta[: last + 1, r, None])]
    if traj.lr is not None:
        cols.append(_log_scaled(traj.lr[: last + 1, r]))
    F = np.nan_to_num(np.concatenate(cols, axis=1), nan=1e9).tolist()  # (K, m), threshold 1
    keep, ref = [0], F[0]
    for k in range(1, last):
        row = F[k]
        if max(abs(a - b) for a, b in zip(row, ref, strict=True)) > 1:
            keep.append(k)
            ref = row
    keep.append(last)
    return np.array(keep)


def _positive(a: np.ndarray) -> bool:
    """Every finite value above 0: a log scale shows them all (else the loss is sent and drawn linear)."""
    finite = a[np.isfinite(a)]
    return bool(finite.size == 0 or finite.min() > 0)


def _lin_scaled(a: np.ndarray) -> np.ndarray:
    """(K, m) values in units of LOG_TOL of the range the block spans (a loss that goes below 0)."""
    finite = a[np.isfinite(a)]
    span = float(finite.max() - finite.min()) if finite.size else 0.0
    return a / ((span or 1.0) * LOG_TOL)


def _log_scaled(a: np.ndarray) -> np.ndarray:
    """(K, m) log10 values in units of LOG_TOL of the decades the whole block spans."""
    logs = log10(a)
    finite = logs[np.isfinite(logs)]
    span = max(float(finite.max() - finite.min()), 1.0) if finite.size else 1.0
    return logs / (span * LOG_TOL)


def run_rows(traj: Trajectory, r: int, rows: np.ndarray, offset: int = 0, spans=None) -> dict:
    """One packed block of run r at `rows` (step numbers shifted by `offset`, for Live chunks)."""
    out = {"n": int(len(rows)), "k": pack(rows + offset, "int"),
           "p": [pack(traj.params[rows, r, d], "lin", None if spans is None else spans[d])
                 for d in range(traj.params.shape[2])],
           "loss": pack(traj.loss[rows, r], "log" if _positive(traj.loss[: traj.last_row(r) + 1, r]) else "lin"),
           "eta": pack(traj.eta[rows, r], "log")}
    if traj.lr is not None and _adaptive(traj):
        out["lr"] = [pack(traj.lr[rows, r, d], "log") for d in range(traj.lr.shape[2])]
    return out


# ----------------------------------------------------------------------------- codec (mirrors descent.js)
Q = 65534  # uint16 levels; 65535 marks a missing value (NaN, or ≤ 0 on a log scale)


def pack(values, how: str, span: float | None = None) -> dict:
    """A series in few bytes. how: int (steps), lin (parameters), log (loss, η, lr: log10 is sent).

    Constant series -> {"c": v}; consecutive steps -> {"r0": k0}; else uint16 levels between lo and hi
    ({"lo", "hi", "q": base64}), or float32 ({"f4": base64}) for parameters that left the window far
    behind (a diverging run) where 65534 levels would blur the path inside the window."""
    a = np.asarray(values, dtype=float)
    if how == "int" and a.size and np.array_equal(a, a[0] + np.arange(a.size)):
        return {"r0": int(a[0])}
    if how == "log":
        a = log10(a)
    finite = a[np.isfinite(a)]
    if finite.size == a.size and (a.size == 0 or finite.min() == finite.max()):
        return {"c": float(f"{finite[0]:.{SIG}g}") if a.size else 0.0, "log": how == "log"}
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if how == "lin" and span is not None and hi - lo > 20 * span:
        return {"f4": base64.b64encode(a.astype("<f4").tobytes()).decode()}
    hi = hi if hi > lo else lo + 1.0
    q = np.where(np.isfinite(a), np.round((np.nan_to_num(a, nan=lo) - lo) / (hi - lo) * Q), Q + 1)
    return {"lo": lo, "hi": hi, "q": base64.b64encode(q.astype("<u2").tobytes()).decode(), "log": how == "log"}


def unpack(block: dict, n: int) -> list:
    """Inverse of pack (None where a value is missing)."""
    if "r0" in block:
        return list(range(block["r0"], block["r0"] + n))
    if "c" in block:
        vals = np.full(n, block["c"], dtype=float)
    elif "f4" in block:
        vals = np.frombuffer(base64.b64decode(block["f4"]), dtype="<f4").astype(float)
    else:
        q = np.frombuffer(base64.b64decode(block["q"]), dtype="<u2").astype(float)
        vals = np.where(q > Q, np.nan, block["lo"] + q / Q * (block["hi"] - block["lo"]))
    if block.get("log"):
        vals = 10.0 ** vals
    return [float(v) if math.isfinite(v) else None for v in vals]


def decode_run(run: dict) -> dict:
    """A run's blocks as plain lists: k, p (per parameter), loss, eta, lr (per parameter, if sent)."""
    out: dict = {"k": [], "loss": [], "eta": [], "p": None, "lr": None}
    for b in run["blocks"]:
        n = b["n"]
        for key in ("k", "loss", "eta"):
            out[key] += unpack(b[key], n)
        for key in ("p", "lr"):
            if key in b:
                parts = [unpack(x, n) for x in b[key]]
                out[key] = parts if out[key] is None else [a + c for a, c in zip(out[key], parts, strict=True)]
    if out["lr"] is None:
        del out["lr"]
    out["e"] = [round(k) / run.get("upe", 1) for k in out["k"]]  # the epoch of each kept step (whole steps: D3)
    return out


def _adaptive(traj: Trajectory) -> bool:
    from optimizers import OPTIMIZERS
    return bool(OPTIMIZERS[traj.optimizer].adaptive)


def run_payload(traj: Trajectory, r: int, opt: int, spans: np.ndarray, decimate: bool = True) -> dict:
    rows = keep_rows(traj, r, spans, decimate)
    label = run_name(traj.label, None if traj.runs == 1 else r)
    return {"opt": opt, "r": r, "label": label, "spec": traj.label, "color": theme.color(opt), "upe": per_epoch(traj),
            "div": int(traj.diverged_at[r]), "msg": traj.divergence_message(r), "changes": [],
            "lr": traj.lr is not None and _adaptive(traj), "blocks": [run_rows(traj, r, rows, spans=spans)],
            "cloud": traj.runs > 1}  # one of several starts: drawn thin, with its end point


def per_epoch(traj: Trajectory) -> int:
    """Updates per epoch of a run (1 for full batch, N for stochastic, ⌈N/K⌉ for mini-batches of K): its
    trajectory's epoch column counts up by 1 / per_epoch a row."""
    return max(1, round(1 / (traj.epoch[1] - traj.epoch[0]))) if len(traj.epoch) > 1 else 1


def payload(trajs: list[Trajectory], problem_id: str | Problem, dims=(0, 1), decimate: bool = True) -> dict:
    """Everything the browser needs to draw and play the trajectories."""
    problem = as_problem(problem_id)
    spans = np.array([hi - lo for lo, hi in problem.window], dtype=float)
    runs = [run_payload(t, r, i, spans, decimate) for i, t in enumerate(trajs) for r in range(t.runs)]
    out = {"runs": runs, "names": list(problem.param_names), "dims": [int(d) for d in dims][: problem.dim],
           "log": bool(problem.log_color), "data": fit_data(problem)}
    return out


def fit_data(problem) -> dict | None:
    """Data points for the model-fit panel of sigmoid problems (None for analytic surfaces)."""
    X = getattr(problem, "X", None)
    if X is None:
        return None
    if X.shape[1] == 1:
        lo, hi = float(X.min()), float(X.max())
        pad = max(1.0, 0.15 * (hi - lo))
        return {"X": rounded(X[:, 0]), "Y": rounded(problem.Y), "xs": rounded(np.linspace(lo - pad, hi + pad, 80))}
    return {"X": [rounded(row) for row in X], "Y": rounded(problem.Y)}
