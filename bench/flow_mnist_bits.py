"""Held-out bits per dimension of a flow on dequantised MNIST after a stated budget of CPU training time, beside the
literature (Real NVP 1.06 and Glow 1.05 bits/dim on the full MNIST, as reported by FFJORD, Grathwohl et al. 2019,
Table 2) and, with --also, this project's PixelCNN (256-way softmax: the exact discrete NLL, the same unit) and VAE
(its importance-weighted bound on a Bernoulli likelihood of the intensities: not the same unit) on the same split.

Data: the MNIST test files, first 8,000 images to train and last 2,000 held out. The flow's number is the bound of
uniform dequantisation (one draw of the noise per held-out image): -log p(x) + D log 256, over D = 784 values.
Only the training steps count towards the budget (evaluations are not timed).

    python bench/flow_mnist_bits.py --data-root ../shared/data/mnist [--minutes 20] [--model realnvp|glow]
        [--width 64] [--depth 4] [--levels 2] [--batch 64] [--lr 1e-3] [--report-every 5] [--also pixelcnn,vae]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.registry import build_trainer  # noqa: E402

LITERATURE = "Real NVP 1.06, Glow 1.05 bits/dim on the full MNIST (60,000 images; FFJORD's Table 2)"


def train_for(family: str, values: dict, minutes: float, report_every: float, metric: str) -> dict:
    t = build_trainer(family, values)
    t.judge = lambda wait=None: None  # likelihoods only: no samples judged
    trained, next_report, m = 0.0, report_every * 60, {}
    while trained < minutes * 60:
        start = time.perf_counter()
        t.step()
        trained += time.perf_counter() - start
        if trained >= next_report or trained >= minutes * 60:
            m = t.evaluate()
            print(f"  {family}: {trained / 60:5.1f} min, step {t.step_count:,}: held-out {metric} {m[metric]:.4f} "
                  f"({m.get('nll_nats', m.get('nll_iw', float('nan'))):.1f} nats)", flush=True)
            next_report += report_every * 60
    return m


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data-root", required=True)
    p.add_argument("--minutes", type=float, default=20.0)
    p.add_argument("--model", default="realnvp", choices=["nice", "realnvp", "glow", "maf"])
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--depth", type=int, default=4)
    p.add_argument("--levels", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--report-every", type=float, default=5.0, help="minutes of training between evaluations")
    p.add_argument("--also", default="", help="comma-separated: pixelcnn, vae (each trained for --minutes too)")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    data = {"dataset": "mnist", "data_root": a.data_root, "eval_every": 10**7}
    print(f"dequantised MNIST (8,000 train / 2,000 held out), flow {a.model} width {a.width} depth {a.depth} levels "
          f"{a.levels}, batch {a.batch}, lr {a.lr:g}, {a.threads} CPU thread(s), {a.minutes:g} min each", flush=True)
    results = {a.model: train_for("flow", {**data, "model": a.model, "width": a.width, "depth": a.depth,
                                           "levels": a.levels, "batch_size": a.batch, "lr": a.lr},
                                  a.minutes, a.report_every, "bits_per_dim")["bits_per_dim"]}
    for other in filter(None, a.also.split(",")):
        if other == "pixelcnn":  # categorical output: exact -log P over the 256 values, the flow's unit
            results["pixelcnn (gated, 256-way softmax)"] = train_for(
                "pixelcnn", {**data, "output": "categorical", "batch_size": 32}, a.minutes, a.report_every,
                "bits_per_dim")["bits_per_dim"]
        elif other == "vae":
            results["vae (IWAE bound, Bernoulli intensities: not the same unit)"] = train_for(
                "vae", {**data, "iw_samples": 100}, a.minutes, a.report_every, "bits_per_dim")["bits_per_dim"]
        else:
            raise SystemExit(f"--also: unknown '{other}' (pixelcnn, vae)")
    print(f"after {a.minutes:g} min of training each on this CPU (held-out bits per dimension):")
    for name, value in results.items():
        print(f"  {name}: {value:.3f}")
    print(f"literature: {LITERATURE}")


if __name__ == "__main__":
    main()
