"""DDIM against DDPM sampling at equal quality: one network trained once (ring8 or digits), then sampled by DDPM
through all T steps and by DDIM (eta 0) with fewer steps S; for each, the seconds to draw `--n` samples and their
quality (2D: high-quality fraction and grid JS; images: judge score and Frechet distance). Prints the fewest DDIM
steps whose quality is within `--tolerance` of DDPM's and how many times faster they sample.

    python bench/diffusion_sampling.py [--dataset ring8|digits|mnist] [--steps 5000] [--n 2000]
        [--ddim 10,20,50,100,200] [--tolerance 0.05] [--data-root DIR] [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.config import parse_set_args  # noqa: E402
from engine.metrics.modes2d import points_metrics  # noqa: E402
from engine.registry import build_trainer  # noqa: E402
from engine.runs import torch_threads  # noqa: E402


def quality(trainer, n: int) -> tuple[float, dict]:
    """Seconds to draw n samples with the trainer's current sampler, and their metrics; the first number is the
    one compared (higher is better)."""
    start = time.perf_counter()
    x, _ = trainer.reverse(n, torch.Generator().manual_seed(123))
    seconds = time.perf_counter() - start
    if trainer.data_kind == "points":
        m = points_metrics(trainer.to_data(x).cpu().numpy(), trainer.data)
        return seconds, {"score": m["high_quality_fraction"], "grid_js": m["grid_js"],
                         "modes": f"{m['modes_covered']}/{m['modes_total']}"}
    m = trainer.judge_metrics(x)
    return seconds, {"score": m["judge_score"], "frechet": m["frechet_distance"]}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="ring8")
    p.add_argument("--steps", type=int, default=5000, help="training steps of the one network")
    p.add_argument("--n", type=int, default=2000, help="samples drawn by each sampler")
    p.add_argument("--ddim", default="10,20,50,100,200", help="DDIM step counts S to try")
    p.add_argument("--tolerance", type=float, default=0.05, help="relative loss of quality still called equal")
    p.add_argument("--data-root", default="")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    a = p.parse_args()
    torch.set_num_threads(torch_threads())
    values = {"dataset": a.dataset, "data_root": a.data_root, **parse_set_args(a.sets)}
    t = build_trainer("diffusion", values)
    start = time.perf_counter()
    for _ in range(a.steps):
        t.step()
    print(f"trained {a.steps} steps on {a.dataset} in {time.perf_counter() - start:.0f} s; T = {t.config.timesteps}, "
          f"{a.n} samples per sampler, {torch.get_num_threads()} torch thread(s)")
    t.set_knobs(sampler="ddpm")
    ddpm_seconds, ddpm = quality(t, a.n)
    print(f"DDPM, {t.config.timesteps} steps: {ddpm_seconds:.2f} s, {ddpm}")
    equal = None
    for S in (int(s) for s in a.ddim.split(",")):
        t.set_knobs(sampler="ddim", sample_steps=S, eta=0.0)
        seconds, m = quality(t, a.n)
        print(f"DDIM, {S} steps: {seconds:.2f} s ({ddpm_seconds / seconds:.1f}x faster), {m}")
        if equal is None and m["score"] >= (1 - a.tolerance) * ddpm["score"]:
            equal = (S, ddpm_seconds / seconds)
    if equal:
        print(f"equal quality (score within {a.tolerance:.0%} of DDPM's): DDIM with {equal[0]} steps, "
              f"{equal[1]:.1f}x faster than DDPM")
    else:
        print(f"no DDIM step count tried reached DDPM's score within {a.tolerance:.0%}")


if __name__ == "__main__":
    main()
