"""Judge score of diffusion samples at a given CPU time, beside the image GAN's: each family (its image defaults,
plus `--set` for diffusion) trains for `--minutes` of CPU time (time.process_time, one torch thread, evaluations
excluded), then `--samples` samples are judged (judge score, Frechet distance; the held-out real images' score is
the ceiling). MNIST from the test files: first 8,000 images train, last 2,000 held out.

    python bench/diffusion_judge_at_time.py --dataset digits --minutes 5
    python bench/diffusion_judge_at_time.py --dataset mnist --data-root ../shared/data/mnist --minutes 20
        [--families diffusion,gan] [--samples 2000] [--seed 0] [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.config import parse_set_args  # noqa: E402
from engine.registry import build_trainer  # noqa: E402
from engine.runs import torch_threads  # noqa: E402

CHECK = 20  # steps between two looks at the clock


def judged(trainer, n: int) -> tuple[dict, float]:
    """The judge's metrics of n samples and the seconds it took to draw them."""
    start = time.perf_counter()
    images = torch.as_tensor(trainer.sample(n, seed=123)["images"]).float() / 127.5 - 1
    seconds = time.perf_counter() - start
    return trainer.judge_metrics(images), seconds


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="digits")
    p.add_argument("--data-root", default="")
    p.add_argument("--minutes", type=float, default=5.0, help="CPU minutes of training per family")
    p.add_argument("--families", default="diffusion,gan")
    p.add_argument("--samples", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="diffusion settings (e.g. width=16 sample_steps=100)")
    a = p.parse_args()
    torch.set_num_threads(torch_threads())
    budget = 60 * a.minutes
    for name in a.families.split(","):
        values = {"dataset": a.dataset, "data_root": a.data_root, "seed": a.seed}
        if name == "diffusion":
            values.update(parse_set_args(a.sets))
        t = build_trainer(name, values)
        t.judge(wait=True)  # trained once per dataset and cached: not part of the budget
        cpu, wall = time.process_time(), time.perf_counter()
        while time.process_time() - cpu < budget:
            for _ in range(CHECK):
                t.step()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        m, seconds = judged(t, a.samples)
        real = t.judge_metrics(t.data.heldout[: a.samples])["judge_score"]
        print(f"{name} on {a.dataset}: {t.step_count} steps in {cpu / 60:.1f} CPU min ({wall / 60:.1f} min wall): "
              f"judge score {m['judge_score']:.2f} (held-out real images {real:.2f}), Frechet "
              f"{m['frechet_distance']:.2f}, confident {m['confident_fraction']:.0%}; {a.samples} samples drawn in "
              f"{seconds:.1f} s", flush=True)


if __name__ == "__main__":
    main()
