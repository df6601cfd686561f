r"""Virtual batch normalisation (Salimans et al. 2016, arXiv:1606.03498, Sec. 3.4).

Batch norm makes one example's output depend on the other examples of its batch. VBN normalises each example x
with the statistics of a *reference batch* R (N examples chosen once, at the start of training) combined with x's
own, per channel c (and, for images, over the spatial positions):

$$\mu_c(x) = \tfrac{1}{N+1}\,\bar{x}_c + \tfrac{N}{N+1}\,\mu_c^{R},\qquad
m_c(x) = \tfrac{1}{N+1}\,\overline{x^2}_c + \tfrac{N}{N+1}\,m_c^{R},\qquad
\mathrm{VBN}(x)_c = \gamma_c\,\frac{x_c - \mu_c(x)}{\sqrt{m_c(x) - \mu_c(x)^2 + \epsilon}} + \beta_c$$

where $\bar{x}_c$ and $\overline{x^2}_c$ are x's own mean and mean square over its positions and $\mu^R_c$, $m^R_c$
those of the reference batch (over its N examples and their positions). The statistics of the current batch are
never used. The reference batch goes through the same network, with the current weights, in every forward pass
(`VirtualBatchNorm.reference_pass`), so the reference statistics follow the weights (the paper notes this doubles
the forward cost, which is why it uses VBN in the generator only).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn


class VirtualBatchNorm(nn.Module):
    """VBN over channels of (B, C) or (B, C, H, W) activations.

    Two kinds of call: inside `reference_pass(model)` the input *is* the reference batch: its statistics are stored
    (with gradients, for this forward pass) and it is normalised by them; outside, each example is normalised with
    the stored reference statistics combined with its own (weights 1/(N+1) and N/(N+1)).
    """

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.collecting = False
        self.ref_mean: torch.Tensor | None = None  # (C,)
        self.ref_mean_sq: torch.Tensor | None = None
        self.ref_size = 0

    @staticmethod
    def _reduce_dims(x: torch.Tensor) -> tuple[int, ...]:
        return tuple(range(2, x.dim()))  # the positions of one example (none for (B, C))

    def _affine(self, x_hat: torch.Tensor) -> torch.Tensor:
        shape = (1, -1) + (1,) * (x_hat.dim() - 2)
        return x_hat * self.weight.view(shape) + self.bias.view(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, -1) + (1,) * (x.dim() - 2)
        if self.collecting:
            dims = (0,) + self._reduce_dims(x)
            self.ref_mean, self.ref_mean_sq, self.ref_size = x.mean(dims), (x * x).mean(dims), x.shape[0]
            var = self.ref_mean_sq - self.ref_mean**2
            return self._affine((x - self.ref_mean.view(shape)) / torch.sqrt(var.view(shape) + self.eps))
        if self.ref_mean is None:
            raise RuntimeError("virtual batch norm needs a reference pass first (VirtualBatchNorm.reference_pass)")
        own_dims = self._reduce_dims(x)
        own_mean = x.mean(own_dims, keepdim=True) if own_dims else x
        own_mean_sq = (x * x).mean(own_dims, keepdim=True) if own_dims else x * x
        new = 1.0 / (self.ref_size + 1)
        mean = new * own_mean + (1 - new) * self.ref_mean.view(shape)
        mean_sq = new * own_mean_sq + (1 - new) * self.ref_mean_sq.view(shape)
        return self._affine((x - mean) / torch.sqrt(mean_sq - mean**2 + self.eps))

    @staticmethod
    @contextmanager
    def reference_pass(model: nn.Module) -> Iterator[None]:
        """Within this block, forward passes of `model` record the reference statistics of every VBN layer."""
        layers = [m for m in model.modules() if isinstance(m, VirtualBatchNorm)]
        for m in layers:
            m.collecting = True
        try:
            yield
        finally:
            for m in layers:
                m.collecting = False
