"""Time to quality of the image GAN: training seconds until the judge score of 2,000 samples reaches 85% of the judge
score of the held-out real images, for our default image configuration vs a plain DCGAN baseline (Adam 2e-4,
beta1 0.5, batch norm, hard labels, same width), alternating the two in one process.

MNIST from the test files: first 8,000 images train, last 2,000 are the held-out real images.

    python bench/image_time_to_quality.py --data-root ../shared/data/mnist [--seeds 1] [--limit 1800] [--check 250]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.image_metrics import image_metrics, judge_score  # noqa: E402
from engine.trainers import build_trainer  # noqa: E402

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


def time_to_quality(values: dict, target: float, check: int, limit: float, device: str) -> tuple[float, int, dict]:
    t = build_trainer("gan", values)
    t.judge()
    trained, m = 0.0, {}
    while trained < limit:
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
    p.add_argument("--limit", type=float, default=1800.0, help="training seconds before giving up")
    p.add_argument("--check", type=int, default=250, help="steps between judge checks")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    base = {"dataset": a.dataset, "data_root": a.data_root, "device": a.device}
    probe = build_trainer("gan", base)
    real = judge_score(probe.judge().probabilities_and_features(probe.data.heldout)[0])
    target = 0.85 * real
    print(f"{a.dataset}: judge score of the {len(probe.data.heldout)} held-out real images {real:.2f}; "
          f"target {target:.2f}; device {a.device}, {a.threads} thread(s)", flush=True)
    times: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for seed in range(a.seeds):
        for name, extra in CONFIGS.items():
            seconds, steps, m = time_to_quality({**base, **extra, "seed": seed}, target, a.check, a.limit, a.device)
            times[name].append(seconds)
            print(f"seed {seed} {name}: {seconds:.0f} s of training, {steps} steps, judge score "
                  f"{m['judge_score']:.2f}, Frechet {m['frechet_distance']:.2f}, classes {m['class_histogram']}",
                  flush=True)
    medians = {name: statistics.median(v) for name, v in times.items()}
    ours, base_t = medians["ours (image defaults)"], medians["DCGAN baseline"]
    print(f"median seconds to quality: ours {ours:.0f}, baseline {base_t:.0f}; speed-up {base_t / ours:.2f}x "
          "(target >= 2x)")


if __name__ == "__main__":
    main()
