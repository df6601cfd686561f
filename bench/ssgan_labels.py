"""The semi-supervised GAN against its supervised baseline: test error with few labels, over seeds.

Trains the `ssgan` family (the paper's MNIST networks, feature matching) for --steps steps per seed and reports, for
the GAN's classifier and for the baseline (the same network, weights and labelled batches, cross-entropy only), the
held-out test error (of the weight averages) every --every steps and at the end, as mean +- sd over seeds, with
`engine.compare.verdict` on the final errors. Salimans et al. (2016) report 0.93% +- 0.065% on MNIST with 100 labels
(60,000 training images, 300 epochs); MNIST here is the 10,000 test images split 8,000 / 2,000.

    python bench/ssgan_labels.py [--dataset digits|mnist] [--data-root DIR] [--n-labels 100] [--steps 3000]
        [--seeds 3] [--workers 1] [--set key=value ...] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.compare import verdict  # noqa: E402
from engine.config import parse_set_args  # noqa: E402

PAPER = "0.93% +- 0.065% (MNIST, 100 labels, 60,000 images; Salimans et al. 2016, Table 1)"


def one(job):
    """One seed: the two test errors every `every` steps."""
    values, seed, steps, every = job
    import torch

    torch.set_num_threads(1)
    from engine.registry import build_trainer

    t = build_trainer("ssgan", {**values, "seed": seed})
    curve, start = [], time.perf_counter()
    for step in range(1, steps + 1):
        t.step()
        if step % every == 0 or step == steps:
            e = t.evaluate()
            curve.append({"step": step, "test_error": e["test_error"], "baseline_test_error": e["baseline_test_error"]})
            print(f"  seed {seed}, step {step}: GAN {e['test_error']:.4f}, baseline {e['baseline_test_error']:.4f}",
                  flush=True)
    return {"seed": seed, "seconds": time.perf_counter() - start, "n_labels": t.n_labels, "curve": curve}


def mean_sd(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{100 * statistics.fmean(values):.2f}% +- {100 * sd:.2f}%"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="digits")
    p.add_argument("--data-root", default="")
    p.add_argument("--n-labels", default="100")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--every", type=int, default=500)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--set", action="append", default=[], help="other ssgan keys, KEY=VALUE")
    p.add_argument("--out", help="JSON file for the results")
    a = p.parse_args()
    values = {"dataset": a.dataset, "data_root": a.data_root, "n_labels": a.n_labels, **parse_set_args(a.set)}
    jobs = [(values, s, a.steps, a.every) for s in range(a.seeds)]
    with get_context("spawn").Pool(a.workers) as pool:
        runs = sorted(pool.map(one, jobs), key=lambda r: r["seed"])
    print(f"\n{a.dataset}, {runs[0]['n_labels']} labels, {a.steps} steps, {a.seeds} seeds; settings {values}")
    print("| step | semi-supervised GAN | baseline (labels only) |")
    print("|---|---|---|")
    for i, point in enumerate(runs[0]["curve"]):
        gan = [r["curve"][i]["test_error"] for r in runs]
        base = [r["curve"][i]["baseline_test_error"] for r in runs]
        print(f"| {point['step']:,} | {mean_sd(gan)} | {mean_sd(base)} |")
    final = {"semi-supervised GAN": [r["curve"][-1]["test_error"] for r in runs],
             "baseline": [r["curve"][-1]["baseline_test_error"] for r in runs]}
    v = verdict(final, "lower")
    minutes = statistics.fmean(r["seconds"] for r in runs) / 60
    print(f"verdict: {v['text']}\nper seed {minutes:.1f} min of wall-clock time (one torch thread each, "
          f"{a.workers} seeds at once); the paper: {PAPER}")
    if a.out:
        Path(a.out).write_text(json.dumps({"settings": values, "steps": a.steps, "runs": runs, "final": final,
                                           "verdict": v, "paper": PAPER}, indent=2) + "\n")
        print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
