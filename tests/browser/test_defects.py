"""Issue 11's defects D1–D13 as a user meets them, in headless Chromium (each test failed on the old main).

Several defects share one page load (a dash_duo start costs seconds): each assertion names its defect.
Screenshots: tests/browser/artifacts/ (presentation mode at 1280 × 800, side by side 2 × 2).
"""

from __future__ import annotations

import math
import time
from urllib.parse import quote

from app import create_app
from scenarios.settings import defaults, to_query

from .conftest import js, path_xy, pid, severe_logs, traces, type_into, wait_until
from .test_scenarios_page import choose

FOUR = ["gd:eta=1", "momentum:eta=1,gamma=0.9", "nag:eta=1,gamma=0.9", "adam:eta=0.1"]


def start(dash_duo, query: str = "") -> None:
    dash_duo.start_server(create_app())
    if query:
        dash_duo.driver.get(dash_duo.server_url + "/" + query)
    wait_until(lambda: len(path_xy(dash_duo)) >= 1 and all(len(x) > 2 for x, _ in path_xy(dash_duo)), 40,
               what="trajectories drawn")


def link(**changes) -> str:
    s = defaults(changes.pop("problem", None))
    s.update(changes)
    return to_query(s)


def settled(dash_duo) -> None:
    wait_until(lambda: js(dash_duo, "return !document.querySelector('[data-dash-is-loading=\"true\"]')"), 30,
               what="callbacks to finish")
    time.sleep(0.5)


def viewport(dash_duo, width: int, height: int) -> None:
    """Make the page's viewport (not the window) width × height."""
    d = dash_duo.driver
    dw, dh = js(dash_duo, "return [outerWidth - innerWidth, outerHeight - innerHeight]")
    d.set_window_size(width + dw, height + dh)
    wait_until(lambda: js(dash_duo, "return [innerWidth, innerHeight]") == [width, height], 5, what="viewport")


def names(dash_duo, gid: str, at: str) -> list[str]:
    return [t["name"] for t in traces(dash_duo, gid) or [] if t["meta"] and t["meta"].get("at") == at]


def rect(dash_duo, css: str) -> dict:
    return js(dash_duo, "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};", css)


def rects(dash_duo, css: str) -> list[dict]:
    return js(dash_duo, """return [...document.querySelectorAll(arguments[0])].map(a => {
        const r = a.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; });""", css)


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] - 1 and b["left"] < a["right"] - 1 and a["top"] < b["bottom"] - 1 and \
        b["top"] < a["bottom"] - 1


# ----------------------------------------------------------------------------- D10 presentation mode
def test_presentation_mode_has_20px_plot_text_plots_above_the_fold_and_no_debug_button(dash_duo, shot):
    start(dash_duo)
    viewport(dash_duo, 1280, 800)
    choose(dash_duo, "gd-vs-momentum")
    wait_until(lambda: "Momentum escapes" in dash_duo.find_element("#dl-scenario-text").text, 20)
    settled(dash_duo)
    dash_duo.find_element("#dl-present").click()
    wait_until(lambda: js(dash_duo, "return document.body.classList.contains('dl-present')"), 5)
    settled(dash_duo)
    texts = lambda: js(dash_duo, """return [...document.querySelectorAll('.dl-graph .main-svg text')]
        .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
        .map(t => [parseFloat(getComputedStyle(t).fontSize), t.closest('.dl-graph').id, t.textContent.slice(0, 9)]);""")
    sizes = lambda: [t[0] for t in texts()]
    wait_until(lambda: min(sizes()) >= 20, 10, what=f"plot text at 20 px: {[t for t in texts() if t[0] < 20]}")
    assert not [t for t in texts() if t[0] < 20], [t for t in texts() if t[0] < 20]
    gl = js(dash_duo, """const g = document.querySelector('#dl-surface .js-plotly-plot')._fullLayout;
                         return [g.font.size, g.scene.xaxis.tickfont.size, g.scene.zaxis.title.font.size];""")
    assert min(sizes()) >= 20 and min(gl) >= 20, (sorted(sizes())[:5], gl)  # D10: 12–15 px before
    for css in ("#dl-surface", "#dl-contour", ".dl-playbar"):
        assert rect(dash_duo, css)["bottom"] <= 800, css  # D10: plots were below the fold
    visible = js(dash_duo, """return [...document.querySelectorAll('button')].filter(b => b.offsetParent !== null)
                              .map(b => b.textContent.trim().toLowerCase());""")
    assert "ping" not in visible  # D10: a stray debug button in the header
    shot("presentation-1280x800")
    dash_duo.find_element("#dl-present").click()  # leaving restores the page's own sizes
    wait_until(lambda: max(sizes()) < 20, 10, what="page sizes back")
    assert severe_logs(dash_duo) == []


# ----------------------------------------------------------------------------- D2 side by side
def test_side_by_side_2x2_titles_clear_the_panels_and_3d_cameras_follow_each_other(dash_duo, shot):
    start(dash_duo, link(optimizers=FOUR, view={"mode": "side", "dims": [0, 1]}))
    wait_until(lambda: len(path_xy(dash_duo)) == 4, 30, what="four panels")
    settled(dash_duo)
    titles, plots = rects(dash_duo, "#dl-contour .annotation"), rects(dash_duo, "#dl-contour .draglayer .nsewdrag")
    assert len(titles) == 4 and len(plots) == 4
    assert not [(t, p) for t in titles for p in plots if overlaps(t, p)]  # D2: titles ran into the panels
    scenes, titles3d = rects(dash_duo, "#dl-surface .gl-container > div"), rects(dash_duo, "#dl-surface .annotation")
    assert len(scenes) == 4 and not [(t, s) for t in titles3d for s in scenes if overlaps(t, s)]
    shot("side-by-side-2x2")
    eyes = """return ['scene', 'scene2', 'scene3', 'scene4'].map(s => JSON.stringify(document.querySelector(
        '#dl-surface .js-plotly-plot')._fullLayout[s]._scene.getCamera().eye));"""
    before = js(dash_duo, eyes)
    for n in (1, 4):  # drag the first panel, then the last (a mouse drag in page coordinates on its canvas)
        r = rect(dash_duo, f"#dl-surface .gl-container > div:nth-child({n})")
        js(dash_duo, """
            const [x, y] = arguments, c = document.elementFromPoint(x, y);
            const o = {bubbles: true, cancelable: true, view: window, button: 0};
            const ev = (t, x, y, b) => { const i = {...o, clientX: x, clientY: y, buttons: b, pointerId: 1,
                                                    pointerType: 'mouse', isPrimary: true};
                c.dispatchEvent(new PointerEvent('pointer' + t, i)); c.dispatchEvent(new MouseEvent('mouse' + t, i)); };
            ev('down', x, y, 1); for (let i = 1; i < 10; i++) ev('move', x + 8 * i, y + 2 * i, 1);
            ev('up', x + 80, y + 20, 0);
            window.dispatchEvent(new MouseEvent('mouseup', {...o, clientX: x + 80, clientY: y + 20}));
        """, (r["left"] + r["right"]) / 2 - 40, (r["top"] + r["bottom"]) / 2)
        time.sleep(1.5)
    wait_until(lambda: len(set(js(dash_duo, eyes))) == 1 and js(dash_duo, eyes) != before, 10,
               what="every scene at the dragged camera")  # D2: the dragged scene snapped back
    assert severe_logs(dash_duo) == []


# ----------------------------------------------------------------------------- names, table, slider (D11, D12, D3)
def test_legends_and_table_name_runs_in_words_follow_an_eta_edit_and_numbers_never_wrap(dash_duo, shot):
    start(dash_duo)
    want = ["GD (η=1)", "Momentum (η=1, γ=0.9)", "Adam (η=0.1)"]
    assert names(dash_duo, "dl-contour", "upto") == want  # legends showed spec strings "gd:eta=1"
    wait_until(lambda: dash_duo.find_element("#dl-table td").text == want[0], 20, what="table names")
    type_into(dash_duo, pid(type="hp-box", opt=0, name="eta"), "0.5")
    wait_until(lambda: names(dash_duo, "dl-contour", "upto")[0] == "GD (η=0.5)", 20, what="legend follows η")
    wait_until(lambda: names(dash_duo, "dl-loss", "all")[0] == "GD (η=0.5)", 20, what="loss plot name follows η")
    wait_until(lambda: dash_duo.find_element("#dl-table td").text == "GD (η=0.5)", 20, what="table follows η")
    # D11: every number of the comparison table on one line
    lines = js(dash_duo, """return [...document.querySelectorAll('#dl-table td:not(:first-child)')].map(td => {
        const r = document.createRange(); r.selectNodeContents(td);
        return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; });""")
    assert lines and max(lines) == 1, lines
    # D13: the log loss axis writes powers of ten, never SI suffixes (1µ, 10n, 1p)
    ticks = js(dash_duo, "return [...document.querySelectorAll('#dl-loss .ytick text')].map(t => t.textContent)")
    assert ticks and not any(c in "".join(ticks) for c in "µμnp"), ticks
    # D3: steps are whole numbers in the browser (a quantized block decoded 119 as 118.9993)
    xs = [x for t in traces(dash_duo, "dl-loss") if t["meta"] and t["meta"].get("at") == "all" for x in t["x"]]
    assert xs and all(float(x).is_integer() for x in xs), [x for x in xs if not float(x).is_integer()][:5]
    # D12: a refused η leaves the slider where it was, inside its range
    thumb = pid(type="hp-slider", opt=0, name="eta") + " [role=slider]"
    type_into(dash_duo, pid(type="hp-box", opt=0, name="eta"), "1e9")
    settled(dash_duo)
    now, top = (float(dash_duo.find_element(thumb).get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
    assert now <= top and math.isclose(now, math.log10(0.5), abs_tol=0.02), (now, top)
    shot("names-and-table")
    assert severe_logs(dash_duo) == []


# ----------------------------------------------------------------------------- D1, D7, default η
def test_schedule_preview_negative_losses_and_a_default_eta_that_suits_the_problem(dash_duo):
    # D1: a link (or scenario) with a schedule shows its η_t preview at once, not after an η edit
    start(dash_duo, link(optimizers=["gd:eta=1|schedule=step:drop=0.5,every=50"]))
    preview = lambda: (traces(dash_duo, "\\{\\\"opt\\\"\\:0\\,\\\"type\\\"\\:\\\"preview\\\"\\}") or [{}])[0]
    wait_until(lambda: len(preview().get("y") or []) > 2, 20, what="schedule preview drawn")
    ys = preview()["y"]
    assert ys[0] == 1 and min(ys) == 0.5 ** 5  # 300 steps, halved every 50
    # D7: the saddle's loss goes below 0: drawn on a linear axis that says why, not dropped from a log one
    dash_duo.driver.get(dash_duo.server_url + "/" + link(problem="saddle"))
    wait_until(lambda: "L ≤ 0" in js(dash_duo, "return document.querySelector('#dl-loss .js-plotly-plot')"
                                               ".layout.title.text"), 30, what="linear loss axis with a note")
    loss = [y for t in traces(dash_duo, "dl-loss") if t["meta"] and t["meta"].get("at") == "all" for y in t["y"]]
    assert min(v for v in loss if v is not None) < 0
    assert js(dash_duo, "return document.querySelector('#dl-loss .js-plotly-plot')._fullLayout.yaxis.type") == "linear"
    # D9: the model-fit placeholder of an analytic surface fits in its panel
    note, panel = rect(dash_duo, "#dl-fit .annotation"), rect(dash_duo, "#dl-fit")
    assert panel["left"] <= note["left"] and note["right"] <= panel["right"], (note, panel)
    # D9: the 3-D divergence marker is a symbol WebGL draws (its "x" was a glyph missing from the font: a box)
    dash_duo.driver.get(dash_duo.server_url + "/" + link(problem="bowl", optimizers=["gd:eta=2.5"], steps=50))
    wait_until(lambda: "diverged" in dash_duo.find_element("#dl-status").text, 30, what="divergence")
    symbols = js(dash_duo, """return document.querySelector('#dl-surface .js-plotly-plot')._fullData
        .filter(t => t.type === 'scatter3d' && t.meta && t.meta.at === 'div').map(t => t.marker.symbol);""")
    assert symbols and set(symbols) <= {"circle", "square", "diamond"}, symbols
    # D13: NAdam's ψ (torch's momentum decay) has a control in the pytorch convention only
    psi = pid(type="hp-box", opt=0, name="psi")
    for convention, shown in (("lecture", False), ("pytorch", True)):
        dash_duo.driver.get(dash_duo.server_url + "/" + link(optimizers=["nadam:eta=0.1"], convention=convention))
        wait_until(lambda: dash_duo.driver.find_elements("css selector", pid(type="hp-box", opt=0, name="beta2")),
                   30, what="NAdam's controls")
        assert bool(dash_duo.driver.find_elements("css selector", psi)) == shown, convention
    # default η per problem: on ravine, rosenbrock, beale and himmelblau η = 1 diverged at once
    for problem in ("ravine", "rosenbrock", "beale", "himmelblau"):
        dash_duo.driver.get(dash_duo.server_url + "/?problem=" + quote(problem))
        wait_until(lambda: len(path_xy(dash_duo)) == 3, 30, what=f"{problem} drawn")
        settled(dash_duo)
        assert "diverged" not in dash_duo.find_element("#dl-status").text, problem
        finals = [row.find_elements("css selector", "td")[1].text
                  for row in dash_duo.driver.find_elements("css selector", "#dl-table tbody tr")]
        start_loss = js(dash_duo, "return document.querySelector('#dl-loss .js-plotly-plot').data"
                                  ".filter(t => t.meta && t.meta.at === 'all').map(t => t.y[0])")
        assert len(finals) == 3 and all(float(f) < s / 10 for f, s in zip(finals, start_loss, strict=True)), \
            (problem, finals, start_loss)
    assert severe_logs(dash_duo) == []


# ----------------------------------------------------------------------------- D5 exported animation
def test_exported_html_animation_waits_for_play_and_keeps_its_contour_fill_while_playing(dash_duo, tmp_path):
    from io import BytesIO

    from PIL import Image

    from layouts.export import export_bytes

    page = tmp_path / "animation.html"
    page.write_bytes(export_bytes(defaults(), "html"))
    d = dash_duo.driver
    d.get(page.as_uri())
    wait_until(lambda: js(dash_duo, "const g = document.querySelector('.js-plotly-plot');"
                                    "return !!(g && g._fullLayout && g._fullLayout.sliders)"), 20, what="animation")
    active = "return document.querySelector('.js-plotly-plot')._fullLayout.sliders[0].active"

    def shaded() -> float:
        """Share of the plot area that is not white (the contour's fill)."""
        r = rect(dash_duo, ".nsewdrag")
        img = Image.open(BytesIO(d.get_screenshot_as_png())).convert("L")
        box = img.crop((int(r["left"]), int(r["top"]), int(r["right"]), int(r["bottom"])))
        return sum(1 for v in box.getdata() if v < 235) / (box.width * box.height)

    time.sleep(2)
    assert js(dash_duo, active) == 0  # D5: it played on its own
    assert shaded() > 0.9
    js(dash_duo, "document.querySelector('.updatemenu-button').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    wait_until(lambda: js(dash_duo, active) > 3, 10, what="playing")
    fills = []
    for _ in range(3):
        fills.append(shaded())
        time.sleep(0.3)
    assert js(dash_duo, active) > 3 and min(fills) > 0.9, fills  # D5: the fill vanished while it played


# ----------------------------------------------------------------------------- D8 Live mode
def test_live_mode_shows_the_live_runs_numbers_instead_of_stale_ones(dash_duo):
    start(dash_duo)
    settled(dash_duo)
    before = dash_duo.find_element("#dl-table").text
    assert "final loss" in before and "Live" not in before
    dash_duo.find_element("#dl-live-toggle").click()  # the live runs' numbers (tests/browser/test_live_table.py)
    wait_until(lambda: "Live: after" in dash_duo.find_element("#dl-table").text, 20, what="the live table")
    dash_duo.find_element("#dl-live-toggle").click()  # pause, change η: the live numbers stay (no stale ones back)
    wait_until(lambda: "paused" in dash_duo.find_element("#dl-live-label").text, 10, what="paused")
    type_into(dash_duo, pid(type="hp-box", opt=0, name="eta"), "0.5")
    settled(dash_duo)
    assert "Live: after" in dash_duo.find_element("#dl-table").text
    dash_duo.find_element("#dl-live-exit").click()  # exit: the table of the current settings
    wait_until(lambda: dash_duo.find_element("#dl-table td").text == "GD (η=0.5)", 20, what="table after Live")
    assert severe_logs(dash_duo) == []
