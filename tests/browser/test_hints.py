"""A scenario's view hints (issue 11, D13): `x_axis: "epoch"` draws the step plots against epochs (each run's
updates per epoch from its batch mode) and `panels` puts the plots it names first in the lower row, framed; the
other plots stay as the page has them. Read from what the browser drew (Plotly's full layout and data, the DOM).
"""

from __future__ import annotations

from .conftest import js, pid, severe_logs, wait_until
from .test_defects import settled, start
from .test_scenarios_page import choose

LOWER = ("dl-loss", "dl-eta", "dl-params", "dl-fit")

AXIS = """
const g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
const title = g.querySelector('.xtitle');
return {title: title ? title.textContent : null, range: g._fullLayout.xaxis.range,
        ends: g.data.filter(t => t.meta && t.meta.at === 'all').map(t => Math.max(...t.x)),
        ticks: [...g.querySelectorAll('.xtick text')].map(t => t.textContent)};
"""

PANELS = """
return arguments[0].map(id => {
  const el = document.getElementById(id), r = el.getBoundingClientRect(), cs = getComputedStyle(el);
  const g = el.querySelector('.js-plotly-plot');
  return {id: id, left: r.left, top: r.top, width: r.width, height: r.height, shown: cs.display !== 'none'
          && cs.visibility !== 'hidden', framed: cs.outlineStyle === 'solid' && parseFloat(cs.outlineWidth) >= 2,
          traces: g && g.data ? g.data.map(t => t.name || '') : []};
});
"""


def axis(dash_duo, gid: str = "dl-loss") -> dict:
    return js(dash_duo, AXIS, gid)


def panels(dash_duo) -> dict:
    return {p["id"]: p for p in js(dash_duo, PANELS, list(LOWER))}


def reading_order(found: dict) -> list[str]:
    return [p["id"] for p in sorted(found.values(), key=lambda p: (round(p["top"]), p["left"]))]


def load(dash_duo, scenario_id: str, title: str) -> None:
    choose(dash_duo, scenario_id)
    wait_until(lambda: title in dash_duo.find_element("#dl-scenario-text").text, 20, what=f"{scenario_id} loaded")
    settled(dash_duo)


def test_scenario_hints_draw_epochs_and_show_the_panels_they_name(dash_duo, shot):
    start(dash_duo)
    assert axis(dash_duo)["title"] == "step"
    before = panels(dash_duo)
    assert not any(p["framed"] for p in before.values()) and reading_order(before) == list(LOWER)

    # stochastic vs full batch: 300 updates each are 300, 100 and 150 epochs (N = 3 points; batches of 2)
    load(dash_duo, "stochastic-vs-full", "Stochastic vs full-batch")
    found = wait_until(lambda: (lambda a: a if a["title"] == "epoch" else None)(axis(dash_duo)), 20,
                       what="the loss plot against epochs")
    assert [round(e) for e in found["ends"]] == [300, 100, 150]
    assert 290 <= found["range"][1] <= 350 and "300" in found["ticks"]  # ticks in epochs: full batch ends at 300
    for gid in ("dl-eta", "dl-params"):  # every step-indexed plot
        assert axis(dash_duo, gid)["title"] == "epoch"
    assert dash_duo.find_element(pid(name="x_axis", type="g") + " input[value=epoch]").is_selected()
    shown = panels(dash_duo)
    assert shown["dl-loss"]["framed"] and not any(shown[g]["framed"] for g in LOWER[1:])
    assert all(p["shown"] and p["width"] > 100 and p["height"] > 100 for p in shown.values())  # the others stay
    assert reading_order(shown)[0] == "dl-loss"
    js(dash_duo, "document.getElementById('dl-loss').scrollIntoView({block: 'end'})")
    shot("stochastic-epochs")

    # AdaGrad stalls: panels loss and lr -> the loss plot, then the η plot with AdaGrad's effective lr (dashed)
    load(dash_duo, "adagrad-stalls", "AdaGrad stalls")
    wait_until(lambda: axis(dash_duo)["title"] == "step", 20, what="the step axis back (no x_axis hint)")
    shown = wait_until(lambda: (lambda p: p if p["dl-eta"]["framed"] else None)(panels(dash_duo)), 20,
                       what="the lr panel framed")
    assert shown["dl-loss"]["framed"] and not shown["dl-params"]["framed"] and not shown["dl-fit"]["framed"]
    assert reading_order(shown)[:2] == ["dl-loss", "dl-eta"]
    lr = [n for n in shown["dl-eta"]["traces"] if ": lr " in n]
    assert lr == ["AdaGrad (η=0.1): lr w", "AdaGrad (η=0.1): lr b"], shown["dl-eta"]["traces"]
    js(dash_duo, "document.getElementById('dl-loss').scrollIntoView({block: 'end'})")
    shot("adagrad-lr")

    # the control says step again, and switches the axis by itself
    assert dash_duo.find_element(pid(name="x_axis", type="g") + " input[value=step]").is_selected()
    dash_duo.find_element(pid(name="x_axis", type="g") + " input[value=epoch]").click()
    wait_until(lambda: axis(dash_duo)["title"] == "epoch", 20, what="the epoch axis from the control")
    assert [round(e) for e in axis(dash_duo)["ends"]] == [1000]  # AdaGrad on the full batch: an update an epoch

    # a scenario that names params and lr (sparse features): params first, then the η / lr plot
    load(dash_duo, "sparse-features", "Sparse features")
    shown = wait_until(lambda: (lambda p: p if p["dl-params"]["framed"] else None)(panels(dash_duo)), 20,
                       what="the params panel framed")
    assert reading_order(shown)[:2] == ["dl-params", "dl-eta"] and not shown["dl-loss"]["framed"]
    assert severe_logs(dash_duo) == []
