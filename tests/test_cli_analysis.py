"""`app.py sweep` and `app.py basin` (DESIGN.md §7): CSV columns and order, numbers that read back
exactly and equal `app.py run` with the cell's configuration, PNG output, and bad input → exit 2
with one line on stderr and no file. Most commands run in-process through cli.main (fast); a few
go through `python app.py` in a subprocess, as a user runs them."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cli

ROOT = Path(__file__).resolve().parents[1]


def main(*argv):
    return cli.main(list(argv))


def read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"steps_to_target": "Int64", "diverged_at": "Int64", "minimum": "Int64"})


# ----------------------------------------------------------------------------- sweep
def test_sweep_csv_has_the_columns_of_design_7_first_axis_outer(tmp_path):
    out = tmp_path / "s.csv"
    assert main("sweep", "--problem", "bowl", "--optimizer", "momentum", "--vary", "eta=0.1:2.5:4",
                "--vary", "gamma=0:0.9:3", "--steps", "60", "--csv", str(out)) == 0
    frame = read(out)
    assert list(frame.columns) == ["eta", "gamma", "final_loss", "min_loss", "steps_to_target", "diverged_at"]
    assert frame["eta"].tolist() == pytest.approx([0.1] * 3 + [0.9] * 3 + [1.7] * 3 + [2.5] * 3, rel=1e-15)
    assert frame["gamma"].tolist() == pytest.approx([0.0, 0.45, 0.9] * 4, rel=1e-15)
    assert frame["diverged_at"].notna().any() and frame["diverged_at"].isna().any()


def test_each_sweep_row_equals_app_py_run_with_that_value(tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main("sweep", "--problem", "himmelblau", "--optimizer", "gd", "--vary", "eta=0.001:0.05:7:log",
                "--steps", "80", "--start=1,1", "--target", "1e-6", "--csv", str(out)) == 0
    sweep = read(out)
    for row in sweep.itertuples():
        capsys.readouterr()
        assert main("run", "--problem", "himmelblau", "--optimizer", f"gd:eta={row.eta!r}", "--steps", "80",
                    "--start=1,1", "--csv", "-") == 0
        steps = pd.read_csv(io.StringIO(capsys.readouterr().out))
        last = steps.iloc[-1]
        assert math.isclose(row.final_loss, last["loss"], rel_tol=1e-12, abs_tol=1e-300), row
        assert math.isclose(row.min_loss, steps["loss"].min(), rel_tol=1e-12, abs_tol=1e-300)
        hit = steps.index[steps["loss"] <= 1e-6]
        assert (pd.isna(row.steps_to_target) and hit.empty) or row.steps_to_target == steps["step"][hit[0]]
        assert int(last["step"]) == (80 if pd.isna(row.diverged_at) else row.diverged_at)


def test_schedule_parameters_sweep_through_schedule_dot_name(tmp_path):
    out = tmp_path / "k.csv"
    assert main("sweep", "--problem", "ravine", "--optimizer", "gd:eta=0.15|schedule=exponential", "--vary",
                "schedule.k=0:0.05:3", "--steps", "50", "--csv", str(out)) == 0
    assert list(read(out).columns)[0] == "schedule.k"


def test_sweep_to_stdout_and_a_summary_without_outputs(capsys):
    assert main("sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "eta=0.5:1.5:3", "--steps", "10",
                "--csv", "-") == 0
    assert capsys.readouterr().out.splitlines()[0] == "eta,final_loss,min_loss,steps_to_target,diverged_at"
    assert main("sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "eta=0.5:1.5:3", "--steps", "10") == 0
    assert "3 runs of gd on bowl" in capsys.readouterr().out


# ----------------------------------------------------------------------------- basin
def test_basin_csv_has_the_columns_of_design_7_and_names_the_minima(tmp_path):
    out = tmp_path / "b.csv"
    assert main("basin", "--problem", "himmelblau", "--optimizer", "gd:eta=0.01", "--grid", "6", "--steps", "300",
                "--window=-4.5:4.5,-4.5:4.5", "--csv", str(out)) == 0
    frame = read(out)
    assert list(frame.columns) == ["start_x", "start_y", "final_x", "final_y", "final_loss", "minimum",
                                   "steps_to_target", "diverged_at"]
    assert len(frame) == 36 and frame["start_x"].iloc[0] == -4.5 and frame["start_y"].iloc[-1] == 4.5
    assert set(frame["minimum"].dropna()) == {0, 1, 2, 3}


def test_basin_start_equals_app_py_run_from_it(tmp_path, capsys):
    out = tmp_path / "b.csv"
    assert main("basin", "--problem", "sigmoid-2pt", "--optimizer", "momentum:eta=1,gamma=0.9", "--grid", "3",
                "--steps", "100", "--csv", str(out)) == 0
    for row in read(out).itertuples():
        capsys.readouterr()
        main("run", "--problem", "sigmoid-2pt", "--optimizer", "momentum:eta=1,gamma=0.9", "--steps", "100",
             f"--start={row.start_w!r},{row.start_b!r}", "--csv", "-")
        last = pd.read_csv(io.StringIO(capsys.readouterr().out)).iloc[-1]
        for ours, theirs in ((row.final_w, last["w"]), (row.final_b, last["b"]), (row.final_loss, last["loss"])):
            assert math.isclose(ours, theirs, rel_tol=1e-12), (row, last)


def test_basin_dims_vary_two_chosen_parameters_and_each_row_equals_app_py_run(tmp_path, capsys):
    """--dims 0,4 (or by name, w1,b) on the 5-parameter neuron: w1 and b on the grid, w2..w4 at --start."""
    out, named = tmp_path / "b.csv", tmp_path / "n.csv"
    common = ["basin", "--problem", "sigmoid-sparse-4d", "--optimizer", "adagrad:eta=0.5", "--grid", "3",
              "--steps", "40", "--window=-3:3,-2:4", "--start=0.5,-1,2,1.5,-0.5"]
    assert main(*common, "--dims", "0,4", "--csv", str(out)) == 0
    assert main(*common, "--dims", "w1,b", "--csv", str(named)) == 0
    frame = read(out)
    assert out.read_text() == named.read_text()
    assert list(frame.columns) == ["start_w1", "start_b", "final_w1", "final_b", "final_loss", "minimum",
                                   "steps_to_target", "diverged_at"]
    assert frame["start_w1"].tolist() == [-3.0] * 3 + [0.0] * 3 + [3.0] * 3
    assert frame["start_b"].tolist() == [-2.0, 1.0, 4.0] * 3
    for row in frame.itertuples():
        capsys.readouterr()
        assert main("run", "--problem", "sigmoid-sparse-4d", "--optimizer", "adagrad:eta=0.5", "--steps", "40",
                    f"--start={row.start_w1!r},-1,2,1.5,{row.start_b!r}", "--csv", "-") == 0
        last = pd.read_csv(io.StringIO(capsys.readouterr().out)).iloc[-1]
        for ours, theirs in ((row.final_w1, last["w1"]), (row.final_b, last["b"]), (row.final_loss, last["loss"])):
            assert math.isclose(ours, theirs, rel_tol=1e-12), (row, last)


# ----------------------------------------------------------------------------- bad input
BAD = {
    "unknown problem": ["sweep", "--problem", "nope", "--optimizer", "gd", "--vary", "eta=1:2:3", "--steps", "5"],
    "unknown optimizer": ["sweep", "--problem", "bowl", "--optimizer", "sgdx", "--vary", "eta=1:2:3", "--steps", "5"],
    "unknown name": ["sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "gamma=0:1:3", "--steps", "5"],
    "fixed name": ["sweep", "--problem", "bowl", "--optimizer", "gd:eta=1", "--vary", "eta=1:2:3", "--steps", "5"],
    "switch": ["sweep", "--problem", "bowl", "--optimizer", "adam", "--vary", "bias_correction=0:1:2",
               "--steps", "5"],
    "reversed": ["sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "eta=2:1:3", "--steps", "5"],
    "empty range": ["sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "eta=1:1:3", "--steps", "5"],
    "no values": ["sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "eta=1:2:0", "--steps", "5"],
    "bad log": ["sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "eta=0:2:3:log", "--steps", "5"],
    "not a number": ["sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "eta=a:2:3", "--steps", "5"],
    "out of range": ["sweep", "--problem", "bowl", "--optimizer", "momentum", "--vary", "gamma=0:1.5:3",
                     "--steps", "5"],
    "three axes": ["sweep", "--problem", "bowl", "--optimizer", "adam", "--vary", "eta=1:2:2", "--vary",
                   "beta1=0:0.5:2", "--vary", "beta2=0:0.5:2", "--steps", "5"],
    "no axis": ["sweep", "--problem", "bowl", "--optimizer", "gd", "--steps", "5"],
    "too many cells": ["sweep", "--problem", "bowl", "--optimizer", "momentum", "--vary", "eta=1:2:101",
                       "--vary", "gamma=0:0.9:100", "--steps", "5"],
    "runs x steps": ["sweep", "--problem", "bowl", "--optimizer", "momentum", "--vary", "eta=1:2:100",
                     "--vary", "gamma=0:0.9:100", "--steps", "5000"],
    "no schedule": ["sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "schedule.k=0:1:3", "--steps", "5"],
    "bad start": ["sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "eta=1:2:3", "--steps", "5",
                  "--start=1"],
    "bad steps": ["sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "eta=1:2:3", "--steps", "-1"],
    "bad target": ["sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "eta=1:2:3", "--steps", "5",
                   "--target", "low"],
    "grid too big": ["basin", "--problem", "bowl", "--optimizer", "gd", "--grid", "201", "--steps", "5"],
    "grid of one": ["basin", "--problem", "bowl", "--optimizer", "gd", "--grid", "1", "--steps", "5"],
    "bad window": ["basin", "--problem", "bowl", "--optimizer", "gd", "--grid", "5", "--steps", "5",
                   "--window", "1:-1,0:1"],
    "window form": ["basin", "--problem", "bowl", "--optimizer", "gd", "--grid", "5", "--steps", "5",
                    "--window", "0:1"],
    "one parameter": ["basin", "--problem", "reddi", "--optimizer", "gd", "--grid", "5", "--steps", "5"],
    "basin budget": ["basin", "--problem", "bowl", "--optimizer", "gd", "--grid", "200", "--steps", "2000"],
    "dims out of range": ["basin", "--problem", "sigmoid-sparse-4d", "--optimizer", "gd", "--grid", "3", "--steps",
                          "5", "--dims", "0,5"],
    "dims twice": ["basin", "--problem", "sigmoid-sparse-4d", "--optimizer", "gd", "--grid", "3", "--steps", "5",
                   "--dims", "b,4"],
    "dims unknown name": ["basin", "--problem", "sigmoid-sparse-4d", "--optimizer", "gd", "--grid", "3", "--steps",
                          "5", "--dims", "w1,c"],
    "dims form": ["basin", "--problem", "himmelblau", "--optimizer", "gd", "--grid", "3", "--steps", "5",
                  "--dims", "0"],
    "basin start": ["basin", "--problem", "himmelblau", "--optimizer", "gd", "--grid", "3", "--steps", "5",
                    "--start=1,2,3"],
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_exits_2_with_one_line_and_no_file(case, tmp_path, capsys):
    out, png = tmp_path / "out.csv", tmp_path / "out.png"
    assert main(*BAD[case], "--csv", str(out), "--png", str(png)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == [], "no file, not even a temporary one"


def test_a_missing_output_folder_is_refused_before_the_work(tmp_path, capsys):
    assert main("sweep", "--problem", "bowl", "--optimizer", "gd", "--vary", "eta=1:2:3", "--steps", "5",
                "--csv", str(tmp_path / "no" / "x.csv")) == 2
    assert "does not exist" in capsys.readouterr().err


# ----------------------------------------------------------------------------- as a user runs it
def test_python_app_py_sweep_writes_csv_and_png(tmp_path):
    csv, png = tmp_path / "m.csv", tmp_path / "m.png"
    done = subprocess.run([sys.executable, "app.py", "sweep", "--problem", "sigmoid-2pt", "--optimizer", "momentum",
                           "--vary", "eta=0.1:10:8:log", "--vary", "gamma=0:0.95:6", "--steps", "100",
                           "--csv", str(csv), "--png", str(png)], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    assert len(read(csv)) == 48
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and png.stat().st_size > 5000


def test_python_app_py_basin_bad_input_exits_2(tmp_path):
    done = subprocess.run([sys.executable, "app.py", "basin", "--problem", "himmelblau", "--optimizer", "gd",
                           "--grid", "500", "--steps", "10", "--csv", str(tmp_path / "b.csv")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--grid" in done.stderr
    assert not (tmp_path / "b.csv").exists()
