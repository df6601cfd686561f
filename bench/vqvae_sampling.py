"""Time to sample 16 images through the VQ-VAE's prior (the cached sampler over the 7x7 code map, then one decoder
pass) vs the pixel-level PixelCNN (the same sampler over 28x28 = 784 values, 256-way softmax), both gated PixelCNNs of
the same width and depth, measured in one run: the seed's claim that sampling in the latent space is much faster.

The networks are fresh (sampling costs the same whatever the weights) unless saved runs are given (--vqvae-run,
a prior run; --pixelcnn-run). With --naive the naive sampler (a full pass per value) is timed too: about two minutes
for the pixel-level PixelCNN on a CPU. The median of --repeats timings is reported.

    python bench/vqvae_sampling.py [--dataset mnist --data-root ../shared/data/mnist] [--n 16] [--width 32]
        [--layers 4] [--codebook-size 64] [--repeats 3] [--naive] [--vqvae-run DIR] [--pixelcnn-run DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.families.vqvae import prior as priors  # noqa: E402
from engine.persistence import load_trainer  # noqa: E402
from engine.registry import build_trainer  # noqa: E402


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="mnist", help="28x28 images for the claim (needs --data-root for MNIST)")
    p.add_argument("--data-root", default="")
    p.add_argument("--n", type=int, default=16)
    p.add_argument("--width", type=int, default=32, help="width of both PixelCNNs")
    p.add_argument("--layers", type=int, default=4, help="layers of both PixelCNNs")
    p.add_argument("--codebook-size", type=int, default=64)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--naive", action="store_true", help="also time the naive samplers (slow)")
    p.add_argument("--vqvae-run", default="", help="a saved vqvae run whose prior is timed")
    p.add_argument("--pixelcnn-run", default="", help="a saved pixelcnn run that is timed")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    data = {"dataset": a.dataset, "data_root": a.data_root, "device": "cpu"}
    vq = (load_trainer(a.vqvae_run, {"device": "cpu"}) if a.vqvae_run else
          build_trainer("vqvae", {**data, "codebook_size": a.codebook_size, "prior_width": a.width,
                                  "prior_layers": a.layers}))
    pixel = (load_trainer(a.pixelcnn_run, {"device": "cpu"}) if a.pixelcnn_run else
             build_trainer("pixelcnn", {**data, "width": a.width, "layers": a.layers, "output": "categorical"}))
    side, shape = vq.sides[0], pixel.shape
    print(f"{a.n} images of {shape[1]}x{shape[2]}: VQ-VAE prior over a {side}x{side} map ({side * side} codes of "
          f"{vq.config.codebook_size}) + decoder, vs PixelCNN over {shape[0] * shape[1] * shape[2]} values "
          f"({pixel.config.output}); widths {vq.config.prior_width} / {pixel.config.width}, layers "
          f"{vq.config.prior_layers} / {pixel.config.layers}", flush=True)
    timings = {}
    for sampler in ("cached", "naive") if a.naive else ("cached",):
        timings[("vqvae", sampler)] = median_seconds(lambda: vq.decode([priors.sample_maps(
            vq.prior, (side, side), a.n, sampler=sampler, generator=torch.Generator().manual_seed(0),
            labels=vq.labels_for(a.n))]), a.repeats)
        timings[("pixelcnn", sampler)] = median_seconds(
            lambda: pixel.sample_values(a.n, seed=0, sampler=sampler), a.repeats)
        vq_s, pixel_s = timings[("vqvae", sampler)], timings[("pixelcnn", sampler)]
        print(f"  {sampler:6}: VQ-VAE {vq_s:8.3f} s, PixelCNN {pixel_s:8.3f} s, ratio {pixel_s / vq_s:6.1f}x",
              flush=True)
    print(f"\nsampling {a.n} images (cached): {timings[('vqvae', 'cached')]:.3f} s through the VQ-VAE's prior vs "
          f"{timings[('pixelcnn', 'cached')]:.3f} s pixel by pixel: "
          f"{timings[('pixelcnn', 'cached')] / timings[('vqvae', 'cached')]:.1f}x faster")


if __name__ == "__main__":
    main()
