r"""Minibatch discrimination (Salimans et al. 2016, arXiv:1606.03498, Sec. 3.2).

For features f(x_i) in R^A of each example and a learned tensor T in R^{A x B x C}:

$$M_i = f(x_i)\, T \in \mathbb{R}^{B \times C},\qquad
c_b(x_i, x_j) = \exp(-\lVert M_{i,b} - M_{j,b} \rVert_{L_1}),\qquad
o(x_i)_b = \sum_{j=1}^{n} c_b(x_i, x_j)$$

and the discriminator's next layer sees [f(x_i), o(x_i)] in R^{A+B}. A batch of near-identical samples (a collapsed
generator) has large o, which the discriminator learns to call fake.

NOTE: as in the paper's equation, the sum runs over the whole batch including j = i, so every o >= 1; some
implementations subtract that constant self-term, which changes nothing the next linear layer cannot absorb.

NOTE: with `average=True` the module returns o / n (the mean over the batch instead of the sum). The function class
is the same (the next layer can rescale), but o then lies in (0, 1] whatever the batch size, so Adam's steps on the
next layer do not grow with n. On ring8 this made the trick work where the plain sum did not (bench/mode_collapse.py,
numbers in the README); `--set mbd_average=false` gives the paper's sum.
"""

from __future__ import annotations

import torch
from torch import nn


def _similarity(M: torch.Tensor, M_other: torch.Tensor) -> torch.Tensor:
    """sum_j exp(-||M_i,b - M_j,b||_1) for each i of M (N, B, C) over each j of M_other (R, B, C) -> (N, B)."""
    l1 = torch.cdist(M.transpose(0, 1), M_other.transpose(0, 1), p=1)  # (B, N, C), (B, R, C) -> (B, N, R)
    return torch.exp(-l1).sum(2).transpose(0, 1)  # (B, N) -> (N, B)


class MinibatchDiscrimination(nn.Module):
    def __init__(self, in_features: int, kernels: int, kernel_dim: int, average: bool = False):
        super().__init__()
        self.A, self.B, self.C = in_features, kernels, kernel_dim
        self.average = average
        self.T = nn.Parameter(torch.randn(in_features, kernels, kernel_dim) * 0.1)

    def project(self, f: torch.Tensor) -> torch.Tensor:
        """M = f T: (N, A) @ (A, B*C) -> (N, B, C)."""
        return (f @ self.T.reshape(self.A, self.B * self.C)).reshape(-1, self.B, self.C)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        M = self.project(f)
        o = _similarity(M, M)  # (N, B)
        if self.average:
            o = o / f.shape[0]
        return torch.cat([f, o], dim=1)  # (N, A + B)


def minibatch_features_against(mbd: MinibatchDiscrimination, f: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """o(x) for each row of `f` as if x were one more member of the batch `reference`: 1 (itself) plus the sum over
    the reference examples. Used to draw the discriminator's field on a grid without grid points judging each other."""
    o = 1.0 + _similarity(mbd.project(f), mbd.project(reference))  # (N, B)
    return o / (reference.shape[0] + 1) if mbd.average else o
