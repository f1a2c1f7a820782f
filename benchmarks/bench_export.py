"""Export benchmark (issue 6). Run: python benchmarks/bench_export.py

Times PNG, SVG, standalone HTML and a 60-frame GIF of a 4-optimizer view, and counts the Chromium
(kaleido) renders each export asks for — the GIF must ask for one, not one per frame.

Then the first and second PNG of a process, before (a new kaleido/Chromium per export, as until issue 10)
and after (the process's one Chromium, kept alive: layouts/chromium.py), and their ratio.

Last, the GIF as a server makes it — a forked job under SCHED_IDLE asking its worker's render service (a
SCHED_IDLE process with its own Chromium) — against the same GIF at normal priority in this process: on an
idle machine SCHED_IDLE must cost (almost) nothing. The load average is printed beside it.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import layouts.export as export
from scenarios.settings import defaults


def main() -> None:
    settings = defaults()
    settings["optimizers"] = ["gd:eta=1", "momentum:eta=1,gamma=0.9", "nag:eta=1,gamma=0.9", "adam:eta=0.1"]
    settings["steps"] = 300
    sessions = {"n": 0}
    real_render = export.render

    def counting_render(figures, fmt, scale=1.0):
        sessions["n"] += 1
        return real_render(figures, fmt, scale)

    export.render = counting_render
    print(f"4 optimizers × {settings['steps']} steps on {settings['problem']}")
    for fmt, options in (("png", export.ExportOptions(scale=2)), ("svg", export.ExportOptions()),
                         ("html", export.ExportOptions(frames=120)), ("gif", export.ExportOptions(frames=60)),
                         ("csv", export.ExportOptions()), ("json", export.ExportOptions())):
        sessions["n"] = 0
        t = time.perf_counter()
        data = export.export_bytes(settings, fmt, options)
        seconds = time.perf_counter() - t
        print(f"  {fmt:>4}: {seconds:6.2f} s  {len(data) / 1e6:7.2f} MB  Chromium renders: {sessions['n']}")
    export.render = real_render
    first_and_second_png(settings)
    idle_priority_cost(settings)


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def first_and_second_png(settings: dict) -> None:
    """PNG 1 and PNG 2 of one process: a browser per export (before) vs one kept alive (after)."""
    import kaleido

    from layouts.chromium import BROWSER, KaleidoSession
    from layouts.publication import static_figure
    from surfaces import get_problem

    problem = get_problem(settings["problem"])
    fig = static_figure("contour", problem, export.simulate(settings, record_internals=False), dims=(0, 1),
                        width=900, height=760)
    opts = {"format": "png", "width": 900, "height": 760, "scale": 2}

    async def one_browser_per_export() -> bytes:
        async with kaleido.Kaleido(n=1, timeout=120, mathjax=False, path=BROWSER) as k:
            return await k.calc_fig(fig, opts=opts)

    before = [_timed(lambda: asyncio.run(one_browser_per_export())) for _ in range(2)]
    session = KaleidoSession()
    after = [_timed(lambda: session.render([fig], "png", 2)) for _ in range(2)]
    session.close()
    print("PNG (900×760 @2×) of one process: first, second")
    print(f"  before, a Chromium per export: {before[0]:5.2f} s, {before[1]:5.2f} s")
    print(f"  after, one kept-alive Chromium: {after[0]:5.2f} s, {after[1]:5.2f} s"
          f"  (second PNG {before[1] / after[1]:.1f}× faster)")


def _gif_in_idle_job(settings: dict, queue) -> None:
    from layouts.chromium import lower_priority

    lower_priority()  # what the export callback does first
    t = time.perf_counter()
    export.export_bytes(settings, "gif", export.ExportOptions(frames=60))
    queue.put(time.perf_counter() - t)


def idle_priority_cost(settings: dict, repeats: int = 3) -> None:
    """Median seconds of a 60-frame GIF: normal priority in this process vs a SCHED_IDLE forked job through
    a SCHED_IDLE render service (both with a warm browser)."""
    import os

    from multiprocess import Process, Queue

    from layouts import chromium

    gif = lambda: export.export_bytes(settings, "gif", export.ExportOptions(frames=60))
    gif()  # warm
    normal = sorted(_timed(gif) for _ in range(repeats))[repeats // 2]
    chromium.start_render_service()
    chromium.render_images([{"data": [], "layout": {"width": 100, "height": 100}}], "png")  # its browser starts
    queue, idle = Queue(), []
    for _ in range(repeats):
        job = Process(target=_gif_in_idle_job, args=(settings, queue))
        job.start()
        idle.append(queue.get(timeout=300))
        job.join(30)
    idle = sorted(idle)[repeats // 2]
    print(f"60-frame GIF, median of {repeats}, load average {os.getloadavg()[0]:.2f}:")
    print(f"  normal priority, in-process Chromium: {normal:5.2f} s")
    print(f"  SCHED_IDLE job + SCHED_IDLE render service (the server's way): {idle:5.2f} s  ({idle / normal:.2f}×)")


if __name__ == "__main__":
    main()
