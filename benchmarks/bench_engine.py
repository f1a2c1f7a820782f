"""Engine benchmark (issue 3). Run: python benchmarks/bench_engine.py [--quick]

1. 1,000 random starts × 1,000 Adam steps on sigmoid-sparse through the engine, against the course's
   loop style (plain Python, per-point sums; a few runs timed and scaled to 1,000) and, if torch is
   installed, torch.optim.Adam batched over a (1000, 2) tensor — all measured in this run.
2. The interactive case: the ten optimizers × 1,000 steps on sigmoid-2pt (R = 1), engine vs course loops
   (issue 11: engine/loop ≤ 2), and the engine's NumPy loop it used before its fast path for one run.
Each engine result is checked against the course loop's final (w, b) so the speed is not bought
with a wrong answer.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_loops import LOOPS, do_adam

from optimizers import OPTIMIZERS, run
from surfaces import get_problem


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def best_interleaved(fns, repeat: int) -> list[float]:
    """Best time of each function over `repeat` rounds that run them all in turn (a load spike on a
    shared machine then hits every variant, not one)."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, record in zip(fns, times, strict=True):
            t = time.perf_counter()
            fn()
            record.append(time.perf_counter() - t)
    return [min(record) for record in times]


def torch_adam(problem, starts, steps) -> tuple[float, np.ndarray] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    X = torch.tensor(problem.X[:, 0], dtype=torch.float64)
    Y = torch.tensor(problem.Y, dtype=torch.float64)

    def go():
        p = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
        for _ in range(steps):
            opt.zero_grad()
            f = torch.sigmoid(p[:, :1] * X + p[:, 1:])
            (0.5 * (Y - f) ** 2).sum().backward()
            opt.step()
        return p.detach().numpy()

    result = go()
    return best_of(go, 1), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer course-loop runs (CI smoke)")
    args = parser.parse_args()
    runs, steps = 1000, 1000
    sample = 2 if args.quick else 5

    sparse = get_problem("sigmoid-sparse")
    starts = sparse.random_starts(runs, seed=0)
    X, Y = list(sparse.X[:, 0]), list(sparse.Y)

    engine_s = best_of(lambda: run(sparse, "adam", starts, steps, {"eta": 0.1}))
    engine_lean = best_of(lambda: run(sparse, "adam", starts, steps, {"eta": 0.1}, record_internals=False))
    traj = run(sparse, "adam", starts, steps, {"eta": 0.1})

    t = time.perf_counter()
    for r in range(sample):
        w, b = do_adam(X, Y, *starts[r], steps)
        assert np.allclose([w, b], traj.params[-1, r], rtol=1e-9, atol=1e-12), "engine ≠ course loop"
    loop_s = (time.perf_counter() - t) / sample * runs

    print(f"1. Adam, {runs} starts × {steps} steps on sigmoid-sparse (N={sparse.n_points})")
    print(f"   course loop (plain Python, {sample} runs timed, scaled): {loop_s:8.2f} s")
    print(f"   engine (with internals recorded):                 {engine_s:8.3f} s   "
          f"speed-up {loop_s / engine_s:6.0f}×")
    print(f"   engine (params/loss/eta only):                    {engine_lean:8.3f} s   "
          f"speed-up {loop_s / engine_lean:6.0f}×")
    torch_result = torch_adam(sparse, starts, steps)
    if torch_result is None:
        print("   torch.optim.Adam: torch not installed, skipped")
    else:
        torch_s, torch_params = torch_result
        gap = np.abs(torch_params - traj.params[-1]).max()
        print(f"   torch.optim.Adam batched over (1000, 2):          {torch_s:8.3f} s   "
              f"engine is {torch_s / engine_s:4.1f}× faster (lean: {torch_s / engine_lean:4.1f}×)")
        print(f"   (torch's eps-outside-the-root Adam differs from the lecture form by {gap:.1e} at the end)")

    two = get_problem("sigmoid-2pt")
    X2, Y2 = list(two.X[:, 0]), list(two.Y)
    start = two.start
    course = [o for o in OPTIMIZERS if o in LOOPS]  # the course's ten (later additions have no course loop)
    loop_10, engine_10, lean_10 = best_interleaved([
        lambda: [LOOPS[o](X2, Y2, *start, steps) for o in course],
        lambda: [run(two, o, [start], steps) for o in course],
        lambda: [run(two, o, [start], steps, record_internals=False) for o in course]], 7)
    numpy_10 = best_of(lambda: [run(NumpyOnly(two), o, [start], steps) for o in course], 2)
    for o in course:
        w, b = LOOPS[o](X2, Y2, *start, steps)
        ref = run(two, o, [start], steps)
        assert np.allclose([w, b], ref.params[-1, 0], rtol=1e-8, atol=1e-10), f"{o}: engine ≠ course loop"
        assert np.array_equal(ref.params, run(NumpyOnly(two), o, [start], steps).params), f"{o}: fast ≠ NumPy loop"
    print(f"2. Interactive: {len(course)} optimizers × {steps} steps on sigmoid-2pt (R = 1 each)")
    print(f"   course loops (plain Python):                   {loop_10 * 1000:7.1f} ms")
    print(f"   engine (fast path, internals recorded):        {engine_10 * 1000:7.1f} ms   "
          f"engine/loop ratio {engine_10 / loop_10:4.2f} (target ≤ 2)")
    print(f"   engine (fast path, params/loss/eta only):      {lean_10 * 1000:7.1f} ms   "
          f"engine/loop ratio {lean_10 / loop_10:4.2f}")
    print(f"   engine's NumPy loop (before the fast path):    {numpy_10 * 1000:7.1f} ms   "
          f"engine/loop ratio {numpy_10 / loop_10:4.2f} (same bits as the fast path)")


class NumpyOnly:
    """The problem without its float loss and gradient: the engine runs its NumPy loop, as before the fast path."""

    def __init__(self, problem):
        self.problem = problem

    def __getattr__(self, name):
        if name == "loss_and_grad_floats":
            raise AttributeError(name)
        return getattr(self.problem, name)


if __name__ == "__main__":
    main()
