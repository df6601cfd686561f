"""Overhead of the run machinery on the 2D GAN: steps/s driven by a `Run` while a reader takes snapshots at 2 Hz,
divided by a bare `for` loop over the same trainer's `step()`, measured in one process, alternating the two.
Also the cost of `snapshot()` itself (p50 / p95 over many calls made while training).

    python bench/run_overhead.py [--seconds 10] [--rounds 3] [--set dataset=digits ...]
Targets: issue 2 (2D) ratio >= 0.9, snapshot p95 < 5 ms; issue 3 (images, `--set dataset=digits`, batch 64) >= 0.95.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.config import parse_set_args  # noqa: E402
from engine.runs import Run, torch_threads  # noqa: E402
from engine.registry import build_trainer  # noqa: E402

CONFIG = {"dataset": "ring8"}  # the page's defaults


def bare(seconds: float) -> float:
    t = build_trainer("gan", CONFIG)
    t.step()
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        t.step()
        n += 1
    return n / (time.perf_counter() - start)


def training_rate(run: Run, seconds: float) -> float:
    """Start `run` and measure its steps/s over `seconds` once the first step is done (the run keeps training)."""
    run.start()
    run.wait_until(lambda s: s.step > 0)
    s0, t0 = run.snapshot().step, time.perf_counter()
    time.sleep(seconds)
    s1, t1 = run.snapshot().step, time.perf_counter()
    return (s1 - s0) / (t1 - t0)


def driven(seconds: float, costs: list[float]) -> float:
    run = Run(lambda: build_trainer("gan", CONFIG))
    stop = threading.Event()

    def reader():  # the page's fragment: a snapshot twice a second
        while not stop.wait(0.5):
            t0 = time.perf_counter()
            run.snapshot()
            costs.append(time.perf_counter() - t0)

    threading.Thread(target=reader, daemon=True).start()
    rate = training_rate(run, seconds)
    stop.set()
    # a burst of snapshot calls while training, for a large sample of the cost
    for _ in range(300):
        a = time.perf_counter()
        run.snapshot()
        costs.append(time.perf_counter() - a)
        time.sleep(0.002)
    run.stop()
    return rate


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="another configuration, e.g. dataset=digits for the image GAN at batch 64")
    a = p.parse_args()
    CONFIG.update(parse_set_args(a.sets))
    print(f"configuration: {CONFIG}")
    default_threads = torch.get_num_threads()
    best_bare = bare(a.seconds)  # torch's default threads, main thread: the fastest plain loop we know
    print(f"bare loop, main thread, torch default {default_threads} threads: {best_bare:.0f} steps/s")
    torch.set_num_threads(torch_threads())  # what a Run uses (engine/runs.py torch_threads)
    bare_rates, run_rates, costs = [], [], []
    for r in range(a.rounds):
        bare_rates.append(bare(a.seconds))
        run_rates.append(driven(a.seconds, costs))
        print(f"round {r + 1}: bare {bare_rates[-1]:.0f} steps/s, run {run_rates[-1]:.0f} steps/s "
              f"({torch_threads()} thread(s))")
    ratio = sum(run_rates) / sum(bare_rates)
    ms = np.array(costs) * 1000
    print(f"steps/s bare {np.mean(bare_rates):.0f}, through Run with 2 Hz snapshots {np.mean(run_rates):.0f}: "
          f"ratio {ratio:.3f} (target >= 0.9); vs the default-threads bare loop {np.mean(run_rates) / best_bare:.3f}")
    print(f"snapshot() cost over {len(ms)} calls: p50 {np.percentile(ms, 50):.3f} ms, p95 "
          f"{np.percentile(ms, 95):.3f} ms, max {ms.max():.3f} ms (target p95 < 5 ms)")


if __name__ == "__main__":
    main()
