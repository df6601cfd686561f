"""What a comparison costs: a RunGroup of 4 variants against one run of the same configuration, same steps, measured
in one invocation (target: the group costs at most 4.4x one run). The 4 variants differ only in the real label of
one-sided smoothing (1.0, 0.95, 0.9, 0.8), so each costs what the single run costs and the ratio shows the group's
own overhead; the sum of the 4 variants trained one after another is printed too.

    python bench/compare_cost.py [--dataset ring8|digits] [--steps 1500] [--rounds 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.compare import Comparison, build_group  # noqa: E402

SMOOTHING = (1.0, 0.95, 0.9, 0.8)


def timed(comparison: Comparison, steps: int) -> float:
    group = build_group(comparison, max_steps=steps, eval_every=10**7, preview_seconds=3600)
    start = time.perf_counter()
    group.start()
    group.join()
    assert group.snapshot().status == "finished", group.snapshot().message
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="ring8")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--rounds", type=int, default=2)
    a = p.parse_args()
    base = {"dataset": a.dataset}
    variants = {f"real label {v}": {"label_smoothing": v} for v in SMOOTHING}
    four = Comparison("cost", "gan", "", base, variants, (), a.steps)
    singles = [Comparison("cost", "gan", "", base, {name: v}, (), a.steps) for name, v in variants.items()]
    for r in range(a.rounds):
        one = timed(singles[0], a.steps)
        group = timed(four, a.steps)
        apart = one + sum(timed(s, a.steps) for s in singles[1:])
        print(f"round {r + 1}: {a.dataset}, {a.steps} steps: one run {one:.1f} s, 4 variants as a group {group:.1f} s "
              f"= {group / one:.2f}x one run (target <= 4.4x); the 4 one after another {apart:.1f} s "
              f"(group / apart = {group / apart:.2f})", flush=True)


if __name__ == "__main__":
    main()
