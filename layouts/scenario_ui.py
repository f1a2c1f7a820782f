"""Scenarios on the page: the picker (grouped as the course goes), the explanation card with MathJax
equations and "what to notice", presentation mode, and the two interactive scenarios that are not a
race (guess the parameters, guess the 3-D surface from its contours).

Loading a scenario = replacing the SETTINGS store and bumping REVISION, exactly like a link or a
settings file: the control panel and the figures follow by themselves. The browser only ever names a
scenario (looked up among the presets) or types two numbers (the guess), both parsed before use.
"""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from scenarios import schema
from scenarios.presets import GROUPS, SCENARIO_BY_ID, SCENARIOS
from scenarios.settings import VIEW_PANELS
from surfaces import get_problem

from . import ids, theme
from .guard import guarded

# A view's `panels` hint (scenarios.settings.VIEW_PANELS) -> what shows it: the lower row's plots (the η plot
# draws the effective learning rate, dashed) and the step inspector (the optimizer's state at a step).
HINTED = (ids.LOSS, ids.ETA, ids.PARAMS, ids.FIT, ids.INSPECTOR)
PANEL_OF = {"loss": 0, "eta": 1, "lr": 1, "params": 2, "fit": 3, "state": 4}
assert set(PANEL_OF) == set(VIEW_PANELS)
PLAIN = ({"height": "260px"},) * 4 + ({},)  # as layouts/page.py lays them out
HINT = {"outline": "3px solid #0072B2", "outlineOffset": "1px", "minHeight": "2.5em"}  # outside the plot (over it)
# the named ones first in the row (in the order named), framed; the others as the page has them
PANELS_JS = ("""function (settings) {
    var named = ((settings || {}).view || {}).panels, at = {}, of = OF, hint = HINT;
    (Array.isArray(named) ? named : []).forEach(function (p, n) {
        var i = of[p];
        if (typeof i === "number" && !(i in at)) at[i] = n;
    });
    return PLAIN.map(function (plain, i) {
        return i in at ? Object.assign({}, plain, hint, {order: at[i] - 10}) : plain;
    });
}""".replace("OF", json.dumps(PANEL_OF)).replace("HINT", json.dumps(HINT)).replace("PLAIN", json.dumps(PLAIN)))

# the course's guess table: (w, b, loss as the slides print it)
GUESS_LIMIT = 50.0  # |w|, |b| of a guess (the table and the figure stay readable)
GUESS_TABLE = ((0.50, 0.00, "0.0730"), (-0.10, 0.00, "0.1481"), (0.94, -0.94, "0.0214"), (1.42, -1.73, "0.0028"),
               (1.65, -2.08, "0.0003"), (1.78, -2.27, "0.0000"))


def picker_options() -> list[dict]:
    """Dropdown options in course order, each group introduced by a disabled header."""
    options = []
    for group in GROUPS:
        options.append({"label": f"— {group} —", "value": f"group:{group}", "disabled": True})
        options += [{"label": s.title, "value": s.id} for s in SCENARIOS if s.group == group]
    return options


def scenario_bar() -> html.Div:
    return html.Div([
        html.Label("Scenario", htmlFor=ids.SCENARIO, className="dl-label"),
        dcc.Dropdown(id=ids.SCENARIO, options=picker_options(), placeholder="load a course demo…",
                     clearable=True, searchable=True, className="dl-scenario-picker"),
        html.Button("◀ prev", id=ids.SCENARIO_PREV, className="dl-button", title="previous scenario (p)"),
        html.Button("next ▶", id=ids.SCENARIO_NEXT, className="dl-button", title="next scenario (n)"),
        html.Button("Presentation", id=ids.PRESENT, className="dl-button",
                    title="hide the controls, enlarge the plots (Esc leaves)"),
    ], className="dl-scenario-bar")


def explanation_card() -> html.Div:
    return html.Div([
        html.Div(id=ids.SCENARIO_TEXT),
        html.Div(guess_panel(), id=ids.GUESS_PANEL, style={"display": "none"}),
        html.Div(id=ids.QUIZ_PANEL, style={"display": "none"}),
    ], id=ids.SCENARIO_CARD, className="dl-card dl-explain", style={"display": "none"})


def explanation(scenario) -> list:
    return [
        html.H2(scenario.title),
        html.P(f"{scenario.group} · {scenario.source}", className="dl-hint"),
        dcc.Markdown(scenario.explanation, mathjax=True, className="dl-md"),
        html.H3("What to notice"),
        dcc.Markdown(scenario.notice, mathjax=True, className="dl-md dl-notice-text"),
    ]


# ----------------------------------------------------------------------------- guess the parameters
def guess_panel() -> list:
    return [
        html.Div([
            html.Label("w", htmlFor=ids.GUESS_W, className="dl-label"),
            dcc.Input(id=ids.GUESS_W, type="number", value=0.5, step=0.01, debounce=False, className="dl-num"),
            html.Label("b", htmlFor=ids.GUESS_B, className="dl-label"),
            dcc.Input(id=ids.GUESS_B, type="number", value=0.0, step=0.01, debounce=False, className="dl-num"),
            html.Span(id=ids.GUESS_LOSS, className="dl-big"),
        ], className="dl-guess-inputs"),
        dcc.Graph(id=ids.GUESS_FIT, config={"displaylogo": False}, style={"height": "300px"}),
        html.Table(id=ids.GUESS_TABLE, className="dl-table"),
    ]


def guess_figure(w: float, b: float) -> tuple[go.Figure, float]:
    problem = get_problem("sigmoid-2pt")
    xs = np.linspace(-1, 4, 200)
    f = problem.predict(np.array([[w, b]]), xs[:, None])[0]
    loss = float(problem.loss(np.array([[w, b]]))[0])
    fig = go.Figure([
        go.Scatter(x=xs, y=f, mode="lines", name=f"σ({w:g}·x + {b:g})", line=dict(width=3, color=theme.color(0))),
        go.Scatter(x=problem.X[:, 0], y=problem.Y, mode="markers", name="data",
                   marker=dict(size=14, color=theme.color(1), line=dict(color="black", width=1))),
    ])
    for x, y, fx in zip(problem.X[:, 0], problem.Y, problem.predict(np.array([[w, b]]), problem.X)[0], strict=True):
        fig.add_shape(type="line", x0=x, x1=x, y0=y, y1=fx, line=dict(dash="dot", color=theme.DIVERGED, width=2))
    fig.update_layout(template=theme.TEMPLATE, xaxis_title="x", yaxis_title="f(x)", yaxis_range=[-0.05, 1.05],
                      margin=dict(l=50, r=10, t=10, b=40), legend=dict(x=0.01, y=0.99))
    return fig, loss


def guess_table(current: tuple[float, float]) -> list:
    """The slides' table with our computed loss beside theirs (they rounded 3 rows up or down a
    digit: 0.0730 is 0.0731), and the user's own guess as the last row."""
    problem = get_problem("sigmoid-2pt")
    rows = [*GUESS_TABLE, (*current, "your guess")]
    losses = problem.loss(np.array([(w, b) for w, b, _ in rows], dtype=float))
    head = html.Thead(html.Tr([html.Th("w"), html.Th("b"), html.Th("slides"), html.Th("L(w, b)")]))
    body = [html.Tr([html.Td(f"{w:.2f}"), html.Td(f"{b:.2f}"), html.Td(printed), html.Td(f"{loss:.4f}")],
                    className="dl-mine" if i == len(GUESS_TABLE) else "")
            for i, ((w, b, printed), loss) in enumerate(zip(rows, losses, strict=True))]
    return [head, html.Tbody(body)]


# ----------------------------------------------------------------------------- contour quiz
def quiz_panel(quiz: dict, revealed: bool) -> list:
    answer = get_problem(quiz["answer"])
    xs, ys, Z = answer.grid(81)
    contour = go.Figure(go.Contour(x=xs, y=ys, z=np.log10(Z + 1e-3) if answer.log_color else Z, ncontours=18,
                                   colorscale="Viridis", showscale=False, contours=dict(coloring="lines"),
                                   line=dict(width=2)))
    contour.update_layout(template=theme.TEMPLATE, title="Which surface has these contours?",
                          margin=dict(l=40, r=10, t=40, b=40))
    cards = []
    for i, name in enumerate(quiz["choices"]):
        problem = get_problem(name)
        gx, gy, gz = problem.grid(41)
        fig = go.Figure(go.Surface(x=gx, y=gy, z=gz, colorscale="Viridis", showscale=False))
        fig.update_layout(margin=dict(l=0, r=0, t=30, b=0), title=f"{chr(65 + i)}",
                          scene=dict(xaxis_title="", yaxis_title="", zaxis_title=""), font=dict(size=14))
        right = revealed and name == quiz["answer"]
        cards.append(html.Div([dcc.Graph(figure=fig, config={"displayModeBar": False}, style={"height": "220px"}),
                               html.Div(problem.name if revealed else "", className="dl-quiz-name")],
                              className="dl-quiz-card" + (" dl-quiz-right" if right else "")))
    return [dcc.Graph(figure=contour, config={"displaylogo": False}, style={"height": "340px"}),
            html.Div(cards, className="dl-quiz-grid"),
            html.Button("Reveal", id=ids.QUIZ_REVEAL, className="dl-button", n_clicks=1 if revealed else 0)]


# ----------------------------------------------------------------------------- callbacks
def scenario_named(name):
    """The preset called `name`, or None for anything else the browser may send."""
    return SCENARIO_BY_ID.get(name) if isinstance(name, str) else None


def register_scenario_callbacks(app) -> None:
    order = [s.id for s in SCENARIOS]

    @app.callback(Output(ids.SETTINGS, "data", allow_duplicate=True),
                  Output(ids.REVISION, "data", allow_duplicate=True),
                  Output(ids.SCENARIO_TEXT, "children"), Output(ids.SCENARIO_CARD, "style"),
                  Output(ids.GUESS_PANEL, "style"), Output(ids.QUIZ_PANEL, "style"),
                  Output(ids.QUIZ_PANEL, "children"),
                  Input(ids.SCENARIO, "value"), State(ids.REVISION, "data"), prevent_initial_call=True)
    @guarded()
    def load(name, revision):
        if not name:
            return no_update, no_update, [], {"display": "none"}, {"display": "none"}, {"display": "none"}, []
        scenario = scenario_named(name)
        if scenario is None:
            raise PreventUpdate
        settings = scenario.full_settings()
        mode = settings["view"].get("mode")
        quiz = scenario.view.get("quiz")
        return (settings, schema.count(revision) + 1, explanation(scenario), {}, {} if mode == "guess" else
                {"display": "none"}, {} if quiz else {"display": "none"}, quiz_panel(quiz, False) if quiz else [])

    @app.callback(Output(ids.SCENARIO, "value"), Input(ids.SCENARIO_PREV, "n_clicks"),
                  Input(ids.SCENARIO_NEXT, "n_clicks"), State(ids.SCENARIO, "value"), prevent_initial_call=True)
    @guarded()
    def step_through(_prev, _next, current):
        from dash import ctx

        k = order.index(current) if current in order else -1
        k = k - 1 if ctx.triggered_id == ids.SCENARIO_PREV else k + 1
        return order[k % len(order)]

    @app.callback(Output(ids.GUESS_FIT, "figure"), Output(ids.GUESS_LOSS, "children"),
                  Output(ids.GUESS_TABLE, "children"), Input(ids.GUESS_W, "value"), Input(ids.GUESS_B, "value"))
    @guarded(ids.GUESS_LOSS)
    def guess(w, b):
        if not (schema.is_number(w) and schema.is_number(b)):
            return no_update, "type two numbers", no_update
        w, b = float(np.clip(w, -GUESS_LIMIT, GUESS_LIMIT)), float(np.clip(b, -GUESS_LIMIT, GUESS_LIMIT))
        fig, loss = guess_figure(w, b)
        return fig, f"L({w:g}, {b:g}) = {loss:.4f}", guess_table((w, b))

    @app.callback(Output(ids.QUIZ_PANEL, "children", allow_duplicate=True), Input(ids.QUIZ_REVEAL, "n_clicks"),
                  State(ids.SCENARIO, "value"), prevent_initial_call=True)
    @guarded()
    def reveal(n, name):
        scenario = scenario_named(name)
        if not n or scenario is None or "quiz" not in scenario.view:
            raise PreventUpdate
        return quiz_panel(scenario.view["quiz"], True)

    # a scenario's (or link's) panels hint: drawn in the browser from SETTINGS, whatever brought the view
    app.clientside_callback(PANELS_JS, *[Output(gid, "style") for gid in HINTED], Input(ids.SETTINGS, "data"))

    app.clientside_callback(
        """function(n, cls) {
            const on = (n || 0) % 2 === 1;
            document.body.classList.toggle('dl-present', on);
            window.dispatchEvent(new Event('resize'));
            if (window.dlPresent) window.dlPresent(on);  // assets/present.js: plot text at 20 px
            return on ? 'Leave presentation' : 'Presentation';
        }""",
        Output(ids.PRESENT, "children"), Input(ids.PRESENT, "n_clicks"), State(ids.PRESENT, "className"),
        prevent_initial_call=True)
