"""The truncation curve (issue 16): judge score against Frechet distance as psi goes from 0 to 1, for the style
generator (w' = w_avg + psi (w - w_avg)) and the DCGAN (z' = psi z), several seeds, each trained for the same CPU
time first, or one saved run (`--run DIR`, e.g. assets/pretrained/gan-digits). n samples per psi (the first n of the
fixed evaluation z), so every psi sees the same z.

    python bench/gan_truncation.py [--dataset digits|mnist] [--data-root DIR] [--minutes 10] [--seeds 3]
        [--workers 2] [--n 1000] [--only style] [--set KEY=VALUE ...] [--run DIR] [--json FILE]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gan_architectures import generators, parse_common  # noqa: E402

PSIS = [round(0.1 * i, 1) for i in range(11)]


def curve(trainer, n: int) -> list[dict]:
    from engine.families.gan.image_lessons import truncation_curve

    c = truncation_curve(trainer, psis=tuple(PSIS), n=n)
    return [{"psi": p, "judge_score": s, "frechet_distance": f}
            for p, s, f in zip(c["psi"], c["judge_score"], c["frechet_distance"])]


def train_and_sweep(job: tuple[str, dict, int, float, int]) -> dict:
    name, values, seed, seconds, n = job
    import torch

    torch.set_num_threads(1)
    from engine.registry import build_trainer

    t = build_trainer("gan", {**values, "seed": seed})
    start = time.process_time()
    while time.process_time() - start < seconds:
        t.step()
    t.judge(wait=True)
    return {"variant": name, "seed": seed, "steps": t.step_count, "curve": curve(t, n)}


def main() -> None:
    from engine.config import parse_set_args

    p = parse_common(__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000, help="samples per psi")
    p.add_argument("--run", help="sweep this saved run instead of training")
    a = p.parse_args()
    if a.run:
        from engine.persistence import load_trainer

        t = load_trainer(a.run)
        t.judge(wait=True)
        results = [{"variant": a.run, "seed": t.config.seed, "steps": t.step_count, "curve": curve(t, a.n)}]
    else:
        from engine.data import load_dataset
        from engine.metrics.judge import load_or_train_judge

        data = load_dataset(a.dataset, data_root=a.data_root)
        load_or_train_judge(data)  # once, before the pool
        variants = {k: v for k, v in generators(data.train.shape[-1]).items() if k in ("DCGAN", "style")}
        if a.only:
            variants = {k: variants[k] for k in a.only.split(",")}
        base = {"dataset": a.dataset, "data_root": a.data_root, **parse_set_args(a.sets)}
        jobs = [(k, {**base, **v}, s, a.minutes * 60, a.n) for k, v in variants.items() for s in range(a.seeds)]
        with get_context("spawn").Pool(a.workers) as pool:
            results = list(pool.imap_unordered(train_and_sweep, jobs))
    print(f"truncation curve, {a.n} samples per psi" + ("" if a.run else f", {a.minutes:g} CPU minutes per run"))
    for name in dict.fromkeys(r["variant"] for r in results):
        runs = [r for r in results if r["variant"] == name]
        print(f"\n{name} ({len(runs)} run(s), {statistics.fmean(r['steps'] for r in runs):.0f} steps)")
        print("| psi | judge score | Frechet distance |\n|---|---|---|")
        for i, psi in enumerate(PSIS):
            scores = [r["curve"][i]["judge_score"] for r in runs]
            dists = [r["curve"][i]["frechet_distance"] for r in runs]
            sd = (lambda v: statistics.stdev(v) if len(v) > 1 else 0.0)
            print(f"| {psi:.1f} | {statistics.fmean(scores):.2f} +- {sd(scores):.2f} | "
                  f"{statistics.fmean(dists):.2f} +- {sd(dists):.2f} |")
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2, default=float))


if __name__ == "__main__":
    main()
