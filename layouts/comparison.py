"""The comparison table under the plots: one row per run (final loss, epochs, steps to the target, path
length, u-turns, divergence, line-search evaluations), from trajectories (`metric_rows`) or from the numbers
Live mode carries from chunk to chunk (layouts/live_table.py), drawn by `table`."""

from __future__ import annotations

import math

import numpy as np
from dash import html

from . import figures, metrics


def known_min(problem) -> float | None:
    if not problem.minima:
        return None
    with np.errstate(all="ignore"):
        return float(np.min(problem.loss(np.array(problem.minima, dtype=float))))


def metric_rows(trajs, problem, first_opt: int = 0) -> list[dict]:
    rows = metrics.comparison(trajs, known_min(problem) if problem.minima else 0.0)
    for row in rows:
        t = trajs[row["opt"]]
        row["label"] = figures.run_name(t.label, None if t.runs == 1 else row["run"])  # as the legends name it
        row["opt"] += first_opt
        searched = trajs[row["opt"] - first_opt]
        if searched.evaluations is not None:  # a line search: loss evaluations per update, averaged over the run
            last = searched.last_row(row["run"])
            row["evals"] = float(searched.evaluations[1: last + 1, row["run"]].mean()) if last > 0 else None
    return rows


def table(rows: list[dict]) -> html.Table:
    def num(v, f="{:.4g}"):
        return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f.format(v)
    head = ["optimizer", "final loss", "epochs", f"steps to loss ≤ min + {metrics.TOLERANCE:g}", "path length",
            "u-turns", "diverged at"]
    searched = any("evals" in r for r in rows)  # the loss evaluations column only when a line search ran
    head += ["loss evals / step"] if searched else []
    body = [html.Tr([html.Td(r["label"], className="dl-swatch", style={"borderLeftColor": f"var(--c{r['opt'] % 12})"}),
                     html.Td(num(r["final_loss"])), html.Td(num(r.get("epochs"), "{:.4g}")),
                     html.Td(num(r["steps_to_tol"], "{}")),
                     html.Td(num(r["path_length"], "{:.3g}")), html.Td(str(r["u_turns"])),
                     html.Td(num(r["diverged_at"], "step {}"), className="dl-bad" if r["diverged_at"] else ""),
                     *([html.Td(num(r.get("evals"), "{:.3g}"))] if searched else [])])
            for r in rows]
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)], className="dl-table")
