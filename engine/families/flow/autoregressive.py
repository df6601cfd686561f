r"""Masked autoregressive affine layers: one MADE network gives every dimension's shift and log-scale from the
dimensions before it, and the direction in which it is used decides which of density and sampling is one pass.

MADE (Germain et al. 2015, arXiv:1502.03509, Sec. 4): each unit gets a degree m; input i has degree i, a hidden unit
sees the units of degree <= its own, output i sees the hidden units of degree < i, so output i depends on x_<i only.
For D = 3 (hidden degrees 1 and 2):

    inputs    x1   x2   x3          degree 1 2 3
    hidden    h(1) <- x1            h(2) <- x1, x2
    outputs   mu1, alpha1 <- nothing (a bias)   mu2, alpha2 <- h(1)   mu3, alpha3 <- h(1), h(2)

- MAF (Papamakarios et al. 2017, arXiv:1705.07057, Sec. 3.1): the shifts and scales read the *data*,
  $x_i = u_i \exp(\alpha_i) + \mu_i$ with $\mu_i, \alpha_i = f(x_{<i})$. Density: $u = (x - \mu(x)) \exp(-\alpha(x))$
  for all i at once, one pass, $\log|\det \partial u / \partial x| = -\sum_i \alpha_i$. Sampling: x_i needs x_<i,
  so D passes, one per dimension.
- IAF (Kingma et al. 2016, arXiv:1606.04934, Sec. 4): the shifts and scales read the *code*,
  $x_i = u_i \exp(\alpha_i) + \mu_i$ with $\mu_i, \alpha_i = f(u_{<i})$. Sampling: one pass from u. Density: u_i
  needs u_<i, so D passes.

The D sequential passes are one fixed-point iteration written once: start from zeros and apply the update D times;
after pass k the first k dimensions are exact (dimension k depends only on the ones before it).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from engine.families.flow.base import Bijection

ALPHA_MAX = 5.0  # |log-scale| bound of one layer (see MaskedAffineAutoregressive)


class MaskedLinear(nn.Linear):
    """A linear layer whose weight is multiplied by a fixed 0/1 mask (out, in) at every call."""

    def __init__(self, mask: torch.Tensor):
        super().__init__(mask.shape[1], mask.shape[0])
        self.register_buffer("mask", mask)

    def forward(self, x):
        return F.linear(x, self.weight * self.mask, self.bias)


def degrees(dims: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Degrees of the inputs (1..D) and of `width` hidden units, spread evenly over 1..D-1."""
    return torch.arange(1, dims + 1), 1 + torch.arange(width) * (dims - 1) // width


class Made(nn.Module):
    """x (B, D) -> (mu, raw log-scale), each (B, D), output i reading x_<i only; two hidden layers."""

    def __init__(self, dims: int, width: int):
        super().__init__()
        m_in, m_hidden = degrees(dims, width)
        first = (m_hidden[:, None] >= m_in[None, :]).float()  # (width, D)
        middle = (m_hidden[:, None] >= m_hidden[None, :]).float()  # (width, width)
        last = (m_in[:, None] > m_hidden[None, :]).float().repeat(2, 1)  # (2D, width): for mu, then alpha
        self.net = nn.Sequential(MaskedLinear(first), nn.SiLU(), MaskedLinear(middle), nn.SiLU(), MaskedLinear(last))
        nn.init.zeros_(self.net[-1].weight)  # starts as the identity layer (mu = 0, alpha = 0)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, raw = self.net(x).chunk(2, dim=1)  # (B, 2D) -> 2 x (B, D)
        return mu, raw


class MaskedAffineAutoregressive(Bijection):
    """A MAF layer (`iaf` False) or an IAF layer (`iaf` True) on vectors (B, D); x is the data side.

    NOTE: alpha = ALPHA_MAX * tanh(raw / ALPHA_MAX), a soft bound the papers do not have, so that one layer's
    scale stays within e^-5..e^5 and exp cannot overflow while training."""

    def __init__(self, dims: int, width: int, iaf: bool):
        super().__init__()
        self.made, self.dims, self.iaf = Made(dims, width), dims, iaf
        self.label = "IAF layer" if iaf else "MAF layer"

    def shift_and_log_scale(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """mu(h_<i) and alpha(h_<i) for every i: h is x for MAF, u for IAF."""
        mu, raw = self.made(h)
        return mu, ALPHA_MAX * torch.tanh(raw / ALPHA_MAX)

    def forward(self, x):
        if not self.iaf:  # MAF: mu and alpha read x, all known: one pass
            mu, alpha = self.shift_and_log_scale(x)
            return (x - mu) * (-alpha).exp(), -alpha.sum(1)
        u = torch.zeros_like(x)
        for _ in range(self.dims):  # IAF: mu and alpha read u, being computed: one pass per dimension
            mu, alpha = self.shift_and_log_scale(u)
            u = (x - mu) * (-alpha).exp()
        return u, -alpha.sum(1)  # the last pass read u_<D, exact: its alpha is the layer's

    def inverse(self, u):
        if self.iaf:  # IAF: one pass
            mu, alpha = self.shift_and_log_scale(u)
            return u * alpha.exp() + mu
        x = torch.zeros_like(u)
        for _ in range(self.dims):  # MAF: one pass per dimension
            mu, alpha = self.shift_and_log_scale(x)
            x = u * alpha.exp() + mu
        return x
