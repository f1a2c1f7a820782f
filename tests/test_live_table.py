"""D8: in Live mode the comparison table shows the live runs' numbers after the steps done so far, checked
against independent computations: a fresh (non-live) engine run of the same number of steps through the
normal table's code, and the whole-path metrics of a path glued together from two fresh runs."""

from __future__ import annotations

import numpy as np
import pytest

from layouts import comparison, live_table, metrics
from layouts import live as live_mode
from optimizers import parse_batching, run_spec
from scenarios import schema
from scenarios.budgets import LIVE_CHUNK
from scenarios.settings import defaults, problem_of, simulate, start_points

SETTINGS = {**defaults(), "problem": "himmelblau", "starts": 2, "start": [-1.0, 1.5],
            "optimizers": ["gd:eta=0.01", "momentum:eta=0.005,gamma=0.9", "adam:eta=0.1",
                           "gd:eta=1|schedule=armijo:c=0.0001,shrink=0.5,tries=30", "gd:eta=0.2"]}
COLUMNS = ("label", "opt", "run", "epochs", "steps_to_tol", "u_turns", "diverged_at")
CLOSE = ("final_loss", "path_length", "evals")


def live_after(settings: dict, chunks: int) -> dict:
    _, live = live_mode.live_start(settings)
    for _ in range(chunks):
        _, live = live_mode.live_chunk(settings, live)
    return live


def same_rows(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert {k: g.get(k) for k in COLUMNS} == {k: w.get(k) for k in COLUMNS}, w["label"]
        assert ("evals" in g) == ("evals" in w)
        for k in CLOSE:
            if k in w and w[k] is not None and np.isfinite(w[k]):
                assert g[k] == pytest.approx(w[k], rel=1e-12, abs=1e-300), (w["label"], k)
            else:
                assert (g.get(k) is None and w.get(k) is None) or not np.isfinite(g[k]), (w["label"], k)


@pytest.mark.parametrize("chunks", [0, 1, 6, 30])
def test_the_live_table_equals_the_normal_table_of_a_fresh_run_of_as_many_steps(chunks):
    live = live_after(SETTINGS, chunks)
    got = live_table.rows(live["table"], live["specs"], live["starts"])
    fresh = simulate({**SETTINGS, "steps": chunks * LIVE_CHUNK})  # not live: one run from step 0
    want = comparison.metric_rows(fresh, problem_of(SETTINGS))
    same_rows(got, want)
    if chunks == 30:  # the case covers what it should: a divergence, u-turns, a hit, a line search
        assert any(r["diverged_at"] for r in want) and any(r["u_turns"] > 0 for r in want)
        assert any(r["steps_to_tol"] is not None for r in want) and any("evals" in r for r in want)


def test_after_an_eta_change_the_table_has_the_glued_paths_numbers_and_the_new_name():
    settings = {**SETTINGS, "starts": 1, "optimizers": ["momentum:eta=0.01,gamma=0.9"]}
    live = live_after(settings, 3)
    changed = {**settings, "optimizers": ["momentum:eta=0.004,gamma=0.9"]}
    for _ in range(2):
        _, live = live_mode.live_chunk(changed, live)
    (row,) = live_table.rows(live["table"], live["specs"], live["starts"])

    problem = problem_of(settings)
    batching = parse_batching("full", shuffle=False, seed=0)
    first = run_spec(problem, settings["optimizers"][0], start_points(settings), 3 * LIVE_CHUNK, batching=batching)
    second = run_spec(problem, changed["optimizers"][0], start_points(settings), 2 * LIVE_CHUNK, batching=batching,
                      resume=first.checkpoint())
    path = np.vstack([first.params[:, 0], second.params[1:, 0]])  # (51, 2)
    loss = np.concatenate([first.loss[:, 0], second.loss[1:, 0]])
    assert row["label"] == "Momentum (η=0.004, γ=0.9)"
    assert row["final_loss"] == pytest.approx(loss[-1], rel=1e-12)
    assert row["path_length"] == pytest.approx(metrics.path_length(path), rel=1e-12)
    assert row["u_turns"] == metrics.u_turns(path)
    assert row["steps_to_tol"] == metrics.steps_to(loss, comparison.known_min(problem))
    assert row["epochs"] == 50.0 and row["diverged_at"] is None


def test_the_numbers_travel_signed_and_anything_else_is_refused():
    serializer = schema.live_serializer(b"test secret")
    live = live_after(SETTINGS, 2)
    store = live_table.save(live, serializer)
    n, dim = len(live["done"]), 2
    assert live_table.load(store, serializer, n, dim) == live["table"]
    other = schema.live_serializer(b"another server")
    for bad in ({**store, "table": store["table"][:-3] + "abc"}, {**store, "table": 12}, {"on": True},
                live_table.save(live, other), None):
        assert live_table.load(bad, serializer, n, dim) is None
    assert live_table.load(store, serializer, n + 1, dim) is None  # not these runs
    forged = {**live["table"], "runs": [{**live["table"]["runs"][0], "turns": -1}, *live["table"]["runs"][1:]]}
    assert live_table.parse(forged, n, dim) is None


def test_a_tick_shows_the_live_table_and_a_bad_one_says_it_is_not_kept_up():
    live = live_after(SETTINGS, 1)
    view = live_mode.live_table_view(live, SETTINGS)
    text = str(view.to_plotly_json())
    assert "after 10 steps" in text and "Adam (η=0.1) #2" in text
    assert "could not be carried on" in str(live_mode.live_table_view({**live, "table": None}, SETTINGS))
