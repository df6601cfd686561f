r"""The truncation trick: trade diversity for quality by pulling the latent towards its centre.

- in a style generator's W space (Karras et al. 2019, StyleGAN, arXiv:1812.04948, Sec. 3.1 / App. B):
  $w' = \bar w + \psi\,(w - \bar w)$, with $\bar w$ the running mean of the mapping network's outputs;
- in z (BigGAN, Brock et al. 2019, arXiv:1809.11096, Sec. 3.1; DCGAN-style generators): $z' = \psi z$, the mean of z
  being 0.

psi = 1 is the model as trained, psi = 0 gives every z the same latent (the "mean face").
NOTE: BigGAN truncates by re-sampling the entries of z whose magnitude exceeds a threshold; scaling z by psi is the
same pull towards the mean written as StyleGAN writes it, so one slider means the same on both generators.
"""

from __future__ import annotations

import torch


def truncate(w: torch.Tensor, w_mean: torch.Tensor | float, psi: float) -> torch.Tensor:
    return w if psi == 1 else torch.lerp(torch.as_tensor(w_mean, dtype=w.dtype, device=w.device), w, psi)
