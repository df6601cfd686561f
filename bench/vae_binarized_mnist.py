"""Importance-weighted NLL of a VAE on binarised MNIST after a stated CPU budget, to set beside the literature
(about 86.8 nats for a VAE trained on all 60,000 training images: Burda et al. 2016, k = 5,000).

Data: the MNIST test files, first 8,000 images to train and last 2,000 held out, binarised once (each pixel on with
probability its intensity, fixed by the seed). The bound uses k importance samples on the first `--images` held-out
images.

    python bench/vae_binarized_mnist.py --data-root ../shared/data/mnist [--steps 3000] [--k 1000] [--images 500]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.registry import build_trainer  # noqa: E402
from engine.families.vae.bounds import importance_weighted_bound  # noqa: E402
from engine.metrics.likelihood import bits_per_dim  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data-root", required=True)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--k", type=int, default=1000)
    p.add_argument("--images", type=int, default=500)
    p.add_argument("--latent", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    t = build_trainer("vae", {"dataset": "mnist", "data_root": a.data_root, "binarize": True,
                              "latent_dim": a.latent, "eval_every": 10**6})
    start = time.perf_counter()
    for _ in range(a.steps):
        t.step()
    seconds = time.perf_counter() - start
    m = t.evaluate()
    t._eval_mode()
    x = t.heldout_x[: a.images]
    begin = time.perf_counter()
    iw = torch.cat([importance_weighted_bound(t.encoder, t.decoder, chunk, a.k, "bernoulli",
                                              torch.Generator().manual_seed(3)) for chunk in x.split(50)])
    nll = float(-iw.mean())
    print(f"binarised MNIST (8,000 train), VAE latent {a.latent}, width {t.config.width}, batch "
          f"{t.config.batch_size}: {a.steps} steps ({a.steps * t.config.batch_size / len(t.train_x):.0f} epochs) in "
          f"{seconds:.0f} s on {a.threads} CPU thread(s)")
    print(f"held-out: negative ELBO {-m['elbo']:.1f} nats, NLL bound k={a.k} on {len(x)} images {nll:.1f} nats "
          f"({bits_per_dim(nll, 784):.3f} bits/dim; {time.perf_counter() - begin:.0f} s to compute), active units "
          f"{m['active_units']}/{a.latent}; literature: about 86.8 nats (VAE, 60,000 training images, k=5,000)")


if __name__ == "__main__":
    main()
