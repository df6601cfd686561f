r"""The semi-supervised GAN's discriminator loss (Salimans et al. 2016, arXiv:1606.03498, Sec. 5).

The classifier has K+1 outputs: the K classes and "generated". With the logit of "generated" fixed at 0 (the
softmax is unchanged by subtracting it from every logit), the K class logits $l_1 \dots l_K$ give

$$p(y = k \mid x, y < K+1) = \mathrm{softmax}(l)_k, \qquad D(x) = 1 - p(y = K+1 \mid x) = \frac{Z(x)}{Z(x) + 1},
\quad Z(x) = \sum_k e^{l_k(x)}$$

and the loss is $L = L_{supervised} + L_{unsupervised}$ with

$$L_{supervised} = -\mathbb{E}_{x, y \sim p_{data}} \log p(y \mid x, y < K+1)$$
$$L_{unsupervised} = -\mathbb{E}_{x \sim p_{data}} \log D(x) - \mathbb{E}_{z} \log(1 - D(G(z)))$$

Written with $s = \log Z = \mathrm{logsumexp}(l)$: $\log D = s - \mathrm{softplus}(s)$ and
$\log(1 - D) = -\mathrm{softplus}(s)$, stable for any logits.
NOTE: the unsupervised terms are each weighted 1/2, as in the paper's released MNIST code; `unsupervised_weight`
scales both.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def log_z(logits: torch.Tensor) -> torch.Tensor:
    """s(x) = log sum_k exp(l_k(x)), (N, K) -> (N,)."""
    return torch.logsumexp(logits, dim=1)


def real_probability(logits: torch.Tensor) -> torch.Tensor:
    """D(x) = Z / (Z + 1) = sigmoid(log Z)."""
    return torch.sigmoid(log_z(logits))


def supervised_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """-E log p(y | x, y < K+1): cross-entropy over the K class logits."""
    return F.cross_entropy(logits, labels)


def unsupervised_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """1/2 (-E_data log D(x)) + 1/2 (-E_z log(1 - D(G(z))))."""
    s_real, s_fake = log_z(real_logits), log_z(fake_logits)
    real_term = -(s_real - F.softplus(s_real)).mean()
    fake_term = F.softplus(s_fake).mean()
    return 0.5 * real_term + 0.5 * fake_term
