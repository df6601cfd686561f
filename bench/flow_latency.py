"""How fast a trained image flow answers the page: drawing 64 samples (one inverse pass, quantised) and one
interpolation strip (encode two images, 16 codes on a spherical path, decode them), median and p95 over repeats.
Issue 13's target: under 100 ms on the CPU. The flow is trained --steps steps first (the cost of a pass does not
depend on the weights, but actnorm's data-dependent start and a real model make it the page's case).

    python bench/flow_latency.py [--dataset digits|mnist] [--data-root DIR] [--model realnvp] [--steps 300]
        [--repeats 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from timing import timed  # noqa: E402

from engine.families.flow import pictures  # noqa: E402
from engine.registry import build_trainer  # noqa: E402
from engine.runs import torch_threads  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="digits")
    p.add_argument("--data-root", default="")
    p.add_argument("--model", default="realnvp")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--repeats", type=int, default=30)
    a = p.parse_args()
    torch.set_num_threads(torch_threads())  # as on the page, where the run's thread sets it
    t = build_trainer("flow", {"dataset": a.dataset, "data_root": a.data_root, "model": a.model})
    start = time.perf_counter()
    for _ in range(a.steps):
        t.step()
    trained = time.perf_counter() - start
    first, last = t.data.heldout[0], t.data.heldout[1]
    s50, s95 = timed(lambda: t.sample(64, seed=0), a.repeats)
    w50, w95 = timed(lambda: pictures.walk(t, first, last, 16, "spherical"), a.repeats)
    m = t.likelihood_metrics()
    print(f"{a.dataset} {tuple(t.shape)}, {a.model} (width {t.config.width}, depth {t.config.depth}), "
          f"{a.steps} steps in {trained:.0f} s (held-out {m['bits_per_dim']:.3f} bits/dim), "
          f"{torch.get_num_threads()} thread(s): 64 samples median {s50:.1f} ms (p95 {s95:.1f}); 16-frame "
          f"interpolation strip median {w50:.1f} ms (p95 {w95:.1f}); target < 100 ms")


if __name__ == "__main__":
    main()
