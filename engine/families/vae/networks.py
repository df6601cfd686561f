"""Convolutional encoder and decoder for the autoencoder family (AE, denoising AE, VAE) that adapt to the image size
and channel count, on the DCGAN layout of engine/models/conv_paths.py (strided 4x4 convolutions down, transposed
ones up).

The encoder gives a latent vector (AE) or the mean and log-variance of q(z|x) (VAE); the decoder gives per-pixel
logits (Bernoulli likelihood) or means (Gaussian likelihood, with a learned global log-std).
"""

from __future__ import annotations

import torch
from torch import nn

from engine.models.conv_paths import down_path, up_path


class ConvEncoder(nn.Module):
    """images (N, C, H, W) -> mu (N, latent) and log-variance (N, latent), or a code (N, latent) and None."""

    def __init__(self, image_shape: tuple[int, int, int], latent_dim: int, width: int = 32, variational: bool = True):
        super().__init__()
        layers, features = down_path(image_shape, width, nn.BatchNorm2d, norm_first=True)
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.variational = variational
        self.head = nn.Linear(features, 2 * latent_dim if variational else latent_dim)

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
        self.project, layers, self.start = up_path(latent_dim, image_shape, width, nn.BatchNorm2d, bias=False)
        self.body = nn.Sequential(*layers)
        self.log_sigma = nn.Parameter(torch.zeros(()))  # used by the Gaussian likelihood only

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(self.project(z).view(-1, *self.start))
