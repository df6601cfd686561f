r"""mixup (Zhang et al. 2018, arXiv:1710.09412, Sec. 2): train on convex combinations of pairs of examples.

$$\tilde x = \lambda x_i + (1 - \lambda) x_j,\qquad \tilde y = \lambda y_i + (1 - \lambda) y_j,\qquad
\lambda \sim \mathrm{Beta}(\alpha, \alpha)$$

As in the paper's implementation, one $\lambda$ per batch and $j$ a random permutation of the batch.

Reproducibility: `torch.distributions.Beta` takes no generator, so $\lambda$ is drawn by numpy's Beta sampler from
a `numpy.random.Generator` seeded with an integer drawn from the torch `generator`; the permutation comes from the
torch generator directly. The same generator state gives the same lambda and the same pairs.
"""

from __future__ import annotations

import numpy as np
import torch


def mixup(x: torch.Tensor, q: torch.Tensor, alpha: float,
          generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, float]:
    """(mixed images, mixed targets, lambda). x: (B, C, H, W); q: (B, K) target distributions; alpha > 0."""
    if alpha <= 0:
        raise ValueError(f"mixup needs alpha > 0, got {alpha}")
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    lam = float(np.random.default_rng(seed).beta(alpha, alpha))
    perm = torch.randperm(len(x), generator=generator).to(x.device)
    return lam * x + (1 - lam) * x[perm], lam * q + (1 - lam) * q[perm], lam
