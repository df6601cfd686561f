"""Cached vs naive PixelCNN sampling, measured in one run: the same 16 images of 28x28, the same seed, in float32
and in float64 (the samplers' precision, engine/families/pixelcnn/sampler.py).

The naive sampler runs the whole network once per value drawn (784 passes for a 28x28 image); the cached one
computes only the new position at every layer. Both must give identical images; the script checks it and prints
the largest difference of the predicted parameters. `--run DIR` samples a trained run instead of a fresh network
(e.g. a gated model trained 20 steps on MNIST, where float32 flipped 1 value in 12,544 at seed 3).

    python bench/pixelcnn_sampling.py [--variant gated|pixelcnn] [--output binary] [--device cpu|cuda]
    python bench/pixelcnn_sampling.py --run runs/pixelcnn-mnist --n 16 --seed 3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.families.pixelcnn import sampler as samplers  # noqa: E402
from engine.families.pixelcnn.likelihoods import params_per_channel  # noqa: E402
from engine.models.pixelcnn import build_pixelcnn  # noqa: E402
from engine.persistence import load_trainer  # noqa: E402


def timed_sample(model, output, shape, n, sampler, device, seed=0, labels=None):
    params, values = [], None
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for event in samplers.raster_scan(model, output, shape, n, sampler=sampler, labels=labels,
                                      generator=torch.Generator().manual_seed(seed)):
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
    p.add_argument("--run", help="a saved pixelcnn run to sample from (its network, output and image shape)")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    labels = None
    if a.run:
        trainer = load_trainer(a.run, {"device": a.device})
        model, output, shape = trainer.model.eval(), trainer.config.output, trainer.shape
        labels = trainer.labels_for(a.n)
        what = f"run {a.run} (step {trainer.step_count}, {trainer.config.variant}, {output} output)"
    else:
        torch.manual_seed(0)
        model = build_pixelcnn(a.variant, 1, params_per_channel(a.output), a.width, a.layers).to(a.device).eval()
        output, shape = a.output, (1, a.size, a.size)
        what = f"a fresh {a.variant} width {a.width} layers {a.layers}, {a.output} output"
    name = torch.cuda.get_device_name() if a.device == "cuda" else f"CPU, {a.threads} thread(s)"
    print(f"{a.n} images of {shape[1]}x{shape[2]} from {what}, seed {a.seed}, {name}")
    timed_sample(model, output, (shape[0], 4, 4), a.n, "cached", a.device)  # warm-up
    seconds = {}
    for dtype in (torch.float32, torch.float64):
        samplers.SAMPLING_DTYPE = dtype
        cached_s, cached_v, cached_p = timed_sample(model, output, shape, a.n, "cached", a.device, a.seed, labels)
        naive_s, naive_v, naive_p = timed_sample(model, output, shape, a.n, "naive", a.device, a.seed, labels)
        seconds[dtype] = cached_s
        differ = int((naive_v != cached_v).sum())
        print(f"{str(dtype)[6:]}: naive {naive_s:.2f} s, cached {cached_s:.2f} s: cached is "
              f"{naive_s / cached_s:.1f}x faster; values that differ: {differ} of {naive_v.numel():,}; largest "
              f"parameter difference {(naive_p - cached_p).abs().max():.2e}")
    print(f"cached sampling in float64 takes {seconds[torch.float64] / seconds[torch.float32]:.2f}x the float32 "
          f"time")


if __name__ == "__main__":
    main()
