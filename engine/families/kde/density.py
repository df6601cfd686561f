r"""The kernel density estimate with Gaussian kernels (Rosenblatt 1956, Parzen 1962; Silverman 1986, ch. 4):

$$\hat p_h(x) = \frac{1}{n} \sum_{i=1}^{n} \mathcal N(x;\, x_i,\, h^2 I)
             = \frac{1}{n} \sum_{i=1}^{n} (2\pi h^2)^{-D/2} \exp\!\Big(-\frac{\lVert x - x_i\rVert^2}{2h^2}\Big)$$

one isotropic Gaussian of standard deviation h (the bandwidth) on each of the n training points x_i in D dimensions.
Its log is computed as a log-sum-exp, so it stays finite however far x is from every kernel. Sampling is exact:
pick a kernel uniformly, add h times standard normal noise.

On images the density is over pixel values in [-1, 1]. `discrete_nll` turns it into the probability of the image's
256-level bin, as PixelCNN's likelihoods count (engine/families/pixelcnn/likelihoods.py), so nats and bits per
dimension compare across families:

$$-\log P(v) \approx -\log \hat p_h(x) - D \log \Delta, \qquad \Delta = 2/255 \text{ (one grey level)}$$

NOTE: the bin's probability is taken as density x bin volume; this is accurate when the kernels are much wider than
a bin (h >> Delta), which is why the bandwidth on images is kept at least one grey level (`LEVEL`).
"""

from __future__ import annotations

import math

import torch

LEVEL = 2.0 / 255.0  # one grey level of an image in [-1, 1]
CHUNK = 512  # query points per block of distances (a block is CHUNK x n)


def squared_distances(x: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """||x_m - x_i||^2 for x (M, D) against points (N, D) -> (M, N), by |x|^2 + |x_i|^2 - 2 x.x_i."""
    d2 = (x * x).sum(1, keepdim=True) + (points * points).sum(1)[None, :] - 2.0 * x @ points.T
    return d2.clamp_min(0.0)


def log_kernel_sum(d2: torch.Tensor, h: float, dims: int, count: int) -> torch.Tensor:
    """log (1/count) sum_i N(x; x_i, h^2 I) from the squared distances d2 (M, N) of M points to the kernels."""
    log_norm = -0.5 * dims * math.log(2 * math.pi * h * h) - math.log(count)
    return torch.logsumexp(-d2 / (2 * h * h), dim=1) + log_norm


def log_density(x: torch.Tensor, points: torch.Tensor, h: float) -> torch.Tensor:
    """log p_h(x) for x (M, D) under kernels on points (N, D) -> (M,), computed CHUNK query points at a time."""
    dims = points.shape[1]
    return torch.cat([log_kernel_sum(squared_distances(chunk, points), h, dims, len(points))
                      for chunk in x.split(CHUNK)])


def discrete_nll(log_p: torch.Tensor, dims: int) -> torch.Tensor:
    """-log P(bin of x) over 256 levels per value, from log p(x) of images in [-1, 1] (see the module's NOTE)."""
    return -log_p - dims * math.log(LEVEL)


def sample(points: torch.Tensor, h: float, n: int, generator: torch.Generator) -> torch.Tensor:
    """n draws from p_h: x = x_i + h eps, i uniform over the kernels, eps ~ N(0, I) (both from `generator`)."""
    i = torch.randint(len(points), (n,), generator=generator)
    eps = torch.randn(n, points.shape[1], generator=generator)
    return points[i.to(points.device)] + h * eps.to(points.device)
