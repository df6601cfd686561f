r"""The reparameterisation trick (Kingma & Welling 2014, arXiv:1312.6114, Sec. 2.4).

A sample of the diagonal Gaussian posterior $q(z|x) = \mathcal{N}(\mu, \mathrm{diag}\,\sigma^2)$ written as a
differentiable function of its parameters and independent noise:

$$z = \mu + \sigma \odot \epsilon,\qquad \epsilon \sim \mathcal{N}(0, I),\qquad
\sigma = \exp(\tfrac{1}{2}\log\sigma^2)$$

so the gradient of an expectation over q reaches the encoder through $\mu$ and $\log\sigma^2$.
"""

from __future__ import annotations

import torch


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None,
                   samples: int = 0) -> torch.Tensor:
    """z = mu + exp(logvar / 2) * eps. With `samples` = k > 0, k draws per example: shape (k, *mu.shape)."""
    shape = (samples, *mu.shape) if samples else mu.shape
    eps = torch.randn(shape, generator=generator, device="cpu").to(mu.device, mu.dtype)
    return mu + torch.exp(0.5 * logvar) * eps
