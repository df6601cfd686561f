"""Replays each shipped lesson's run checks on this machine: every step with a check trains the step's preset (seed
0, as a student's first run would, through the same `Run` as the page) until the step the check names, then
evaluates the check on the run's records and preview exactly as the page does, and prints what it found and how
long it took. With --experiments, each declared variant of a step's experiment is trained too (seed 0) and its
metric read at the experiment's step.

    nice -n 10 python bench/lessons.py [--only LESSON_ID ...] [--experiments] [--seeds N]

A lesson whose question or check the measurement contradicts is a lesson to fix (its text says what was measured).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.lessons import checks, library  # noqa: E402
from engine.lessons.pages import PAGES, SPEED  # noqa: E402
from engine.registry import build_trainer, make_config  # noqa: E402
from engine.runs import Run  # noqa: E402

DEFAULT_STEPS = 1000


def settings(page, preset: dict) -> dict:
    return {k: v for k, v in preset.items() if k != SPEED and k not in page.facts.extra}


def train(family: str, values: dict, steps: int, seed: int):
    config = make_config(family, {**values, "seed": seed})
    run = Run(lambda: build_trainer(family, config), max_steps=steps, preview_seconds=3600)
    start = time.perf_counter()
    run.start()
    run.join(3600)
    snap = run.snapshot()
    preview = run.trainers[0].preview()
    run.close()
    return snap, preview, time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--only", nargs="*", default=None)
    p.add_argument("--experiments", action="store_true")
    p.add_argument("--seeds", type=int, default=1)
    a = p.parse_args()
    lib = library.load()
    for err in lib.problems:
        print(f"BROKEN {err}")
    for lesson in lib.lessons.values():
        if a.only and lesson.id not in a.only:
            continue
        for step in lesson.steps:
            page = PAGES[step.page]
            if page.family is None or (step.check is None and step.experiment is None):
                continue
            values = settings(page, step.preset)
            c = step.check
            steps = (c.step if c is not None and c.step else None) or (step.experiment.at_step if step.experiment
                                                                        else None) or DEFAULT_STEPS
            if c is not None:
                for seed in range(a.seeds):
                    snap, preview, seconds = train(page.family, values, steps, seed)
                    result = checks.evaluate(c, snap.members[0].records, preview, snap.step, snap.step)
                    print(f"{lesson.id} step {step.index + 1} seed {seed} [{c.text}] -> {result.state}: "
                          f"{result.text} ({snap.step} steps, {seconds:.0f} s, {snap.status})", flush=True)
            if a.experiments and step.experiment is not None:
                exp = step.experiment
                for name, changes in exp.variants.items():
                    for seed in range(a.seeds):
                        snap, _, seconds = train(page.family, {**values, **changes}, exp.at_step or steps, seed)
                        got = checks.value_at(exp.metric, snap.members[0].records, exp.at_step)
                        shown = "not read" if got is None else f"{got[0]:.4g} at step {got[1]}"
                        print(f"{lesson.id} step {step.index + 1} experiment {name!r} seed {seed}: {exp.metric} "
                              f"{shown} ({seconds:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
