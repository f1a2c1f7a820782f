"""convention=pytorch reproduces torch.optim (float64) over 300 steps, for all ten optimizers, with
torch's defaults and with non-default hyperparameters. The fixtures were generated once by
tests/golden/make_torch_golden.py with torch; this test does not need torch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from optimizers import OPTIMIZERS, run
from surfaces import get_problem

GOLDEN = json.loads((Path(__file__).parent / "golden" / "torch_trajectories.json").read_text())
CASES = GOLDEN["cases"]


def test_fixtures_cover_every_optimizer_in_every_case():
    for case in {c["case"] for c in CASES}:
        assert {c["optimizer"] for c in CASES if c["case"] == case} == set(OPTIMIZERS)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['case']}-{c['optimizer']}")
def test_pytorch_convention_matches_torch_optim(case):
    traj = run(get_problem(case["problem"]), case["optimizer"], [case["start"]], case["steps"], case["hp"],
               convention="pytorch")
    expected = np.array(case["params"])
    assert traj.diverged_at[0] == -1
    np.testing.assert_allclose(traj.params[:, 0], expected, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(traj.loss[:, 0], case["loss"], rtol=1e-8, atol=1e-15)
