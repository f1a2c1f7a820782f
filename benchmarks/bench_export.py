"""Export benchmark (issue 6). Run: python benchmarks/bench_export.py

Times PNG, SVG, standalone HTML and a 60-frame GIF of a 4-optimizer view, and counts the Chromium
(kaleido) sessions each export opens — the GIF must open one, not one per frame.
"""

from __future__ import annotations

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
        print(f"  {fmt:>4}: {seconds:6.2f} s  {len(data) / 1e6:7.2f} MB  Chromium sessions: {sessions['n']}")


if __name__ == "__main__":
    main()
