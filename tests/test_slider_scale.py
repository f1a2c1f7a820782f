"""β₂ and the other averages near 1 slide in u = −log10(1 − β) (issue 11, D13): 0.9, 0.99, 0.999 and 0.9999 sit
on marks 1 … 4, and the slider, the box, a live drag and a link agree on the value a position stands for.
Expected values are worked by hand (10^−2.99 = 0.0010233, so 1 − it, 3 significant digits of the gap, is 0.99898)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from layouts import controls
from optimizers import OPTIMIZERS
from optimizers.registry import BETA1, BETA2, GAMMA

NEAR_ONE = {("adam", "beta2"), ("amsgrad", "beta2"), ("nadam", "beta2"), ("adamax", "beta2"), ("qhadam", "beta2"),
            ("rmsprop", "beta"), ("adadelta", "beta"), ("qhm", "beta")}
GRID = np.round(np.arange(0, 501) * 0.01, 2)  # every position the β₂ slider can take (step 0.01 over 0 … 5)


def test_the_averages_near_one_and_only_they_slide_in_log_one_minus_beta():
    scales = {(o.id, h.name): h.slider_scale for o in OPTIMIZERS.values() for h in o.hypers if h.kind == "float"}
    assert {k for k, s in scales.items() if s == "near1"} == NEAR_ONE
    assert scales[("adam", "eta")] == scales[("adam", "eps")] == "log"
    assert BETA1.slider_scale == GAMMA.slider_scale == "linear"


@pytest.mark.parametrize("value, position", [(0.0, 0.0), (0.9, 1.0), (0.99, 2.0), (0.999, 3.0), (0.9999, 4.0),
                                             (0.99999, 5.0), (0.5, 0.30103)])
def test_a_value_and_its_slider_position(value, position):
    assert BETA2.slider_position(value) == position  # exactly: a mark's value sits on its mark
    assert BETA2.slider_text(position) == f"{value:g}" if position != 0.30103 else "0.5"


@pytest.mark.parametrize("position, text", [(2.98, "0.99895"), (3.3, "0.999499"), (4.3, "0.99995"),
                                            (0.3, "0.499"), (5.0, "0.99999")])
def test_positions_between_the_marks_keep_three_digits_of_one_minus_beta(position, text):
    assert BETA2.slider_text(position) == text  # 10^−2.98 = 0.0010471: 1 − 0.00105


@pytest.mark.parametrize("position, text", [(2.99, "0.999"), (3.01, "0.999"), (3.99, "0.9999"), (1.01, "0.9")])
def test_a_handle_left_a_step_from_a_mark_is_the_marks_value(position, text):
    assert BETA2.slider_text(position) == text


def test_every_position_round_trips_through_the_box_and_a_link():
    texts = [BETA2.slider_text(u) for u in GRID]
    for u, text in zip(GRID, texts, strict=True):
        value = BETA2.coerce(text)  # what the box (and so `tune`) makes of it: in range, never refused
        mark = 1 <= round(u) <= 4 and abs(u - round(u)) < 0.015  # one step from a mark: the mark
        exact = 1 - 10.0 ** -(round(u) if mark else u)
        # the value of the position to 3 digits of 1 − β₂, or to the 6 decimals a spec keeps (past 0.9999)
        assert abs(value - exact) <= 0.005 * (1 - exact) + 5e-7
        if u <= 4:
            assert abs(BETA2.slider_position(value) - u) < (0.015 if mark else 0.005)  # shown where it was left
        assert controls.fmt(value) == text  # the spec (and a link) writes the same digits back
    between = texts[300:401]  # 0.999 … 0.9999: 101 positions, 99 values (a step beside a mark is the mark)
    assert len(set(between)) == len(between) - 2


def test_past_the_ends_the_text_is_refused_as_out_of_range():
    for u in (5.5, 1e6, -1.0):
        with pytest.raises(ValueError, match="outside its range"):
            BETA2.coerce(BETA2.slider_text(u))


def test_the_control_runs_over_log_one_minus_beta_with_marks_at_the_nines():
    row = controls.hyper_control(2, BETA2, 0.999)
    slider = row.children[1]
    assert (slider.min, slider.max, slider.value) == (0.0, 5.0, 3.0)
    assert slider.marks == {0: "0", 1: "0.9", 2: "0.99", 3: "0.999", 4: "0.9999"}
    assert "dl-scale-near1" in slider.className


@pytest.mark.parametrize("position, beta2", [(3, 0.999), (4, 0.9999), (3.3, 0.999499)])
def test_a_drag_to_a_position_runs_the_value_the_box_shows(position, beta2):
    settings = {"optimizers": ["gd:eta=1", "adam:eta=0.1"], "convention": "lecture"}
    spec, seq = controls.dragged_spec(settings, 1, {"name": "beta2", "pos": position, "seq": 7})
    assert seq == 7 and f"beta2={beta2:g}" in spec.split(":")[1].split(",")


def test_a_drag_past_the_top_is_refused():
    settings = {"optimizers": ["adam:eta=0.1"], "convention": "lecture"}
    assert controls.dragged_spec(settings, 0, {"name": "beta2", "pos": 5.2, "seq": 1}) is None


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_page_script_maps_positions_as_the_server_does():
    """assets/descent.js has its own copy of the rules (the box is filled in the browser): the same texts."""
    source = (Path(__file__).parents[1] / "assets" / "descent.js").read_text()
    def function(name: str) -> str:  # one top-level function of the script: its line, or up to its closing brace
        text = source[source.index(f"  function {name}("):]
        first = text.split("\n", 1)[0]
        return text[: text.index("\n  }\n") + 4] if first.rstrip().endswith("{") else first
    funcs = "\n".join(function(name) for name in ("fmt", "sliderText", "sliderPos"))
    script = funcs + f"""
    const grid = {json.dumps(GRID.tolist())};
    console.log(JSON.stringify({{near: grid.map(u => sliderText(u, "near1")),
                                log: grid.map(u => sliderText(u - 3, "log")),
                                back: [0.9, 0.99, 0.999, 0.9999, 0.99999].map(v => sliderPos(v, "near1"))}}));"""
    out = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
    assert out["near"] == [BETA2.slider_text(u) for u in GRID]
    assert [float(t) for t in out["log"]] == [float(OPTIMIZERS["adam"].hyper("eta").slider_text(u - 3)) for u in GRID]
    assert out["back"] == [1, 2, 3, 4, 5]
    assert not math.isnan(out["back"][0])
