"""`app.py sweep` and `app.py basin` (DESIGN.md §7): parse, run one batched grid, write CSV and/or PNG.

Everything is checked before any output is opened; CSV and PNG are rendered in memory first and
written through cli_files.atomic_output, so a refusal (exit 2, one line) never leaves a file behind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from analysis import MapResult, basin, parse_axis, sweep
from analysis.grid import MAX_AXES, MAX_BASIN, MAX_CELLS
from optimizers import CONVENTIONS, MAX_STEPS, SpecError, parse_spec
from optimizers.hyper import parse_number
from surfaces import PROBLEM_IDS, UnknownProblem, get_problem


def add_parsers(sub) -> None:
    """The two subcommands, on cli.build_parser's subparsers."""
    sweeper = sub.add_parser("sweep", help="one or two hyperparameters over a grid, one batched run")
    _common(sweeper)
    sweeper.add_argument("--vary", action="append", metavar="NAME=LO:HI:N[:log]",
                         help=f"a hyperparameter or schedule.<param>; at most {MAX_AXES}, ≤ {MAX_CELLS} cells")
    sweeper.add_argument("--start", metavar="W,B", help="start point (default: the problem's)")
    sweeper.add_argument("--convention", default="lecture", help="lecture | pytorch")

    basins = sub.add_parser("basin", help="which minimum each start of an N×N grid reaches")
    _common(basins)
    basins.add_argument("--grid", required=True, metavar="N", help=f"N×N starts, 2..{MAX_BASIN}")
    basins.add_argument("--window", metavar="X0:X1,Y0:Y1",
                        help="grid of starts, e.g. --window=-5:5,-5:5 (default: the view window)")
    basins.add_argument("--dims", metavar="I,J", help="the two parameters the grid varies, by index from 0 or by "
                        "name, e.g. --dims 0,4 or --dims w1,b (default: the first two; the others stay at --start)")
    basins.add_argument("--start", metavar="W,B", help="the other parameters' values (default: the problem's start)")
    basins.add_argument("--convention", default="lecture", help="lecture | pytorch")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--problem", required=True, help=f"one of: {', '.join(PROBLEM_IDS)}")
    p.add_argument("--optimizer", required=True, metavar="SPEC", help="ID[:hp=v,...][|schedule=...][|batch=...]")
    p.add_argument("--steps", required=True, help=f"updates per run, 0..{MAX_STEPS}")
    p.add_argument("--target", metavar="LOSS", help="steps_to_target counts steps to loss ≤ LOSS "
                   "(default: the best known minimum's loss + 1e-4)")
    p.add_argument("--csv", metavar="FILE", help="write one row per cell to FILE ('-' for stdout)")
    p.add_argument("--png", metavar="FILE", help="write the map as a PNG (kaleido)")
    p.add_argument("--width", default="900", help="PNG width in CSS px, 200..4000")
    p.add_argument("--height", default="700", help="PNG height in CSS px, 200..4000")


def _whole(text: str, what: str, lo: int, hi: int) -> int:
    value = parse_number(text, what)
    if not value.is_integer() or not lo <= value <= hi:
        raise SpecError(f"{what}={text} must be a whole number in [{lo}, {hi}]")
    return int(value)


def _problem(name: str):
    try:
        return get_problem(name)
    except UnknownProblem as err:
        raise SpecError(str(err)) from None


def _convention(text: str) -> str:
    if text not in CONVENTIONS:
        raise SpecError(f"unknown convention {text!r} (use {' or '.join(CONVENTIONS)})")
    return text


def _target(text: str | None) -> float | None:
    return None if text is None else parse_number(text, "--target")


def _start(text: str | None, problem) -> np.ndarray | None:
    if text is None:
        return None
    coords = [c for c in text.replace(" ", "").split(",") if c != ""]
    if len(coords) != problem.dim:
        raise SpecError(f"--start={text}: {problem.id} needs {problem.dim} coordinates "
                        f"({', '.join(problem.param_names)}), got {len(coords)}")
    return np.array([parse_number(c, f"--start coordinate {c!r}") for c in coords])


def parse_dims(text: str | None, problem) -> tuple[int, int]:
    """'I,J' of parameter indices (from 0) or names -> (i, j); analysis.maps.check_dims checks the pair."""
    if text is None:
        return 0, 1
    parts = [p.strip() for p in text.split(",")]
    names = list(problem.param_names)
    if len(parts) != 2:
        raise SpecError(f"--dims={text}: give two parameters I,J (indices from 0 or names: {', '.join(names)})")
    dims = []
    for part in parts:
        if part in names:
            dims.append(names.index(part))
        elif part.isdigit() and len(part) <= 3:
            dims.append(int(part))
        else:
            raise SpecError(f"--dims={text}: {part[:20]!r} is neither a parameter of {problem.id} "
                            f"({', '.join(f'{i} {n}' for i, n in enumerate(names))}) nor its index")
    return tuple(dims)


def parse_window(text: str | None):
    """'X0:X1,Y0:Y1' -> ((x0, x1), (y0, y1)); the order is checked by analysis.maps.check_window."""
    if text is None:
        return None
    parts = text.replace(" ", "").split(",")
    pairs = [p.split(":") for p in parts]
    if len(parts) != 2 or any(len(p) != 2 for p in pairs):
        raise SpecError(f"--window={text} is not of the form X0:X1,Y0:Y1")
    return tuple(tuple(parse_number(v, "--window") for v in p) for p in pairs)


def sweep_command(args) -> MapResult:
    problem = _problem(args.problem)
    spec = parse_spec(args.optimizer)
    if not args.vary:
        raise SpecError("give --vary NAME=LO:HI:N[:log] (once or twice)")
    if len(args.vary) > MAX_AXES:
        raise SpecError(f"at most {MAX_AXES} --vary axes ({len(args.vary)} given)")
    axes = [parse_axis(text) for text in args.vary]
    steps = _whole(args.steps, "--steps", 0, MAX_STEPS)
    return sweep(problem, spec, axes, steps, start=_start(args.start, problem), target=_target(args.target),
                 convention=_convention(args.convention))


def basin_command(args) -> MapResult:
    problem = _problem(args.problem)
    spec = parse_spec(args.optimizer)
    n = _whole(args.grid, "--grid", 2, MAX_BASIN)
    steps = _whole(args.steps, "--steps", 0, MAX_STEPS)
    return basin(problem, spec, n, steps, window=parse_window(args.window), target=_target(args.target),
                 convention=_convention(args.convention), dims=parse_dims(args.dims, problem),
                 start=_start(args.start, problem))


def describe(result: MapResult) -> str:
    """The one-paragraph answer printed when neither --csv nor --png is given."""
    diverged = int((result.diverged_at >= 0).sum())
    best = int(np.nanargmin(np.where(np.isfinite(result.min_loss), result.min_loss, np.inf)))
    where = ", ".join(f"{k}={v[best]:.6g}" for k, v in result.columns.items())
    reached = result.steps_to_target >= 0
    lines = [f"{result.runs} runs of {result.spec} on {result.problem}, {result.steps} steps: "
             f"{diverged} diverged, {int(reached.sum())} reached loss ≤ {result.target:.6g}",
             f"lowest loss {result.min_loss[best]:.6g} at {where}"]
    if reached.any():
        fast = int(np.argmin(np.where(reached, result.steps_to_target, np.iinfo(int).max)))
        where = ", ".join(f"{k}={v[fast]:.6g}" for k, v in result.columns.items())
        lines.append(f"fastest to the target: {int(result.steps_to_target[fast])} steps at {where}")
    if result.minimum is not None:
        counts = np.bincount(result.minimum[result.minimum >= 0], minlength=len(get_problem(result.problem).minima))
        lines.append("starts reaching each known minimum: " + ", ".join(f"#{i}: {c}" for i, c in enumerate(counts)))
    return "\n".join(lines)


def _check_target(target: str | None, what: str) -> None:
    """Refuse an impossible output path before the (possibly long) computation."""
    if target is None or target == "-":
        return
    path = Path(target)
    if path.is_dir():
        raise SpecError(f"{what} {target!r} is a directory")
    if not path.parent.exists():
        raise SpecError(f"cannot write {target!r}: folder {str(path.parent)!r} does not exist")


def write(result: MapResult, args, kind: str, size: tuple[int, int], atomic_output) -> None:
    """Render everything in memory, then write: a failure leaves no file."""
    payloads = []
    if args.png:
        payloads.append((args.png, "wb", png_bytes(result, kind, *size)))
    if args.csv:
        payloads.append((args.csv, "w", result.to_csv()))
    if not payloads:
        print(describe(result))
    for target, mode, data in payloads:
        with atomic_output(target, mode) as handle:
            handle.write(data)


def png_bytes(result: MapResult, kind: str, width: int, height: int) -> bytes:
    """The map as the page draws it, rendered by kaleido (imported only here: the CLI stays fast)."""
    import plotly.graph_objects as go

    from layouts.analysis.figures import basin_figure, sweep_figure
    from layouts.export import render

    problem = get_problem(result.problem)
    fig = sweep_figure(result) if kind == "sweep" else basin_figure(result, problem)
    fig["layout"].update(width=width, height=height)
    try:
        return render([go.Figure(fig)], "png", 2.0)[0]
    except Exception as err:  # kaleido / Chromium missing or crashed: say so, write nothing
        raise SpecError(f"--png: rendering failed ({type(err).__name__}: {err})".splitlines()[0]) from None


def main(args, atomic_output) -> int:
    """Dispatch from cli.main (its try/except turns SpecError into exit 2)."""
    kind = args.command
    size = _whole(args.width, "--width", 200, 4000), _whole(args.height, "--height", 200, 4000)
    _check_target(args.csv, "--csv")
    _check_target(args.png, "--png")
    if args.csv == "-" and args.png == "-":
        raise SpecError("--csv - and --png - cannot both go to stdout")
    result = sweep_command(args) if kind == "sweep" else basin_command(args)
    write(result, args, kind, size, atomic_output)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run it as: python app.py sweep|basin ...")
