"""Cached vs naive PixelCNN sampling, measured in one run: the same 16 images of 28x28, the same seed.

The naive sampler runs the whole network once per value drawn (784 passes for a 28x28 image); the cached one
computes only the new position at every layer (engine/autoregressive.py). Both must give identical images; the
script checks it and prints the largest difference of the predicted parameters.

    python bench/pixelcnn_sampling.py [--variant gated|pixelcnn] [--output binary] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.families.pixelcnn.sampler import raster_scan  # noqa: E402
from engine.models.pixelcnn import build_pixelcnn  # noqa: E402
from engine.families.pixelcnn.likelihoods import params_per_channel  # noqa: E402


def timed_sample(model, output, shape, n, sampler, device):
    params, values = [], None
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for event in raster_scan(model, output, shape, n, sampler=sampler, generator=torch.Generator().manual_seed(0)):
        params.append(event.params)
        values = event.values
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start, values.cpu(), torch.stack(params).cpu()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--variant", default="gated")
    p.add_argument("--output", default="binary")
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--n", type=int, default=16)
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = build_pixelcnn(a.variant, 1, params_per_channel(a.output), a.width, a.layers).to(a.device).eval()
    shape = (1, a.size, a.size)
    timed_sample(model, a.output, (1, 4, 4), a.n, "cached", a.device)  # warm-up
    cached_s, cached_v, cached_p = timed_sample(model, a.output, shape, a.n, "cached", a.device)
    naive_s, naive_v, naive_p = timed_sample(model, a.output, shape, a.n, "naive", a.device)
    name = torch.cuda.get_device_name() if a.device == "cuda" else f"CPU, {a.threads} thread(s)"
    print(f"{a.n} images of {a.size}x{a.size}, {a.variant} width {a.width} layers {a.layers}, {a.output} output, "
          f"{name}")
    print(f"naive {naive_s:.2f} s, cached {cached_s:.2f} s: cached is {naive_s / cached_s:.1f}x faster")
    print(f"identical images: {torch.equal(naive_v, cached_v)}; largest parameter difference "
          f"{(naive_p - cached_p).abs().max():.2e}")


if __name__ == "__main__":
    main()
