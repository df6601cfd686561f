r"""The multi-scale architecture of Real NVP (Dinh et al. 2017, arXiv:1605.08803, Sec. 3.6) and Glow (Kingma &
Dhariwal 2018, Sec. 3 and Fig. 2) for images.

- Squeeze: every 2x2 block of pixels becomes 4 channels, (C, H, W) -> (4C, H/2, W/2): a permutation, log|det| = 0.
  It lets the next couplings mix values that were neighbours in space.
- Split (factoring out): after every level but the last, half of the channels leave the flow as part of the code z;
  the other half goes on to the next level. The code is all the factored pieces and the last level's output,
  flattened and concatenated, so z has as many dimensions as the image and the encoding is exact.

NOTE: Glow gives each factored half a Gaussian prior whose mean and scale are computed from the other half; here
every piece has the standard Gaussian prior, as in Real NVP.
"""

from __future__ import annotations

import torch

from engine.families.flow.base import Bijection, Compose


def squeeze(x: torch.Tensor) -> torch.Tensor:
    b, c, h, w = x.shape
    x = x.view(b, c, h // 2, 2, w // 2, 2)  # (B, C, H, W) -> (B, C, H/2, 2, W/2, 2)
    return x.permute(0, 1, 3, 5, 2, 4).reshape(b, 4 * c, h // 2, w // 2)  # -> (B, 4C, H/2, W/2)


def unsqueeze(z: torch.Tensor) -> torch.Tensor:
    b, c4, h, w = z.shape
    z = z.view(b, c4 // 4, 2, 2, h, w)  # (B, 4C, H, W) -> (B, C, 2, 2, H, W)
    return z.permute(0, 1, 4, 2, 5, 3).reshape(b, c4 // 4, 2 * h, 2 * w)  # -> (B, C, 2H, 2W)


class Squeeze(Bijection):
    label = "squeeze"

    def forward(self, x):
        return squeeze(x), x.new_zeros(len(x))

    def inverse(self, z):
        return unsqueeze(z)


def level_shapes(shape: tuple[int, int, int], levels: int) -> list[tuple[int, int, int]]:
    """The shape of each piece of the code, in order: the half factored out after each level (every level squeezes
    once), then what leaves the last level."""
    c, h, w = shape
    pieces = []
    for level in range(levels):
        c, h, w = 4 * c, h // 2, w // 2
        if level < levels - 1:
            pieces.append((c // 2, h, w))
            c //= 2
    return pieces + [(c, h, w)]


class MultiScale(Bijection):
    """Images (B, C, H, W) <-> codes (B, C*H*W) through `levels` (one Compose each, each with one Squeeze)."""

    label = "multi-scale flow"

    def __init__(self, shape: tuple[int, int, int], levels: list[Compose]):
        super().__init__()
        self.levels = torch.nn.ModuleList(levels)
        self.pieces = level_shapes(shape, len(levels))

    def forward(self, x):
        codes, log_det = [], x.new_zeros(len(x))
        for i, level in enumerate(self.levels):
            x, ld = level(x)
            log_det = log_det + ld
            if i < len(self.levels) - 1:
                factored, x = x.chunk(2, dim=1)  # (B, 2C', H', W') -> 2 x (B, C', H', W')
                codes.append(factored.flatten(1))
        codes.append(x.flatten(1))
        return torch.cat(codes, 1), log_det

    def inverse(self, z):
        sizes = [c * h * w for c, h, w in self.pieces]
        pieces = [p.view(len(z), *shape) for p, shape in zip(z.split(sizes, dim=1), self.pieces)]
        x = pieces[-1]
        for i in range(len(self.levels) - 1, -1, -1):
            if i < len(self.levels) - 1:
                x = torch.cat([pieces[i], x], dim=1)
            x = self.levels[i].inverse(x)
        return x
