"""D4, without a browser: a link opens in the first layout (the layout request's Referer names the page), and
what opens it later (back / forward, a link the layout could not see) keeps what the user changed."""

from __future__ import annotations

import json

import pytest
from test_budgets import post_main_update

from app import create_app
from layouts import ids, link
from layouts.page import build_page
from scenarios.settings import defaults, to_query

LINKED = {**defaults(), "problem": "himmelblau", "optimizers": ["gd:eta=0.01", "adam:eta=0.1"], "steps": 90,
          "seed": 7}


@pytest.fixture(scope="module")
def client():
    return create_app().server.test_client()


def store_data(layout: dict, cid: str):
    """A component's props in a layout as the server serves it (JSON)."""
    found = []

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if props.get("id") == cid:
                found.append(props)
            for value in props.values():
                walk(value)
    walk(layout)
    assert len(found) == 1, cid
    return found[0]


def test_the_layout_request_opens_the_link_its_referrer_names(client):
    page = f"http://localhost/{to_query(LINKED)}"
    layout = client.get("/_dash-layout", headers={"Referer": page}).get_json()
    assert store_data(layout, ids.SETTINGS)["data"] == LINKED
    assert store_data(layout, ids.LINK_OPENED)["data"] == {"booted": to_query(LINKED), "read": to_query(LINKED)}
    assert store_data(layout, ids.LINK_NOTICE)["style"] == link.HIDE
    contour = json.dumps(store_data(layout, ids.CONTOUR)["figure"], ensure_ascii=False)
    assert "GD (η=0.01)" in contour and "Adam (η=0.1)" in contour  # the link's runs drawn in the first view


def test_an_over_budget_link_opens_clamped_with_its_notice_in_the_layout(client):
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/?problem=himmelblau&steps=1e9"}
                        ).get_json()
    settings = store_data(layout, ids.SETTINGS)["data"]
    assert settings["problem"] == "himmelblau" and settings["steps"] == defaults()["steps"]
    assert store_data(layout, ids.LINK_NOTICE)["style"] == link.SHOW
    assert "MAX_PAGE_STEPS" in json.dumps(store_data(layout, ids.LINK_NOTICE_BODY)["children"])


def test_the_header_of_link_query_js_opens_the_link_even_without_a_referrer(client):
    layout = client.get("/_dash-layout", headers={link.QUERY_HEADER: to_query(LINKED)}).get_json()
    assert store_data(layout, ids.SETTINGS)["data"] == LINKED
    assert layout["props"].get("style") is None  # known: not locked


def test_knowing_nothing_of_the_address_the_page_boots_the_default_view_locked(client):
    layout = client.get("/_dash-layout").get_json()
    assert store_data(layout, ids.SETTINGS)["data"] == defaults()
    assert store_data(layout, ids.LINK_OPENED)["data"] == {"booted": to_query(defaults()), "read": None}
    assert layout["props"]["style"] == link.LOCKED and layout["props"]["aria-busy"] == "true"


def test_page_query_reads_the_referrers_query_only_in_a_request():
    server = create_app().server
    assert link.page_query() is None
    with server.test_request_context("/_dash-layout", headers={"Referer": "http://h/app/?steps=5&seed=2#x"}):
        assert link.page_query() == "?steps=5&seed=2"
    with server.test_request_context("/_dash-layout", headers={"Referer": "http://h/"}):
        assert link.page_query() == ""
    with server.test_request_context("/_dash-layout"):
        assert link.page_query() is None
    headers = {link.QUERY_HEADER: "?steps=7", "Referer": "http://h/?steps=5"}
    with server.test_request_context("/_dash-layout", headers=headers):
        assert link.page_query() == "?steps=7"  # the header first: a Referer may be cut
    with server.test_request_context("/_dash-layout", headers={link.QUERY_HEADER: ""}):
        assert link.page_query() == ""
    with server.test_request_context("/_dash-layout", headers={link.QUERY_HEADER: "?" + "a" * 70_000}):
        assert link.page_query() is None


def test_the_page_asks_for_same_origin_referrers_and_sends_its_address(client):
    index = client.get("/").get_data(as_text=True)
    assert '<meta name="referrer" content="same-origin">' in index and "link_query.js" in index


def test_a_custom_loss_link_fills_the_own_problem_boxes_in_the_layout():
    from layouts import own_problem

    page = build_page("?problem=custom&loss=x**2%2By**2&window=-1:1,-1:1")
    assert (page[own_problem.LOSS].value, page[own_problem.WINDOW].value) == ("x**2+y**2", "-1:1,-1:1")


def test_the_first_report_of_an_address_the_layout_opened_changes_nothing():
    edited = {**LINKED, "optimizers": ["gd:eta=0.02", "adam:eta=0.1"]}  # typed before the report came
    assert link.first_open(to_query(LINKED), edited, LINKED) == (None, None)


def test_a_link_the_layout_could_not_see_keeps_what_the_user_changed_since_boot():
    booted = defaults()
    edited = {**booted, "steps": 120}
    new, notices = link.first_open(to_query(LINKED), edited, booted)
    assert new == {**LINKED, "steps": 120} and notices == []
    assert link.merge_link(LINKED, booted, booted) == LINKED  # nothing changed: the link as it is


def test_edits_that_do_not_fit_the_link_are_kept_and_the_page_says_so():
    booted = defaults()
    edited = {**booted, "start": [0.5, 0.5]}  # a 2-D start, and the link's problem has one parameter
    other = {**defaults(), "problem": "reddi", "start": [0.3]}
    new, notices = link.first_open(to_query(other), edited, booted)
    assert new is None and "your edits, which are kept" in notices[-1]


def test_booted_settings_come_only_from_a_first_report_marker():
    assert link.booted_settings({"booted": to_query(LINKED), "read": None}) == LINKED
    for junk in (True, False, None, {"booted": 3}, "x", [1]):
        assert link.booted_settings(junk) is None
    assert link.booted_settings({"booted": "?steps=-5"}) == defaults()  # read like any link: defaults + notice


def test_the_main_update_does_not_write_back_the_settings_it_was_given(client):
    """An edit that lands while `update` runs (tune writes SETTINGS) must not be undone by its reply."""
    out = post_main_update(client, LINKED).get_json()["response"]
    assert ids.SETTINGS not in out and ids.CONTOUR in out  # drawn in full, the store left as it is
