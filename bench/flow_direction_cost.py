"""MAF vs IAF, measured: the time to evaluate log p of a batch and the time to draw a batch, for the same depth and
width, on 2D data (ring8, D = 2) and on digits (D = 64) (and MNIST, D = 784, with --data-root), as ratios. MAF scores
in one pass and samples in D; IAF the other way round (engine/families/flow/direction_cost.py).

    python bench/flow_direction_cost.py [--batch 256] [--repeats 5] [--depth 4] [--width 64] [--data-root DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.families.flow.direction_cost import REASON, direction_cost  # noqa: E402
from engine.registry import build_trainer  # noqa: E402
from engine.runs import torch_threads  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--depth", type=int, default=4)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--data-root", default="")
    a = p.parse_args()
    torch.set_num_threads(torch_threads())
    print(f"MADE layers: depth {a.depth}, width {a.width}; batch {a.batch}; median of {a.repeats}; "
          f"{torch.get_num_threads()} thread(s)")
    for dataset in ["ring8", "digits"] + (["mnist"] if a.data_root else []):
        t = build_trainer("flow", {"dataset": dataset, "data_root": a.data_root, "model": "maf", "depth": a.depth,
                                   "width": a.width})
        f = direction_cost(t, batch=a.batch, repeats=a.repeats)
        maf, iaf = f["maf"], f["iaf"]
        print(f"{dataset} (D = {f['dims']}, batch {f['batch']}): log p  MAF {maf['density_ms']:.2f} ms, IAF "
              f"{iaf['density_ms']:.2f} ms (IAF/MAF {iaf['density_ms'] / maf['density_ms']:.1f}x); sampling  MAF "
              f"{maf['sample_ms']:.2f} ms, IAF {iaf['sample_ms']:.2f} ms (MAF/IAF "
              f"{maf['sample_ms'] / iaf['sample_ms']:.1f}x)", flush=True)
    print(REASON)


if __name__ == "__main__":
    main()
