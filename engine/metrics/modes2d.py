"""Mode metrics for 2D toys (docs/ARCHITECTURE.md, Metrics; the ring / grid protocol of Metz et al. 2017,
arXiv:1611.02163).

- a mode is *covered* when at least 1% of the samples lie within 3 standard deviations of its centre;
- *high-quality fraction*: share of samples within 3 sd of their nearest centre;
- *mode KL*: KL(q || p) between q, the histogram of high-quality samples over their nearest modes, and p, the true
  mode weights. It is 0 when samples spread over the modes exactly as the data does and log K for a generator stuck
  on one of K equally likely modes. With no high-quality sample at all it is reported as the single-mode value
  log(1 / min p), the worst a collapsed generator can score.
- *grid JS* (GAN Lab's view of the whole distribution, not only its modes): the Jensen-Shannon divergence between
  the histogram of the samples on a GRID x GRID grid over the data's bounds and the true density integrated over the
  same cells, JS(p, q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2, in nats: 0 for a perfect match, ln 2
  (0.693) when the two share no cell. Samples outside the bounds fall in no cell and count as a mismatch.

`points_metrics` gives all four for a family's generated points: every 2D family reports them, so families compare
on the same numbers.
"""

from __future__ import annotations

import numpy as np

COVER_SHARE = 0.01
RADIUS_SD = 3.0
QUALITY_HELP = f"Share of samples within {RADIUS_SD:g} sd of their nearest mode centre."


def covered_help(samples: int, what: str = "samples") -> str:
    """What "modes covered" means, for `samples` of a family's `what` (the page's help text)."""
    return (f"A mode is covered when at least {COVER_SHARE:.0%} of {samples:,} {what} lie within {RADIUS_SD:g} sd of "
            "its centre.")


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
    return {"modes_covered": covered, "modes_total": k, "samples": n,
            "high_quality_fraction": float(close.mean()) if n else 0.0,
            "mode_kl": kl, "mode_histogram": (per_mode / max(n, 1)).tolist()}


GRID = 40  # cells per axis of the grid JS divergence
SUB = 3  # density evaluations per cell and axis (the cell's integral by the midpoint rule)


def grid_js(points: np.ndarray, data) -> float:
    """Jensen-Shannon divergence (nats) between the samples' grid histogram and the data's density on the grid."""
    (x0, x1), (y0, y1) = data.bounds
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    counts, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=GRID, range=[[x0, x1], [y0, y1]])
    q = counts.ravel() / max(len(points), 1)  # may sum to < 1: mass outside the bounds
    fine_x = x0 + (np.arange(GRID * SUB) + 0.5) * (x1 - x0) / (GRID * SUB)
    fine_y = y0 + (np.arange(GRID * SUB) + 0.5) * (y1 - y0) / (GRID * SUB)
    gx, gy = np.meshgrid(fine_x, fine_y, indexing="ij")  # (G*S, G*S), x first like histogram2d
    density = data.density(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)).astype(np.float64)
    p = density.reshape(GRID, SUB, GRID, SUB).sum((1, 3)).ravel()
    p = p / p.sum()
    q_out = max(0.0, 1.0 - q.sum())  # the samples' mass outside the grid: a cell of its own, where p is 0
    p, q = np.append(p, 0.0), np.append(q, q_out)
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float((a[nz] * np.log(a[nz] / m[nz])).sum())

    return 0.5 * kl(p) + 0.5 * kl(q)


def points_metrics(points: np.ndarray, data) -> dict:
    """The shared 2D metrics of generated `points` against the dataset `data` (a Toy2D)."""
    m = mode_metrics(points, data.centres, data.std, data.weights)
    out = {k: m[k] for k in ("modes_covered", "modes_total", "high_quality_fraction", "mode_kl")}
    out["grid_js"] = grid_js(points, data)
    return out
