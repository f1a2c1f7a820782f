"""The command line of DESIGN.md §5, driven as a user would: `python app.py …` in a subprocess.

Every command is started once, all of them concurrently, by two module fixtures (each `python app.py`
pays for importing Dash, so running them one after another would take most of a minute); the tests
then read their results. Expected numbers are worked out here, not read back from the engine.
"""

import io
import json
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizers import MAX_STEPS, OPTIMIZERS, SCHEDULES, parse_batching, run
from surfaces import PROBLEM_IDS, get_problem

ROOT = Path(__file__).resolve().parents[1]


def app(*args):
    return subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def run_all(commands):
    with ThreadPoolExecutor(max_workers=(os.cpu_count() or 2) + 1) as pool:
        futures = {name: pool.submit(app, *args) for name, args in commands.items()}
        return {name: f.result() for name, f in futures.items()}


def csv(result):
    assert result.returncode == 0, result.stderr
    return pd.read_csv(io.StringIO(result.stdout))


# ----------------------------------------------------------------------------- by hand
def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def loss_2pt(w, b):
    return 0.5 * ((0.2 - sig(0.5 * w + b)) ** 2 + (0.9 - sig(2.5 * w + b)) ** 2)


def grad_2pt(w, b):
    gw = gb = 0.0
    for x, y in ((0.5, 0.2), (2.5, 0.9)):
        f = sig(w * x + b)
        gw += (f - y) * f * (1 - f) * x
        gb += (f - y) * f * (1 - f)
    return gw, gb


# ----------------------------------------------------------------------------- the good commands
SHUFFLE = ["run", "--problem", "sigmoid-sparse", "--batch", "stochastic", "--shuffle", "--seed", "1",
           "--steps", "150", "--csv", "-"]
SUMMARY = ["run", "--optimizer", "gd", "--optimizer", "adam:eta=0.1", "--starts", "5", "--seed", "3",
           "--steps", "50", "--summary", "--csv", "-"]
GOOD = {
    "csv": ["run", "--csv", "-", "--steps", "3"],
    "steps0": ["run", "--steps", "0"],
    "summary_a": SUMMARY,
    "summary_b": SUMMARY,
    "shuffle_a": SHUFFLE,
    "shuffle_b": SHUFFLE,
    "schedule": ["run", "--optimizer", "gd:eta=2|schedule=step:drop=0.5,every=1", "--optimizer", "gd:eta=2",
                 "--schedule", "exponential:k=0.1", "--steps", "4", "--csv", "-"],
    "pytorch": ["run", "--optimizer", "momentum", "--convention", "pytorch", "--steps", "2", "--csv", "-"],
    "list": ["list"],
    "list_json": ["list", "--json"],
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run every subprocess command of this module at once: {name: CompletedProcess} plus paths."""
    out = tmp_path_factory.mktemp("cli_good") / "trajectory.csv"
    commands = {**GOOD, "two_starts": ["run", "--start=-2,-2", "--start=1,0.5", "--steps", "2", "--csv", str(out)]}
    folders = {}
    for name, (args, _) in BAD.items():
        folder = tmp_path_factory.mktemp("cli_bad")
        target = folder / "out.csv"
        if "{missing}" in args:
            target = folder / "no-such-folder" / "out.csv"
            args = [str(target) if a == "{missing}" else a for a in args]
        else:
            args = [*args, "--csv", str(target)]
        commands[f"bad: {name}"], folders[name] = ["run", "--steps", "5", *args], folder
    done = run_all(commands)
    done["two_starts_path"] = out
    return done, folders


@pytest.fixture(scope="module")
def good(results):
    return results[0]


@pytest.fixture(scope="module")
def bad(results):
    done, folders = results
    return {name: done[f"bad: {name}"] for name in BAD}, folders


def test_run_csv_has_exactly_the_documented_columns_and_row_0_is_the_start(good):
    frame = csv(good["csv"])
    assert list(frame.columns) == ["optimizer", "step", "epoch", "w", "b", "loss", "eta"]
    assert frame["step"].tolist() == [0, 1, 2, 3] and frame["epoch"].tolist() == [0, 1, 2, 3]
    assert (frame["optimizer"] == "gd").all() and (frame["eta"] == 1.0).all()
    first = frame.iloc[0]
    assert (first["w"], first["b"]) == (-2.0, -2.0)
    assert math.isclose(first["loss"], loss_2pt(-2, -2), rel_tol=1e-15)
    gw, gb = grad_2pt(-2, -2)  # GD, η = 1
    assert math.isclose(frame["w"][1], -2 - gw, rel_tol=1e-15) and math.isclose(frame["b"][1], -2 - gb, rel_tol=1e-15)


def test_steps_0_prints_the_loss_of_the_start(good):
    result = good["steps0"]
    assert result.returncode == 0 and f"{loss_2pt(-2, -2):.6g}" in result.stdout


def test_summary_has_one_row_per_run_with_final_loss_and_empty_divergence(good):
    frame = csv(good["summary_a"])
    assert frame["optimizer"].tolist() == ["gd"] * 5 + ["adam:eta=0.1"] * 5
    assert frame["run"].tolist() == [0, 1, 2, 3, 4] * 2
    assert list(frame.columns[:2]) == ["optimizer", "run"]
    for col in ("start_w", "start_b", "final_w", "final_b", "final_loss", "steps_to_tol", "diverged_at"):
        assert col in frame.columns
    assert frame["diverged_at"].isna().all()
    for _, row in frame.iterrows():
        assert math.isclose(row["final_loss"], loss_2pt(row["final_w"], row["final_b"]), rel_tol=1e-12)
    hit = frame["steps_to_tol"].dropna()
    assert hit.between(0, 50).all() and (hit == hit.round()).all()


def test_starts_n_runs_n_seeded_starts_inside_the_window(good):
    a, b = csv(good["summary_a"]), csv(good["summary_b"])
    pd.testing.assert_frame_equal(a, b)
    starts = a[["start_w", "start_b"]].to_numpy()
    assert (np.abs(starts) <= 6).all()  # sigmoid-2pt's window is −6..6 in w and b
    assert len({tuple(s) for s in starts[:5]}) == 5 and [-2.0, -2.0] not in starts.tolist()
    np.testing.assert_array_equal(starts[:5], starts[5:])  # both optimizers get the same starts


def test_repeated_start_runs_each_start_and_writes_the_file(good):
    result = good["two_starts"]
    assert result.returncode == 0 and result.stdout == ""
    path = good["two_starts_path"]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left beside it
    frame = pd.read_csv(path)
    starts = frame[frame["step"] == 0][["w", "b"]].to_numpy().tolist()
    assert sorted(starts) == sorted([[-2.0, -2.0], [1.0, 0.5]])
    assert len(frame) == 6
    for w, b in starts:
        row = frame[(frame["step"] == 0) & (frame["w"] == w) & (frame["b"] == b)]
        assert math.isclose(row["loss"].iloc[0], loss_2pt(w, b), rel_tol=1e-15)


def test_shuffled_stochastic_run_with_a_seed_is_reproducible_and_not_in_data_order(good):
    a, b = good["shuffle_a"], good["shuffle_b"]
    assert a.returncode == 0 and a.stdout == b.stdout
    frame = csv(a)
    assert len(frame) == 151 and frame["epoch"].iloc[100] == 1
    in_order = run(get_problem("sigmoid-sparse"), "gd", [[-2.0, -2.0]], 150, batching=parse_batching("stochastic"))
    assert not np.allclose(frame[["w", "b"]].to_numpy(), in_order.params[:, 0])


def test_schedule_option_and_a_spec_own_schedule_set_eta_per_update(good):
    frame = csv(good["schedule"])
    own = frame[frame["optimizer"] == "gd:eta=2|schedule=step:drop=0.5,every=1"]["eta"].tolist()
    default = frame[frame["optimizer"] == "gd:eta=2"]["eta"].tolist()
    assert own == [2.0, 2.0, 1.0, 0.5, 0.25]  # its own step schedule wins over --schedule
    assert default[0] == 2.0 and len(default) == 5
    for k in range(1, 5):
        assert math.isclose(default[k], 2.0 * math.exp(-0.1 * (k - 1)), rel_tol=1e-15)


def test_convention_pytorch_uses_torch_defaults_and_forms(good):
    frame = csv(good["pytorch"])
    assert (frame["eta"] == 1e-3).all()
    g1 = grad_2pt(-2, -2)
    w1, b1 = -2 - 1e-3 * g1[0], -2 - 1e-3 * g1[1]  # buf = g
    g2 = grad_2pt(w1, b1)
    buf = (0.9 * g1[0] + g2[0], 0.9 * g1[1] + g2[1])  # buf = μ buf + g ; p −= lr·buf
    assert math.isclose(frame["w"][1], w1, rel_tol=1e-14) and math.isclose(frame["b"][1], b1, rel_tol=1e-14)
    assert math.isclose(frame["w"][2], w1 - 1e-3 * buf[0], rel_tol=1e-14)
    assert math.isclose(frame["b"][2], b1 - 1e-3 * buf[1], rel_tol=1e-14)


def test_list_names_every_problem_optimizer_and_schedule(good):
    result = good["list"]
    assert result.returncode == 0
    for name in (*PROBLEM_IDS, *OPTIMIZERS, *SCHEDULES):
        assert name in result.stdout


def test_list_json_has_the_documented_keys_and_lecture_defaults(good):
    result = good["list_json"]
    assert result.returncode == 0
    cat = json.loads(result.stdout)
    assert set(cat) == {"problems", "optimizers", "schedules", "presets"}
    assert [p["id"] for p in cat["problems"]] == list(PROBLEM_IDS)
    assert set(cat["optimizers"]) == set(OPTIMIZERS)
    assert [s["id"] for s in cat["schedules"]] == list(SCHEDULES)
    assert isinstance(cat["presets"], list)
    defaults = {oid: {h["name"]: h["default"] for h in o["hyperparameters"]} for oid, o in cat["optimizers"].items()}
    assert defaults["gd"] == {"eta": 1.0}
    assert defaults["adam"]["eta"] == 0.1 and defaults["adam"]["bias_correction"] is True
    assert defaults["rmsprop"] == {"eta": 0.1, "beta": 0.9, "eps": 1e-8}
    two = next(p for p in cat["problems"] if p["id"] == "sigmoid-2pt")
    assert two["start"] == [-2.0, -2.0] and two["params"] == ["w", "b"]


# ----------------------------------------------------------------------------- bad input
BAD = {  # name: (arguments after `run`, parts the one-line message must name)
    "unknown optimizer": (["--optimizer", "adamw"], ["adamw"]),
    "unknown problem": (["--problem", "moon"], ["moon"]),
    "unknown schedule": (["--schedule", "zigzag"], ["zigzag"]),
    "unknown hyperparameter": (["--optimizer", "adam:lr=0.1"], ["lr"]),
    "non-numeric hyperparameter": (["--optimizer", "gd:eta=fast"], ["eta", "fast"]),
    "out-of-range hyperparameter": (["--optimizer", "adam:beta1=1.5"], ["beta1", "1.5"]),
    "wrong number of start coordinates": (["--start=1,2,3"], ["1,2,3"]),
    "negative steps": (["--steps=-5"], ["steps", "-5"]),
    "steps above the cap": ([f"--steps={MAX_STEPS + 1}"], ["steps", str(MAX_STEPS + 1)]),
    "unwritable path": (["--csv", "{missing}"], ["no-such-folder"]),
}
# More bad input, checked in-process through the same entry point (app.main) to keep the suite fast.
MORE_BAD = {
    "out-of-range schedule parameter": (["--schedule", "step:drop=7"], ["drop", "7"]),
    "too few start coordinates": (["--start=1"], ["--start"]),
    "non-numeric start": (["--start=1,abc"], ["abc"]),
    "non-numeric steps": (["--steps", "many"], ["steps", "many"]),
    "unknown convention": (["--convention", "keras"], ["keras"]),
    "bad batch": (["--batch", "minibatch:0"], ["minibatch:0"]),
    "zero starts": (["--starts", "0"], ["starts"]),
    "start and starts": (["--start=1,1", "--starts", "3"], ["--start", "--starts"]),
    "bad seed": (["--seed", "abc"], ["seed", "abc"]),
    "stochastic on a surface": (["--problem", "bowl", "--batch", "stochastic"], ["bowl"]),
    "csv path is a folder": (["--csv", "{folder}"], ["directory"]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_exits_2_with_one_line_naming_the_bad_part_and_writes_nothing(bad, name):
    results, folders = bad
    result = results[name]
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for part in BAD[name][1]:
        assert part in lines[0], f"{lines[0]!r} does not name {part!r}"
    assert result.stdout == ""
    assert list(folders[name].iterdir()) == [], "an output (or temporary) file was left behind"


@pytest.mark.parametrize("name", list(MORE_BAD))
def test_more_bad_input_exits_2_with_one_line_naming_the_bad_part(name, tmp_path, capsys):
    import app as app_module

    args, parts = MORE_BAD[name]
    target = tmp_path / "out.csv"
    if "{folder}" in args:
        (tmp_path / "sub").mkdir()
        args = [str(tmp_path / "sub") if a == "{folder}" else a for a in args]
    else:
        args = [*args, "--csv", str(target)]
    status = app_module.main(["run", "--steps", "5", *args])
    out, err = capsys.readouterr()
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for part in parts:
        assert part in lines[0], f"{lines[0]!r} does not name {part!r}"
    assert out == ""
    assert [p.name for p in tmp_path.iterdir()] in ([], ["sub"])
