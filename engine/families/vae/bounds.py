r"""Likelihoods and bounds of the autoencoder family, in nats per image (sums over pixels and latent dimensions).

- ELBO (Kingma & Welling 2014, eq. 3): $\log p(x) \ge \mathbb{E}_{q(z|x)}[\log p(x|z)] - \mathrm{KL}(q(z|x)\,\|\,p(z))$,
  with the closed-form KL of a diagonal Gaussian to N(0, I), per dimension (their Appendix B):
  $\mathrm{KL}_j = \tfrac12(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2)$. A beta-VAE weighs the KL by beta
  (Higgins et al. 2017).
- Importance-weighted bound (Burda et al. 2016, arXiv:1509.00519, eq. 8), tighter as k grows:
  $\mathcal{L}_k = \mathbb{E}\big[\log \tfrac1k \sum_{i=1}^k \tfrac{p(x|z_i)\,p(z_i)}{q(z_i|x)}\big]$,
  $z_i \sim q(z|x)$.
- Active units (Burda et al. 2016, Sec. 5.2): dimension j is active when
  $\mathrm{Cov}_x(\mathbb{E}_{q(z|x)}[z_j]) > 0.01$.

Images are in [-1, 1]. The Bernoulli likelihood reads the pixel intensity (x + 1) / 2 as the probability target
(exact for binarised images); the Gaussian one has a learned global standard deviation.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from engine.tricks.reparameterization import reparameterize

LIKELIHOODS = ("bernoulli", "gaussian")
LOG_2PI = math.log(2 * math.pi)


def log_likelihood(x: torch.Tensor, out: torch.Tensor, kind: str, log_sigma: torch.Tensor | None = None
                   ) -> torch.Tensor:
    """log p(x|z) per example, summed over pixels. `out`: decoder logits (bernoulli) or means (gaussian)."""
    if kind == "bernoulli":
        out, target = torch.broadcast_tensors(out, (x + 1) / 2)
        return -F.binary_cross_entropy_with_logits(out, target, reduction="none").flatten(-3).sum(-1)
    if kind == "gaussian":
        log_sigma = torch.zeros((), device=out.device) if log_sigma is None else log_sigma
        per_pixel = -0.5 * ((x - out) / log_sigma.exp()) ** 2 - log_sigma - 0.5 * LOG_2PI
        return per_pixel.flatten(-3).sum(-1)
    raise ValueError(f"likelihood must be one of {', '.join(LIKELIHOODS)}")


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)) per dimension, same shape as mu."""
    return 0.5 * (mu**2 + logvar.exp() - 1 - logvar)


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag exp(logvar)) summed over the last dimension."""
    return (-0.5 * ((z - mu) ** 2 / logvar.exp() + logvar + LOG_2PI)).sum(-1)


@torch.no_grad()
def importance_weighted_bound(encoder, decoder, x: torch.Tensor, k: int, kind: str,
                              generator: torch.Generator | None = None, chunk: int = 50) -> torch.Tensor:
    """L_k per example (nats): log of the mean of k importance weights p(x|z) p(z) / q(z|x), via logsumexp."""
    mu, logvar = encoder(x)
    logs = []
    for start in range(0, k, chunk):
        n = min(chunk, k - start)
        z = reparameterize(mu, logvar, generator, samples=n)  # (n, B, latent)
        out = decoder(z.flatten(0, 1)).view(n, *x.shape)
        log_px_z = log_likelihood(x, out, kind, decoder.log_sigma)  # (n, B)
        log_pz = log_normal(z, torch.zeros_like(z), torch.zeros_like(z))
        log_qz = log_normal(z, mu, logvar)
        logs.append(log_px_z + log_pz - log_qz)
    return torch.logsumexp(torch.cat(logs), 0) - math.log(k)


def active_units(mu: torch.Tensor, threshold: float = 0.01) -> int:
    """How many latent dimensions the encoder uses: Cov over images of the posterior mean above `threshold`."""
    return int((mu.var(0, unbiased=False) > threshold).sum()) if len(mu) > 1 else 0
