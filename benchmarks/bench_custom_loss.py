"""How fast typed losses are refused or compiled (DESIGN.md §7: a refusal within 100 ms).

    python benchmarks/bench_custom_loss.py

Times every expression of the injection corpus in tests/test_custom_loss.py (best of 5, each call on a
fresh text so no cache helps), and the parse + gradient + NumPy compile of some valid losses, in one run.
Accepted losses have no time limit in §7; their worst case (nesting near 50) is printed so it stays known.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from surfaces.custom import CustomLoss, LossError, _parse  # noqa: E402
from tests.test_custom_loss import EVERYTHING, HOSTILE, RETYPED  # noqa: E402

LIMIT_MS = 100.0


def best_ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        _parse.cache_clear()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def refuse(text: str) -> None:
    try:
        CustomLoss(text)
    except LossError:
        return
    raise AssertionError(f"accepted: {text[:60]!r}")


def main() -> None:
    CustomLoss("x")  # import SymPy's lazily loaded parts once
    refusals = sorted(((best_ms(lambda t=t: refuse(t)), t) for t in HOSTILE), reverse=True)
    ms = [m for m, _ in refusals]
    print(f"refusals: {len(ms)} hostile expressions, median {statistics.median(ms):.3f} ms, "
          f"max {ms[0]:.2f} ms ({refusals[0][1][:40]!r}), limit {LIMIT_MS:.0f} ms: "
          f"{'OK' if ms[0] < LIMIT_MS else 'TOO SLOW'} ({LIMIT_MS / ms[0]:.0f}x margin)")
    for m, text in refusals[:3]:
        print(f"  slowest: {m:7.2f} ms  {text[:50]!r}")
    valid = {**RETYPED, "every function": EVERYTHING, "500-char sum": "+".join(["x*y"] * 124),
             "power tower (depth 40)": "x" + "**x" * 40,
             # the slowest allowed inputs we know: nesting close to 50 with symbolic exponents / functions
             "sin nested 49 deep": "sin(" * 49 + "x*y" + ")" * 49, "(x+y)**(x*y) tower 49": "(x+y)" + "**(x*y)" * 49}
    for name, text in valid.items():
        print(f"compile {name:<24} {best_ms(lambda t=text: CustomLoss(t)):8.2f} ms  ({len(text)} characters)")


if __name__ == "__main__":
    main()
