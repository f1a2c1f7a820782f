"""The pure adapters behind the page's own-problem section: a data set in links (compressed, capped on the
way in), own problems in settings, the surface-grid cache keyed by what the loss is, the loss checker
that never makes a request wait on a slow parse, the upload reader, and the line search's evaluations
column. References are hand-computed (the sigmoid neuron's loss, the bowl's Armijo steps)."""

from __future__ import annotations

import base64
import threading
import zlib

import numpy as np
import pytest

from layouts import callbacks, comparison, figures, own_problem
from optimizers import SpecError
from scenarios.settings import from_query, load_settings, parse_settings, problem_of, simulate, to_query
from scenarios.userdata import (
    MAX_LINK_DATA_BYTES,
    MAX_LINK_DATA_CHARS,
    MAX_LINK_ROWS,
    data_text,
    decode_data,
    encode_data,
)

POINTS = [(0.5, 0.2), (2.5, 0.9), (-1.0, 0.1), (1.5, 0.75)]
CSV = "x,y\n" + "\n".join(f"{x:g},{y:g}" for x, y in POINTS)  # canonical: as data_text writes


def rows(n: int, inputs: int = 1) -> str:
    head = ["x"] if inputs == 1 else [f"x{i + 1}" for i in range(inputs)]
    body = [",".join([*(f"{(i * 7 + j) % 13 - 6.5:.3f}" for j in range(inputs)), f"{(i % 10) / 9:.4f}"])
            for i in range(n)]
    return "\n".join([",".join([*head, "y"]), *body])


def neuron_loss(w: float, b: float, points=POINTS) -> float:
    """½ Σ (y − σ(wx + b))², by hand."""
    return sum(0.5 * (y - 1 / (1 + np.exp(-(w * x + b)))) ** 2 for x, y in points)


def data_url(content: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(content).decode()


# ----------------------------------------------------------------------------- data in links
def test_a_small_data_set_travels_in_the_link_and_reopens_the_same_problem():
    settings, notices = load_settings({"problem": "data", "data": CSV, "steps": 20})
    assert notices == [] and settings["data"] == CSV
    query = to_query(settings)
    assert "data=" in query and "nodata" not in query
    again, notices = from_query(query)
    assert again == settings and notices == []
    assert problem_of(again).loss(np.array([[1.5, -0.5]]))[0] == pytest.approx(neuron_loss(1.5, -0.5), rel=1e-12)


def test_two_hundred_rows_fit_in_a_link_and_two_hundred_and_one_do_not():
    at_cap, over = rows(MAX_LINK_ROWS, 4), rows(MAX_LINK_ROWS + 1, 4)
    packed = encode_data(at_cap)
    assert packed is not None and len(packed) <= MAX_LINK_DATA_CHARS and decode_data(packed) == at_cap
    assert encode_data(over) is None
    settings, _ = load_settings({"problem": "data", "data": over})
    query = to_query(settings)
    assert "&data=" not in query and f"&nodata={MAX_LINK_ROWS + 1}&" in query
    opened, notices = from_query(query)
    assert opened["problem"] == "sigmoid-2pt"
    assert any("does not include its data (201 rows" in n for n in notices)


def test_a_settings_dict_keeps_a_large_data_set_whole():
    big = rows(10_000)
    settings, notices = load_settings({"problem": "data", "data": big})
    assert notices == [] and settings["data"].count("\n") == 10_000 and problem_of(settings).n_points == 10_000


@pytest.mark.parametrize("value, message", [
    ("", "empty"),
    ("!!!not base64!!!", "not readable"),
    (base64.urlsafe_b64encode(b"plain, not zlib").decode(), "not readable"),
    ("A" * (MAX_LINK_DATA_CHARS + 1), "MAX_LINK_DATA_CHARS"),
    (base64.urlsafe_b64encode(zlib.compress(b"0" * 5_000_000, 9)).decode(), "MAX_LINK_DATA_BYTES"),  # a bomb
    (base64.urlsafe_b64encode(zlib.compress(b"\xff\xfe x,y")).decode(), "not text"),
    (base64.urlsafe_b64encode(zlib.compress(("x,y\n" + "0,0\n" * 201).encode())).decode(), "MAX_LINK_ROWS"),
])
def test_a_bad_data_parameter_is_refused_with_its_reason(value, message):
    with pytest.raises(SpecError, match=message):
        decode_data(value)
    settings, notices = from_query("?problem=data&data=" + value)
    assert settings["problem"] == "sigmoid-2pt" and any(message in n for n in notices)


def test_the_zip_bomb_cap_is_below_what_it_would_unpack_to():
    assert MAX_LINK_DATA_BYTES < 5_000_000 and len(rows(MAX_LINK_ROWS, 4).encode()) < MAX_LINK_DATA_BYTES


def test_bad_data_in_settings_names_row_and_column_strictly_and_falls_back_leniently():
    bad = "x,y\n0.5,0.2\n1.0,abc\n"
    with pytest.raises(SpecError, match="row 2, column y"):
        load_settings({"problem": "data", "data": bad})
    settings, notices = load_settings({"problem": "data", "data": bad}, strict=False)
    assert settings["problem"] == "sigmoid-2pt" and "data" not in settings and "row 2, column y" in notices[0]
    with pytest.raises(SpecError, match="goes with problem data"):
        load_settings({"problem": "bowl", "data": CSV})


def test_data_text_writes_numbers_that_read_back_exactly():
    X = np.array([[0.1], [1 / 3], [-2.5e-7]])
    Y = np.array([0.0, 2 / 3, 1.0])
    settings, _ = load_settings({"problem": "data", "data": data_text(X, Y)})
    problem = problem_of(settings)
    assert np.array_equal(problem.X, X) and np.array_equal(problem.Y, Y)


# ----------------------------------------------------------------------------- the grid cache
def test_two_typed_losses_with_the_same_window_get_their_own_grids():
    a, _ = load_settings({"problem": "custom", "loss": "x^2 + y^2", "window": "-1:1,-1:1"})
    b, _ = load_settings({"problem": "custom", "loss": "x^2 + 2*y^2", "window": "-1:1,-1:1"})
    ga, gb = figures.surface_grid(problem_of(a), n=5), figures.surface_grid(problem_of(b), n=5)
    xs, ys = np.array(ga["xs"]), np.array(ga["ys"])
    np.testing.assert_allclose(ga["z"], xs[None, :] ** 2 + ys[:, None] ** 2, rtol=1e-6)
    np.testing.assert_allclose(gb["z"], xs[None, :] ** 2 + 2 * ys[:, None] ** 2, rtol=1e-6)
    assert figures.grid_key(problem_of(a)) != figures.grid_key(problem_of(b))
    c, _ = load_settings({"problem": "custom", "loss": "x^2 + y^2", "window": "-2:2,-1:1"})
    assert figures.surface_grid(problem_of(c), n=5)["xs"][0] == -2  # the window is part of the key


def test_two_data_sets_get_their_own_grids_and_the_same_data_shares_one():
    other = "x,y\n" + "\n".join(f"{x},{1 - y:.2f}" for x, y in POINTS)
    a, _ = load_settings({"problem": "data", "data": CSV})
    b, _ = load_settings({"problem": "data", "data": other})
    ga, gb = figures.surface_grid(problem_of(a), n=3), figures.surface_grid(problem_of(b), n=3)
    w, b0 = ga["xs"][0], ga["ys"][0]
    assert ga["z"][0, 0] == pytest.approx(neuron_loss(w, b0), rel=1e-6)
    flipped = [(x, 1 - y) for x, y in POINTS]
    assert gb["z"][0, 0] == pytest.approx(neuron_loss(w, b0, flipped), rel=1e-6)
    same = data_text(problem_of(a).X, problem_of(a).Y)
    assert figures.grid_key(own_problem_of(same)) == figures.grid_key(problem_of(a))
    assert figures.grid_key(problem_of(a)) != figures.grid_key(problem_of(b)) != ("sigmoid-2pt",)


def own_problem_of(text: str):
    from surfaces import make_problem
    return make_problem("data", data=text.encode())


def test_a_new_typed_loss_changes_the_drawn_key_so_the_figures_are_redrawn():
    a, _ = load_settings({"problem": "custom", "loss": "x^2 + y^2"})
    b, _ = load_settings({"problem": "custom", "loss": "x^2 + y^4"})
    assert callbacks.structure(a) != callbacks.structure(b) and callbacks.common(a) != callbacks.common(b)
    c, _ = load_settings({"problem": "data", "data": CSV})
    d, _ = load_settings({"problem": "data", "data": CSV.replace("0.9", "0.8")})
    assert callbacks.structure(c) != callbacks.structure(d)


# ----------------------------------------------------------------------------- the loss checker
def test_a_slow_parse_answers_pending_and_the_result_comes_on_a_later_ask(monkeypatch):
    release = threading.Event()

    def slow(text):
        release.wait(30)
        return ("slow one", 3)

    monkeypatch.setattr(own_problem, "loss_problem", slow)
    checker = own_problem.LossChecker(wait=0.01)
    assert checker.check("x^2") == (False, None)  # the request does not wait for the parse
    assert checker.check("x^2") == (False, None)  # nor does the poll; the same parse is not started twice
    release.set()
    checker.wait = 30
    assert checker.check("x^2") == (True, ("slow one", 3))


def test_the_checker_bounds_its_queue_and_its_memory(monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(own_problem, "loss_problem", lambda text: release.wait(30) and None)
    checker = own_problem.LossChecker(wait=0.0, size=3, pending=2)
    for text in ("a", "b", "c", "d"):
        assert checker.check(text) == (False, None)
    assert len(checker._futures) == 2  # c and d were not queued: the browser asks again
    release.set()
    for future in list(checker._futures.values()):
        future.result(30)
    checker.wait = 30
    for text in ("e", "f", "g", "h"):
        assert checker.check(text) == (True, None)
    assert len(checker._futures) == 3


def test_the_checker_reports_the_first_bad_column():
    checker = own_problem.LossChecker(wait=30)
    assert checker.check("(1 - x)^2 + 100*(y - x^2)^2") == (True, None)
    done, (message, column) = checker.check("x + y.real")
    assert done and column == 5 and "attribute access" in message
    feedback = own_problem.loss_feedback("x + y.real", (message, column))
    marked = feedback.children[1].children
    assert marked[0] == "x + " and marked[1].children == "y" and marked[2] == ".real"


# ----------------------------------------------------------------------------- settings from the page
def test_a_typed_loss_keeps_the_start_only_while_the_window_stays():
    first, _ = load_settings({"problem": "custom", "loss": "x^2", "window": "-1:1,-1:1", "start": [0.5, 0.5]})
    same, _ = parse_settings(own_problem.typed_settings(first, "x^2 + y^2", "-1:1,-1:1"))
    moved, _ = parse_settings(own_problem.typed_settings(first, "x^2 + y^2", "-4:4,-4:4"))
    assert same["start"] == [0.5, 0.5] and same["loss"] == "x^2 + y^2"
    assert moved["start"] == pytest.approx([-4 + 0.8, -4 + 6.4])
    builtin, _ = load_settings({"problem": "bowl"})
    typed, _ = parse_settings(own_problem.typed_settings(builtin, "x*y", None))
    assert typed["problem"] == "custom" and typed["window"] == "-5:5,-5:5"


def test_an_upload_becomes_a_data_problem_with_the_neurons_start():
    text = own_problem.read_csv_upload(data_url(CSV.encode()), "mine.csv")
    four = own_problem.read_csv_upload(data_url(rows(30, 4).encode()), "four.csv")
    settings, _ = load_settings({"problem": "sigmoid-2pt"})
    new, notices = parse_settings(own_problem.data_settings(settings, text))
    assert notices == [] and new["problem"] == "data" and new["start"] == [0.0, 0.0]
    new4, _ = parse_settings(own_problem.data_settings(new, four))
    assert new4["start"] == [0.0] * 5 and new4["view"]["dims"] == [0, 1]
    assert [t.loss[0, 0] for t in simulate({**new, "steps": 0})] == [pytest.approx(neuron_loss(0, 0))] * 3


@pytest.mark.parametrize("content, message", [
    (b"x,y\n0.5,0.2\n1.0,1.5\n", "mine.csv, row 2, column y"),
    (b"x,z\n1,0\n", "column 2 is 'z'"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text CSV"),
    (b"", "empty"),
])
def test_a_bad_upload_gets_one_message_naming_the_place(content, message):
    with pytest.raises(SpecError, match=message):
        own_problem.read_csv_upload(data_url(content), "mine.csv")


def test_an_upload_over_the_size_cap_is_refused_before_it_is_decoded():
    huge = "data:text/csv;base64," + "A" * 1_400_000
    with pytest.raises(SpecError, match="MAX_UPLOAD_BYTES"):
        own_problem.read_csv_upload(huge, "big.csv")
    with pytest.raises(SpecError, match="empty"):
        own_problem.read_csv_upload(None, ["not", "a", "name"])


def test_the_link_note_says_plainly_when_the_data_is_not_included():
    assert "carries these 4 rows" in own_problem.link_note(CSV)
    assert "does NOT include this data (201 rows" in own_problem.link_note(rows(201))


# ----------------------------------------------------------------------------- line search in the table
def test_the_table_counts_loss_evaluations_per_step_of_a_line_search():
    """x² + y² from (1, 2), GD with η₀ = 1: step 1 tries η = 1 (L stays 5, refused) and 0.5 (lands on 0):
    2 evaluations; then every step is accepted at once: (2 + 1 + 1 + 1) / 4 = 1.25."""
    settings, _ = load_settings({"problem": "custom", "loss": "x^2 + y^2", "start": [1, 2], "steps": 4,
                                 "optimizers": ["gd:eta=1|schedule=armijo", "gd:eta=0.1"]})
    trajs = simulate(settings)
    np.testing.assert_array_equal(trajs[0].eta[1:, 0], [0.5, 1, 1, 1])  # the accepted η the η plot shows
    table_rows = [row for i, t in enumerate(trajs) for row in comparison.metric_rows([t], problem_of(settings), i)]
    assert table_rows[0]["evals"] == 1.25 and "evals" not in table_rows[1]
    head = [th.children for th in comparison.table(table_rows).children[0].children.children]
    assert head[-1] == "loss evals / step"
    assert "loss evals / step" not in str(comparison.table(table_rows[1:]))


def test_a_settings_file_keeps_a_data_set_too_large_for_a_link():
    import json

    from layouts import share

    settings, _ = load_settings({"problem": "data", "data": rows(10_000)})
    text = json.dumps(settings, indent=2, ensure_ascii=False) + "\n"  # what "Save settings" writes
    assert len(text.encode()) > 64_000
    back, notices = share.load_upload("data:application/json;base64," + base64.b64encode(text.encode()).decode(),
                                      "saved.json")
    assert back == settings and notices == []
    padded = json.dumps({**settings, "view": {**settings["view"], "note": "y" * 100}, "x": "z" * 70_000})
    with pytest.raises(SpecError):  # the rest of the settings still has to fit MAX_SETTINGS_BYTES
        share.load_upload("data:application/json;base64," + base64.b64encode(padded.encode()).decode(), "f.json")
