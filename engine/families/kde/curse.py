r"""The curse of dimensionality for kernel density estimation: the same images down-sampled to 4x4, 8x8, 16x16 and
28x28, a KDE fitted at each size (leave-one-out bandwidth), its held-out bits per dimension and its samples, beside
a learned parametric model fitted to the same pixels: a full-covariance Gaussian (maximum likelihood),

$$\mu = \frac{1}{n}\sum_i x_i,\qquad \Sigma = \frac{1}{n}\sum_i (x_i-\mu)(x_i-\mu)^\top + \Delta^2 I .$$

A KDE needs exponentially many kernels in D for the same accuracy (Silverman 1986, sec. 4.5, Table 4.2): with a
fixed number of images, its bits per dimension worsen as D grows while the Gaussian's hold up, and its samples
are visibly training images plus noise.

NOTE: Delta^2 I (one grey level, Delta = 2/255) keeps the covariance invertible where pixels never change (MNIST's
border). Down-sampling averages pixels, so the values leave the 256-level grid; the bits per dimension are still
the density's -log p(x) - D log Delta over D ln 2 at every size (engine/families/kde/density.py), comparable across
sizes and models.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.families.kde.bandwidth import leave_one_out, spread
from engine.families.kde.density import LEVEL, discrete_nll, log_density, sample
from engine.metrics.likelihood import bits_per_dim
from engine.pictures.images import grid_uint8

SIDES = (4, 8, 16, 28)
HELDOUT = 2000  # held-out images scored at each size
SAMPLES = 16  # samples shown at each size


def downsample(images: torch.Tensor, side: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, side, side) by averaging the pixels each output pixel covers (area resampling)."""
    return F.adaptive_avg_pool2d(images, side)


def gaussian_nll(train: torch.Tensor, heldout: torch.Tensor) -> torch.Tensor:
    """-log P(x) per held-out row (nats, 256 levels per value) under the full-covariance Gaussian fitted to `train`
    (rows (N, D)); in float64."""
    x = train.double()
    mu = x.mean(0)
    centred = x - mu
    sigma = centred.T @ centred / len(x) + LEVEL**2 * torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    normal = torch.distributions.MultivariateNormal(mu, covariance_matrix=sigma)
    return discrete_nll(normal.log_prob(heldout.double()), x.shape[1]).float()


def sweep(data, sides: tuple[int, ...] = SIDES, kernels: int | None = None, seed: int = 0) -> list[dict]:
    """One row per side no larger than the images: side, dims, n (kernels), h, the KDE's and the Gaussian's held-out
    bits per dimension and nats per image, and a uint8 grid of KDE samples at that size."""
    native = data.train.shape[-1]
    order = torch.randperm(len(data.train), generator=torch.Generator().manual_seed(seed))[:kernels]
    rows = []
    for side in (s for s in sides if s <= native):
        train = downsample(data.train[order], side)
        points, heldout = train.flatten(1), downsample(data.heldout[:HELDOUT], side).flatten(1)  # (N, C*s*s)
        dims = points.shape[1]
        h = leave_one_out(points, LEVEL)
        kde = float(discrete_nll(log_density(heldout, points, h), dims).mean())
        gauss = float(gaussian_nll(points, heldout).mean())
        drawn = sample(points, h, SAMPLES, torch.Generator().manual_seed(seed + 1))
        rows.append({"side": side, "dims": dims, "n": len(points), "h": h, "h_per_sigma": h / spread(points),
                     "kde_nll_nats": kde, "kde_bits_per_dim": bits_per_dim(kde, dims),
                     "gaussian_nll_nats": gauss, "gaussian_bits_per_dim": bits_per_dim(gauss, dims),
                     "samples": grid_uint8(drawn.view(-1, *train.shape[1:]).clamp(-1, 1), nrow=SAMPLES // 2)})
    return rows

