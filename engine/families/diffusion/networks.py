r"""The noise predictor on 2D points: an MLP that reads x_t and an embedding of the step t.

The step is embedded as in the Transformer and in DDPM (Ho et al. 2020, Sec. 4; Vaswani et al. 2017, Sec. 3.5):
$\mathrm{emb}(t)_{2i} = \sin(t / 10000^{2i/d})$, $\mathrm{emb}(t)_{2i+1} = \cos(t / 10000^{2i/d})$, followed by a
learned layer. NOTE: t is rescaled to 1000 t / T first, so the frequencies span the same range whatever T is.
"""

from __future__ import annotations

import math

import torch
from torch import nn

TIME_DIM = 64  # size of the sinusoidal embedding of t


def sinusoidal_embedding(t: torch.Tensor, T: int, dim: int = TIME_DIM) -> torch.Tensor:
    """(N,) integer steps -> (N, dim): sines then cosines of 1000 t / T at geometrically spaced frequencies."""
    half = dim // 2
    frequencies = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device) / half)  # (half,)
    angles = (1000.0 * t.float() / T)[:, None] * frequencies[None, :]  # (N, half)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class TimeEmbedding(nn.Module):
    """emb(t) followed by Linear -> SiLU -> Linear to `out_dim`."""

    def __init__(self, T: int, out_dim: int):
        super().__init__()
        self.T = T
        self.net = nn.Sequential(nn.Linear(TIME_DIM, out_dim), nn.SiLU(), nn.Linear(out_dim, out_dim))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.net(sinusoidal_embedding(t, self.T))


class DenoisingMLP(nn.Module):
    """eps_theta(x_t, t) on 2D points: (N, 2), (N,) -> (N, 2); t may be (1,), one step for the whole batch. Each
    of the `depth` hidden layers adds its own projection of the time embedding to its pre-activation, so every layer
    knows how noisy x_t is."""

    def __init__(self, T: int, width: int, depth: int, dim: int = 2):
        super().__init__()
        self.time = TimeEmbedding(T, width)
        self.inp = nn.Linear(dim, width)
        self.hidden = nn.ModuleList(nn.Linear(width, width) for _ in range(depth - 1))
        self.time_proj = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.out = nn.Linear(width, dim)
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = self.time(t)  # (N, width)
        h = self.act(self.inp(x) + self.time_proj[0](emb))
        for layer, proj in zip(self.hidden, self.time_proj[1:]):
            h = self.act(layer(h) + proj(emb))
        return self.out(h)
