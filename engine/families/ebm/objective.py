r"""The contrastive-divergence objective of an energy-based model with the energy penalty of Du & Mordatch 2019
(arXiv:1903.08689):

$$\mathcal L = \mathbb E_{x^+ \sim \text{data}}[E(x^+)] - \mathbb E_{x^- \sim \text{chains}}[E(x^-)]
             + \alpha\, \big(\mathbb E[E(x^+)^2] + \mathbb E[E(x^-)^2]\big)$$

Its gradient in the parameters is the maximum-likelihood gradient of p(x) = exp(-E(x)) / Z when the chains' x^-
are samples of p (Hinton 2002); x^- is treated as a constant. Without the penalty (alpha = 0) nothing bounds the
energies: the data's can fall and the chains' rise without end, the divergence engine/families/ebm/runaway.py
watches for.
"""

from __future__ import annotations

import torch


def contrastive_divergence(e_real: torch.Tensor, e_fake: torch.Tensor, alpha: float) -> dict[str, torch.Tensor]:
    """The loss and its parts from the energies of a real batch and of the chains (each (B,))."""
    contrastive = e_real.mean() - e_fake.mean()
    penalty = (e_real**2).mean() + (e_fake**2).mean()
    return {"loss": contrastive + alpha * penalty, "contrastive": contrastive, "energy_penalty": penalty,
            "energy_real": e_real.mean(), "energy_fake": e_fake.mean(),
            "energy_scale": 0.5 * (e_real.abs().mean() + e_fake.abs().mean())}
