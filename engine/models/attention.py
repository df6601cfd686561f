r"""Self-attention over the positions of a feature map (SAGAN, Zhang et al. 2019, arXiv:1805.08318, Sec. 3):

$$\beta_{j,i} = \mathrm{softmax}_i\big(f(x_i)^\top g(x_j)\big),\quad o_j = v\Big(\sum_i \beta_{j,i}\, h(x_i)\Big),\quad
y_j = \gamma\, o_j + x_j$$

f, g, h, v are 1x1 convolutions (f, g, h to C/8 channels, v back to C); gamma starts at 0, so the network first
relies on its convolutions and learns how much non-local evidence to add.
"""

from __future__ import annotations

import torch
from torch import nn


class SelfAttention(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        inner = max(1, channels // 8)
        self.f, self.g, self.h = (nn.Conv2d(channels, inner, 1, bias=False) for _ in range(3))
        self.v = nn.Conv2d(inner, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, height, width = x.shape
        f, g, h = (m(x).flatten(2) for m in (self.f, self.g, self.h))  # (N, C', H, W) -> (N, C', H*W)
        beta = torch.softmax(g.transpose(1, 2) @ f, dim=2)  # (N, HW_j, HW_i): row j attends over positions i
        o = (h @ beta.transpose(1, 2)).view(n, -1, height, width)  # (N, C', HW_j) -> (N, C', H, W)
        return self.gamma * self.v(o) + x
