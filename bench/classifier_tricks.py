"""What each classification trick buys: a baseline ResNet and single-trick variants, several seeds, test error and
expected calibration error (mean +- sd over seeds) and each variant's verdict against the baseline.

Baseline: the classifier family's defaults (SGD Nesterov, lr 0.1, cosine to 0 at --steps, weight decay 5e-4, width
16, no augmentation). Each variant changes one key. Test-time augmentation changes no training, so its rows are the
baseline's networks (and the pad-crop variant's, trained on shifted views) evaluated again with five / ten crops.
Distillation uses a teacher (width 32, the baseline recipe) trained first for --steps steps per seed and saved, so
its student trains as many steps as every variant.

Statistics come from engine/compare.py: `summarise` for means and standard deviations, `verdict` for each variant
against the baseline (a difference is clear when Welch's t-test on the per-seed values gives p < 0.05).

    python bench/classifier_tricks.py [--dataset digits|mnist] [--data-root DIR] [--steps 2000] [--seeds 3]
        [--workers 1] [--policy autoaugment_svhn] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.compare import BETTER, summarise, verdict  # noqa: E402

METRICS = ("test_error", "ece")
BASELINE = "baseline (cosine)"
TTA = {"five-crop TTA": "five_crop", "ten-crop TTA": "ten_crop"}


def variants(side: int, steps: int, policy: str) -> dict[str, dict]:
    """One changed key (or two) per variant; sizes follow the image side (`side` pixels)."""
    return {
        BASELINE: {},
        "constant lr": {"schedule": "constant"},
        f"warm-up {max(1, steps // 10)} steps": {"warmup_steps": max(1, steps // 10)},
        "label smoothing 0.1": {"label_smoothing": 0.1},
        "mixup 0.2": {"mixup": 0.2},
        f"cutout {side // 2}": {"cutout": side // 2},
        f"pad-crop {max(1, side // 8)}": {"crop_padding": max(1, side // 8)},
        policy: {"autoaugment": policy},
        "dropout 0.2": {"dropout": 0.2},
        "drop path 0.2": {"drop_path": 0.2},
        "aux loss 0.3": {"aux_weight": 0.3},
        "distillation 0.5 (T=4)": {"distillation": 0.5},
        "no BN decay": {"no_bn_decay": True},
    }


def one(job):
    """Train one variant for one seed; its metrics (and the TTA re-evaluations for the baseline)."""
    name, values, seed, steps, save_to = job
    import torch

    torch.set_num_threads(1)
    from engine.registry import build_trainer

    t = build_trainer("classifier", {**values, "seed": seed, "total_steps": steps})
    start = time.perf_counter()
    for _ in range(steps):
        t.step()
    seconds = time.perf_counter() - start
    rows = [{"variant": name, "seed": seed, "seconds_per_step": seconds / steps, **t.evaluate()}]
    if name == BASELINE or name.startswith("pad-crop"):
        for tta_name, mode in TTA.items():
            t.set_knobs(tta=mode)
            label = tta_name if name == BASELINE else f"{name} + {tta_name}"
            rows.append({"variant": label, "seed": seed, "seconds_per_step": seconds / steps, **t.evaluate()})
    if save_to:
        from engine.persistence import save_member

        save_member(t, [], save_to, seconds)
    return rows


def run_jobs(jobs: list, workers: int) -> list[dict]:
    rows = []
    with get_context("spawn").Pool(workers) as pool:
        for result in pool.imap_unordered(one, jobs):  # each run as it ends, so a long bench shows progress
            for r in result:
                print(f"  {r['variant']}, seed {r['seed']}: test error {r['test_error']:.4f}, ECE {r['ece']:.4f}, "
                      f"{r['seconds_per_step'] * 1000:.0f} ms/step", flush=True)
            rows.extend(result)
    return rows


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="digits")
    p.add_argument("--data-root", default="")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--policy", default="autoaugment_svhn", help="the augmentation policy variant")
    p.add_argument("--only", default="", help="comma-separated starts of variant names to run (the baseline always "
                                               "runs), e.g. 'label,mixup,pad-crop': a shorter bench on a large set")
    p.add_argument("--out", help="JSON file for the table")
    a = p.parse_args()
    from engine.data import load_dataset

    side = load_dataset(a.dataset, data_root=a.data_root).image_shape[-1]
    base = {"dataset": a.dataset, "data_root": a.data_root}
    chosen = variants(side, a.steps, a.policy)
    if a.only:
        starts = tuple(w.strip() for w in a.only.split(",") if w.strip())
        chosen = {n: v for n, v in chosen.items() if n == BASELINE or n.startswith(starts)}
    teachers = Path(tempfile.mkdtemp(prefix="classifier-teachers-"))
    teacher_rows = []
    if any("distillation" in changes for changes in chosen.values()):
        print(f"{a.dataset}, {a.steps} steps, seeds 0..{a.seeds - 1}: training the teachers", flush=True)
        teacher_rows = run_jobs([("teacher (width 32)", {**base, "width": 32}, s, a.steps,
                                  str(teachers / f"seed{s}")) for s in range(a.seeds)], a.workers)
    jobs = []
    for s in range(a.seeds):
        for name, changes in chosen.items():
            values = {**base, **changes}
            if "distillation" in changes:
                values["teacher_run"] = str(teachers / f"seed{s}")
            jobs.append((name, values, s, a.steps, None))
    rows = run_jobs(jobs, a.workers) + teacher_rows
    order = [BASELINE, *TTA]
    for name in chosen:
        if name != BASELINE:
            order += [name, *(f"{name} + {t}" for t in TTA)] if name.startswith("pad-crop") else [name]
    if teacher_rows:
        order.append("teacher (width 32)")
    rows.sort(key=lambda r: (order.index(r["variant"]), r["seed"]))
    table = summarise(rows, METRICS)
    against = {}
    for name in order[1:]:
        against[name] = {}
        for metric in METRICS:
            samples = {n: [r[metric] for r in rows if r["variant"] == n] for n in (name, BASELINE)}
            against[name][metric] = verdict(samples, BETTER[metric])
    print(f"\n{a.dataset}, {a.steps} steps, {a.seeds} seeds (mean +- sd); verdicts against '{BASELINE}'")
    print("| variant | test error | ECE | ms/step | test error vs baseline | ECE vs baseline |")
    print("|---|---|---|---|---|---|")
    for name in order:
        stats = [table[m]["variants"][name] for m in METRICS]
        ms = 1000 * sum(r["seconds_per_step"] for r in rows if r["variant"] == name) / stats[0]["n"]
        verdicts = [short(against[name][m], name) if name in against else "" for m in METRICS]
        print(f"| {name} | {stats[0]['mean']:.4f} +- {stats[0]['sd']:.4f} | {stats[1]['mean']:.4f} +- "
              f"{stats[1]['sd']:.4f} | {ms:.0f} | {verdicts[0]} | {verdicts[1]} |")
    if a.out:
        report = {"dataset": a.dataset, "steps": a.steps, "seeds": a.seeds, "baseline": BASELINE,
                  "variants": {n: setting(n, chosen) for n in order}, "rows": rows,
                  "metrics": table, "against_baseline": against}
        Path(a.out).write_text(json.dumps(report, indent=2, default=float) + "\n")
        print(f"wrote {a.out}")


def setting(name: str, chosen: dict[str, dict]) -> dict:
    """The keys a row's variant changes from the baseline."""
    if name in chosen:
        return chosen[name]
    if name.startswith("teacher"):
        return {"width": 32}
    trained, _, tta = name.rpartition(" + ")
    return {**chosen.get(trained, {}), "tta": TTA[tta]}


def short(v: dict, name: str) -> str:
    """'better' / 'worse' (clear: Welch's p < 0.05), 'within spread' (not clear), 'one seed', or 'same'."""
    if v["runner_up"] is None:
        return "n/a"
    if v["gap"] == 0:
        return "same"
    side = "better" if v["leader"] == name else "worse"
    if "one seed" in v["text"]:
        return f"{side} (one seed)"
    return side if v["clear"] else f"{side}, within spread"


if __name__ == "__main__":
    main()
