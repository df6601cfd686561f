"""DCGAN-style convolutional generator and discriminator that adapt to the image size and channel count
(Radford et al. 2016, arXiv:1511.06434: strided convolutions, no pooling, ReLU in G, LeakyReLU in D, tanh output).

Sizes: the image side is halved while it is even and above 4 (8 -> 4, 28 -> 14 -> 7, 32 -> 4, 64 -> 4); the
generator starts from that smallest map and doubles it back with 4x4 transposed convolutions of stride 2.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from engine.tricks.minibatch_discrimination import MinibatchDiscrimination
from engine.tricks.virtual_batchnorm import VirtualBatchNorm

G_NORMS = ("batch", "virtual_batch", "none")
D_NORMS = ("none", "batch", "layer", "spectral", "virtual_batch")


def resolutions(side: int) -> list[int]:
    """The feature-map sides from the image down to the smallest map: 28 -> [28, 14, 7]."""
    sides = [side]
    while sides[-1] % 2 == 0 and sides[-1] > 4:
        sides.append(sides[-1] // 2)
    if len(sides) < 2:
        raise ValueError(f"image side {side} is too small or odd for a DCGAN (use 8, 28, 32 or 64)")
    return sides


def _g_norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "virtual_batch":
        return VirtualBatchNorm(channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"generator norm must be one of {', '.join(G_NORMS)}")


def _d_norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)  # one group: layer norm over (C, H, W) of each example
    if kind == "virtual_batch":  # reference statistics from a fixed batch of real images (the trainer's ref_x)
        return VirtualBatchNorm(channels)
    if kind in ("none", "spectral"):
        return nn.Identity()
    raise ValueError(f"discriminator norm must be one of {', '.join(D_NORMS)}")


def up_path(in_dim: int, image_shape: tuple[int, int, int], width: int,
            norm: Callable[[int], nn.Module], bias: bool) -> tuple[nn.Linear, list[nn.Module], tuple[int, int, int]]:
    """DCGAN's path from a vector up to an image, without an output activation: (projection, layers, the shape
    the projection is viewed as). Channels halve as the map doubles and the last up-sampling makes the image itself
    (64x64, width 64: 512 -> 256 -> 128 -> 64 -> 3). A small image (one up-sampling, 8x8) gets one hidden map of
    `width` channels and a 3x3 convolution to the image, so the path is not a single linear filter."""
    channels, side, _ = image_shape
    sides = resolutions(side)
    ups = len(sides) - 1
    small = ups < 2
    widths = [2 * width, width] if small else [width * 2 ** (ups - 1 - i) for i in range(ups)]
    start = (widths[0], sides[-1], sides[-1])
    layers: list[nn.Module] = [norm(widths[0]), nn.ReLU()]
    for a, b in zip(widths, widths[1:]):
        layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=bias), norm(b), nn.ReLU()]
    if small:
        layers += [nn.Conv2d(widths[-1], channels, 3, 1, 1)]
    else:
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1)]
    return nn.Linear(in_dim, widths[0] * sides[-1] ** 2), layers, start


def down_path(image_shape: tuple[int, int, int], width: int, norm: Callable[[int], nn.Module],
              norm_first: bool = False, dropout: float = 0.0) -> tuple[list[nn.Module], int]:
    """DCGAN's path from an image down to the smallest map: strided 4x4 convolutions doubling the channels, each
    with LeakyReLU(0.2) (DCGAN leaves the first one unnormalised unless `norm_first`); a small image (one halving,
    8x8) gets one more 3x3 layer. Returns the layers and the size of the flattened output."""
    channels, side, _ = image_shape
    sides = resolutions(side)
    layers: list[nn.Module] = []
    c_in = channels
    for i in range(len(sides) - 1):
        c_out = width * 2**i
        layers += [nn.Conv2d(c_in, c_out, 4, 2, 1)]
        if i > 0 or norm_first:
            layers += [norm(c_out)]
        layers += [nn.LeakyReLU(0.2)]
        if dropout > 0:
            layers += [nn.Dropout(dropout)]
        c_in = c_out
    if len(sides) < 3:
        layers += [nn.Conv2d(c_in, 2 * c_in, 3, 1, 1), norm(2 * c_in), nn.LeakyReLU(0.2)]
        c_in = 2 * c_in
    return layers, c_in * sides[-1] ** 2


class ConvGenerator(nn.Module):
    """z (N, z_dim) [+ class one-hot] -> images (N, C, H, W) in [-1, 1]."""

    def __init__(self, z_dim: int, image_shape: tuple[int, int, int], width: int = 64, norm: str = "batch",
                 num_classes: int = 0):
        super().__init__()
        self.num_classes = num_classes
        self.project, layers, self.start = up_path(z_dim + num_classes, image_shape, width,
                                                   lambda c: _g_norm(norm, c), bias=norm == "none")
        self.body = nn.Sequential(*layers, nn.Tanh())

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.num_classes:
            if labels is None:
                raise ValueError("a conditional generator needs class labels")
            z = torch.cat([z, nn.functional.one_hot(labels, self.num_classes).to(z.dtype)], 1)
        return self.body(self.project(z).view(-1, *self.start))


class ConvDiscriminator(nn.Module):
    """images (N, C, H, W) -> (logits (N,), features (N, F)).

    `features` is the flattened last convolutional map: the f(x) of feature matching and the input of minibatch
    discrimination (when on), whose output is concatenated to it before the final linear layer. A conditional
    discriminator adds the projection term <embed(y), features> (Miyato & Koyama 2018, arXiv:1802.05637).
    """

    def __init__(self, image_shape: tuple[int, int, int], width: int = 64, norm: str = "none", dropout: float = 0.0,
                 mbd_kernels: int = 0, mbd_dim: int = 0, mbd_average: bool = True, num_classes: int = 0):
        super().__init__()
        layers, self.feature_size = down_path(image_shape, width, lambda c: _d_norm(norm, c), dropout=dropout)
        self.body = nn.Sequential(*layers)
        self.mbd = (MinibatchDiscrimination(self.feature_size, mbd_kernels, mbd_dim, mbd_average)
                    if mbd_kernels else None)
        self.out = nn.Linear(self.feature_size + mbd_kernels, 1)
        self.embed = nn.Embedding(num_classes, self.feature_size) if num_classes else None
        if norm == "spectral":
            from engine.tricks.spectral_norm import apply_spectral_norm

            apply_spectral_norm(self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x).flatten(1)
        h = self.mbd(features) if self.mbd is not None else features
        logits = self.out(h).squeeze(1)
        if self.embed is not None:
            if labels is None:
                raise ValueError("a conditional discriminator needs class labels")
            logits = logits + (self.embed(labels) * features).sum(1)
        return logits, features
