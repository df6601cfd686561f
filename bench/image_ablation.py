"""The ablation of Salimans et al. 2016, Table 3, on our image GAN: all tricks, then each removed, several seeds.

"All tricks" = class labels (conditional models), minibatch discrimination, one-sided label smoothing 0.9 and virtual
batch norm in the generator. -MBF drops minibatch discrimination, -LS the smoothing, -VBN+BN swaps virtual batch norm
for batch norm, -L drops the labels, -L+HA drops the labels and adds historical averaging. Judge score and Frechet
distance of 1,000 samples at the end, mean +- sd over seeds.

    python bench/image_ablation.py [--dataset digits] [--steps 2000] [--seeds 3] [--workers 2] [--data-root DIR]
        [--resume LOG]

`--resume LOG` reuses the runs an earlier, interrupted invocation printed to LOG (same dataset and steps) and trains
only the rest.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ALL = {"conditional": True, "minibatch_discrimination": True, "label_smoothing": 0.9, "virtual_batchnorm": True}
VARIANTS = {
    "all tricks": ALL,
    "-MBF (minibatch discrimination)": {**ALL, "minibatch_discrimination": False},
    "-LS (label smoothing)": {**ALL, "label_smoothing": 1.0},
    "-VBN +BN": {**ALL, "virtual_batchnorm": False, "g_norm": "batch"},
    "-L (labels)": {**ALL, "conditional": False},
    "-L +HA": {**ALL, "conditional": False, "historical_averaging": 0.01},
    "plain DCGAN": {"conditional": False, "label_smoothing": 1.0, "lr_g": 2e-4, "lr_d": 2e-4},
}


def one(job):
    name, values, seed, steps = job
    import torch

    torch.set_num_threads(1)
    from engine.registry import build_trainer

    t = build_trainer("gan", {**values, "seed": seed})
    start = time.perf_counter()
    for _ in range(steps):
        t.step()
    seconds = time.perf_counter() - start
    m = t.evaluate()
    return name, seed, m["judge_score"], m["frechet_distance"], seconds


def finished_runs(log: str) -> list[tuple[str, int, float, float, float]]:
    """(variant, seed, judge score, Frechet distance, seconds) of each run line of an earlier output."""
    import re

    pattern = re.compile(r"^  (.+), seed (\d+): judge score ([\d.]+), Frechet ([\d.]+), (\d+) s$")
    runs = []
    for line in Path(log).read_text().splitlines():
        m = pattern.match(line)
        if m and m.group(1) in VARIANTS:
            runs.append((m.group(1), int(m.group(2)), float(m.group(3)), float(m.group(4)), float(m.group(5))))
    return runs


def mean_sd(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.2f} +- {sd:.2f}"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="digits")
    p.add_argument("--data-root", default="")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--resume", help="the output of an interrupted run of this script: its finished runs are reused")
    a = p.parse_args()
    from engine.data import load_dataset
    from engine.metrics.judge import load_or_train_judge

    load_or_train_judge(load_dataset(a.dataset, data_root=a.data_root))  # train the judge once, before the pool
    base = {"dataset": a.dataset, "data_root": a.data_root}
    results = finished_runs(a.resume) if a.resume else []
    done = {(r[0], r[1]) for r in results}
    jobs = [(n, {**base, **v}, s, a.steps) for n, v in VARIANTS.items() for s in range(a.seeds) if (n, s) not in done]
    with get_context("spawn").Pool(a.workers) as pool:
        for r in pool.imap_unordered(one, jobs):  # each run as it ends, so a long bench shows progress
            results.append(r)
            print(f"  {r[0]}, seed {r[1]}: judge score {r[2]:.2f}, Frechet {r[3]:.2f}, {r[4]:.0f} s", flush=True)
    print(f"{a.dataset}, {a.steps} steps, seeds 0..{a.seeds - 1}; other settings: the image defaults")
    print("| variant | judge score | Frechet distance | s/run |\n|---|---|---|---|")
    for name in VARIANTS:
        rows = [r for r in results if r[0] == name]
        print(f"| {name} | {mean_sd([r[2] for r in rows])} | {mean_sd([r[3] for r in rows])} | "
              f"{statistics.mean(r[4] for r in rows):.0f} |")


if __name__ == "__main__":
    main()
