"""Your own data (DESIGN.md §7): a CSV of x (or x1..x4) and y becomes a sigmoid neuron whose loss and
gradient are the ones written out here by hand; every kind of bad file gets one message naming the row
and column, and the command line exits 2 with it."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cli
import optimizers
from surfaces import DataError, make_problem, parse_data
from surfaces.owndata import MAX_ROWS


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def hand_loss(w: list[float], b: float, rows: list[tuple[list[float], float]]) -> float:
    """L = Σ ½ (y − σ(w·x + b))²."""
    return sum(0.5 * (y - sig(sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b)) ** 2 for x, y in rows)


def hand_grad(w: list[float], b: float, rows: list[tuple[list[float], float]]) -> list[float]:
    """∂L/∂wᵢ = Σ (f − y) f (1 − f) xᵢ ; ∂L/∂b = Σ (f − y) f (1 − f)."""
    gw, gb = [0.0] * len(w), 0.0
    for x, y in rows:
        f = sig(sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b)
        common = (f - y) * f * (1 - f)
        gw = [g + common * xi for g, xi in zip(gw, x, strict=True)]
        gb += common
    return [*gw, gb]


ONE_INPUT = "x,y\n0.5,0.2\n2.5,0.9\n-1,0\n0,0.5\n0,1\n"
FOUR_INPUTS = "x1,x2,x3,x4,y\n1,0,0,0.5,0.1\n0.3,2,0,0,0.8\n-1,0,1.5,0,0.4\n0,0,0,3,1\n2,1,-1,0.2,0.6\n"


def rows_of(text: str) -> list[tuple[list[float], float]]:
    lines = text.strip().splitlines()[1:]
    return [([float(v) for v in line.split(",")[:-1]], float(line.split(",")[-1])) for line in lines]


@pytest.mark.parametrize("text", [ONE_INPUT, FOUR_INPUTS], ids=["x", "x1..x4"])
def test_own_data_is_the_hand_computed_sigmoid_neuron(tmp_path, text):
    path = tmp_path / "mine.csv"
    path.write_text(text)
    problem = make_problem("data", data=str(path))
    rows = rows_of(text)
    din = len(rows[0][0])
    assert problem.param_names == (("w", "b") if din == 1 else ("w1", "w2", "w3", "w4", "b"))
    assert problem.n_points == len(rows) and problem.id == "data"
    P = np.random.default_rng(4).uniform(-3, 3, size=(50, din + 1))
    for p, loss, grad in zip(P, problem.loss(P), problem.grad(P), strict=True):
        w, b = list(p[:-1]), p[-1]
        assert math.isclose(loss, hand_loss(w, b, rows), rel_tol=1e-12)
        np.testing.assert_allclose(grad, hand_grad(w, b, rows), rtol=1e-10, atol=1e-15)


def test_per_point_gradients_and_batch_losses_are_the_hand_ones_for_stochastic_runs():
    problem = make_problem("data", data=ONE_INPUT.encode())
    rows = rows_of(ONE_INPUT)
    P = np.array([[0.7, -0.4], [-1.2, 2.0]])
    idx = np.array([1, 3])
    for p, g, L in zip(P, problem.grad(P, idx), problem.batch_loss(P, idx), strict=True):
        picked = [rows[i] for i in idx]
        np.testing.assert_allclose(g, hand_grad([p[0]], p[1], picked), rtol=1e-12)
        assert math.isclose(L, hand_loss([p[0]], p[1], picked), rel_tol=1e-12)


def test_the_two_point_file_is_the_course_toy():
    mine = make_problem("data", data=b"x,y\n0.5,0.2\n2.5,0.9\n")
    toy = make_problem("sigmoid-2pt")
    a = optimizers.run(mine, "gd", [[-2.0, -2.0]], 300)
    b = optimizers.run(toy, "gd", [[-2.0, -2.0]], 300)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-12)


def test_header_names_are_case_and_space_tolerant_and_columns_may_come_in_any_order():
    X, Y = parse_data(" Y , X \n0.25,3\n")
    assert X.tolist() == [[3.0]] and Y.tolist() == [0.25]


BAD_FILES = {
    "y out of range": (b"x,y\n0.5,0.2\n1,1.5\n", "row 2, column y: y = 1.5 is outside [0, 1]"),
    "negative y": (b"x,y\n1,-0.1\n", "row 1, column y: y = -0.1 is outside [0, 1]"),
    "non-numeric cell": (b"x1,x2,y\n1,2,0.5\n1,abc,0.3\n", "row 2, column x2: 'abc' is not a number"),
    "infinite cell": (b"x,y\n1,0.5\ninf,0.2\n", "row 2, column x: 'inf' is not a finite number"),
    "missing column y": (b"x\n1\n2\n", "header: missing column y"),
    "missing column x": (b"y\n0.5\n", "header: missing column x (or x1..x4)"),
    "unknown column": (b"x,y,z\n1,0.5,2\n", "header: column 3 is 'z'"),
    "5 inputs": (b"x1,x2,x3,x4,x5,y\n1,2,3,4,5,0.5\n", "header: 5 inputs (x1, x2, x3, x4, x5); at most 4"),
    "a gap in x1..xk": (b"x1,x3,y\n1,2,0.5\n", "missing column x2"),
    "short row": (b"x,y\n1,0.5\n2\n", "row 2: 1 cells, but the header has 2"),
    "10,001 rows": (b"x,y\n" + b"1,0.5\n" * (MAX_ROWS + 1), "has 10,001 data rows; the limit is 10,000"),
    "empty": (b"", "is empty"),
    "only blank lines": (b"\n\n  \n", "is empty"),
    "header only": (b"x,y\n", "has a header but no data rows"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a text CSV file (binary data at byte 9)"),
    "not UTF-8": (b"x,y\n\xff\xfe,1\n", "is not a UTF-8 text CSV file"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_each_bad_file_gets_its_one_line_message(case, tmp_path):
    content, message = BAD_FILES[case]
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as refused:
        make_problem("data", data=str(path))
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert str(refused.value).startswith("bad.csv")


def test_exactly_10000_rows_are_allowed():
    X, _ = parse_data(b"x,y\n" + b"1,0.5\n" * MAX_ROWS)
    assert X.shape == (MAX_ROWS, 1)


# ----------------------------------------------------------------------------- command line
def test_cli_run_on_a_data_file_writes_w_and_b_rows(tmp_path):
    data, out = tmp_path / "mine.csv", tmp_path / "out.csv"
    data.write_text(ONE_INPUT)
    assert cli.main(["run", "--problem", "data", "--data", str(data), "--optimizer", "gd:eta=1", "--start=-2,-2",
                     "--steps", "5", "--csv", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "optimizer,step,epoch,w,b,loss,eta" and len(lines) == 7
    assert math.isclose(float(lines[1].split(",")[5]), hand_loss([-2.0], -2.0, rows_of(ONE_INPUT)), rel_tol=1e-15)


@pytest.mark.parametrize(("content", "message"), [
    (b"x,y\n1,2\n", "mine.csv, row 1, column y: y = 2 is outside [0, 1]"),
    (b"\x00\x01", "mine.csv is not a text CSV file"),
])
def test_cli_refuses_a_bad_data_file_with_exit_2_and_one_line(tmp_path, capsys, content, message):
    data = tmp_path / "mine.csv"
    data.write_bytes(content)
    assert cli.main(["run", "--problem", "data", "--data", str(data), "--csv", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--problem", "data"], "problem data needs a CSV file"),
    (["--problem", "data", "--data", "/no/such/file.csv"], "cannot read data file"),
    (["--problem", "bowl", "--data", "x.csv"], "a data file goes with problem data"),
])
def test_cli_refuses_a_missing_or_misplaced_data_file(args, message, capsys):
    assert cli.main(["run", *args]) == 2
    assert message in capsys.readouterr().err
