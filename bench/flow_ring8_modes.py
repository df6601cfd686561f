"""Seconds until a flow covers 8/8 modes of ring8, per model and seed, with the 2D GAN's criterion and protocol
(bench/ring8_time_to_modes.py: all 8 modes covered with a high-quality fraction >= 0.5, checked every --check
steps; the clock counts training and the checks). Samples at T = 1. The GAN's `fast_ring` preset: median 14.9 s
over 5 seeds (docs/MEASUREMENTS.md).

    python bench/flow_ring8_modes.py [--models nice,realnvp,maf] [--seeds 3] [--limit 120] [--check 50]
        [--set depth=16 ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.config import parse_set_args  # noqa: E402
from engine.registry import build_trainer  # noqa: E402
from engine.runs import torch_threads  # noqa: E402
from engine.trainer import Diverged  # noqa: E402


def time_to_all_modes(values: dict, seed: int, check: int, limit: float) -> tuple[float, int, dict]:
    """Seconds until 8/8 modes with high quality >= 0.5 (inf if not within `limit`, or if training diverged: then
    the metrics hold `diverged`, the message)."""
    t = build_trainer("flow", {**values, "seed": seed})
    start, m = time.perf_counter(), {}
    while time.perf_counter() - start < limit:
        try:
            for _ in range(check):
                t.step()
        except Diverged as err:
            return float("inf"), t.step_count, {**m, "diverged": str(err)}
        m = t.evaluate()
        if m["modes_covered"] == m["modes_total"] and m["high_quality_fraction"] >= 0.5:
            return time.perf_counter() - start, t.step_count, m
    return float("inf"), t.step_count, m


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="nice,realnvp,maf")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--check", type=int, default=50)
    p.add_argument("--limit", type=float, default=120.0, help="seconds per seed before giving up (reported as inf)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE", help="e.g. depth=16")
    a = p.parse_args()
    torch.set_num_threads(torch_threads())  # as in a Run
    values = {"dataset": "ring8", **parse_set_args(a.sets)}
    print(f"ring8, page defaults {values}, {torch.get_num_threads()} torch thread(s), limit {a.limit:g} s")
    for model in a.models.split(","):
        times = []
        for seed in range(a.seeds):
            seconds, steps, m = time_to_all_modes({**values, "model": model}, seed, a.check, a.limit)
            times.append(seconds)
            print(f"  {model} seed {seed}: {seconds:.1f} s ({steps:,} steps; modes {m.get('modes_covered')}/8, "
                  f"high quality {m.get('high_quality_fraction', 0):.2f}, NLL {m.get('nll_nats', 0):.3f})"
                  + (f"; diverged: {m['diverged']}" if "diverged" in m else ""), flush=True)
        print(f"{model}: median {statistics.median(times):.1f} s to 8/8 modes with high quality >= 0.5 over "
              f"{a.seeds} seeds (2D GAN fast_ring: 14.9 s)")


if __name__ == "__main__":
    main()
