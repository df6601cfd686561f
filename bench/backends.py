"""Threads vs Ray: the aggregate steps/s of N runs training at once, and the CPU the page's process spends on them.

For each N (default 2, 4, 8) and each backend, N runs of one family start together (no queue: the cap is N), a
reader takes a snapshot of each twice a second (the pages' live areas), and after a warm-up the steps of all runs are
counted over `--seconds`. The page's process CPU (user + system, every thread of it) per wall second says how much of
the server's interpreter the training leaves to drawing pages: on threads the training is in it, on Ray it is not.

    python bench/backends.py [--runs 2 4 8] [--seconds 10] [--family vae --set dataset=digits --set width=16]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.backends import ray_actors  # noqa: E402
from engine.config import parse_set_args  # noqa: E402
from engine.manager import RunManager  # noqa: E402
from engine.registry import build_trainer, make_config  # noqa: E402
from engine.runs import Run  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(backend: str, n: int, family: str, values: dict, seconds: float, warmup: float) -> dict:
    os.environ["GENLAB_BACKEND"] = backend
    config = make_config(family, values)
    manager = RunManager(cap=n)
    runs = [manager.submit(Run(lambda i=i: build_trainer(family, config))) for i in range(n)]
    stop = threading.Event()

    def reader():  # the pages: a snapshot of every run twice a second
        while not stop.wait(0.5):
            for run in runs:
                run.snapshot()

    threading.Thread(target=reader, daemon=True).start()
    for run in runs:
        run.start()
    for run in runs:
        run.wait_until(lambda s: s.step > 0, timeout=120)
    time.sleep(warmup)
    steps0, cpu0, t0 = [r.snapshot().step for r in runs], cpu_seconds(), time.perf_counter()
    time.sleep(seconds)
    steps1, cpu1, t1 = [r.snapshot().step for r in runs], cpu_seconds(), time.perf_counter()
    stop.set()
    for run in runs:
        run.close()
    rates = [(b - a) / (t1 - t0) for a, b in zip(steps0, steps1)]
    return {"total": sum(rates), "slowest": min(rates), "fastest": max(rates),
            "page_cpu": (cpu1 - cpu0) / (t1 - t0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--family", default="gan")
    parser.add_argument("--set", dest="sets", action="append", default=[])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    args = parser.parse_args()
    values = parse_set_args(args.sets) or ({"dataset": "ring8"} if args.family == "gan" else {})
    os.environ["GENLAB_BACKEND"] = "ray"
    print(f"{os.cpu_count()} cores; {ray_actors.describe()}; family {args.family} {values}", flush=True)
    ray_actors.spare_workers.prestart()
    print(f"{'runs':>4}  {'backend':>7}  {'steps/s total':>13}  {'per run (min-max)':>17}  {'page CPU (cores)':>16}")
    for n in args.runs:
        # every run of the round finds a started worker and one is left, so none starts during the measurement
        os.environ["GENLAB_RAY_SPARE_WORKERS"] = str(n + 1)
        ray_actors.spare_workers.prestart()
        time.sleep(4 + 3 * (n + 1))  # a worker takes about 5 s of one core to start: outside the measurement
        found = {}
        for backend in ("threads", "ray"):
            found[backend] = r = measure(backend, n, args.family, values, args.seconds, args.warmup)
            print(f"{n:>4}  {backend:>7}  {r['total']:>13.1f}  {r['slowest']:>8.1f}-{r['fastest']:<8.1f}  "
                  f"{r['page_cpu']:>16.2f}", flush=True)
        print(f"      ray / threads: steps/s {found['ray']['total'] / found['threads']['total']:.2f}, page CPU "
              f"{found['ray']['page_cpu'] / max(found['threads']['page_cpu'], 1e-9):.2f}", flush=True)


if __name__ == "__main__":
    main()
