"""Seconds until DDPM covers 8/8 ring8 modes with at least half its samples of high quality (the criterion of
bench/ring8_time_to_modes.py for the GAN), per seed and the median; training seconds count the steps only, the
checks (1,000 samples through every reverse step) are timed apart. One process, one torch thread (as in a Run).

    python bench/diffusion_ring8_time_to_modes.py [--seeds 3] [--check 250] [--limit 600] [--set KEY=VALUE ...]
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


def time_to_all_modes(values: dict, seed: int, check: int, limit: float) -> tuple[float, float, int, dict]:
    """(training seconds, seconds of the checks, steps, last metrics); training seconds are inf when `limit`
    seconds of training did not reach the criterion."""
    t = build_trainer("diffusion", {**values, "dataset": "ring8", "seed": seed})
    trained = checking = 0.0
    m: dict = {}
    while trained < limit:
        start = time.perf_counter()
        for _ in range(check):
            t.step()
        trained += time.perf_counter() - start
        start = time.perf_counter()
        m = t.evaluate()
        checking += time.perf_counter() - start
        if m["modes_covered"] == m["modes_total"] and m["high_quality_fraction"] >= 0.5:
            return trained, checking, t.step_count, m
    return float("inf"), checking, t.step_count, m


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--check", type=int, default=250, help="training steps between two checks")
    p.add_argument("--limit", type=float, default=600.0, help="training seconds per seed before giving up")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE", help="try a variation")
    a = p.parse_args()
    values = parse_set_args(a.sets)
    torch.set_num_threads(torch_threads())
    print(f"diffusion on ring8 {values or '(defaults)'}, {torch.get_num_threads()} torch thread(s)")
    times = []
    for seed in range(a.seeds):
        seconds, checks, steps, m = time_to_all_modes(values, seed, a.check, a.limit)
        times.append(seconds)
        print(f"seed {seed}: {seconds:.1f} s of training ({steps} steps; checks took {checks:.1f} s more), "
              f"{m['modes_covered']}/{m['modes_total']} modes, high quality {m['high_quality_fraction']:.2f}, "
              f"grid JS {m['grid_js']:.3f}")
    print(f"median {statistics.median(times):.1f} s of training to 8/8 modes with high quality >= 0.5 over "
          f"{a.seeds} seeds")


if __name__ == "__main__":
    main()
