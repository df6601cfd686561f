"""Convolutional encoder and decoder for the autoencoder family (AE, denoising AE, VAE) that adapt to the image size
and channel count, on the DCGAN layout of engine/models/dcgan.py (strided 4x4 convolutions down, transposed ones up).

The encoder gives a latent vector (AE) or the mean and log-variance of q(z|x) (VAE); the decoder gives per-pixel
logits (Bernoulli likelihood) or means (Gaussian likelihood, with a learned global log-std).
"""

from __future__ import annotations

import torch
from torch import nn

from engine.models.dcgan import resolutions


class ConvEncoder(nn.Module):
    """images (N, C, H, W) -> mu (N, latent) and log-variance (N, latent), or a code (N, latent) and None."""

    def __init__(self, image_shape: tuple[int, int, int], latent_dim: int, width: int = 32, variational: bool = True):
        super().__init__()
        channels, side, _ = image_shape
        sides = resolutions(side)
        layers: list[nn.Module] = []
        c_in = channels
        for i in range(len(sides) - 1):
            layers += [nn.Conv2d(c_in, width * 2**i, 4, 2, 1), nn.BatchNorm2d(width * 2**i), nn.LeakyReLU(0.2)]
            c_in = width * 2**i
        if len(sides) < 3:  # a small image halves once: one more 3x3 layer
            layers += [nn.Conv2d(c_in, 2 * c_in, 3, 1, 1), nn.BatchNorm2d(2 * c_in), nn.LeakyReLU(0.2)]
            c_in = 2 * c_in
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.variational = variational
        self.head = nn.Linear(c_in * sides[-1] ** 2, 2 * latent_dim if variational else latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        h = self.head(self.body(x))
        if not self.variational:
            return h, None
        mu, logvar = h.chunk(2, dim=1)
        return mu, logvar.clamp(-12.0, 8.0)  # keeps exp() finite in float32 without limiting any useful posterior


class ConvDecoder(nn.Module):
    """z (N, latent) -> per-pixel logits or means (N, C, H, W); `log_sigma` is the Gaussian likelihood's std."""

    def __init__(self, latent_dim: int, image_shape: tuple[int, int, int], width: int = 32):
        super().__init__()
        channels, side, _ = image_shape
        sides = resolutions(side)
        ups = len(sides) - 1
        small = ups < 2
        widths = [2 * width, width] if small else [width * 2 ** (ups - 1 - i) for i in range(ups)]
        self.start = (widths[0], sides[-1], sides[-1])
        self.project = nn.Linear(latent_dim, widths[0] * sides[-1] ** 2)
        blocks: list[nn.Module] = [nn.BatchNorm2d(widths[0]), nn.ReLU()]
        for a, b in zip(widths, widths[1:]):
            blocks += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU()]
        if small:
            blocks += [nn.Conv2d(widths[-1], channels, 3, 1, 1)]
        else:
            blocks += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1)]
        self.body = nn.Sequential(*blocks)
        self.log_sigma = nn.Parameter(torch.zeros(()))  # used by the Gaussian likelihood only

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(self.project(z).view(-1, *self.start))
