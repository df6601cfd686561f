r"""The noise predictor on images: a small U-Net (Ronneberger et al. 2015) in the shape DDPM uses (Ho et al. 2020,
Sec. 4 and Appendix B): residual blocks with group norm and the step's embedding added inside each block, two
down-samplings, the skip connections concatenated on the way up.

    x (C, H, W) -> conv -> [res x depth] (w, H)  ------------------------------ concat -> [res x depth] -> conv -> eps
                              down                                                 up
                           [res x depth] (2w, H/2) -------------- concat -> [res x depth]
                              down                                    up
                           [res] (2w, H/4), the middle

NOTE: the paper's network adds self-attention at 16x16 and uses four resolutions; at 8x8 to 28x28 on a CPU, two
down-samplings and no attention keep it small enough to train live. H and W must be multiples of 4.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from engine.families.diffusion.networks import TimeEmbedding


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(math.gcd(8, channels), channels)


class ResBlock(nn.Module):
    """h = conv(SiLU(norm(x))) + proj(emb); out = skip(x) + conv(SiLU(norm(h)))."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int):
        super().__init__()
        self.norm1, self.conv1 = _norm(c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.proj = nn.Linear(emb_dim, c_out)
        self.norm2, self.conv2 = _norm(c_out), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        step = self.proj(emb)[:, :, None, None]  # (N or 1, c_out) -> (N or 1, c_out, 1, 1)
        h = self.conv1(F.silu(self.norm1(x))) + step
        return self.skip(x) + self.conv2(F.silu(self.norm2(h)))


class SmallUNet(nn.Module):
    """eps_theta(x_t, t): (N, C, H, W), (N,) -> (N, C, H, W); t may be (1,), one step for the whole batch. `width`
    channels at full resolution, twice that below; `depth` residual blocks per resolution on each side."""

    def __init__(self, T: int, channels: int, width: int, depth: int):
        super().__init__()
        w, emb = width, 4 * width
        self.time = TimeEmbedding(T, emb)
        self.inp = nn.Conv2d(channels, w, 3, padding=1)
        self.down0 = nn.ModuleList(ResBlock(w, w, emb) for _ in range(depth))
        self.pool0 = nn.Conv2d(w, w, 3, stride=2, padding=1)
        self.down1 = nn.ModuleList(ResBlock(w if i == 0 else 2 * w, 2 * w, emb) for i in range(depth))
        self.pool1 = nn.Conv2d(2 * w, 2 * w, 3, stride=2, padding=1)
        self.middle = ResBlock(2 * w, 2 * w, emb)
        self.lift1 = nn.Conv2d(2 * w, 2 * w, 3, padding=1)
        self.up1 = nn.ModuleList(ResBlock(4 * w if i == 0 else 2 * w, 2 * w, emb) for i in range(depth))
        self.lift0 = nn.Conv2d(2 * w, w, 3, padding=1)
        self.up0 = nn.ModuleList(ResBlock(2 * w if i == 0 else w, w, emb) for i in range(depth))
        self.out_norm, self.out = _norm(w), nn.Conv2d(w, channels, 3, padding=1)
        nn.init.zeros_(self.out.weight)  # starts by predicting eps = 0, as DDPM's released code does
        nn.init.zeros_(self.out.bias)

    @staticmethod
    def _blocks(blocks: nn.ModuleList, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        for block in blocks:
            h = block(h, emb)
        return h

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = self.time(t)
        skip0 = self._blocks(self.down0, self.inp(x), emb)  # (N, w, H, W)
        skip1 = self._blocks(self.down1, self.pool0(skip0), emb)  # (N, 2w, H/2, W/2)
        h = self.middle(self.pool1(skip1), emb)  # (N, 2w, H/4, W/4)
        h = self.lift1(F.interpolate(h, scale_factor=2.0, mode="nearest"))  # (N, 2w, H/2, W/2)
        h = self._blocks(self.up1, torch.cat([h, skip1], 1), emb)  # concat: (N, 4w, H/2, W/2)
        h = self.lift0(F.interpolate(h, scale_factor=2.0, mode="nearest"))  # (N, w, H, W)
        h = self._blocks(self.up0, torch.cat([h, skip0], 1), emb)  # concat: (N, 2w, H, W)
        return self.out(F.silu(self.out_norm(h)))
