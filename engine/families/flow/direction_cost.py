"""The cost of the direction, measured: a MAF and an IAF of the trainer's size on its own held-out data, the time
to evaluate log p of a batch and the time to draw a batch (median of a few repeats, no gradients).

MAF's shifts and scales read the data x (known when an example is scored), IAF's read the code u (known when a
sample is drawn); the other direction must be computed one dimension at a time, D passes of the MADE network
(engine/families/flow/autoregressive.py). Timing does not depend on the weights, so fresh networks are used.
"""

from __future__ import annotations

import dataclasses
import statistics
import time

import torch

from engine.families.flow.models import build_flow
from engine.trainer import seeded

REASON = ("MAF's shifts and scales read the data x, all known when an example is scored, so its density takes one "
          "pass and its samples one pass per dimension; IAF's read the code u, all known when a sample is drawn, so "
          "the other way round.")


def timed_ms(fn, repeats: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


@torch.no_grad()
def direction_cost(trainer, batch: int = 256, repeats: int = 3) -> dict:
    """{"dims", "batch", "maf": {"density_ms", "sample_ms"}, "iaf": {...}} for MAF and IAF with the trainer's
    depth and width, scored on up to `batch` of its held-out examples and sampling as many."""
    x = trainer.heldout[:batch]
    out = {"dims": trainer.dims, "batch": len(x)}
    for model in ("maf", "iaf"):
        config = dataclasses.replace(trainer.config, model=model)
        with seeded(0, torch.device("cpu")):
            flow = build_flow(config, trainer.shape).to(trainer.device)
        z = flow.base_sample(len(x), 1.0, torch.Generator().manual_seed(0))
        out[model] = {"density_ms": timed_ms(lambda: flow.log_prob(x), repeats),
                      "sample_ms": timed_ms(lambda: flow.decode(z), repeats)}
    return out
