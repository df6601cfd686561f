"""Four generators of the GAN lineage at equal CPU time (issue 16's closing note): DCGAN, ResNet blocks, the SAGAN
recipe (spectral norm in both networks, hinge loss, self-attention at the side below the full one, lr_d 4e-4 and
lr_g 1e-4) and the style-based generator, several seeds each, every run given the same CPU seconds (one thread per
run, `--workers` runs at a time). At the end of each run, on 1,000 samples: judge score, Frechet distance, the
high-frequency energy of the samples (engine/metrics/spectrum.py; the held-out images' beside it), steps and
steps/s; then mean +- sd per generator with the verdicts of engine/compare.py.

    python bench/gan_architectures.py [--dataset digits|mnist] [--data-root DIR] [--minutes 10] [--seeds 3]
        [--workers 2] [--only DCGAN,style] [--set KEY=VALUE ...] [--json FILE]

The other settings are the image defaults (class-conditional on labelled data). bench/gan_tips.py reuses `run_all`
for the seed's tips.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

METRICS = ("judge_score", "frechet_distance", "high_frequency_energy", "high_frequency_gap", "steps_per_second")
JUDGED = ("judge_score", "frechet_distance", "high_frequency_gap")  # energy itself has no better side: its gap does


def generators(side: int) -> dict[str, dict]:
    """The four generators for images of `side` (self-attention sits at the feature map below the full size)."""
    from engine.models.conv_paths import resolutions

    sagan = {"spectral_norm": True, "g_spectral_norm": True, "loss": "hinge", "lr_g": 1e-4, "lr_d": 4e-4,
             "self_attention": resolutions(side)[1]}
    return {"DCGAN": {}, "ResNet": {"blocks": "resnet"}, "SAGAN recipe": sagan,
            "style": {"generator": "style", "g_leaky_slope": 0.2}}


def train_for(job: tuple[str, dict, int, float]) -> dict:
    """One run: train `values` with `seed` until the process has spent `seconds` of CPU time, then evaluate."""
    name, values, seed, seconds = job
    import torch

    torch.set_num_threads(1)
    from engine.registry import build_trainer

    t = build_trainer("gan", {**values, "seed": seed})
    start, wall = time.process_time(), time.perf_counter()
    while time.process_time() - start < seconds:
        t.step()
    cpu, wall = time.process_time() - start, time.perf_counter() - wall
    m = t.evaluate()
    return {"variant": name, "seed": seed, "steps": t.step_count, "cpu_seconds": cpu, "wall_seconds": wall,
            "steps_per_second": t.step_count / cpu, "real_high_frequency": t.real_high_frequency(),
            **{k: m[k] for k in METRICS[:4]}}


def run_all(variants: dict[str, dict], base: dict, seeds: int, minutes: float, workers: int) -> list[dict]:
    from engine.data import load_dataset
    from engine.metrics.judge import load_or_train_judge

    load_or_train_judge(load_dataset(base["dataset"], data_root=base.get("data_root", "")))  # once, before the pool
    jobs = [(n, {**base, **v}, s, minutes * 60) for n, v in variants.items() for s in range(seeds)]
    rows = []
    with get_context("spawn").Pool(workers) as pool:
        for r in pool.imap_unordered(train_for, jobs):  # each run as it ends, so a long bench shows progress
            rows.append(r)
            print(f"  {r['variant']}, seed {r['seed']}: judge score {r['judge_score']:.2f}, Frechet "
                  f"{r['frechet_distance']:.2f}, HF energy {r['high_frequency_energy']:.3f} (real "
                  f"{r['real_high_frequency']:.3f}), {r['steps']} steps, {r['steps_per_second']:.1f} steps/s",
                  flush=True)
    return rows


def report(rows: list[dict], variants: dict[str, dict], title: str) -> dict:
    from engine.compare import summarise

    table = summarise(rows, METRICS)
    print(title)
    print("| variant | " + " | ".join(METRICS) + " |\n|---|" + "---|" * len(METRICS))
    for name in variants:
        cells = []
        for metric in METRICS:
            stats = table.get(metric, {}).get("variants", {}).get(name)
            cells.append(f"{stats['mean']:.3g} +- {stats['sd']:.2g}" if stats else "-")
        print(f"| {name} | " + " | ".join(cells) + " |")
    for metric in JUDGED:
        if metric in table:
            print(f"{metric}: {table[metric]['verdict']['text']}")
    return table


def parse_common(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--dataset", default="digits")
    p.add_argument("--data-root", default="")
    p.add_argument("--minutes", type=float, default=10.0, help="CPU minutes per run")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--workers", type=int, default=2, help="runs at a time, one thread each")
    p.add_argument("--only", help="comma-separated variant names")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="settings for every variant (e.g. g_width=8 for a quick check)")
    p.add_argument("--json", help="write the rows and the summary here")
    return p


def main() -> None:
    from engine.config import parse_set_args
    from engine.data import load_dataset

    a = parse_common(__doc__.splitlines()[0]).parse_args()
    base = {"dataset": a.dataset, "data_root": a.data_root, **parse_set_args(a.sets)}
    side = load_dataset(a.dataset, data_root=a.data_root).train.shape[-1]
    variants = generators(side)
    if a.only:
        variants = {k: variants[k] for k in a.only.split(",")}
    rows = run_all(variants, base, a.seeds, a.minutes, a.workers)
    title = (f"{a.dataset}, {a.minutes:g} CPU minutes per run, seeds 0..{a.seeds - 1}, {a.workers} runs at a time; "
             f"other settings: the image defaults {parse_set_args(a.sets) or ''}")
    table = report(rows, variants, title)
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "summary": table}, indent=2, default=float))


if __name__ == "__main__":
    main()
