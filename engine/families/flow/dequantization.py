r"""Flows are densities on real numbers; pixels are integers v in {0, ..., 255}. Uniform dequantisation (Theis et al.
2016, arXiv:1511.01844, Sec. 3.1; Real NVP Sec. 4.1; Glow Sec. 5) trains the flow on

$$x = \frac{v + u}{256} - \frac12, \qquad u \sim \mathcal{U}[0, 1)^D,$$

(the centring on [-1/2, 1/2) is Glow's) and reports the discrete likelihood through the bound

$$\log P(v) \ge \mathbb{E}_u[\log p(x)] - D \log 256,$$

because a pixel's bin has width 1/256 (volume 256^-D for the image). So the negative log-likelihood in nats per image
is -log p(x) + D log 256, and in bits per dimension (engine/metrics/likelihood.py) a density uniform over the unit
cube (log p = 0) scores exactly 8. Held-out images are scored with one fixed draw of u each.
"""

from __future__ import annotations

import math

import torch

LEVELS = 256


def to_values(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] -> integer pixel values 0..255 (uint8, same shape)."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def to_images(values: torch.Tensor) -> torch.Tensor:
    """Integer pixel values -> images in [-1, 1] (the inverse of `to_values`)."""
    return values.float() / 127.5 - 1


def dequantize(values: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """x = (v + u) / 256 - 1/2 with u ~ U[0, 1) drawn from `generator` (on the CPU) for every value."""
    u = torch.rand(values.shape, generator=generator).to(values.device)
    return (values.float() + u) / LEVELS - 0.5


def bin_centres(values: torch.Tensor) -> torch.Tensor:
    """The middle of each value's bin, (v + 1/2) / 256 - 1/2: what the exact encoding of a picture starts from."""
    return (values.float() + 0.5) / LEVELS - 0.5


def quantize(x: torch.Tensor) -> torch.Tensor:
    """The bin each real value falls in: floor((x + 1/2) * 256), clipped to 0..255 (uint8)."""
    return ((x + 0.5) * LEVELS).floor().clamp(0, LEVELS - 1).to(torch.uint8)


def discrete_nll(log_density: torch.Tensor, dims: int) -> torch.Tensor:
    """The bound on -log P(v) in nats per image from log p(x) of the dequantised image: -log p(x) + D log 256."""
    return -log_density + dims * math.log(LEVELS)
