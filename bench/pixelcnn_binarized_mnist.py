"""Held-out NLL of a PixelCNN on binarised MNIST after a stated CPU budget, to set beside PixelCNN's 81.30 nats on
the full data set (van den Oord et al. 2016, Table 4; 60,000 training images, far longer training).

Data: the MNIST test files, first 8,000 images to train and last 2,000 held out, binarised once (each pixel on with
probability its intensity, fixed by the seed). The NLL is exact (no bound): -log p(x) summed over the 784 pixels,
averaged over all 2,000 held-out images.

    python bench/pixelcnn_binarized_mnist.py --data-root ../shared/data/mnist [--minutes 20] [--variant gated]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.registry import build_trainer  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data-root", required=True)
    p.add_argument("--minutes", type=float, default=20.0)
    p.add_argument("--variant", default="gated")
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--layers", type=int, default=5)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--report-every", type=float, default=5.0, help="minutes between held-out evaluations")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    t = build_trainer("pixelcnn", {"dataset": "mnist", "data_root": a.data_root, "output": "binary",
                                   "variant": a.variant, "width": a.width, "layers": a.layers,
                                   "batch_size": a.batch, "lr": a.lr, "eval_every": 10**7})
    t.judge = lambda wait=None: None  # the NLL only: no samples judged
    print(f"binarised MNIST (8,000 train / 2,000 held out), {a.variant} width {a.width} layers {a.layers}, batch "
          f"{a.batch}, lr {a.lr:g}, {a.threads} CPU thread(s), budget {a.minutes:g} min", flush=True)
    trained = 0.0
    next_report = a.report_every * 60
    while trained < a.minutes * 60:
        start = time.perf_counter()
        t.step()
        trained += time.perf_counter() - start
        if trained >= next_report or trained >= a.minutes * 60:
            m = t.evaluate()
            epochs = t.step_count * a.batch / len(t.train_v)
            print(f"  {trained / 60:5.1f} min, step {t.step_count:,} ({epochs:.1f} epochs): held-out NLL "
                  f"{m['nll_nats']:.2f} nats ({m['bits_per_dim']:.4f} bits/dim)", flush=True)
            next_report += a.report_every * 60
    print(f"final: {m['nll_nats']:.2f} nats after {trained / 60:.1f} min of training on this CPU; PixelCNN on the full "
          "binarised MNIST: 81.30 nats (van den Oord et al. 2016, Table 4)")


if __name__ == "__main__":
    main()
