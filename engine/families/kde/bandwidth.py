r"""Choosing the bandwidth h of a Gaussian kernel density estimate (engine/families/kde/density.py).

The rules of thumb give the h that would minimise the mean integrated squared error if the data were one Gaussian
with the data's spread sigma (Silverman 1986, sec. 4.3.2, eq. 4.14; Scott 1992, ch. 6):

    Scott:      h = sigma n^{-1/(D+4)}
    Silverman:  h = sigma (4 / (D+2))^{1/(D+4)} n^{-1/(D+4)}

(scipy.stats.gaussian_kde's `scotts_factor` and `silverman_factor` are the factors of sigma). On data with many
modes (ring8) both are far too wide; in high dimensions they tend to sigma itself.

Leave-one-out maximum likelihood (Habbema et al. 1974; Duin 1976) picks the h that best predicts each training
point from all the others:

    h* = argmax_h  (1/Q) sum_{q} log ( (1/(n-1)) sum_{i != q} N(x_q; x_i, h^2 I) )

over Q query points of the kernel set, on a grid in log h refined once around its best value.

NOTE: the kernels here are isotropic (h^2 I), where scipy's are shaped like the data's covariance (factor^2 Sigma);
sigma is therefore one number, the root of the mean variance per dimension, sqrt(tr(Sigma) / D).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from engine.families.kde.density import log_kernel_sum, squared_distances

RULES = ("loo", "scott", "silverman", "manual")
LOO_QUERIES = 256  # training points predicted by the others (the first ones of the shuffled kernel set)
COARSE, FINE = 16, 9  # grid points in log h: a coarse grid, then a finer one around its best
LOWEST, HIGHEST = 1e-3, 3.0  # the search range, as factors of sigma


def spread(points: torch.Tensor) -> float:
    """sigma = sqrt(tr(Sigma) / D): the root mean variance per dimension (unbiased), 1 for a single point."""
    if len(points) < 2:
        return 1.0
    return float(points.double().var(0).mean().sqrt()) or 1.0


def scott(n: int, dims: int) -> float:
    """Scott's factor n^{-1/(D+4)}."""
    return n ** (-1.0 / (dims + 4))


def silverman(n: int, dims: int) -> float:
    """Silverman's factor (n (D+2) / 4)^{-1/(D+4)}."""
    return (n * (dims + 2) / 4.0) ** (-1.0 / (dims + 4))


def leave_one_out_score(d2: torch.Tensor, h: float, dims: int) -> float:
    """Mean leave-one-out log-likelihood of Q queries from their squared distances d2 (Q, n) to the n kernels, where
    each query's distance to itself is set to infinity (it is left out of its own prediction)."""
    return float(log_kernel_sum(d2, h, dims, d2.shape[1] - 1).mean())


def leave_one_out(points: torch.Tensor, floor: float = 0.0) -> float:
    """The leave-one-out maximum-likelihood bandwidth of the kernel set (at least `floor`); sigma-scaled search."""
    n, dims = points.shape
    if n < 3:
        return max(spread(points) * scott(max(n, 1), dims), floor)
    sigma = spread(points)
    q = min(n, LOO_QUERIES)
    d2 = squared_distances(points[:q], points)  # (Q, n): query q is kernel q
    d2[torch.arange(q), torch.arange(q)] = math.inf
    lo, hi = math.log(max(LOWEST * sigma, floor, 1e-12)), math.log(max(HIGHEST * sigma, floor * 2))

    def best(grid: np.ndarray) -> float:
        return float(grid[int(np.argmax([leave_one_out_score(d2, math.exp(g), dims) for g in grid]))])

    coarse = np.linspace(lo, hi, COARSE)
    g = best(coarse)
    step = coarse[1] - coarse[0]
    return math.exp(best(np.linspace(max(lo, g - step), min(hi, g + step), FINE)))


def rule_of_thumb(points: torch.Tensor, rule: str) -> float:
    """Scott's or Silverman's h for the kernel set (sigma times the factor)."""
    n, dims = points.shape
    factor = scott(n, dims) if rule == "scott" else silverman(n, dims)
    return spread(points) * factor
