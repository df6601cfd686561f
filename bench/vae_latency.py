"""How fast the autoencoder page answers a slider: decoding a 16-frame interpolation strip (encode two images,
interpolate, decode, convert) and one traversal frame (decode one code, lay it out), median and p95 over repeats,
for digits (8x8) and MNIST (28x28) at the page's default model size. Issue 4 targets: under 30 ms and 10 ms.

    python bench/vae_latency.py [--data-root ../shared/data/mnist] [--repeats 50]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from timing import timed  # noqa: E402

from engine.latent import interpolate  # noqa: E402
from engine.pictures.images import grid_uint8, to_uint8  # noqa: E402
from engine.registry import build_trainer  # noqa: E402
from engine.runs import torch_threads  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data-root", default="")
    p.add_argument("--repeats", type=int, default=50)
    a = p.parse_args()
    torch.set_num_threads(torch_threads())  # as on the page, where the run's thread sets it
    datasets = ["digits"] + (["mnist"] if a.data_root else [])
    for name in datasets:
        t = build_trainer("vae", {"dataset": name, "data_root": a.data_root})
        t.step()
        pair = t.heldout_x[:2]

        def strip():
            z = t.encode(pair)
            return to_uint8(t.decode(interpolate(z[0], z[1], 16, "spherical")))

        z1 = t.encode(pair[:1])

        def frame():
            return grid_uint8(t.decode(z1), nrow=1)

        s50, s95 = timed(strip, a.repeats)
        f50, f95 = timed(frame, a.repeats)
        print(f"{name} {tuple(pair.shape[1:])}, latent {t.config.latent_dim}, width {t.config.width}, "
              f"{torch.get_num_threads()} thread(s): 16-frame strip median {s50:.1f} ms (p95 {s95:.1f}; target < 30), "
              f"one traversal frame median {f50:.1f} ms (p95 {f95:.1f}; target < 10)")


if __name__ == "__main__":
    main()
