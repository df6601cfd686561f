r"""Coupling layers: a binary mask b splits x into a part x_a = b * x that passes through unchanged and a part that is
shifted (and scaled) by functions of x_a, so the Jacobian is triangular and its determinant the product of the scales.

- Additive coupling (NICE, Dinh et al. 2015, arXiv:1410.8516, Sec. 3.2): $z = x + (1 - b) \odot m(b \odot x)$,
  $\log|\det J| = 0$ (volume preserving), inverse $x = z - (1 - b) \odot m(b \odot z)$.
- NICE's diagonal scaling (Sec. 3.3), the last layer, the only one that changes volume:
  $z = \exp(s) \odot x$, $\log|\det J| = \sum_i s_i$.
- Affine coupling (Real NVP, Dinh et al. 2017, arXiv:1605.08803, eq. 9):
  $z = b \odot x + (1 - b) \odot \big(x \odot \exp(s(b \odot x)) + t(b \odot x)\big)$,
  $\log|\det J| = \sum_i (1 - b_i)\, s_i(b \odot x)$, inverse $x = (z - t) \odot \exp(-s)$ on the (1 - b) part.

Masks (Real NVP Sec. 3.4, Fig. 3): on vectors, alternating coordinates (NICE's odd / even partition) or halves; on
images, a spatial checkerboard or the first / second half of the channels. Consecutive couplings flip the mask so
every value gets transformed.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.families.flow.base import Bijection


def alternating_mask(dims: int, parity: int) -> torch.Tensor:
    """(dims,): 1 on the coordinates i with i % 2 == parity (they pass through), 0 on the others."""
    return (torch.arange(dims) % 2 == parity).float()


def half_mask(dims: int, first: bool) -> torch.Tensor:
    """(dims,): 1 on the first half of the coordinates (or on the second half)."""
    mask = (torch.arange(dims) < dims // 2).float()
    return mask if first else 1 - mask


def checkerboard_mask(height: int, width: int, parity: int) -> torch.Tensor:
    """(1, H, W): 1 where (row + column) % 2 == parity, broadcast over the channels."""
    rows, cols = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    return ((rows + cols) % 2 == parity).float()[None]


def channel_mask(channels: int, first: bool) -> torch.Tensor:
    """(C, 1, 1): 1 on the first half of the channels (or on the second half)."""
    return half_mask(channels, first)[:, None, None]


class AdditiveCoupling(Bijection):
    """NICE's coupling. `net` maps a masked x (B, ...) to a shift of the same shape."""

    label = "additive coupling"

    def __init__(self, mask: torch.Tensor, net: nn.Module):
        super().__init__()
        self.register_buffer("mask", mask)
        self.net = net

    def _shift(self, x_a: torch.Tensor) -> torch.Tensor:
        return self.net(x_a) * (1 - self.mask)

    def forward(self, x):
        return x + self._shift(x * self.mask), x.new_zeros(len(x))

    def inverse(self, z):
        return z - self._shift(z * self.mask)  # z_a = x_a: the same shift


class DiagonalScaling(Bijection):
    """NICE's last layer: z = exp(s) x, one learned log-scale s per dimension (shape `shape`)."""

    label = "diagonal scaling"

    def __init__(self, shape: tuple[int, ...]):
        super().__init__()
        self.s = nn.Parameter(torch.zeros(shape))

    def forward(self, x):
        log_det = self.s.expand_as(x[0]).sum()
        return x * self.s.exp(), log_det.expand(len(x))

    def inverse(self, z):
        return z * (-self.s).exp()


class AffineCoupling(Bijection):
    """Real NVP's coupling. `net` maps a masked x (B, C, ...) to (B, 2C, ...): the raw log-scales, then the shifts.

    NOTE: s = scale * tanh(raw) with a learned `scale` per channel (shape `scale_shape`), where the paper lets s be
    any network's output: a bounded log-scale cannot jump to a value that overflows exp while training."""

    label = "affine coupling"

    def __init__(self, mask: torch.Tensor, net: nn.Module, scale_shape: tuple[int, ...]):
        super().__init__()
        self.register_buffer("mask", mask)
        self.net = net
        self.scale = nn.Parameter(torch.ones(scale_shape))

    def _log_scale_and_shift(self, x_a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raw, t = self.net(x_a).chunk(2, dim=1)  # (B, 2C, ...) -> 2 x (B, C, ...)
        keep = 1 - self.mask
        return self.scale * torch.tanh(raw) * keep, t * keep

    def forward(self, x):
        s, t = self._log_scale_and_shift(x * self.mask)
        return x * s.exp() + t, s.flatten(1).sum(1)

    def inverse(self, z):
        s, t = self._log_scale_and_shift(z * self.mask)  # z_a = x_a: the same s and t
        return (z - t) * (-s).exp()
