"""Codebook use over training with and without the dead-code restart: codes used in the last epoch and the batch's
perplexity (exp of the entropy of the codes chosen), mean +- sd over seeds, at the same steps for every run.

A large codebook shows codebook collapse best (K = 256 by default: on digits about a quarter of the codes stay in
use without the restart). Every run trains for the same number of steps (--steps) or, with --minutes, as many as the
slowest run reached in that much training time (stage 1 only; the restart costs little).

    python bench/vqvae_dead_codes.py [--dataset digits|mnist] [--data-root ../shared/data/mnist] [--seeds 3]
        [--minutes 5 | --steps 2000] [--codebook-size 256] [--codebook ema|loss] [--restart-after 50] [--every 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.registry import build_trainer  # noqa: E402

VARIANTS = {"no restart": False, "restart": True}


def train(values: dict, steps: int | None, minutes: float | None, every: int) -> dict[int, dict[str, float]]:
    """step -> codes_used and perplexity (averaged over the `every` steps before it)."""
    t = build_trainer("vqvae", values)
    curve, sums, trained = {}, {"codes_used": 0.0, "perplexity": 0.0}, 0.0
    while (steps is not None and t.step_count < steps) or (steps is None and trained < minutes * 60):
        start = time.perf_counter()
        out = t.step()
        trained += time.perf_counter() - start
        for key in sums:
            sums[key] += out[key]
        if t.step_count % every == 0:
            curve[t.step_count] = {k: v / every for k, v in sums.items()}
            sums = dict.fromkeys(sums, 0.0)
    return curve


def mean_sd(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):7.1f} +- {sd:5.1f}"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="digits")
    p.add_argument("--data-root", default="")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--minutes", type=float, default=None, help="training time per run (instead of --steps)")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--codebook-size", type=int, default=256)
    p.add_argument("--codebook", default="ema", choices=["ema", "loss"])
    p.add_argument("--restart-after", type=int, default=50)
    p.add_argument("--every", type=int, default=100, help="steps between two points of the curves")
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    steps = None if a.minutes else a.steps
    base = {"dataset": a.dataset, "data_root": a.data_root, "codebook_size": a.codebook_size, "width": a.width,
            "codebook": a.codebook, "restart_after": a.restart_after, "device": "cpu"}
    print(f"vqvae on {a.dataset}: K = {a.codebook_size}, codebook={a.codebook}, restart after {a.restart_after} "
          f"steps, {a.seeds} seeds, " + (f"{a.minutes} min per run" if a.minutes else f"{a.steps} steps"), flush=True)
    curves = {name: [] for name in VARIANTS}
    for seed in range(a.seeds):
        for name, restart in VARIANTS.items():
            curve = train({**base, "seed": seed, "dead_code_restart": restart}, steps, a.minutes, a.every)
            curves[name].append(curve)
            last = max(curve) if curve else 0
            print(f"  seed {seed}, {name}: {last:,} steps, codes used {curve[last]['codes_used']:.0f}" if curve
                  else f"  seed {seed}, {name}: fewer than {a.every} steps", flush=True)
    common = sorted(set.intersection(*(set(c) for runs in curves.values() for c in runs)))
    print(f"\n{'step':>7} | " + " | ".join(f"{n + ': codes used':>24} {'perplexity':>17}" for n in VARIANTS))
    for step in common:
        cells = [f"{mean_sd([c[step]['codes_used'] for c in curves[n]]):>24} "
                 f"{mean_sd([c[step]['perplexity'] for c in curves[n]]):>17}" for n in VARIANTS]
        print(f"{step:>7,} | " + " | ".join(cells))
    if common:
        last = common[-1]
        used = {n: statistics.fmean(c[last]["codes_used"] for c in curves[n]) for n in VARIANTS}
        print(f"\nat step {last:,}: {used['restart']:.0f} of {a.codebook_size} codes used with the restart, "
              f"{used['no restart']:.0f} without (ratio {used['restart'] / max(used['no restart'], 1e-9):.2f})")


if __name__ == "__main__":
    main()
