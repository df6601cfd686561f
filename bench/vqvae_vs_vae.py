"""VQ-VAE vs VAE at equal training time, on the same convolutional encoder and decoder paths (width, likelihood,
batch, data): held-out reconstruction error, and the judge's score and Frechet distance of each one's prior samples
(the VAE: z ~ N(0, I) decoded; the VQ-VAE: code maps drawn by its PixelCNN prior, cached sampler, decoded).

Each seed trains the VAE for --minutes, the VQ-VAE's stage 1 for --minutes (the reconstructions compare at this equal
time) and then its prior for --prior-minutes more (stated: the VQ-VAE's samples cost that extra time). Only
training steps count towards the budgets. Reconstruction is reported twice: the families' own `reconstruction`
(-log p(x|z) in nats per held-out image; for the VAE the expectation over one posterior sample, as in its ELBO) and
the mean squared error of the decoder's mean image in [0, 1], computed the same way for both (the VAE from the
posterior mean). Data: the MNIST test files, first 8,000 train / last 2,000 held out.

    python bench/vqvae_vs_vae.py --dataset mnist --data-root ../shared/data/mnist [--minutes 10]
        [--prior-minutes 10] [--seeds 3] [--width 32] [--codebook-size 64] [--latent-dim 16]
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

METRICS = ("reconstruction", "mse", "judge_score", "frechet_distance")


def train_for(t, seconds: float) -> int:
    trained, steps = 0.0, 0
    while trained < seconds:
        start = time.perf_counter()
        t.step()
        trained += time.perf_counter() - start
        steps += 1
    return steps


@torch.no_grad()
def mse(t, reconstruct) -> float:
    """Mean squared error of the decoder's mean image, intensities in [0, 1], over the held-out images."""
    x = t.heldout_x[:2000]
    x_hat = torch.cat([reconstruct(chunk) for chunk in x.split(500)])
    return float((((x_hat + 1) / 2 - (x + 1) / 2) ** 2).mean())


def vae_run(values: dict, minutes: float) -> dict[str, float]:
    t = build_trainer("vae", values)
    steps = train_for(t, minutes * 60)
    out = t.evaluate()
    return {"steps": steps, "mse": mse(t, lambda x: t.decode(t.encode(x))), **out}


def vqvae_run(values: dict, minutes: float, prior_minutes: float) -> dict[str, float]:
    t = build_trainer("vqvae", values)
    steps = train_for(t, minutes * 60)
    recon, error = t.evaluate()["reconstruction"], mse(t, t.reconstruct)
    t.set_knobs(stage="prior")
    prior_steps = train_for(t, prior_minutes * 60)
    out = t.evaluate()
    assert out["reconstruction"] == recon, "stage 1 frozen while the prior trains"
    return {"steps": steps, "prior_steps": prior_steps, "mse": error, **out}


def cell(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):9.4g} +- {sd:<8.2g}"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--data-root", default="")
    p.add_argument("--minutes", type=float, default=10.0, help="training time of the VAE and of VQ-VAE stage 1")
    p.add_argument("--prior-minutes", type=float, default=10.0, help="training time of the VQ-VAE's prior after it")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--codebook-size", type=int, default=64)
    p.add_argument("--code-dim", type=int, default=16)
    p.add_argument("--latent-dim", type=int, default=16)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    shared = {"dataset": a.dataset, "data_root": a.data_root, "width": a.width, "batch_size": a.batch,
              "device": "cpu"}
    rows = {"VAE": [], "VQ-VAE": []}
    for seed in range(a.seeds):
        rows["VAE"].append(vae_run({**shared, "seed": seed, "latent_dim": a.latent_dim}, a.minutes))
        rows["VQ-VAE"].append(vqvae_run({**shared, "seed": seed, "codebook_size": a.codebook_size,
                                         "code_dim": a.code_dim}, a.minutes, a.prior_minutes))
        for name, runs in rows.items():
            r = runs[-1]
            extra = f" + {r['prior_steps']:,} prior steps" if "prior_steps" in r else ""
            print(f"  seed {seed} {name}: {r['steps']:,} steps{extra}: " +
                  ", ".join(f"{m} {r[m]:.4g}" for m in METRICS if m in r), flush=True)
    print(f"\n{a.dataset}, {a.minutes} min of training each (the VQ-VAE's prior {a.prior_minutes} min more), "
          f"{a.seeds} seeds")
    print(f"{'':8}" + "".join(f"{m:>22}" for m in METRICS))
    for name, runs in rows.items():
        print(f"{name:8}" + "".join(f"{cell([r[m] for r in runs]) if all(m in r for r in runs) else 'n/a':>22}"
                                    for m in METRICS))
    means = {name: {m: statistics.fmean(r[m] for r in runs) for m in METRICS if all(m in r for r in runs)}
             for name, runs in rows.items()}
    if all("mse" in m for m in means.values()):
        print(f"\nreconstruction MSE: VQ-VAE / VAE = {means['VQ-VAE']['mse'] / means['VAE']['mse']:.2f}")
    if all("judge_score" in m for m in means.values()):
        print(f"judge score of prior samples: VQ-VAE {means['VQ-VAE']['judge_score']:.2f}, "
              f"VAE {means['VAE']['judge_score']:.2f}")


if __name__ == "__main__":
    main()
