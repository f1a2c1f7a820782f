"""The page's address: a link carries every setting (DESIGN.md §5) and opens in the first layout.

The renderer's `_dash-layout` request carries the page's address (assets/link_query.js adds it as a header;
the Referer names it too), so `build_page` reads the link (`page_query` → `read_link`) and the page boots with
the link's settings and notices; no later callback replaces them (D4: an edit in the first seconds was lost).

    address ?query ──(build_page: the first layout)──> SETTINGS
    address ?query ──(open_address: back / forward, or a link the layout could not see; what the user
                      changed since the page booted is kept: merge_link)──> SETTINGS (+REVISION)
    SETTINGS ──(link_for: to_query, only when the address no longer describes them)──> address
              (history.pushState, no reload; back / forward re-open the earlier settings)

The pure functions (`read_link`, `open_link`, `first_open`, `link_for`, …) hold the logic; the callbacks
registered by `register_link_callbacks` only adapt them to Dash.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit

from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from optimizers import SpecError, parse_spec
from scenarios import schema
from scenarios.settings import (
    DEFAULT_SETTINGS,
    MAX_OPTIMIZERS,
    defaults,
    from_query,
    parse_settings,
    to_query,
)

from . import controls, ids
from .guard import guarded

log = logging.getLogger(__name__)

SHOW, HIDE = {}, {"display": "none"}


def keep_good_optimizers(search: str) -> tuple[str, list[str]]:
    """The query without its unreadable optimizer specs (and beyond the first MAX_OPTIMIZERS), so that one
    bad `opt` leaves the others standing instead of resetting the whole list."""
    pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True)
    kept, notices = [], []
    for key, value in pairs:
        if key != "opt":
            continue
        try:
            parse_spec(value)
        except SpecError as err:
            notices.append(f"optimizer {value!r} left out: {err}")
            continue
        kept.append(value)
    if len(kept) > MAX_OPTIMIZERS:
        notices.append(f"only the first {MAX_OPTIMIZERS} of {len(kept)} optimizers are shown")
        kept = kept[:MAX_OPTIMIZERS]
    if not notices or not kept:  # nothing to drop, or nothing left: from_query says what happened
        return search, []
    rest = [(k, v) for k, v in pairs if k != "opt"]
    return "?" + urlencode(rest + [("opt", v) for v in kept]), notices


def read_link(search: str | None) -> tuple[dict, list[str]]:
    """Settings described by a URL query; anything missing or bad → its default plus a notice. Never raises."""
    try:
        query, dropped = keep_good_optimizers(search if isinstance(search, str) else "")
        settings, notices = from_query(query)  # the view's dims / mode are checked there too
    except Exception as err:  # a link is user input: whatever it holds, the page opens
        log.warning("unreadable link %r: %s", search, err)
        return defaults(), ["the link could not be read — showing the default view"]
    return settings, dropped + notices


def same_view(a: dict, b: dict) -> bool:
    """Whether two settings show the same thing (a view without dims / mode means the defaults)."""
    def normal(settings: dict) -> str:
        return to_query({**settings, "view": {**DEFAULT_SETTINGS["view"], **(settings.get("view") or {})}})
    return normal(a) == normal(b)


def open_link(search: str | None, settings: dict) -> tuple[dict | None, list[str]]:
    """The address changed (page load, back / forward): the settings to show (None: the current ones
    already are what the link describes) and the link's notices."""
    linked, notices = read_link(search)
    return (None if same_view(linked, settings) else linked), notices


QUERY_HEADER = "X-Descent-Lab-Query"  # assets/link_query.js: the page's location.search on the layout request
MAX_QUERY_HEADER = 64_000  # longer: not read (a link that long would not have loaded the page)


def page_query() -> str | None:
    """The page's query ("?…", or "" for none) when called for the renderer's layout request: from the header
    assets/link_query.js adds, else from the Referer that names the page (the page asks for same-origin
    referrers: `register_share_callbacks`). None when unknown (no request, a request with neither, or a
    header too long): then the page boots locked and `open_address` opens the link."""
    try:
        from flask import has_request_context, request
    except ImportError:  # another server backend: the link opens by callback
        return None
    if not has_request_context():
        return None
    sent = request.headers.get(QUERY_HEADER)
    if isinstance(sent, str):
        return None if len(sent) > MAX_QUERY_HEADER else "?" + sent.lstrip("?") if sent.strip("?") else ""
    if not isinstance(request.referrer, str):
        return None
    query = urlsplit(request.referrer).query
    return "?" + query if query else ""


def merge_link(linked: dict, current: dict, booted: dict) -> dict:
    """The link's settings, except where the user changed the page since it booted (`booted`): those keep
    the user's values, so a link that arrives after an edit never undoes it."""
    return {**linked, **{k: v for k, v in current.items() if booted.get(k) != v}}


def first_open(search: str | None, settings: dict, booted: dict) -> tuple[dict | None, list[str] | None]:
    """The browser's first report of the address. (settings to show or None, notices or None: the layout
    already shows them). A link the layout already opened changes nothing; another (the layout could not
    read it) is merged with what the user changed since the page booted."""
    linked, notices = read_link(search)
    if same_view(linked, booted):
        return None, None
    merged, problems = parse_settings(merge_link(linked, settings, booted))
    if merged is None:  # the user's edits and the link do not fit together: the user's view stays
        return None, notices + ["the link arrived after your edits, which are kept; reload to open the link"]
    return (None if same_view(merged, settings) else merged), notices + problems


def booted_settings(opened) -> dict | None:
    """The settings the page booted with, until the browser first reports the address (LINK_OPENED holds
    their query: `location`); None once opened. From the browser: read leniently like any link."""
    if isinstance(opened, dict) and isinstance(opened.get("booted"), str):
        return read_link(opened["booted"])[0]
    return None


def link_for(search: str | None, settings: dict) -> str | None:
    """SETTINGS changed: the new query for the address, or None when it already describes them. Writing
    only on a real difference is what keeps the address and the settings from chasing each other."""
    return None if same_view(read_link(search)[0], settings) else to_query(settings)


def notice_children(notices: list[str]) -> list:
    return [html.Div(f"Link: {n}", className="dl-link-note") for n in notices]


# ----------------------------------------------------------------------------- components
def location(booted: dict, read: str | None) -> html.Div:
    """The address bar (refresh=False: writing `search` pushes a history entry without reloading), the
    query as last read from it, and until the browser first reports the address, the settings the page
    booted with and the query the layout read them from (LINK_OPENED: {"booted", "read"}; then True)."""
    return html.Div([dcc.Location(id=ids.URL, refresh=False), dcc.Store(id=ids.LINK_QUERY, data=None),
                     dcc.Store(id=ids.LINK_OPENED, data={"booted": to_query(booted), "read": read})])


def link_notice(notices: list[str] = ()) -> html.Div:
    """The link's notices (those of the first layout's link already in it)."""
    return html.Div([html.Div(notice_children(list(notices)), id=ids.LINK_NOTICE_BODY, className="dl-link-notes"),
                     html.Button("×", id=ids.LINK_NOTICE_CLOSE, className="dl-link-close", title="dismiss",
                                 **{"aria-label": "dismiss the link notice"})],
                    id=ids.LINK_NOTICE, className="dl-link-notice", role="status", style=SHOW if notices else HIDE)


# ----------------------------------------------------------------------------- callbacks
READ_ADDRESS_JS = """function(_search, opened) {
    const q = window.location.search, norm = (s) => new URLSearchParams(s || '').toString();
    if (!window.__dlHistory) {
        const seen = window.__dlHistory = {moved: false};
        window.addEventListener('popstate', () => { seen.moved = true; });
    }
    const starting = !!opened && typeof opened === 'object';
    if (!starting && !window.__dlHistory.moved) { return window.dash_clientside.no_update; }
    window.__dlHistory.moved = false;
    const page = document.querySelector('.dl-page');
    if (starting && page && norm(opened.read) !== norm(q)) {
        page.inert = true; page.setAttribute('aria-busy', 'true'); page.style.opacity = '0.6';
    }
    return q;
}"""

UNLOCK_JS = """function(_opened, _notice) {
    const page = document.querySelector('.dl-page');
    if (page && page.getAttribute('aria-busy')) {
        page.inert = false; page.removeAttribute('aria-busy'); page.style.opacity = ''; page.style.pointerEvents = '';
    }
}"""
LOCKED = {"opacity": 0.6, "pointerEvents": "none"}  # a page booted without knowing its address (build_page)


def register_link_callbacks(app) -> None:
    # The first layout holds the link (page_query: the Referer of the layout request; same-origin requests
    # carry the full address, cross-origin ones nothing). The address is also read in the browser
    # (window.location, at start-up and after back / forward, not after our own writes) into LINK_QUERY;
    # `open_address` turns it into SETTINGS — at start-up only what the layout could not see, merged with
    # the user's edits. `write_address` waits until the address is known to describe
    # the booted view, so a link being opened is never overwritten. Two server callbacks, not one: Dash
    # does not run a callback twice in one chain, so the address → SETTINGS step must not sit downstream
    # of `update`.
    if not any(tag.get("name") == "referrer" for tag in app.config.meta_tags):
        app.config.meta_tags.append({"name": "referrer", "content": "same-origin"})
    app.clientside_callback(READ_ADDRESS_JS, Output(ids.LINK_QUERY, "data"), Input(ids.URL, "search"),
                            State(ids.LINK_OPENED, "data"))
    app.clientside_callback(UNLOCK_JS, Input(ids.LINK_OPENED, "data"), Input(ids.LINK_NOTICE_BODY, "children"),
                            prevent_initial_call=True)  # open_address answered (or failed: its message)

    @app.callback(Output(ids.SETTINGS, "data", allow_duplicate=True),
                  Output(ids.REVISION, "data", allow_duplicate=True), Output(ids.LINK_NOTICE_BODY, "children"),
                  Output(ids.LINK_NOTICE, "style"), Output(ids.LINK_OPENED, "data"),
                  Output(ids.CONTROLS, "children", allow_duplicate=True),
                  Output(ids.CONTROLS_SIG, "data", allow_duplicate=True),
                  Input(ids.LINK_QUERY, "data"), State(ids.SETTINGS, "data"), State(ids.REVISION, "data"),
                  State(ids.LINK_OPENED, "data"), prevent_initial_call=True)
    @guarded(ids.LINK_NOTICE_BODY)
    def open_address(query, raw_settings, revision, opened):
        """The address → SETTINGS, with the sidebar of the new settings in the same reply (render_controls
        then has nothing to do): an inert page (READ_ADDRESS_JS) wakes up with the link's controls."""
        settings, _ = parse_settings(raw_settings)
        booted = booted_settings(opened)
        if settings is None:  # the current settings are unusable: whatever the link says replaces them
            new, notices = read_link(query)
        elif booted is not None:  # start-up: the layout opened the link, or the user's edits are merged in
            new, notices = first_open(query, settings, booted)
        else:
            new, notices = open_link(query, settings)
        if new is None and not notices and opened is True:
            raise PreventUpdate  # our own write coming back: keep any notice on show
        shown, revision = notices is not None, schema.count(revision) + 1
        return (no_update if new is None else new, no_update if new is None else revision,
                notice_children(notices) if shown else no_update, (SHOW if notices else HIDE) if shown else no_update,
                True, no_update if new is None else controls.control_panel(new),
                no_update if new is None else controls.signature(new, revision))

    @app.callback(Output(ids.URL, "search"), Input(ids.SETTINGS, "data"), State(ids.URL, "search"),
                  State(ids.LINK_OPENED, "data"), prevent_initial_call=True)
    @guarded()
    def write_address(raw_settings, query, opened):
        """SETTINGS → the address (compared with the address itself: LINK_QUERY is what was last opened)."""
        settings, _ = parse_settings(raw_settings)
        booted = booted_settings(opened)  # before open_address: only when the address is the booted view
        known = opened is True or (booted is not None and isinstance(query, str) and same_view(read_link(query)[0],
                                                                                                 booted))
        new = link_for(query, settings) if known and settings is not None else None
        if new is None:
            raise PreventUpdate
        return new
