r"""Gradient penalty of WGAN-GP (Gulrajani et al. 2017, arXiv:1704.00028, Eq. 3).

$$\lambda\, \mathbb{E}_{\hat x}\big[(\lVert \nabla_{\hat x} D(\hat x) \rVert_2 - 1)^2\big],\quad
\hat x = \epsilon x + (1 - \epsilon) \tilde x,\ \epsilon \sim U[0, 1]$$

The trainer multiplies by lambda (`gp_weight`).
"""

from __future__ import annotations

from typing import Callable

import torch


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    eps_shape = (real.shape[0],) + (1,) * (real.dim() - 1)  # one epsilon per example
    eps = torch.rand(eps_shape, generator=generator).to(real.device)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norm = grad.reshape(grad.shape[0], -1).norm(2, dim=1)  # (N, ...) -> (N,)
    return ((norm - 1) ** 2).mean()
