r"""Instance noise (Sonderby et al. 2016, arXiv:1610.04490; Arjovsky & Bottou 2017, arXiv:1701.04862).

Both real and fake inputs of the discriminator get Gaussian noise, x + sigma * eps with eps ~ N(0, I), so the two
distributions overlap and the discriminator's gradients stay informative; sigma is annealed to 0.
"""

from __future__ import annotations

import torch


def annealed_sigma(sigma0: float, step: int, anneal_steps: int) -> float:
    """sigma0 decayed linearly to 0 at `anneal_steps` (0 = keep sigma0)."""
    if anneal_steps <= 0:
        return float(sigma0)
    return float(sigma0) * max(0.0, 1.0 - step / anneal_steps)


def add_instance_noise(x: torch.Tensor, sigma: float, generator: torch.Generator | None = None) -> torch.Tensor:
    if sigma == 0:
        return x
    eps = torch.randn(x.shape, generator=generator).to(x.device)
    return x + sigma * eps
