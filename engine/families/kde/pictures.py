"""What the KDE page plots besides the trainer's preview: the held-out likelihood against the bandwidth, with the
leave-one-out score of the training points beside it and every rule's h marked. Call it between steps
(`Run.with_trainer`); it returns numpy arrays."""

from __future__ import annotations

import math

import numpy as np
import torch

from engine.families.kde.bandwidth import HIGHEST, LOWEST, spread
from engine.families.kde.density import log_kernel_sum, squared_distances
from engine.metrics.likelihood import bits_per_dim

CURVE_POINTS = 24  # bandwidths on the curve (log-spaced)
CURVE_HELDOUT = 500  # held-out examples scored at each bandwidth
CURVE_QUERIES = 256  # training points scored leave-one-out at each bandwidth


@torch.no_grad()
def bandwidth_curve(trainer) -> dict:
    """Held-out and leave-one-out negative log-likelihood (the trainer's units: nats per point on 2D, bits per
    dimension on images) at CURVE_POINTS bandwidths from 1e-3 sigma to 3 sigma (never below the trainer's floor),
    with the rules' h and the h in use."""
    points, dims = trainer.points, trainer.pool.shape[1]
    sigma = spread(points)
    hs = np.geomspace(max(LOWEST * sigma, trainer.floor), max(HIGHEST * sigma, 2 * trainer.floor), CURVE_POINTS)
    heldout_d2 = squared_distances(trainer.heldout[:CURVE_HELDOUT], points)  # (M, n), reused for every h
    q = min(len(points), CURVE_QUERIES)
    loo_d2 = squared_distances(points[:q], points)
    loo_d2[torch.arange(q), torch.arange(q)] = math.inf  # each query left out of its own prediction
    images = trainer.data_kind == "images"

    def score(d2: torch.Tensor, h: float, count: int) -> float:
        nats = float(trainer.nll_of(log_kernel_sum(d2, h, dims, count)).mean())
        return bits_per_dim(nats, dims) if images else nats

    return {"h": hs, "heldout": np.array([score(heldout_d2, h, len(points)) for h in hs]),
            "loo": np.array([score(loo_d2, h, len(points) - 1) for h in hs]),
            "rules": trainer.all_rules(), "current": trainer.h,
            "unit": "bits per dimension" if images else "nats per point"}
