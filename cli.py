"""The command line of app.py (DESIGN.md §5): serve, list, run (and export, see layouts/export.py).

Every user error — unknown name, bad or out-of-range value, wrong number of start coordinates, an
unwritable path, a full disk, a settings file that is not a small JSON text file — ends with exit
status 2 and one line naming the bad part, never a traceback. A regular output file is written to a
temporary file beside the target and renamed at the end, so nothing is ever half-written; other
targets (stdout, devices, FIFOs) are written directly and never replaced (DESIGN.md §6; cli_files.py
reads and writes the files). Ctrl-C or
SIGTERM during a command removes the temporary file and exits 130 / 143 with one line.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

import analysis_cli
from cli_files import atomic_output, check_output, detach_stdout, read_settings_file, reason, show, write_errors
from optimizers import (
    CONVENTIONS,
    MAX_STEPS,
    OPTIMIZERS,
    SCHEDULES,
    SpecError,
    Trajectory,
    parse_batching,
    parse_schedule,
    parse_spec,
    run_spec,
)
from optimizers.hyper import parse_number
from scenarios import budgets
from surfaces import PROBLEM_IDS, USER_PROBLEMS, ProblemError, get_problem, make_problem

MAX_STARTS = 10_000
TOLERANCE = 1e-4  # "steps to reach 1e-4 of the best loss"


class UsageError(Exception):
    """A bad command line; the message is printed on one line and the exit status is 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise UsageError(f"{self.prog}: {message}")


# ----------------------------------------------------------------------------- parsing
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="app.py", description="Descent Lab: loss surfaces and optimizers.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    serve = sub.add_parser("serve", help="serve the Dash app (the default)")
    _serve_options(serve)
    _serve_options(parser)

    lister = sub.add_parser("list", help="problems, optimizers, schedules and presets")
    lister.add_argument("--json", action="store_true", help="machine-readable output")

    runner = sub.add_parser("run", help="run optimizers and write trajectories")
    runner.add_argument("--problem", default="sigmoid-2pt", help=f"one of: {', '.join(PROBLEM_IDS + USER_PROBLEMS)}")
    runner.add_argument("--loss", metavar="EXPR", help='with --problem custom: f(x, y), e.g. "(1-x)^2 + 100*(y-x^2)^2" '
                                                       '(write --loss="-..." when it starts with a minus)')
    runner.add_argument("--window", metavar="X0:X1,Y0:Y1", help="with --problem custom: the view window (default "
                                                                "-5:5,-5:5)")
    runner.add_argument("--data", metavar="FILE.csv", help="with --problem data: columns x (or x1..x4) and y in [0, 1]")
    runner.add_argument("--optimizer", action="append", metavar="SPEC",
                        help='ID[:hp=v,...][|schedule=...][|batch=...]; repeat to compare (default gd)')
    runner.add_argument("--steps", default="100", help=f"updates per run, 0..{MAX_STEPS}")
    runner.add_argument("--start", action="append", metavar="W,B", help="start point; repeatable")
    runner.add_argument("--starts", metavar="N", help="N seeded random starts in the view window")
    runner.add_argument("--batch", default="full", help="full | stochastic | minibatch:K")
    runner.add_argument("--shuffle", action="store_true", help="reshuffle the data every epoch")
    runner.add_argument("--seed", default="0", help="seed for --shuffle and --starts")
    runner.add_argument("--schedule", default="constant", help="learning-rate schedule spec")
    runner.add_argument("--convention", default="lecture", help="lecture | pytorch")
    runner.add_argument("--csv", metavar="FILE", help="write rows to FILE ('-' for stdout)")
    runner.add_argument("--summary", action="store_true", help="one row per run instead of per step")

    exporter = sub.add_parser("export", help="render a preset or a saved view to a file")
    exporter.add_argument("--preset", help="a scenario id from `list` (or 'default')")
    exporter.add_argument("--settings", metavar="FILE.json", help="settings saved from the page")
    exporter.add_argument("--format", required=True, help="png | svg | html | csv | json | gif")
    exporter.add_argument("-o", "--output", required=True, metavar="FILE", help="output file ('-' for stdout)")
    exporter.add_argument("--plot", default="contour", help="contour | surface | loss (png, svg)")
    exporter.add_argument("--width", default="900", help="pixels (CSS px), 200..4000")
    exporter.add_argument("--height", default="760", help="pixels (CSS px), 200..4000")
    exporter.add_argument("--scale", default="2", help="PNG pixel density, 0.5..8 (2 = 2× width)")
    exporter.add_argument("--frames", default="60", help="GIF / HTML frames, 2..300")
    exporter.add_argument("--theme", default="white", help="white | contrast")
    exporter.add_argument("--title", help="figure title (default: the preset's title)")
    analysis_cli.add_parsers(sub)  # sweep, basin (DESIGN.md §7)
    return parser


def _serve_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=8050, help="TCP port, 1..65535")
    p.add_argument("--debug", action="store_true", help="Dash dev tools and reloader (loopback hosts only)")


def _port(text: str) -> int:
    try:
        return _int(text, "--port", 1, 65535)
    except SpecError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _check_debug_host(host: str, debug: bool) -> None:
    """--debug serves the Werkzeug debugger, whose console runs any Python the visitor types: refuse it
    unless only this machine can reach the server."""
    if not debug or host.strip().lower() == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(f"--debug is refused with --host {host}: the Werkzeug debugger lets anyone who can reach "
                         f"the server run code on it; use --host 127.0.0.1 (or localhost, ::1) with --debug")


def _int(text: str, what: str, lo: int, hi: int) -> int:
    value = parse_number(text, what)
    if not value.is_integer() or not lo <= value <= hi:
        raise SpecError(f"{what}={text} must be a whole number in [{lo}, {hi}]")
    return int(value)


def _starts(args, problem) -> np.ndarray:
    if args.start and args.starts:
        raise SpecError("use either --start (repeatable) or --starts N, not both")
    if args.starts:
        n = _int(args.starts, "--starts", 1, MAX_STARTS)
        return problem.random_starts(n, seed=_int(args.seed, "--seed", 0, 2**32 - 1))
    if not args.start:
        return np.array([problem.start], dtype=float)
    points = []
    for text in args.start:
        coords = [c for c in text.replace(" ", "").split(",") if c != ""]
        if len(coords) != problem.dim:
            raise SpecError(f"--start={text}: {problem.id} needs {problem.dim} coordinates "
                            f"({', '.join(problem.param_names)}), got {len(coords)}")
        points.append([parse_number(c, "--start coordinate") for c in coords])
    return np.array(points, dtype=float)


# ----------------------------------------------------------------------------- run
def run_command(args) -> list[Trajectory]:
    try:
        problem = make_problem(args.problem, loss=args.loss, window=args.window, data=args.data)
    except ProblemError as err:
        raise SpecError(str(err)) from None
    if args.convention not in CONVENTIONS:
        raise SpecError(f"unknown convention {args.convention!r} (use lecture or pytorch)")
    steps = _int(args.steps, "--steps", 0, MAX_STEPS)
    specs = [parse_spec(text) for text in (args.optimizer or ["gd"])]
    schedule = parse_schedule(args.schedule)
    seed = _int(args.seed, "--seed", 0, 2**32 - 1)
    batching = parse_batching(args.batch, shuffle=args.shuffle, seed=seed)
    starts = _starts(args, problem)
    return [run_spec(problem, spec, starts, steps, convention=args.convention, schedule=schedule,
                     batching=batching, record_internals=False) for spec in specs]


def steps_frame(trajectories: list[Trajectory]) -> pd.DataFrame:
    """run --csv: optimizer,[run,]step,epoch,<params>,loss,eta (run only with several starts)."""
    frame = pd.concat([t.to_frame() for t in trajectories], ignore_index=True)
    if trajectories[0].runs == 1:
        frame = frame.drop(columns="run")
    return frame


def summary_frame(trajectories: list[Trajectory]) -> pd.DataFrame:
    """One row per run: start, final params and loss, steps to reach the best loss + 1e-4, divergence."""
    best = min(np.nanmin(t.loss) for t in trajectories)
    rows = []
    for traj in trajectories:
        names = traj.param_names
        final = traj.final_params()
        for r, final_loss in enumerate(traj.final_loss()):
            hit = np.flatnonzero(traj.loss[:, r] <= best + TOLERANCE)
            row = {"optimizer": traj.label, "run": r}
            row.update({f"start_{n}": traj.params[0, r, d] for d, n in enumerate(names)})
            row.update({f"final_{n}": final[r, d] for d, n in enumerate(names)})
            row.update(final_loss=final_loss, steps_to_tol=int(hit[0]) if hit.size else None,
                       diverged_at=int(traj.diverged_at[r]) if traj.diverged_at[r] >= 0 else None)
            rows.append(row)
    frame = pd.DataFrame(rows)
    for col in ("steps_to_tol", "diverged_at"):
        frame[col] = frame[col].astype("Int64")
    return frame



def _print_summary(frame: pd.DataFrame) -> None:
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.6g}"))


# ----------------------------------------------------------------------------- export
EXPORT_FORMATS = ("png", "svg", "html", "csv", "json", "gif")


def export_command(args) -> None:
    """Resolve the view (preset or settings file), check every option, render, write atomically."""
    from scenarios.presets import get_scenario
    from scenarios.settings import defaults, load_settings

    fmt = args.format.lower()
    if fmt not in EXPORT_FORMATS:
        raise SpecError(f"unknown format {args.format!r} (use {', '.join(EXPORT_FORMATS)})")
    if bool(args.preset) == bool(args.settings):
        raise SpecError("give exactly one of --preset NAME or --settings FILE.json")
    title = args.title
    if args.preset:
        if args.preset == "default":
            settings = defaults()
        else:
            scenario = get_scenario(args.preset)
            settings, title = scenario.full_settings(), title or scenario.title
    else:
        settings, _ = load_settings(read_settings_file(args.settings), strict=True, step_cap=MAX_STEPS)
    if args.plot not in ("contour", "surface", "loss"):
        raise SpecError(f"unknown plot {args.plot!r} (use contour, surface or loss)")
    if args.theme not in ("white", "contrast"):
        raise SpecError(f"unknown theme {args.theme!r} (use white or contrast)")
    scale = parse_number(args.scale, "--scale")
    if not 0.5 <= scale <= 8:
        raise SpecError(f"--scale={args.scale} must be in [0.5, 8]")
    from layouts.export import ExportOptions, export_bytes

    options = ExportOptions(plot=args.plot, width=_int(args.width, "--width", 200, 4000),
                            height=_int(args.height, "--height", 200, 4000), scale=scale, theme=args.theme,
                            frames=_int(args.frames, "--frames", 2, budgets.MAX_EXPORT_FRAMES), title=title)
    check_export_size(fmt, options)
    check_output(args.output)  # before the slow render
    data = export_bytes(settings, fmt, options)
    check_rendered(fmt, data)
    with atomic_output(args.output, "wb") as handle:
        handle.write(data)


def check_export_size(fmt: str, options) -> None:
    """Refuse, before rendering, an image or GIF over its pixel budget (scenarios/budgets.py)."""
    w, h = options.width, options.height
    if fmt == "png" and w * h * options.scale**2 > budgets.MAX_EXPORT_PIXELS:
        pixels = w * h * options.scale**2
        raise SpecError(budgets.over(f"a {w}×{h} PNG at --scale {options.scale:g} ({pixels / 1e6:,.0f} M pixels)",
                                     "MAX_EXPORT_PIXELS") + " pixels; lower --width, --height or --scale")
    if fmt == "gif" and w * h * options.frames > budgets.MAX_EXPORT_PIXEL_FRAMES:  # GIF frames are drawn at scale 1
        cost = w * h * options.frames
        raise SpecError(budgets.over(f"a {w}×{h} GIF of {options.frames} frames ({cost / 1e6:,.0f} M pixel-frames)",
                                     "MAX_EXPORT_PIXEL_FRAMES") + "; lower --width, --height or --frames")


SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "gif": b"GIF8"}


def check_rendered(fmt: str, data: bytes) -> None:
    """A renderer that fails quietly (Chromium out of memory) returns a few bytes: never write those."""
    signature = SIGNATURES.get(fmt, b"")
    if len(data) <= len(signature) or not data.startswith(signature):
        raise SpecError(f"the {fmt.upper()} renderer returned {len(data)} bytes, not an image; nothing was written")



# ----------------------------------------------------------------------------- list
def catalogue(presets: Sequence[dict] = ()) -> dict:
    return {
        "problems": [get_problem(p).describe() for p in PROBLEM_IDS],
        "optimizers": {o.id: {"name": o.name, "reference": o.reference,
                              "hyperparameters": [h.as_dict() for h in o.hypers]}
                       for o in OPTIMIZERS.values()},
        "schedules": [s.as_dict() for s in SCHEDULES.values()],
        "presets": list(presets),
    }


def _print_catalogue(cat: dict) -> None:
    print("Problems:")
    for p in cat["problems"]:
        print(f"  {p['id']:<18} params {', '.join(p['params'])}; start {tuple(p['start'])}")
    print("Optimizers (lecture defaults):")
    for oid, o in cat["optimizers"].items():
        hps = ", ".join(f"{h['name']}={h['default']}" for h in o["hyperparameters"])
        print(f"  {oid:<9} {hps}")
    print("Schedules:")
    for s in cat["schedules"]:
        params = ",".join(f"{p['name']}={p['default']}" for p in s["params"])
        print(f"  {s['id'] + (':' + params if params else ''):<40} {s['help']}")
    if cat["presets"]:
        print("Presets (scenarios):")
        for p in cat["presets"]:
            print(f"  {p['id']:<24} {p['title']}")


# ----------------------------------------------------------------------------- main
EXIT_GRACE = 5.0  # seconds the cleanup after SIGINT/SIGTERM may take before the process exits anyway


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised in the main thread so that `finally` blocks (temporary files) run."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _interrupts_raise() -> Callable[[], None]:
    """Make SIGINT and SIGTERM raise Interrupted (SIGTERM would otherwise kill the process with its temp
    file left behind); a second signal, or a cleanup longer than EXIT_GRACE, ends the process at once.
    Signals the caller ignores (nohup, a background job) stay ignored. Returns a function restoring the
    previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    saved = {s: h for s, h in saved.items() if h is not signal.SIG_IGN}

    def handler(signum: int, frame) -> None:
        for s in saved:
            signal.signal(s, signal.SIG_DFL)
        watchdog = threading.Timer(EXIT_GRACE, _exit_now, (signum,))
        watchdog.daemon = True
        watchdog.start()
        raise Interrupted(signum)

    for s in saved:
        signal.signal(s, handler)

    def restore() -> None:
        for s, h in saved.items():
            signal.signal(s, h)

    return restore


def error_line(err: Exception) -> str:
    """'error: <message>' on one line: a newline or other control character the user typed into a
    value that the message quotes is shown escaped (\\n), not obeyed."""
    return "error: " + "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(err))


def _exit_now(signum: int) -> None:
    print(f"error: interrupted by {signal.Signals(signum).name}", file=sys.stderr, flush=True)
    os._exit(128 + signum)


def main(argv: Sequence[str] | None = None, *, serve: Callable | None = None) -> int:
    """Run one command line and return its exit status. Besides the commands' own errors (status 2):
    SIGINT / SIGTERM → one line, status 130 / 143, temporary files removed; a full stdout → status 2;
    a closed pipe (`app.py list --json | head`) → quiet, status 141 like a process killed by SIGPIPE."""
    restore = _interrupts_raise()
    try:
        status = _command(argv, serve=serve)
        with write_errors("-"):
            sys.stdout.flush()  # here, not at exit, so a full or closed stdout is reported like other errors
        return status
    except Interrupted as err:
        # What the interrupt cut short may complain on the way out — a coroutine that never ran, the
        # browser's profile folder removed at exit while Chromium still writes to it — keep to one line.
        warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
        sys.excepthook = lambda *exc_info: None
        print(f"error: interrupted by {signal.Signals(err.signum).name}; nothing was written", file=sys.stderr)
        return 128 + err.signum
    except SpecError as err:
        detach_stdout()
        print(error_line(err), file=sys.stderr)
        return 2
    except BrokenPipeError:
        detach_stdout()
        return 128 + signal.SIGPIPE
    except MemoryError:  # numpy's ArrayMemoryError too: a request the engine's per-call cap let through
        print("error: out of memory: lower --steps, --starts or the number of optimizers", file=sys.stderr)
        return 2
    except OSError as err:  # printing to a full stdout, or a system error no command expected
        detach_stdout()
        print(f"error: {reason(err)}" + (f": {show(str(err.filename))}" if err.filename else ""), file=sys.stderr)
        return 2
    finally:
        restore()


def _command(argv: Sequence[str] | None, *, serve: Callable | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command in (None, "serve"):
            if serve is None:
                raise UsageError("app.py: serving needs the Dash app (run app.py, not cli.py)")
            _check_debug_host(args.host, args.debug)
            serve(host=args.host, port=args.port, debug=args.debug)
            return 0
        if args.command == "list":
            from scenarios.presets import SCENARIOS

            cat = catalogue([s.as_dict() for s in SCENARIOS])
            if args.json:
                print(json.dumps(cat, indent=1, default=float))
            else:
                _print_catalogue(cat)
            return 0
        if args.command == "run":
            trajectories = run_command(args)
            frame = summary_frame(trajectories) if args.summary or not args.csv else steps_frame(trajectories)
            if not args.csv:
                _print_summary(frame)
                return 0
            with atomic_output(args.csv) as handle:
                frame.to_csv(handle, index=False, float_format="%.17g")
            return 0
        if args.command == "export":
            export_command(args)
            return 0
        if args.command in ("sweep", "basin"):
            return analysis_cli.main(args, atomic_output)
        raise UsageError(f"app.py: unknown command {args.command!r}")
    except (UsageError, SpecError) as err:
        print(error_line(err), file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
