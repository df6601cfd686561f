r"""Activation normalisation (Glow, Kingma & Dhariwal 2018, arXiv:1807.03039, Sec. 3.1 and Table 1): an affine map
per channel with a data-dependent initialisation,

$$z_{i,j} = s \odot x_{i,j} + b, \qquad \log|\det J| = h \cdot w \cdot \sum_c \log|s_c|,$$

with s and b set on the first batch so that every channel of z has zero mean and unit variance; afterwards they are
ordinary parameters. It replaces batch norm, whose statistics would depend on the batch (and on batch size 1).
On vectors (B, D) each coordinate is a channel (h = w = 1).
"""

from __future__ import annotations

import torch
from torch import nn

from engine.families.flow.base import Bijection


class ActNorm(Bijection):
    """`channels` scales and biases, stored as log s so that s > 0. Initialised by the first forward pass."""

    label = "actnorm"

    def __init__(self, channels: int, image: bool):
        super().__init__()
        shape = (channels, 1, 1) if image else (channels,)
        self.log_s = nn.Parameter(torch.zeros(shape))
        self.b = nn.Parameter(torch.zeros(shape))
        self.register_buffer("initialized", torch.tensor(False))

    @torch.no_grad()
    def initialize(self, x: torch.Tensor) -> None:
        """s = 1 / std and b = -mean / std of each channel over the batch (and the pixels)."""
        dims = [0, 2, 3] if x.dim() == 4 else [0]
        mean, std = x.mean(dims), x.std(dims, unbiased=False).clamp_min(1e-6)
        self.log_s.copy_(-std.log().view_as(self.log_s))
        self.b.copy_((-mean / std).view_as(self.b))
        self.initialized.fill_(True)

    def forward(self, x):
        if not self.initialized:
            self.initialize(x)
        pixels = x[0, 0].numel() if x.dim() == 4 else 1
        return x * self.log_s.exp() + self.b, (pixels * self.log_s.sum()).expand(len(x))

    def inverse(self, z):
        return (z - self.b) * (-self.log_s).exp()
