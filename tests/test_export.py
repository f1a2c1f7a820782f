"""Exports: each format checked for real (signatures, sizes, contents) and CSV/JSON reproduce the run."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree
from PIL import Image

from layouts.export import ExportOptions, export_bytes
from optimizers import run_spec
from scenarios.settings import defaults, load_settings, simulate
from surfaces import get_problem

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def view() -> dict:
    settings = defaults()
    settings["optimizers"] = ["gd:eta=1", "momentum:eta=1,gamma=0.9", "adam:eta=0.1",
                              "nag:eta=1,gamma=0.9|schedule=cosine:eta_min=0"]
    settings["steps"] = 120
    return settings


def test_png_has_signature_and_the_chosen_pixel_size(view):
    data = export_bytes(view, "png", ExportOptions(width=640, height=480, scale=2))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(data)).size == (1280, 960)


def test_svg_parses_and_draws_one_path_per_trajectory(view):
    data = export_bytes(view, "svg", ExportOptions(width=640, height=480))
    root = etree.fromstring(data)
    assert root.tag.endswith("svg")
    lines = root.xpath("//svg:g[contains(@class,'scatterlayer')]//svg:path[contains(@class,'js-line')]",
                       namespaces={"svg": "http://www.w3.org/2000/svg"})
    assert len(lines) >= len(view["optimizers"])
    legend = " ".join(t.text or "" for t in root.xpath("//*[contains(@class,'legendtext')]"))
    for name in ("Gradient descent", "Momentum", "Adam", "η=0.1", "β₁=0.9", "[cosine:eta_min=0]"):
        assert name in legend


def test_html_is_standalone_and_holds_the_frames(view):
    html = export_bytes(view, "html", ExportOptions(frames=30)).decode()
    assert not re.search(r"<script[^>]+src=[\"']?https?:", html), "external script in the export"
    assert "Plotly.newPlot" in html or "Plotly.react" in html
    frame_names = re.findall(r'"name":\s*"(\d+)"', html)
    assert len(frame_names) == 30 and frame_names[0] == "0" and int(frame_names[-1]) == view["steps"]
    assert "▶ Play" in html


def test_gif_has_the_expected_number_of_frames(view):
    data = export_bytes(view, "gif", ExportOptions(frames=24, width=480, height=400))
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.n_frames == 24 and gif.size == (480, 400)
    gif.seek(0)
    first = np.asarray(gif.convert("RGB")).astype(int)
    gif.seek(23)
    last = np.asarray(gif.convert("RGB")).astype(int)
    assert np.abs(first - last).sum() > 0, "the frames do not move"


def test_csv_loads_with_pandas_and_reproduces_the_run_through_the_engine(view):
    frame = pd.read_csv(io.BytesIO(export_bytes(view, "csv")))
    assert {"optimizer", "hyperparameters", "step", "epoch", "w", "b", "loss", "eta"} <= set(frame.columns)
    problem = get_problem(view["problem"])
    for spec, rows in frame.groupby("optimizer", sort=False):
        traj = run_spec(problem, spec, [view["start"]], view["steps"])
        np.testing.assert_allclose(rows[["w", "b"]].to_numpy(), traj.params[:, 0], rtol=1e-14)
        np.testing.assert_allclose(rows["loss"].to_numpy(), traj.loss[:, 0], rtol=1e-14)
        np.testing.assert_allclose(rows["eta"].to_numpy(), traj.eta[:, 0], rtol=1e-14)


def test_json_holds_the_settings_that_reproduce_the_run(view):
    doc = json.loads(export_bytes(view, "json"))
    settings, notices = load_settings(doc["settings"], strict=True)
    assert notices == [] and settings == view
    again = simulate(settings)
    assert [t["optimizer"] for t in doc["trajectories"]] == view["optimizers"]
    for saved, traj in zip(doc["trajectories"], again, strict=True):
        np.testing.assert_allclose(np.array(saved["runs"][0]["params"]), traj.params[:, 0], rtol=1e-14)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_export_writes_a_preset(tmp_path):
    out = tmp_path / "valley.csv"
    result = _cli("export", "--preset", "gd-vs-momentum", "--format", "csv", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert set(pd.read_csv(out)["optimizer"]) == {"gd:eta=1", "momentum:eta=1,gamma=0.9"}


def test_cli_export_renders_a_saved_settings_file(tmp_path, view):
    saved = tmp_path / "view.json"
    saved.write_text(json.dumps(view))
    out = tmp_path / "view.png"
    result = _cli("export", "--settings", str(saved), "--format", "png", "--scale", "1", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert Image.open(out).size == (900, 760)


@pytest.mark.parametrize("args, words", [
    (["--preset", "no-such-scenario", "--format", "png"], "no-such-scenario"),
    (["--preset", "gd-vs-momentum", "--format", "bmp"], "bmp"),
    (["--preset", "gd-vs-momentum", "--format", "png", "--scale", "abc"], "--scale"),
    (["--preset", "gd-vs-momentum", "--format", "png", "--width", "99999"], "--width"),
])
def test_cli_export_bad_input_exits_2_with_one_line_and_no_file(tmp_path, args, words):
    out = tmp_path / "out.file"
    result = _cli("export", *args, "-o", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_cli_export_to_a_missing_folder_exits_2(tmp_path):
    result = _cli("export", "--preset", "gd-vs-momentum", "--format", "csv", "-o", str(tmp_path / "no" / "x.csv"))
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_cli_export_bad_settings_file_names_the_problem(tmp_path):
    saved = tmp_path / "bad.json"
    saved.write_text(json.dumps({"problem": "sigmoid-2pt", "optimizers": ["adam:eta=-1"]}))
    result = _cli("export", "--settings", str(saved), "--format", "csv", "-o", str(tmp_path / "x.csv"))
    assert result.returncode == 2 and "eta" in result.stderr and not (tmp_path / "x.csv").exists()
