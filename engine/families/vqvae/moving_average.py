r"""The moving-average codebook (van den Oord et al. 2017, arXiv:1711.00937, Appendix A.1), used instead of the
codebook loss: each code becomes a running mean of the encoder outputs that chose it,

    N_i <- gamma N_i + (1 - gamma) n_i            (n_i: how many of the batch's vectors z_e chose code i)
    m_i <- gamma m_i + (1 - gamma) sum_{j: k_j = i} z_e_j
    e_i <- m_i / N_i

with the decay gamma = 0.99 of the paper. The codebook then needs no gradient (nor a learning rate); the commitment
loss still keeps the encoder near it.

NOTE: N is Laplace-smoothed before the division, N~_i = (N_i + eps) / (n + K eps) * n with n = sum_i N_i and
eps = 1e-5 (as in DeepMind's Sonnet VQ-VAE), so a code nobody chooses (its N_i and m_i decaying towards 0
together) keeps a finite vector. NOTE: N starts at 1 and m at the initial codebook (`VectorQuantizer`), so the first
updates move each code from where it starts instead of dividing zero by zero.
"""

from __future__ import annotations

import torch

from engine.families.vqvae.quantizer import VectorQuantizer

EPS = 1e-5


def ema_step(count: torch.Tensor, total: torch.Tensor, z: torch.Tensor, k: torch.Tensor, decay: float,
             eps: float = EPS) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One update: N (K,), m (K, D), the batch's vectors z (n, D) and their codes k (n,) -> new N, m and codebook e."""
    codes = len(count)
    n_i = torch.bincount(k, minlength=codes).to(z.dtype)
    sums = torch.zeros_like(total).index_add_(0, k, z)  # sum of the vectors that chose each code: (K, D)
    count = decay * count + (1 - decay) * n_i
    total = decay * total + (1 - decay) * sums
    n = count.sum()
    smoothed = (count + eps) / (n + codes * eps) * n
    return count, total, total / smoothed[:, None]


@torch.no_grad()
def update(quantizer: VectorQuantizer, z_e: torch.Tensor, k: torch.Tensor, decay: float) -> None:
    """Apply `ema_step` to a quantizer's buffers and codebook with a batch's maps z_e (B, D, h, w), codes (B, h, w)."""
    z = z_e.detach().permute(0, 2, 3, 1).reshape(-1, quantizer.dim)  # (B, D, h, w) -> (B*h*w, D)
    count, total, e = ema_step(quantizer.count, quantizer.total, z, k.flatten(), decay)
    quantizer.count.copy_(count)
    quantizer.total.copy_(total)
    quantizer.embedding.copy_(e)
