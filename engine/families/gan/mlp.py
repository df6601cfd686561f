"""Multilayer perceptrons for 2D GANs (the networks of GAN Lab and of the unrolled-GAN toy experiments)."""

from __future__ import annotations

import torch
from torch import nn

from engine.tricks import MinibatchDiscrimination


def _stack(n_in: int, width: int, depth: int, act: type[nn.Module]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(n_in if i == 0 else width, width), act()]
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """z (N, z_dim) -> x (N, 2)."""

    def __init__(self, z_dim: int, width: int, depth: int, out_dim: int = 2):
        super().__init__()
        self.body = _stack(z_dim, width, depth, nn.ReLU)
        self.out = nn.Linear(width, out_dim)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(z))


class MLPDiscriminator(nn.Module):
    """x (N, 2) -> (logits (N,), features (N, width)).

    `features` is the last hidden layer, the f(x) that feature matching compares and that minibatch discrimination
    (when on) reads before the output layer.
    """

    def __init__(self, width: int, depth: int, in_dim: int = 2, mbd_kernels: int = 0, mbd_dim: int = 0,
                 mbd_average: bool = True):
        super().__init__()
        self.body = _stack(in_dim, width, depth, lambda: nn.LeakyReLU(0.2))
        self.mbd = MinibatchDiscrimination(width, mbd_kernels, mbd_dim, mbd_average) if mbd_kernels else None
        self.out = nn.Linear(width + (mbd_kernels if mbd_kernels else 0), 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)
        h = self.mbd(features) if self.mbd is not None else features
        return self.out(h).squeeze(1), features
