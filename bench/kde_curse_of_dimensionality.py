"""KDE held-out NLL against dimension: the same images down-sampled to 4x4, 8x8, 16x16 and 28x28, a KDE at each
size (leave-one-out bandwidth on the training images) beside a full-covariance Gaussian fitted to the same pixels
(engine/families/kde/curse.py), in bits per dimension over 256 grey levels; mean and sd over seeds (each seed
shuffles which training images become kernels when --kernels caps them). One process, one torch thread.

    python bench/kde_curse_of_dimensionality.py [--dataset mnist] [--data-root /work/shared/data/mnist]
        [--sides 4 8 16 28] [--kernels N] [--seeds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.data import load_dataset  # noqa: E402
from engine.families.kde.curse import sweep  # noqa: E402

PIXELCNN = Path(__file__).resolve().parents[1] / "assets" / "pretrained" / "pixelcnn-digits" / "summary.json"


def _mean_sd(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f}"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--data-root", default="/work/shared/data/mnist")
    p.add_argument("--sides", type=int, nargs="+", default=[4, 8, 16, 28])
    p.add_argument("--kernels", type=int, default=None, help="training images used as kernels (default: all)")
    p.add_argument("--seeds", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(1)
    data = load_dataset(a.dataset, data_root=a.data_root)
    print(f"{a.dataset}: {len(data.train)} training images, {min(len(data.heldout), 2000)} held out. "
          f"{data.note}".strip())
    per_seed = []
    for seed in range(a.seeds):
        start = time.perf_counter()
        per_seed.append(sweep(data, tuple(a.sides), a.kernels, seed))
        print(f"seed {seed}: {time.perf_counter() - start:.1f} s")
    print(f"\n{'size':>6} {'D':>5} {'kernels':>8} {'h (LOO)':>10} {'KDE bits/dim':>16} {'Gaussian bits/dim':>18}")
    table = []
    for i, row in enumerate(per_seed[0]):
        kde = [rows[i]["kde_bits_per_dim"] for rows in per_seed]
        gauss = [rows[i]["gaussian_bits_per_dim"] for rows in per_seed]
        h = statistics.mean(rows[i]["h"] for rows in per_seed)
        print(f"{row['side']:>4}x{row['side']:<2}{row['dims']:>5} {row['n']:>8} {h:>10.4f} {_mean_sd(kde):>16} "
              f"{_mean_sd(gauss):>18}")
        table.append({"side": row["side"], "dims": row["dims"], "kernels": row["n"], "h": h, "kde": kde,
                      "gaussian": gauss})
    if a.dataset == "digits" and PIXELCNN.exists():
        print(f"\nlearned model at 8x8: the shipped gated PixelCNN, "
              f"{json.loads(PIXELCNN.read_text())['bits_per_dim']:.3f} bits/dim (assets/pretrained)")
    first, last = table[0], table[-1]
    print(f"\nKDE minus Gaussian: {statistics.mean(first['kde']) - statistics.mean(first['gaussian']):+.3f} bits/dim "
          f"at D = {first['dims']}, {statistics.mean(last['kde']) - statistics.mean(last['gaussian']):+.3f} at "
          f"D = {last['dims']}")
    print(json.dumps(table))


if __name__ == "__main__":
    main()
