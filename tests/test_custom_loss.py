"""Typed losses (DESIGN.md §7): the whitelist parser refuses everything outside the grammar — quickly,
with one message naming the part and its column, without executing anything — and what it accepts equals
the built-in problems it re-types, with a gradient that matches central differences."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import cli
import optimizers
from surfaces import LossError, check_loss, get_problem, make_problem, parse_loss, parse_window
from surfaces.custom import MAX_LENGTH, CustomLoss

ROOT = Path(__file__).resolve().parents[1]

CANARY = "CANARY"  # every hostile expression that could write a file would write this one (in tmp_path)
OPEN = f"open('{CANARY}', 'w')"

HOSTILE = [
    # names, builtins and dunders
    f"__import__('os').system('touch {CANARY}')", "__import__", "__builtins__", "globals()", "locals()", "vars()",
    OPEN, f"exec(\"{OPEN}\")", "eval('1')", "compile('1', 'f', 'eval')", "breakpoint()", "help()",
    "sympify('x')", "Symbol('x')", "getattr(x, '__class__')", "z + 1", "X + Y", "Pi * x",
    # attribute chains
    "x.__class__", "().__class__.__bases__[0].__subclasses__()", "x.__class__.__mro__", "sin.__globals__",
    "sin(x).__class__", "x.real", "sin(x).subs(x, 1)",
    # calls outside the list, wrong calls
    "foo(x)", "x(2)", "sin(x)(y)", "sin(x, y)", "sin(x=1)", "sin(*x)", "sin()",
    # lambda, comprehensions, other expression kinds
    f"lambda: {OPEN}", "(lambda: 0)()", f"[{OPEN} for i in x]", "{i for i in x}", "{i: i for i in x}",
    f"({OPEN} for i in x)", f"x if y else {OPEN}", f"(y := {OPEN})", "x[0]", "(x, y)", "[x]", "*x",
    "x < y", "x and y", "not x", "~x", "x @ y", "x // y", "x % y", "x << 2", "x | y", "x & y",
    # strings and other literals
    f"'touch {CANARY}'", "b'x'", "f'{x}'", "1j * x", "...", "None", "True + x",
    # statements
    "import os", "x = 1", f"x; {OPEN}", "del x", "await x", "yield x",
    # newlines and other control characters
    f"x\n{OPEN}", "x\r\n+ y", "x\t+ y", "\x00x", "x\x0b+ y",
    # huge towers of powers and other overflowing constants
    "9**9**9", "2**2**2**2**2**2", "9^9^9", "10**10**10 * x", "exp(exp(exp(10)))", "(2*x)**(10**9)",
    "((x/7)**1000)**1000", "x * 1e200 * 1e200", "1e999 * x", "9" * 400, "cosh(1000)", "x**(1/0)", "log(0) * x",
    "sqrt(-1) + x", "1/(x - x)",
    # deep nesting
    "(" * 60 + "x" + ")" * 60, "-" * 80 + "x", "x**" * 60 + "2", "sin(" * 55 + "x" + ")" * 55,
    # 10 kB inputs
    "x+" * 5000 + "x", "1" * 10_240, "(" * 10_000,
    # unicode look-alikes and invisible characters
    "ｓｉｎ(x)", "ｘ + y", "sin(x) + y\u200b", "x\u00a0+ y", "\u0455in(x)", "x \u2212 y", "\u2061x",
    # empty
    "", "   ",
]


def test_the_injection_corpus_is_large_and_varied():
    assert len(HOSTILE) >= 40 and len(set(HOSTILE)) == len(HOSTILE)


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:40]))
def test_every_hostile_expression_is_refused_with_one_clear_line_and_nothing_runs(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    with pytest.raises(LossError) as refused:
        CustomLoss(text)
    elapsed = time.perf_counter() - start
    message = str(refused.value)
    assert message and "\n" not in message and len(message) < 400, message
    assert not (tmp_path / CANARY).exists(), "the expression was executed"
    assert elapsed < 1.0, f"refusing took {elapsed:.2f} s"  # 100 ms is measured in benchmarks/bench_custom_loss.py
    assert check_loss(text) == message


@pytest.mark.parametrize(("text", "column", "part"), [
    ("x + foo(y)", 5, "'foo'"),
    ("x^2 + y.real", 7, "'y.real'"),
    ("sin(x) + __import__('os')", 10, "'__import__'"),
    ("x + ｓｉｎ(y)", 5, "U+FF53"),
    ("x * (y\n+ 1)", 7, "line break"),
    ("x + 'a'", 5, "text in quotes"),
    ("1 + 9**9**9", 5, "'9**9**9' would overflow"),
    ("y + 2^2^2^2^2^2", 7, "'2^2^2^2^2' would overflow"),  # 2^(2^2^2^2^2): the exponent overflows
    ("x + * y", 5, "cannot read the loss"),
    ("x^2 +", 5, "the loss ends with '+'"),
    ("x)", 2, "unmatched ')'"),
    ("(" * 51 + "x" + ")" * 51, 51, f"deeper than {50}"),
])
def test_a_refusal_names_the_offending_part_and_its_column(text, column, part):
    with pytest.raises(LossError) as refused:
        parse_loss(text)
    assert refused.value.column == column, str(refused.value)
    assert str(refused.value).startswith(f"column {column}:") and part in str(refused.value)


@pytest.mark.parametrize("value", [["x"], None, 3.0, b"x"])
def test_a_loss_that_is_not_text_is_refused(value):
    with pytest.raises(LossError, match="must be text"):
        parse_loss(value)
    with pytest.raises(LossError):
        make_problem("custom", loss=value) if value is not None else make_problem("custom", loss=[value])


def test_a_long_loss_is_refused_by_its_length_before_parsing():
    with pytest.raises(LossError, match=f"10,001 characters long; the limit is {MAX_LENGTH}"):
        parse_loss("x" * 10_001)
    assert parse_loss("+".join(["x"] * 250)).expr == 250 * parse_loss("x").expr  # 499 characters are fine


def test_a_sum_of_many_terms_is_one_level_of_nesting_but_a_power_tower_is_not():
    parse_loss("+".join(["x*y"] * 100))
    parse_loss("x" + "**x" * 40)
    with pytest.raises(LossError, match="nested deeper than 50"):
        parse_loss("x" + "**x" * 55)


# ----------------------------------------------------------------------------- equal to the built-ins
RETYPED = {  # the formulas of surfaces/analytic.py, typed as a user would
    "rosenbrock": "(1 - x)^2 + 100*(y - x^2)^2",
    "beale": "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "bowl": "0.5*(x**2 + y**2)",
}


@pytest.mark.parametrize("pid", list(RETYPED))
def test_a_retyped_built_in_problem_has_the_same_loss_and_gradient(pid):
    builtin = get_problem(pid)
    typed = make_problem("custom", loss=RETYPED[pid], window=builtin.window)
    P = np.random.default_rng(1).uniform(*np.array(builtin.window).T, size=(2000, 2))
    np.testing.assert_allclose(typed.loss(P), builtin.loss(P), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(typed.grad(P), builtin.grad(P), rtol=1e-12, atol=1e-12)


def test_a_run_on_the_retyped_rosenbrock_is_the_built_in_run():
    builtin = get_problem("rosenbrock")
    typed = make_problem("custom", loss=RETYPED["rosenbrock"], window="-2:2,-1:3")
    a = optimizers.run(builtin, "adam", [[-1.5, 2.0]], 300, {"eta": 0.05})
    b = optimizers.run(typed, "adam", [[-1.5, 2.0]], 300, {"eta": 0.05})
    np.testing.assert_allclose(b.params, a.params, rtol=1e-12, atol=1e-12)


EVERYTHING = ("sin(x) + cos(y) + tan(x/4) + exp(-y^2) + log(1 + x^2) + sqrt(1 + y^2) + abs(x - 0.3) + tanh(y)"
              " + sinh(x/3) + cosh(y/3) + arctan(x*y) + sigmoid(x - y) + pi*e*x")


def everything(x, y):
    return (np.sin(x) + np.cos(y) + np.tan(x / 4) + np.exp(-y**2) + np.log(1 + x**2) + np.sqrt(1 + y**2)
            + np.abs(x - 0.3) + np.tanh(y) + np.sinh(x / 3) + np.cosh(y / 3) + np.arctan(x * y)
            + 1 / (1 + np.exp(-(x - y))) + np.pi * np.e * x)


def test_every_function_and_constant_of_the_grammar_means_what_numpy_means():
    P = np.random.default_rng(2).uniform(-3, 3, size=(500, 2))
    np.testing.assert_allclose(make_problem("custom", loss=EVERYTHING).loss(P), everything(P[:, 0], P[:, 1]),
                               rtol=1e-13, atol=1e-14)  # terms sum in another order: ~1 ulp of the largest


@pytest.mark.parametrize("text", [EVERYTHING, RETYPED["beale"], "x^3*y - 2^x + y/(1 + x^2)", "sigmoid(3*x)*y^2",
                                  "exp(sin(x*y)) - log(cosh(y))", "-x^2 + 2^3^2*y"])
def test_the_symbolic_gradient_matches_central_differences_on_random_points(text):
    problem = make_problem("custom", loss=text)
    P = np.random.default_rng(3).uniform(-2.5, 2.5, size=(200, 2))
    h = 1e-6
    numeric = np.stack([(problem.loss(P + h * e) - problem.loss(P - h * e)) / (2 * h) for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(problem.grad(P), numeric, rtol=1e-6, atol=1e-6)


def test_caret_is_a_right_associative_power_as_on_paper():
    assert parse_loss("2^3^2*x").expr == parse_loss("512*x").expr
    assert parse_loss("-x^2").expr == parse_loss("-(x**2)").expr


def test_sigmoid_has_a_finite_gradient_far_out_on_both_sides():
    problem = make_problem("custom", loss="sigmoid(1000*x) + y")
    P = np.array([[-1.0, 0.0], [1.0, 0.0]])
    assert problem.grad(P).tolist() == [[0.0, 1.0], [0.0, 1.0]] and problem.loss(P).tolist() == [0.0, 1.0]


def test_constant_and_one_variable_losses_still_give_one_value_per_run():
    P = np.zeros((5, 2))
    assert make_problem("custom", loss="3").loss(P).shape == (5,)
    np.testing.assert_array_equal(make_problem("custom", loss="x").grad(P), np.tile([1.0, 0.0], (5, 1)))


def test_where_the_loss_is_not_finite_the_grid_has_gaps_and_a_run_diverges_honestly():
    problem = make_problem("custom", loss="log(x) + y^2", window="-1:3,-2:2")
    _, _, Z = problem.grid(21)
    assert np.isnan(Z[:, :5]).all() and np.isfinite(Z[:, 6:]).all()
    traj = optimizers.run(problem, "gd", [[0.5, 1.0]], 10, {"eta": 1.0})  # x ← 0.5 − 1/0.5 < 0
    assert traj.diverged_at[0] == 1 and traj.divergence_message() == "diverged at step 1: loss is NaN"


@pytest.mark.parametrize(("text", "message"), [
    ("-2:2", "must look like X0:X1,Y0:Y1"), ("-2:2,3", "must look like LO:HI"), ("a:2,0:1", "is not two numbers"),
    ("2:-2,0:1", "LO must be less than HI"), ("-1e9:0,0:1", r"within ±1e\+06"), ("nan:1,0:1", "within"),
])
def test_a_bad_window_is_refused_naming_it(text, message):
    with pytest.raises(LossError, match=message):
        parse_window(text)


def test_the_window_and_a_default_start_inside_it_come_with_the_problem():
    problem = make_problem("custom", loss="x^2 + y^2", window="-2:2,-1:3")
    assert problem.window == ((-2.0, 2.0), (-1.0, 3.0)) and problem.in_window(problem.start)
    assert problem.describe()["loss"] == "x^2 + y^2" and problem.id == "custom"


def test_a_loss_or_window_for_a_built_in_problem_is_refused():
    with pytest.raises(LossError, match="go with problem custom"):
        make_problem("bowl", loss="x")


# ----------------------------------------------------------------------------- command line
def test_cli_run_of_the_retyped_rosenbrock_writes_the_built_in_rows(tmp_path):
    common = ["--optimizer", "momentum:eta=1e-4,gamma=0.9", "--start=-1.5,2", "--steps", "200"]
    assert cli.main(["run", "--problem", "rosenbrock", *common, "--csv", str(tmp_path / "a.csv")]) == 0
    assert cli.main(["run", "--problem", "custom", "--loss", RETYPED["rosenbrock"], "--window=-2:2,-1:3", *common,
                     "--csv", str(tmp_path / "b.csv")]) == 0
    a, b = (np.genfromtxt(tmp_path / f, delimiter=",", skip_header=1)[:, 1:] for f in ("a.csv", "b.csv"))
    np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("args", "message"), [
    (["--problem", "custom", "--loss", "x.__class__"], "attribute access"),
    (["--problem", "custom", "--loss", "9**9**9"], "would overflow"),
    (["--problem", "custom"], "problem custom needs a loss"),
    (["--problem", "custom", "--loss", "x", "--window", "1:0,0:1"], "LO must be less than HI"),
    (["--problem", "bowl", "--loss", "x"], "go with problem custom"),
])
def test_cli_refuses_a_bad_loss_with_exit_2_and_one_line(args, message, tmp_path, capsys):
    assert cli.main(["run", *args, "--csv", str(tmp_path / "out.csv")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "out.csv").exists()


def test_app_py_refuses_an_injection_with_exit_2_one_line_and_no_canary(tmp_path):
    hostile = f"__import__('os').system('touch {CANARY}')"
    done = subprocess.run([sys.executable, str(ROOT / "app.py"), "run", "--problem", "custom", "--loss", hostile,
                           "--csv", str(tmp_path / "out.csv")], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "attribute access" in lines[0], done.stderr
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / CANARY).exists()


# ----------------------------------------------------------------------------- settings, links, scenario
def test_your_function_scenario_equals_the_built_in_rosenbrock_runs():
    from scenarios.presets import YOUR_FUNCTION
    from scenarios.settings import simulate

    settings = YOUR_FUNCTION.full_settings()
    assert settings["problem"] == "custom" and settings["loss"] == RETYPED["rosenbrock"]
    builtin = {**settings, "problem": "rosenbrock"}
    del builtin["loss"], builtin["window"]
    for typed, ref in zip(simulate(settings), simulate(builtin), strict=True):
        assert typed.label == ref.label and typed.problem == "custom"
        np.testing.assert_allclose(typed.params, ref.params, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(typed.loss, ref.loss, rtol=1e-12, atol=1e-12)


def test_settings_carry_the_loss_and_window_through_a_link():
    from scenarios.settings import from_query, load_settings, to_query

    settings, notices = load_settings({"problem": "custom", "loss": "x^2 + 3*y^2", "window": [[-1, 1], [-2, 2]],
                                       "start": [0.5, 1.0]})
    assert notices == [] and (settings["loss"], settings["window"]) == ("x^2 + 3*y^2", "-1:1,-2:2")
    again, notices = from_query(to_query(settings))
    assert again == settings and notices == []


@pytest.mark.parametrize("loss", ["x.__class__", f"__import__('os').system('touch {CANARY}')", "9**9**9", 3])
def test_a_bad_loss_in_settings_is_refused_strictly_and_replaced_leniently(loss, tmp_path, monkeypatch):
    from optimizers import SpecError
    from scenarios.settings import load_settings

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError, match="^problem: "):
        load_settings({"problem": "custom", "loss": loss})
    settings, notices = load_settings({"problem": "custom", "loss": loss}, strict=False)
    assert settings["problem"] == "sigmoid-2pt" and "loss" not in settings and len(notices) == 1
    assert not (tmp_path / CANARY).exists()


def test_a_loss_in_settings_of_a_built_in_problem_is_refused_or_ignored():
    from optimizers import SpecError
    from scenarios.settings import load_settings

    with pytest.raises(SpecError, match="go with problem custom"):
        load_settings({"problem": "bowl", "loss": "x"})
    settings, notices = load_settings({"problem": "bowl", "loss": "x"}, strict=False)
    assert "loss" not in settings and "ignored loss/window" in notices[0]
