"""Seconds of training until 8/8 ring8 modes, per family (KDE and EBM beside the GAN, and the flow or diffusion
models where they are registered), over seeds: each family with the settings it enters the every-family comparison
with (its record's `lineup`), plus any `--set FAMILY:KEY=VALUE`. The clock counts training steps only; every
`--check` steps (KDE: every step, one step adds `batch_size` kernels) the samples are evaluated off the clock
(engine/metrics/modes2d.py: 8/8 covered). One process, one torch thread, as a run trains.

    python bench/kde_ebm_ring8_time_to_modes.py [--families kde ebm gan flow diffusion] [--seeds 3] [--limit 120]
        [--check 25] [--set ebm:lr=0.01]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.config import ConfigError, parse_set_args  # noqa: E402
from engine.registry import FAMILIES, build_trainer  # noqa: E402

CHECK = {"kde": 1}  # steps between evaluations, where a family's steps are coarse


def time_to_all_modes(family: str, values: dict, seed: int, check: int, limit: float) -> tuple[float, int, float]:
    """(training seconds until 8/8 modes or inf, steps, the high-quality fraction then)."""
    t = build_trainer(family, {**values, "dataset": "ring8", "seed": seed})
    spent = 0.0
    while spent < limit:
        start = time.perf_counter()
        for _ in range(check):
            t.step()
        spent += time.perf_counter() - start
        m = t.evaluate()
        if m["modes_covered"] == m["modes_total"]:
            return spent, t.step_count, m["high_quality_fraction"]
    return float("inf"), t.step_count, m["high_quality_fraction"]


def main() -> None:
    default = [f for f in ("kde", "ebm", "gan", "flow", "diffusion") if f in FAMILIES]
    p = argparse.ArgumentParser()
    p.add_argument("--families", nargs="+", default=default)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--check", type=int, default=25, help="steps between evaluations (KDE: 1)")
    p.add_argument("--limit", type=float, default=120.0, help="training seconds per seed before giving up")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="FAMILY:KEY=VALUE")
    a = p.parse_args()
    overrides: dict[str, dict] = {}
    for item in a.sets:
        name, sep, setting = item.partition(":")
        if not sep:
            raise ConfigError(item, f"--set expects FAMILY:KEY=VALUE, got '{item}'")
        overrides.setdefault(name, {}).update(parse_set_args([setting]))
    torch.set_num_threads(1)
    summary = []
    for family in a.families:
        values = {**FAMILIES[family].lineup.get("points", {}), **overrides.get(family, {})}
        times = []
        for seed in range(a.seeds):
            seconds, steps, quality = time_to_all_modes(family, values, seed, CHECK.get(family, a.check), a.limit)
            times.append(seconds)
            print(f"{family} seed {seed}: {seconds:.3f} s ({steps} steps; high quality {quality:.0%})", flush=True)
        summary.append((family, values, times))
    print()
    for family, values, times in summary:
        print(f"{family:>10}: median {statistics.median(times):.3f} s to 8/8 modes over {len(times)} seeds "
              f"(each: {', '.join(f'{s:.3f}' for s in times)}) with {values or 'its defaults'}")


if __name__ == "__main__":
    main()
