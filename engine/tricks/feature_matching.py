r"""Feature matching (Salimans et al. 2016, arXiv:1606.03498, Sec. 3.1).

The generator minimises

$$\lVert \mathbb{E}_{x \sim p_{data}} f(x) - \mathbb{E}_{z \sim p_z} f(G(z)) \rVert_2^2$$

where f is an intermediate layer of the discriminator, instead of maximising D's output on fakes. The discriminator
trains as usual, so f keeps finding the features that tell real from fake.
"""

from __future__ import annotations

import torch


def feature_matching_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    """Squared L2 distance between the batch means (real features are a fixed target: detached)."""
    real_mean = real_features.detach().reshape(real_features.shape[0], -1).mean(0)
    fake_mean = fake_features.reshape(fake_features.shape[0], -1).mean(0)
    return ((real_mean - fake_mean) ** 2).sum()
