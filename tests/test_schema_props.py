"""Property tests of the trust boundary (hypothesis): any JSON in → valid settings or one clear SpecError
out, never another exception; valid settings survive the link and the settings file unchanged; the
request parsers (drawn key, Live store, clicks, steps, JSON shape) never raise on anything."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizers import SpecError
from scenarios import budgets, schema
from scenarios.settings import DEFAULT_SETTINGS, VIEW_MODES, from_query, load_settings, parse_settings, to_query
from surfaces import PROBLEM_IDS, get_problem

PROPS = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(min_value=-(10**20), max_value=10**20)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20)
           | st.sampled_from(["", "nan", "1_0", "0x10", "1e309", "true", "-1", "300", "gd", "adam:eta=-1",
                              "sigmoid-2pt", "lecture", "overlay", "[0, 1]"]))
any_json = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=5), max_leaves=25)
# values that are often nearly right, so the fuzzing reaches past the first check of each key
near = {
    "problem": st.sampled_from(PROBLEM_IDS) | any_json,
    "optimizers": st.lists(st.sampled_from(["gd", "adam:eta=0.1", "nag:eta=x", "momentum|batch=minibatch:0",
                                            "rmsprop|schedule=cosine"]) | any_json, max_size=14) | any_json,
    "start": st.lists(st.floats(-10, 10) | any_json, max_size=5) | any_json,
    "starts": st.integers(-5, 200) | any_json, "steps": st.integers(-5, 10_000) | any_json,
    "shuffle": any_json, "seed": st.integers(-5, 2**33) | any_json, "convention": any_json,
    "view": st.fixed_dictionaries({}, optional={"mode": st.sampled_from(VIEW_MODES) | any_json,
                                                "dims": st.lists(st.integers(-1, 5), max_size=3) | any_json,
                                                "panels": any_json, "lookahead": any_json, "quiz": any_json,
                                                "extra": any_json}) | any_json,
}
settings_like = st.fixed_dictionaries({}, optional=near) | st.dictionaries(st.text(max_size=10), any_json, max_size=4)


def _within_budget(s: dict) -> bool:
    n = len(s["optimizers"])
    return (n * s["starts"] <= budgets.MAX_PAGE_RUNS and n * s["starts"] * (s["steps"] + 1) <= budgets.MAX_PAGE_WORK
            and n * s["steps"] <= budgets.MAX_PAGE_LOOP)


def _is_valid(s: dict) -> None:
    """What every consumer of settings relies on (the types the callbacks and the engine take)."""
    assert set(s) == set(DEFAULT_SETTINGS)
    problem = get_problem(s["problem"])
    assert 1 <= len(s["optimizers"]) <= budgets.MAX_OPTIMIZERS and all(isinstance(o, str) for o in s["optimizers"])
    assert len(s["start"]) == problem.dim and all(type(v) is float for v in s["start"])
    assert all(type(s[k]) is int for k in ("starts", "steps", "seed")) and type(s["shuffle"]) is bool
    assert s["view"]["mode"] in VIEW_MODES and len(s["view"]["dims"]) == 2
    assert _within_budget(s)
    json.dumps(s, allow_nan=False)  # plain, finite JSON


@PROPS
@given(data=settings_like | any_json)
def test_any_json_is_valid_settings_or_one_spec_error(data):
    try:
        s, notices = load_settings(data, strict=True)
    except SpecError as err:
        assert str(err) and "\n" not in str(err) and len(str(err)) < 600
        return
    _is_valid(s)
    assert all(isinstance(n, str) for n in notices)


@PROPS
@given(data=settings_like)
def test_lenient_loading_always_gives_valid_settings(data):
    s, notices = load_settings(data, strict=False)
    _is_valid(s)


@PROPS
@given(data=settings_like | any_json)
def test_the_store_parser_never_raises(data):
    s, messages = parse_settings(data)
    if s is None:
        assert len(messages) == 1 and messages[0].endswith("The view is kept.")
    else:
        _is_valid(s)


@st.composite
def valid_settings(draw) -> dict:
    problem = draw(st.sampled_from(PROBLEM_IDS))
    p = get_problem(problem)
    start = [draw(st.floats(lo, hi, allow_nan=False)) for lo, hi in p.window]
    dims = draw(st.lists(st.integers(0, max(p.dim, 2) - 1), min_size=2, max_size=2, unique=True))
    raw = {"problem": problem,
           "optimizers": draw(st.lists(st.sampled_from(["gd:eta=0.5", "momentum:eta=1,gamma=0.9", "nag",
                                                        "adam:eta=0.1|schedule=cosine", "rmsprop:eta=0.01",
                                                        "adagrad|schedule=step:drop=0.5,every=5"]),
                                       min_size=1, max_size=budgets.MAX_OPTIMIZERS)),
           "start": start, "starts": draw(st.integers(1, budgets.MAX_PAGE_STARTS)),
           "steps": draw(st.integers(0, budgets.MAX_PAGE_STEPS)), "shuffle": draw(st.booleans()),
           "seed": draw(st.integers(0, 2**32 - 1)), "convention": draw(st.sampled_from(["lecture", "pytorch"])),
           "view": {"mode": draw(st.sampled_from(VIEW_MODES)), "dims": dims,
                    **draw(st.fixed_dictionaries({}, optional={"lookahead": st.booleans(),
                                                               "panels": st.just(["loss", "eta"])}))}}
    s, _ = load_settings(raw, strict=True)  # within the budgets (clamped if the draw was over)
    return s


@PROPS
@given(s=valid_settings())
def test_valid_settings_round_trip_through_the_link_and_the_settings_file(s):
    assert from_query(to_query(s)) == (s, [])
    assert load_settings(json.dumps(s), strict=True) == (s, [])
    assert load_settings(s, strict=False) == (s, [])


@PROPS
@given(raw=any_json, n=st.integers(0, 13))
def test_the_drawn_key_parser_never_raises_and_keeps_only_its_own_shape(raw, n):
    drawn = schema.parse_drawn(raw, n)
    assert drawn == {} or (drawn is raw and len(drawn["specs"]) == n)


@PROPS
@given(raw=any_json | st.fixed_dictionaries({"on": st.just(True), "token": any_json}))
def test_the_live_parser_refuses_anything_it_did_not_sign(raw):
    live, why = schema.parse_live(raw, schema.live_serializer(b"k"), 2)
    assert live is None and isinstance(why, str)


@PROPS
@given(raw=any_json, last=st.integers(0, 5000))
def test_clicks_and_step_indices_never_raise(raw, last):
    k = schema.step_index(raw, last)
    assert k is None or 0 <= k <= last
    point = schema.click_point(raw) or schema.click_point({"points": [raw]})
    assert point is None or all(isinstance(v, float) for v in point)


@PROPS
@given(depth=st.integers(1, 5000), width=st.integers(0, 3))
def test_json_shape_check_is_iterative(depth, width):
    value: list = list(range(width))
    for _ in range(depth - 1):
        value = [value]
    problem = schema.json_problem(value)
    assert (problem is None) == (depth <= budgets.MAX_JSON_DEPTH)
