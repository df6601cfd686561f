"""Time to quality of the image GAN: training seconds until the judge score of 2,000 samples reaches 85% of the judge
score of the held-out real images, for our default image configuration vs a plain DCGAN baseline (Adam 2e-4,
beta1 0.5, batch norm, hard labels, same width), alternating the two in one process.

MNIST from the test files: first 8,000 images train, last 2,000 are the held-out real images.

    python bench/image_time_to_quality.py --data-root ../shared/data/mnist [--seeds 2] [--limit 1800] [--check 100]
        [--baseline-factor 2.5]

Ours trains until it reaches the target (or `--limit` seconds); the baseline then trains for up to `--baseline-factor`
times as long as ours took on the same seed, in seconds and in steps: if it has not reached the target by then, ours is
faster by more than that factor. Steps are exact (runs are deterministic); seconds depend on what else the CPU runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.metrics.images import image_metrics, judge_score  # noqa: E402
from engine.registry import build_trainer  # noqa: E402

CONFIGS = {
    "ours (image defaults)": {},
    "DCGAN baseline": {"lr_g": 2e-4, "lr_d": 2e-4, "label_smoothing": 1.0, "g_norm": "batch", "conditional": False},
}
SAMPLES = 2000


def metrics_of(trainer) -> dict:
    """Judge metrics of SAMPLES fixed-z samples (a conditional generator is asked for each class in turn)."""
    z = trainer._draw_z(SAMPLES, torch.Generator().manual_seed(123))
    classes = trainer.num_classes
    labels = (torch.arange(SAMPLES) % classes).to(z.device).split(500) if classes else [None] * len(z.split(500))
    images = torch.cat([trainer.generate(chunk, y) for chunk, y in zip(z.split(500), labels)]).cpu()
    return image_metrics(trainer.judge(), images, trainer._real_features, trainer.data.num_classes)


def time_to_quality(values: dict, target: float, check: int, limit: float, device: str,
                    min_steps: int = 0) -> tuple[float, int, dict]:
    """Training seconds, steps and metrics when the judge score first reaches `target`; (inf, steps, last metrics)
    when it has not within `limit` seconds and `min_steps` steps."""
    t = build_trainer("gan", values)
    t.judge()
    trained, m = 0.0, {}
    while trained < limit or t.step_count < min_steps:
        start = time.perf_counter()
        for _ in range(check):
            t.step()
        if device == "cuda":
            torch.cuda.synchronize()
        trained += time.perf_counter() - start
        m = metrics_of(t)
        print(f"  {trained:.0f} s, step {t.step_count}: judge score {m['judge_score']:.2f}, Frechet "
              f"{m['frechet_distance']:.2f}", flush=True)
        if m["judge_score"] >= target:
            return trained, t.step_count, m
    return float("inf"), t.step_count, m


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data-root", required=True)
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--limit", type=float, default=1800.0, help="training seconds before giving up")
    p.add_argument("--check", type=int, default=250, help="steps between judge checks")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--baseline-factor", type=float, default=2.5,
                   help="the baseline trains up to this many times ours' seconds and steps")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    base = {"dataset": a.dataset, "data_root": a.data_root, "device": a.device}
    probe = build_trainer("gan", base)
    real = judge_score(probe.judge().probabilities_and_features(probe.data.heldout)[0])
    target = 0.85 * real
    print(f"{a.dataset}: judge score of the {len(probe.data.heldout)} held-out real images {real:.2f}; "
          f"target {target:.2f}; device {a.device}, {a.threads} thread(s)", flush=True)
    ours_name, base_name = list(CONFIGS)
    rows = []
    seeds = range(a.first_seed, a.first_seed + a.seeds)
    for seed in seeds:
        values = {**base, "seed": seed}
        ours = time_to_quality({**values, **CONFIGS[ours_name]}, target, a.check, a.limit, a.device)
        report(seed, ours_name, ours)
        reached = ours[0] != float("inf")
        budget = (a.baseline_factor * ours[0], int(a.baseline_factor * ours[1])) if reached else (a.limit, 0)
        baseline = time_to_quality({**values, **CONFIGS[base_name]}, target, a.check, budget[0], a.device,
                                   min_steps=budget[1])
        report(seed, base_name, baseline)
        rows.append((ours, baseline))
    for seed, (ours, baseline) in zip(seeds, rows):
        if ours[0] == float("inf"):
            verdict = "ours did not reach the target within the limit"
        elif baseline[0] == float("inf"):
            verdict = (f"baseline not there after {baseline[1]} steps: ours faster by more than "
                       f"{a.baseline_factor:g}x")
        else:
            verdict = f"speed-up {baseline[0] / ours[0]:.2f}x in seconds, {baseline[1] / ours[1]:.2f}x in steps"
        print(f"seed {seed}: ours {ours[0]:.0f} s / {ours[1]} steps; {verdict} (target >= 2x)")


def report(seed: int, name: str, result: tuple[float, int, dict]) -> None:
    seconds, steps, m = result
    print(f"seed {seed} {name}: {seconds:.0f} s of training, {steps} steps, judge score {m['judge_score']:.2f}, "
          f"Frechet {m['frechet_distance']:.2f}, classes {m['class_histogram']}", flush=True)


if __name__ == "__main__":
    main()
