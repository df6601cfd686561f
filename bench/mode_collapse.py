"""The "Mode collapse" lesson measured: modes covered and high-quality fraction on ring8 after a fixed number of
steps, the plain GAN vs each trick switched on alone, over several seeds (same seeds and data for every variant).

    python bench/mode_collapse.py [--steps 3000] [--seeds 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.families.gan.presets import GAN2D_PRESETS, MBD  # noqa: E402

BASE = GAN2D_PRESETS["mode_collapse_plain"].values
VARIANTS = {
    "plain": {},
    "+ minibatch discrimination": MBD,
    "+ feature matching": {"feature_matching": True},
    "+ one-sided label smoothing 0.9": {"label_smoothing": 0.9},
    "+ historical averaging 0.01": {"historical_averaging": 0.01},
    "+ instance noise 0.1": {"instance_noise": 0.1},
    "+ spectral norm": {"spectral_norm": True},
    "+ WGAN-GP loss": {"loss": "wgan_gp"},
}


def one(job):
    name, extra, seed, steps = job
    import torch

    torch.set_num_threads(1)
    from engine.registry import build_trainer

    t = build_trainer("gan", {**BASE, **extra, "seed": seed})
    start = time.perf_counter()
    for _ in range(steps):
        t.step()
    m = t.evaluate()
    return name, seed, m["modes_covered"], m["high_quality_fraction"], time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--variants", nargs="*", default=list(VARIANTS))
    a = p.parse_args()
    jobs = [(n, VARIANTS[n], s, a.steps) for n in a.variants for s in range(a.seeds)]
    with get_context("spawn").Pool(a.workers) as pool:
        results = pool.map(one, jobs)
    print(f"ring8, {a.steps} steps, seeds 0..{a.seeds - 1}, base: {BASE}")
    print("| variant | modes covered per seed | mean | seeds >= 7/8 | high-quality fraction (mean) | s/run |")
    print("|---|---|---|---|---|---|")
    for name in a.variants:
        rows = [r for r in results if r[0] == name]
        modes = [r[2] for r in rows]
        hq = sum(r[3] for r in rows) / len(rows)
        secs = sum(r[4] for r in rows) / len(rows)
        print(f"| {name} | {' '.join(map(str, modes))} | {sum(modes) / len(modes):.1f} | "
              f"{sum(m >= 7 for m in modes)}/{len(modes)} | {hq:.2f} | {secs:.1f} |")


if __name__ == "__main__":
    main()
