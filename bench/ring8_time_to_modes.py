"""Seconds until 8/8 modes on ring8 with a preset, on this machine, median over seeds (training time plus the
evaluations every `--check` steps; one process, default torch threads).

    python bench/ring8_time_to_modes.py [--preset fast_ring] [--seeds 5] [--limit 120]
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
from engine.families.gan.presets import GAN2D_PRESETS  # noqa: E402
from engine.runs import torch_threads  # noqa: E402
from engine.registry import build_trainer  # noqa: E402


def time_to_all_modes(values: dict, seed: int, check: int, limit: float) -> tuple[float, int]:
    t = build_trainer("gan", {**values, "seed": seed})
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        for _ in range(check):
            t.step()
        m = t.evaluate()
        if m["modes_covered"] == m["modes_total"] and m["high_quality_fraction"] >= 0.5:
            return time.perf_counter() - start, t.step_count
    return float("inf"), t.step_count


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--preset", default="fast_ring", choices=list(GAN2D_PRESETS))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--check", type=int, default=50)
    p.add_argument("--limit", type=float, default=120.0)
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE", help="try a variation")
    a = p.parse_args()
    values = {**GAN2D_PRESETS[a.preset].values, **parse_set_args(a.sets)}
    torch.set_num_threads(torch_threads())  # as in a Run
    print(f"{values}, {torch.get_num_threads()} torch thread(s)")
    times = []
    for seed in range(a.seeds):
        seconds, steps = time_to_all_modes(values, seed, a.check, a.limit)
        times.append(seconds)
        print(f"seed {seed}: {seconds:.1f} s ({steps} steps)")
    print(f"preset {a.preset}: median {statistics.median(times):.1f} s to 8/8 modes with high-quality >= 0.5 "
          f"over {a.seeds} seeds")


if __name__ == "__main__":
    main()
