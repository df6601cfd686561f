"""The judge's network (engine/metrics/judge.py): a small CNN for any image size, three stages of two 3x3
convolutions (batch norm, ReLU), the second stage at half and the third at a quarter of the resolution, then global
average pooling: `features(x)` is that pooled vector (the penultimate layer the Frechet distance compares),
`forward(x)` the class logits.
"""

from __future__ import annotations

import torch
from torch import nn


def _stage(c_in: int, c_out: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
        nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
    )


class SmallCNN(nn.Module):
    def __init__(self, in_channels: int, num_classes: int, width: int = 32, dropout: float = 0.0):
        super().__init__()
        self.body = nn.Sequential(_stage(in_channels, width, 1), _stage(width, 2 * width, 2),
                                  _stage(2 * width, 4 * width, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.feature_size = 4 * width
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(self.feature_size, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.features(x)))
