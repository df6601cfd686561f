r"""Layers that mix the channels between couplings, so that every value is transformed by some coupling.

- Fixed permutations (NICE, Real NVP: reversing the order; Glow's baselines: reverse or a fixed random shuffle),
  $\log|\det J| = 0$.
- Invertible 1x1 convolution (Glow, Kingma & Dhariwal 2018, arXiv:1807.03039, Sec. 3.2): a learned C x C matrix W
  applied at every pixel, $z_{i,j} = W x_{i,j}$, $\log|\det J| = h \cdot w \cdot \log|\det W|$, initialised as a
  random rotation (log|det W| = 0). Optionally LU-parametrised: $W = P L (U + \mathrm{diag}(s))$ with P a
  fixed permutation, L lower triangular with ones on the diagonal, U strictly upper triangular, so that
  $\log|\det W| = \sum_c \log|s_c|$ costs O(C) instead of O(C^3).
On vectors (B, D) the "1x1 convolution" is one invertible D x D matrix (h = w = 1).
"""

from __future__ import annotations

import torch
from torch import nn

from engine.families.flow.base import Bijection


class Permutation(Bijection):
    """z = x[:, perm] along the channels (vectors: the coordinates)."""

    label = "permutation"

    def __init__(self, perm: torch.Tensor, label: str = "permutation"):
        super().__init__()
        self.register_buffer("perm", perm)
        self.register_buffer("undo", torch.argsort(perm))
        self.label = label

    @classmethod
    def reverse(cls, channels: int) -> "Permutation":
        return cls(torch.arange(channels - 1, -1, -1), "reverse")

    @classmethod
    def shuffle(cls, channels: int) -> "Permutation":
        """A fixed random order (torch's global generator: the trainer seeds it while building the flow)."""
        return cls(torch.randperm(channels), "shuffle")

    def forward(self, x):
        return x[:, self.perm], x.new_zeros(len(x))

    def inverse(self, z):
        return z[:, self.undo]


class Invertible1x1(Bijection):
    """Glow's 1x1 convolution on (B, C, H, W), or one invertible matrix on (B, C)."""

    label = "1x1 convolution"

    def __init__(self, channels: int, lu: bool):
        super().__init__()
        w = torch.linalg.qr(torch.randn(channels, channels))[0]  # a random rotation (global generator, seeded)
        self.lu = lu
        if lu:
            p, lower, upper = torch.linalg.lu(w)
            s = upper.diagonal()
            self.register_buffer("p", p)
            self.register_buffer("sign_s", s.sign())
            self.register_buffer("lower_mask", torch.tril(torch.ones(channels, channels), -1))
            self.lower = nn.Parameter(lower)
            self.upper = nn.Parameter(torch.triu(upper, 1))
            self.log_s = nn.Parameter(s.abs().log())
        else:
            self.weight = nn.Parameter(w)

    def matrix(self) -> torch.Tensor:
        """W (C, C)."""
        if not self.lu:
            return self.weight
        eye = torch.eye(len(self.log_s), device=self.log_s.device)
        lower = self.lower * self.lower_mask + eye
        upper = self.upper * self.lower_mask.T + torch.diag(self.sign_s * self.log_s.exp())
        return self.p @ lower @ upper

    def log_abs_det(self) -> torch.Tensor:
        return self.log_s.sum() if self.lu else torch.linalg.slogdet(self.weight)[1]

    @staticmethod
    def _mix(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return torch.einsum("ij,bjhw->bihw", w, x) if x.dim() == 4 else x @ w.T

    def forward(self, x):
        pixels = x[0, 0].numel() if x.dim() == 4 else 1
        return self._mix(x, self.matrix()), (pixels * self.log_abs_det()).expand(len(x))

    def inverse(self, z):
        return self._mix(z, torch.linalg.inv(self.matrix()))
