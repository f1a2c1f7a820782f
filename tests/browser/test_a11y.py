"""Accessibility in headless Chromium: every control has a name, the page a language, legends are readable,
and axe-core finds nothing against WCAG 2 A/AA.

Two independent checks of the names: the browser's own accessibility tree (Chrome DevTools
`Accessibility.getFullAXTree`: the names and roles a screen reader gets) and axe-core 4.14 (vendored in
tests/browser/vendor/, MPL-2.0, injected by the test; the app never serves it).
"""

from __future__ import annotations

from pathlib import Path

from app import create_app

from .conftest import js, path_xy, pid, severe_logs, wait_until

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CONTROL_ROLES = {"button", "textbox", "slider", "combobox", "listbox", "checkbox", "radio", "spinbutton",
                 "searchbox", "switch", "menuitem", "tab", "link", "radiogroup", "PopUpButton"}
# axe runs every rule of WCAG 2.0, 2.1 and 2.2 at levels A and AA (and its best practices); none may report.
# These must be among the rules run: names, labels, language, contrast; no focusable element under aria-hidden
# (Dash 4's dropdown, assets/a11y.js), no control inside a control (the optimizer panel's <summary>), a
# scrolled table reachable by keyboard, targets of 24 px.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
NAME_RULES = ["aria-input-field-name", "aria-toggle-field-name", "button-name", "input-button-name", "label",
              "link-name", "select-name", "summary-name", "html-has-lang", "valid-lang", "aria-command-name",
              "label-content-name-mismatch", "aria-allowed-role", "color-contrast", "document-title",
              "aria-hidden-focus", "nested-interactive", "scrollable-region-focusable", "target-size"]


def start(dash_duo) -> None:
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3, 40, what="three trajectories drawn")


def open_everything(dash_duo) -> None:
    """Open every <details> (optimizer panels, export options, analysis) so their controls are in the tree."""
    js(dash_duo, "document.querySelectorAll('details').forEach(d => { d.open = true; });")


def control_names(driver) -> tuple[int, list[str]]:
    """(number of controls in the accessibility tree, descriptions of those without a name)."""
    driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1})
    nodes = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    total, unnamed = 0, []
    for n in nodes:
        role = (n.get("role") or {}).get("value")
        if n.get("ignored") or role not in CONTROL_ROLES:
            continue
        total += 1
        if not ((n.get("name") or {}).get("value") or "").strip():
            node = driver.execute_cdp_cmd("DOM.describeNode", {"backendNodeId": n["backendDOMNodeId"]})["node"]
            attrs = dict(zip(node.get("attributes", [])[::2], node.get("attributes", [])[1::2], strict=True))
            unnamed.append(f"{role} <{node['nodeName'].lower()} id={attrs.get('id')!r} class={attrs.get('class')!r}>")
    return total, unnamed


def axe(dash_duo, tags: list[str]) -> tuple[list[dict], set[str]]:
    """(violations, ids of the rules that ran) of axe-core over the page, rules chosen by tag."""
    js(dash_duo, AXE.read_text())
    dash_duo.driver.set_script_timeout(120)
    found, ran = dash_duo.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}}).then(r => done([
            r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' ') + ': '
                                                                       + n.failureSummary.slice(0, 160))})),
            [...r.passes, ...r.violations, ...r.incomplete, ...r.inapplicable].map(v => v.id)]));
    """, tags)
    return found, set(ran)


def accessible_names(dash_duo, css: str) -> list[str]:
    """Names the accessibility tree gives the elements matching `css` (in document order)."""
    driver = dash_duo.driver
    doc = driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1})
    found = driver.execute_cdp_cmd("DOM.querySelectorAll", {"nodeId": doc["root"]["nodeId"], "selector": css})
    out = []
    for node_id in found["nodeIds"]:
        ax = driver.execute_cdp_cmd("Accessibility.getPartialAXTree", {"nodeId": node_id,
                                                                       "fetchRelatives": False})["nodes"]
        out.append(((ax[0].get("name") or {}).get("value") or "") if ax else "")
    return out


def test_every_control_is_named_the_page_has_a_language_and_legends_are_readable(dash_duo, shot):
    start(dash_duo)
    open_everything(dash_duo)
    wait_until(lambda: control_names(dash_duo.driver)[1] == [], 10, what="every control named")
    total, unnamed = control_names(dash_duo.driver)
    assert total >= 80 and unnamed == [], f"{len(unnamed)} of {total} controls have no accessible name: {unnamed}"
    assert js(dash_duo, "return document.documentElement.lang") == "en"
    # names say what a control is, in words a user sees beside it (not just the current value)
    etas = accessible_names(dash_duo, "[id*='hp-slider'] [role=slider]")
    assert etas[0] == "η of optimizer 1 (Gradient descent)", etas
    problem = accessible_names(dash_duo, "button[id*='\"problem\"']")
    assert problem and problem[0].startswith("problem:") and "sigmoid-2pt" in problem[0], problem
    violations, ran = axe(dash_duo, AXE_TAGS)
    assert set(NAME_RULES) <= ran, set(NAME_RULES) - ran
    assert violations == [], violations
    dash_duo.find_element("#dl-scenario").click()  # an open dropdown: its list (a popover dialog) is named too
    wait_until(lambda: dash_duo.find_elements(".dash-dropdown-content[role=dialog]"), 10, what="the list open")
    violations, _ = axe(dash_duo, AXE_TAGS)
    assert violations == [], violations
    js(dash_duo, "document.activeElement.blur(); document.body.click();")
    sizes = js(dash_duo, """return [...document.querySelectorAll('#dl-contour .legend text.legendtext')]
                            .map(t => parseFloat(getComputedStyle(t).fontSize));""")
    assert sizes and min(sizes) >= 14, sizes
    shot("a11y")
    assert severe_logs(dash_duo) == []


def test_optimizer_summary_holds_only_its_name_and_the_buttons_stay_on_a_closed_panel(dash_duo, shot):
    start(dash_duo)
    assert js(dash_duo, "return document.querySelectorAll('.dl-opt summary button, .dl-opt summary input').length") == 0
    js(dash_duo, "document.querySelector(\"details[data-opt='1']\").open = false;")
    line = js(dash_duo, """const sum = document.querySelector("[data-opt='1'] > summary").getBoundingClientRect();
        return [...arguments].map(css => { const b = document.querySelector(css), r = b.getBoundingClientRect();
            return [b.textContent, r.top >= sum.top - 4 && r.bottom <= sum.bottom + 4, r.left > sum.left + 100,
                    b.offsetParent !== null]; });""", pid(opt=1, type="dup"), pid(opt=1, type="rm"))
    assert line == [["copy", True, True, True], ["✕", True, True, True]], line  # on the summary's line, shown
    shot("closed-panel")
    dash_duo.find_element(pid(opt=1, type="dup")).click()  # copy the closed Momentum panel
    wait_until(lambda: len(path_xy(dash_duo)) == 4, 20, what="a 4th path")
