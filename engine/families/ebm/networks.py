"""The energy networks E(x) -> one number per example: an MLP on 2D points and a small convolutional network on
images. SiLU activations (x sigmoid(x)) keep E smooth, so its input gradient, which drives every Langevin step, is
too (ReLU's would be piecewise constant)."""

from __future__ import annotations

import torch
from torch import nn


class EnergyMLP(nn.Module):
    """2 -> width -> ... -> 1, `depth` hidden layers."""

    def __init__(self, width: int, depth: int, dims: int = 2):
        super().__init__()
        layers: list[nn.Module] = []
        for k in range(depth):
            layers += [nn.Linear(dims if k == 0 else width, width), nn.SiLU()]
        self.net = nn.Sequential(*layers, nn.Linear(width, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (B, 1) -> (B,)


class EnergyCNN(nn.Module):
    """A 3x3 convolution, then 4x4 stride-2 convolutions doubling the channels while the maps are even and larger
    than 4 pixels (8x8 -> 4x4; 28x28 -> 14x14 -> 7x7; 32x32 -> 4x4), then a linear layer to one energy."""

    def __init__(self, shape: tuple[int, int, int], width: int):
        super().__init__()
        channels, side = shape[0], shape[1]
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 3, padding=1), nn.SiLU()]
        c = width
        while side > 4 and side % 2 == 0:
            layers += [nn.Conv2d(c, 2 * c, 4, stride=2, padding=1), nn.SiLU()]
            c, side = 2 * c, side // 2
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(c * side * side, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x).flatten(1)).squeeze(1)  # (B, c, s, s) -> (B, c*s*s) -> (B,)
