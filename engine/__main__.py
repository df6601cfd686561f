"""The command line (a contract; see docs/ARCHITECTURE.md):

    python -m engine datasets
    python -m engine train FAMILY [--dataset NAME] [--steps N] [--seed S] [--set KEY=VALUE ...] [--out DIR]
    python -m engine sample RUN_DIR [--n N] [--seed S] [--set KEY=VALUE ...] [--out FILE.png|FILE.npz]
        (e.g. --set sampler=naive|cached --set temperature=0.8 for a PixelCNN run)
    python -m engine compare --preset NAME [--dataset D] [--steps N] [--seeds K] [--out DIR]
    python -m engine lesson check FILE [FILE ...]

Bad input exits with status 2 and one line that names the key and what is allowed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from engine.config import ConfigError, parse_set_args


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m engine", description="GenLab engine: train and sample from the "
                                "command line, with the same keys as the dashboard.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("datasets", help="list datasets and whether each is available offline")
    t = sub.add_parser("train", help="train a family and write a run folder")
    t.add_argument("family")
    t.add_argument("--dataset")
    t.add_argument("--steps", type=int, default=2000)
    t.add_argument("--seed", type=int)
    t.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    t.add_argument("--out", help="run folder to write (default runs/<id>)")
    t.add_argument("--no-progress", action="store_true", help="no progress bar (logs, CI)")
    s = sub.add_parser("sample", help="draw samples from a saved run")
    s.add_argument("run_dir")
    s.add_argument("--n", type=int, default=64)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    s.add_argument("--out", help="FILE.png (picture) or FILE.npz (raw samples)")
    c = sub.add_parser("compare", help="train a preset's variants side by side and write comparison.csv / .json")
    c.add_argument("--preset", required=True)
    c.add_argument("--dataset")
    c.add_argument("--steps", type=int, help="steps per variant (default: the preset's)")
    c.add_argument("--seeds", type=int, default=1, help="seeds 0..K-1, one group each")
    c.add_argument("--out", help="folder to write (default runs/compare-<preset>-<time>)")
    c.add_argument("--no-progress", action="store_true", help="no progress bar (logs, CI)")
    lesson = sub.add_parser("lesson", help="lessons (lessons/*.toml)")
    lesson_sub = lesson.add_subparsers(dest="lesson_command", required=True)
    lc = lesson_sub.add_parser("check", help="validate lesson files: pages, presets, controls, metrics, answers")
    lc.add_argument("files", nargs="+", metavar="FILE")
    return p


def cmd_datasets(_args) -> int:
    from engine.data import format_dataset_table, list_datasets

    print(format_dataset_table(list_datasets()))
    return 0


def cmd_train(args) -> int:
    from engine.persistence import check_writable
    from engine.registry import build_trainer, make_config
    from engine.runs import Run, torch_threads

    values = parse_set_args(args.sets)
    if args.dataset:
        values["dataset"] = args.dataset
    if args.seed is not None:
        values["seed"] = args.seed
    if args.steps < 1:
        raise ConfigError("steps", f"bad value {args.steps} for '--steps': expected an integer >= 1")
    torch_threads()  # a bad GENLAB_TORCH_THREADS stops here, not in the training thread
    config = make_config(args.family, values)
    if args.out:
        check_writable(args.out)  # taken or unwritable: said before the first step, nothing written
    trainer = build_trainer(args.family, config)  # load data now: a missing dataset fails before any thread starts
    note = getattr(trainer.data, "note", "")
    if note:
        print(f"note: {note}", file=sys.stderr)
    run = Run({"run": lambda: trainer}, max_steps=args.steps, preview_seconds=3600)
    out = Path(args.out) if args.out else Path(os.environ.get("GENLAB_RUNS_DIR", "runs")) / run.run_id
    check_writable(out)
    run.start()
    _follow(run, args.steps, show=not args.no_progress)
    snap = run.snapshot()
    if snap.status == "failed":
        print(f"error: training failed at step {snap.step}: {snap.message}", file=sys.stderr)
        return 3
    path = run.save(folder=out)
    summary = json.loads((Path(path) / "summary.json").read_text())
    print(f"{snap.status}: {snap.message or 'done'}; wrote {path}")
    print(json.dumps(summary))
    return 0 if snap.status == "finished" else 3


def _follow(run, steps: int, show: bool) -> None:
    from tqdm import tqdm

    with tqdm(total=steps, disable=not show, unit="step", dynamic_ncols=True) as bar:
        try:
            while True:
                snap = run.snapshot()
                bar.update(snap.step - bar.n)
                records = snap.members[0].records
                if records:
                    last = records[-1]
                    bar.set_postfix({k: f"{v:.3g}" for k, v in last.items()
                                     if k.startswith("loss") or k in ("modes_covered", "high_quality_fraction")})
                if snap.status not in ("running", "queued", "idle"):
                    break
                time.sleep(0.2)
        except KeyboardInterrupt:
            run.stop()
            print("interrupted: saving the run as it is", file=sys.stderr)


MAX_SAMPLES = 10_000  # sample --n: 10,000 64x64 colour images are 123 MB of uint8 (more would be a typo)


def cmd_sample(args) -> int:
    from engine.files import atomic_write
    from engine.persistence import load_trainer

    overrides = parse_set_args(args.sets)
    if not 1 <= args.n <= MAX_SAMPLES:
        raise ConfigError("n", f"bad value {args.n} for '--n': expected an integer from 1 to {MAX_SAMPLES:,}")
    try:
        trainer = load_trainer(args.run_dir, overrides)
    except (FileNotFoundError, ValueError) as err:
        if isinstance(err, ConfigError):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 2
    if trainer.step_count == 0:
        print("note: this checkpoint was saved before any training step: its samples are noise", file=sys.stderr)
    out = Path(args.out) if args.out else Path(args.run_dir) / f"samples-seed{args.seed}.png"
    if out.suffix == ".npz":
        buf = io.BytesIO()
        np.savez_compressed(buf, **trainer.sample(args.n, args.seed))
        atomic_write(out, buf.getvalue())
    elif out.suffix == ".png":
        atomic_write(out, trainer.sample_png(args.n, args.seed))
    else:
        raise ConfigError("out", f"bad value '{out}' for '--out': expected a file ending in .png or .npz")
    print(f"wrote {out}")
    return 0


def cmd_compare(args) -> int:
    from tqdm import tqdm

    from engine.compare import check_dataset, get_comparison, run_comparison
    from engine.files import atomic_write

    comparison = get_comparison(args.preset)
    if args.dataset:
        check_dataset(comparison, args.preset, args.dataset)
    for name, value in (("steps", args.steps), ("seeds", args.seeds)):
        if value is not None and value < 1:
            raise ConfigError(name, f"bad value {value} for '--{name}': expected an integer >= 1")
    steps = args.steps or comparison.steps
    out = Path(args.out) if args.out else Path("runs") / f"compare-{args.preset}-{time.strftime('%Y%m%d-%H%M%S')}"
    with tqdm(total=steps * args.seeds, disable=args.no_progress, unit="step", dynamic_ncols=True) as bar:
        def progress(seed: int, step: int, total: int) -> None:
            bar.update(seed * total + step - bar.n)

        rows, table = run_comparison(comparison, dataset=args.dataset, steps=steps, seeds=args.seeds,
                                     on_step=progress)
    import pandas as pd

    atomic_write(out / "comparison.csv", pd.DataFrame.from_records(rows).to_csv(index=False))
    report = {"preset": args.preset, "title": comparison.title, "family": comparison.family,
              "dataset": args.dataset or comparison.base.get("dataset"), "steps": steps, "seeds": args.seeds,
              "variants": comparison.configs(args.dataset), "metrics": table}
    atomic_write(out / "comparison.json", json.dumps(report, indent=2, default=float) + "\n")
    for metric, entry in table.items():
        print(f"{metric}: {entry['verdict']['text']}")
    print(f"wrote {out}/comparison.csv and comparison.json")
    return 0


def cmd_lesson(args) -> int:
    """`lesson check FILE...`: one line per lesson that is fine, `FILE:LINE: reason` per problem (status 2)."""
    from engine.lessons.checker import check_file
    from engine.lessons.format import LessonError

    status = 0
    for path in args.files:
        try:
            lesson = check_file(path)
        except LessonError as err:
            print(err, file=sys.stderr)
            status = 2
            continue
        questions = sum(s.question is not None for s in lesson.steps)
        checks = sum(s.check is not None for s in lesson.steps)
        print(f"{path}: ok: '{lesson.title}', {len(lesson.steps)} steps, {questions} questions, {checks} checks, "
              f"{lesson.minutes} min")
    return status


def main(argv: list[str] | None = None) -> int:
    from engine.data import BadInput, DataUnavailable

    args = _parser().parse_args(argv)
    handlers = {"datasets": cmd_datasets, "train": cmd_train, "sample": cmd_sample, "compare": cmd_compare,
                "lesson": cmd_lesson}
    try:
        return handlers[args.command](args)
    except (ConfigError, DataUnavailable, BadInput, FileExistsError, PermissionError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
