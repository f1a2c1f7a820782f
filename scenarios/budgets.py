"""Budgets: every limit on what one request may cost, as named constants.

A request's cost is known before any work starts (DESIGN.md §6): the settings schema clamps or refuses
anything over these, and each refusal message quotes the constant by name and value, so a teacher who
reads "over MAX_PAGE_WORK = 100,000" knows what to change here. Pure Python, no imports: the CLI,
the page and the exports all read their limits from this one module.

Why these values (2-core machine, ~100 students): one main update (engine + figures) should stay
below ~0.5 s. Measured on this machine (busy, so the figures are high): the engine costs 30–75 µs per
update step of one optimizer (its Python loop; 4 Adam × 5,000 steps = 1.5 s), the trajectory payload
~5 µs per run and recorded row (1 × 100 starts × 2,000 steps = 0.9 s), the rest is small. Hence three
numbers: runs drawn at once, run-rows per request, optimizer-steps per request. The course's own
scenarios use at most 2 optimizers × 3,000 steps (6,000 optimizer-steps) and a few hundred run-rows.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------- settings (page, links, files)
MAX_OPTIMIZERS = 12  # optimizers compared at once (one colour each)
MAX_PAGE_STEPS = 5_000  # updates per run on the page (the CLI allows the engine's MAX_STEPS)
MAX_PAGE_STARTS = 100  # runs per optimizer ("starts")
MAX_PAGE_RUNS = 200  # optimizers × starts drawn at once (each run is a trace in six figures)
MAX_PAGE_WORK = 100_000  # runs × (steps + 1) per request: rows computed, packed and sent
MAX_PAGE_LOOP = 15_000  # optimizers × steps per request (the engine's Python loop): 3 × MAX_PAGE_STEPS
MAX_SPEC_CHARS = 300  # one optimizer spec string
MAX_DIM = 16  # parameters of a problem a start may name

# ----------------------------------------------------------------------------- per callback
LIVE_CHUNK = 10  # steps a Live tick advances every run
MAX_LIVE_STEPS = MAX_PAGE_STEPS  # a Live run stops here (and a checkpoint beyond it is refused)
MAX_INSPECT_WORK = MAX_PAGE_WORK  # runs × (steps + 1) the step inspector may recompute

# ----------------------------------------------------------------------------- what the browser may send
MAX_JSON_DEPTH = 20  # nesting of any store / upload (deeper is refused before it is walked)
MAX_JSON_NODES = 50_000  # values in one store / upload (lists, dicts, scalars counted together)
MAX_TEXT_CHARS = 10_000  # one typed value or text field (a spec, a number box, the link's query)
MAX_SETTINGS_BYTES = 64_000  # a settings file / link as JSON text
MAX_UPLOAD_BYTES = 1_000_000  # what dcc.Upload accepts at all (larger: the browser refuses, we say so)
MAX_REQUEST_BYTES = 2_000_000  # one HTTP request body (Flask MAX_CONTENT_LENGTH: larger → 413)

# ----------------------------------------------------------------------------- exports
MAX_EXPORT_PIXELS = 4096 * 4096  # width × height × scale² of one image (PNG / SVG)
MAX_EXPORT_FRAMES = 300  # frames of an animation (HTML / GIF)
MAX_EXPORT_PIXEL_FRAMES = 100_000_000  # width × height × frames of a GIF (~5 bytes each in memory)
MAX_EXPORT_BYTES = 50_000_000  # size of one exported file


def over(what: str, name: str) -> str:
    """The refusal text: what was asked for and the limit, named ("… is over MAX_PAGE_WORK = 100,000")."""
    return f"{what} is over {name} = {globals()[name]:,}"


__all__ = [name for name in dir() if name.startswith("MAX_")] + ["LIVE_CHUNK", "over"]
