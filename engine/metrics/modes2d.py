"""Mode metrics for 2D toys (docs/ARCHITECTURE.md, Metrics; the ring / grid protocol of Metz et al. 2017,
arXiv:1611.02163).

- a mode is *covered* when at least 1% of the samples lie within 3 standard deviations of its centre;
- *high-quality fraction*: share of samples within 3 sd of their nearest centre;
- *mode KL*: KL(q || p) between q, the histogram of high-quality samples over their nearest modes, and p, the true
  mode weights. It is 0 when samples spread over the modes exactly as the data does and log K for a generator stuck
  on one of K equally likely modes. With no high-quality sample at all it is reported as the single-mode value
  log(1 / min p), the worst a collapsed generator can score.
"""

from __future__ import annotations

import numpy as np

COVER_SHARE = 0.01
RADIUS_SD = 3.0


def mode_metrics(points: np.ndarray, centres: np.ndarray, std: float, weights: np.ndarray | None = None) -> dict:
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    centres = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    k, n = len(centres), len(points)
    p = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype=np.float64) / np.sum(weights)
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(-1)  # (N, K)
    nearest = d2.argmin(1)
    close = d2[np.arange(n), nearest] <= (RADIUS_SD * std) ** 2
    per_mode = np.bincount(nearest[close], minlength=k)  # high-quality samples by nearest mode
    within = (d2 <= (RADIUS_SD * std) ** 2).sum(0)  # samples within 3 sd of each centre
    covered = int((within >= COVER_SHARE * n).sum()) if n else 0
    if per_mode.sum() > 0:
        q = per_mode / per_mode.sum()
        nz = q > 0
        kl = float((q[nz] * np.log(q[nz] / p[nz])).sum())
    else:
        kl = float(np.log(1.0 / p.min()))
    return {"modes_covered": covered, "modes_total": k,
            "high_quality_fraction": float(close.mean()) if n else 0.0,
            "mode_kl": kl, "mode_histogram": (per_mode / max(n, 1)).tolist()}
