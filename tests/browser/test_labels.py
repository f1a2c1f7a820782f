"""D9: the labels of several diverged runs never overlap and stay inside the plot (issue 11).

Four GD runs on the bowl with η from 3 to 6 flip sign every step and leave the map at two of its corners: their
markers are pinned there, on top of each other, and so were their "diverged → step N" labels. What the browser
drew is read from the DOM: every text element of the contour map that speaks of a divergence, its bounding box.
"""

from __future__ import annotations

import re

from .conftest import js, pid, severe_logs, type_into, wait_until
from .test_defects import link, settled, start

DIVERGING = ["gd:eta=3", "gd:eta=4", "gd:eta=5", "gd:eta=6", "gd:eta=0.1"]  # the last one converges

LABELS = """
const g = document.querySelector('#dl-contour .js-plotly-plot');
const plots = [...g.querySelectorAll('.nsewdrag')].map(r => r.getBoundingClientRect())
  .map(r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom}));
const texts = [...g.querySelectorAll('text')].filter(t => /diverged|step \\d/.test(t.textContent))
  .filter(t => getComputedStyle(t).display !== 'none' && t.getBoundingClientRect().width > 0);
return {plots: plots, labels: texts.map(t => {
  const r = (t.closest('.annotation') || t).getBoundingClientRect();
  return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom};
})};
"""


def drawn_labels(dash_duo) -> dict:
    return js(dash_duo, LABELS)


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def inside(a: dict, box: dict, slack: float = 0.5) -> bool:
    return (a["left"] >= box["left"] - slack and a["right"] <= box["right"] + slack
            and a["top"] >= box["top"] - slack and a["bottom"] <= box["bottom"] + slack)


def check_layout(found: dict) -> None:
    labels = found["labels"]
    assert labels, "no divergence label drawn"
    pairs = [(a["text"], b["text"]) for i, a in enumerate(labels) for b in labels[i + 1:] if overlap(a, b)]
    assert not pairs, f"labels drawn on top of each other: {pairs}"
    outside = [a["text"] for a in labels if not any(inside(a, p) for p in found["plots"])]
    assert not outside, f"labels outside the plot: {outside}"


def named(found: dict, eta: str) -> int:
    """How many drawn labels name the run GD (η=eta) as diverged."""
    return sum(len(re.findall(rf"GD \(η={re.escape(eta)}\) (→|at) step \d+", a["text"])) for a in found["labels"])


def test_four_diverged_runs_are_named_once_each_without_overlapping_inside_the_map(dash_duo, shot):
    start(dash_duo, link(problem="bowl", optimizers=DIVERGING, steps=40))
    wait_until(lambda: "diverged" in dash_duo.find_element("#dl-status").text, 30, what="the divergence messages")
    settled(dash_duo)
    found = wait_until(lambda: (lambda f: f if len(f["labels"]) else None)(drawn_labels(dash_duo)), 20,
                       what="divergence labels on the map")
    check_layout(found)
    assert [named(found, eta) for eta in ("3", "4", "5", "6", "0.1")] == [1, 1, 1, 1, 0]
    shot("four-diverged")

    # a fifth run diverges after a typed η: the page's own redraw (no new figure) keeps the list in order
    type_into(dash_duo, pid(name="eta", opt=4, type="hp-box"), "7")
    found = wait_until(lambda: (lambda f: f if named(f, "7") == 1 else None)(drawn_labels(dash_duo)), 20,
                       what="the fifth run in the list")
    check_layout(found)
    assert [named(found, eta) for eta in ("3", "4", "5", "6", "7")] == [1, 1, 1, 1, 1]

    # side by side: each panel says it in its own corner, inside its own map
    dash_duo.find_element(pid(name="mode", type="g") + " input[value=side]").click()
    found = wait_until(lambda: (lambda f: f if len(f["plots"]) == 5 and len(f["labels"]) == 5 else None)(
        drawn_labels(dash_duo)), 30, what="five panels, each with its label")
    check_layout(found)
    for label in found["labels"]:
        assert sum(inside(label, p) for p in found["plots"]) == 1
    shot("side-by-side-diverged")
    assert severe_logs(dash_duo) == []
