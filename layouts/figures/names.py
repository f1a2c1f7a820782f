"""Runs named in words, as every legend, table and title shows them: "Adam (η=0.1, β₁=0.9)", not spec strings.
"""

from __future__ import annotations

from optimizers import SpecError, parse_spec

SHORT_NAMES = {"gd": "GD", "nag": "NAG", "qhm": "QHM"}  # legends: the rest use the optimizer's own name


def run_parts(spec_text: str) -> tuple[str, list[str]]:
    """A spec as a reader names it: ("Adam", ["η=0.1", "β₁=0.9"]) for "adam:eta=0.1,beta1=0.9" — the
    course's symbols for the values the spec sets, then the schedule's and batch mode's names."""
    try:
        spec = parse_spec(spec_text)
    except SpecError:
        return spec_text, []
    opt = spec.optimizer
    parts = []
    for h in opt.hypers:
        if h.name not in spec.hp:
            continue
        v = spec.hp[h.name]
        if h.kind == "bool":
            parts.append(f"{h.symbol} {'on' if v else 'off'}")
        elif h.kind == "choice":
            parts.append(f"{h.symbol} {v}")
        else:  # β₂ = 0.9995 keeps its nines (0.9995 is not 0.9999 or 1)
            parts.append(f"{h.symbol}={float(v):.{6 if h.slider_scale == 'near1' else 4}g}")
    if spec.schedule is not None and spec.schedule.id != "constant":
        parts.append(spec.schedule.id)
    if spec.batch and spec.batch != "full":
        parts.append(spec.batch.replace(":", " "))
    return SHORT_NAMES.get(opt.id, opt.name), parts


def run_name(spec_text: str, run: int | None = None) -> str:
    """Legend and table name of a run: "Adam (η=0.1, β₁=0.9)", "… #2" for the second of several starts."""
    name, parts = run_parts(spec_text)
    text = f"{name} ({', '.join(parts)})" if parts else name
    return text if run is None else f"{text} #{run + 1}"


def short_label(label: str, width: int = 16) -> str:
    """A run's name for a small panel title: the optimizer on its own line, its settings wrapped at commas
    ("momentum:eta=1,gamma=0.9" -> "Momentum<br>η=1, γ=0.9")."""
    head, parts = run_parts(label)
    lines, line = [head], ""
    for part in parts:
        if line and len(line) + len(part) + 2 > width:
            lines.append(line)
            line = part
        else:
            line = f"{line}, {part}" if line else part
    return "<br>".join(lines + [line] if line else lines)
