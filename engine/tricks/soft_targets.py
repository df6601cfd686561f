r"""Cross-entropy against soft targets, and label smoothing (Szegedy et al. 2016, arXiv:1512.00567, Sec. 7).

With a target distribution $q$ over K classes and the model's $p = \mathrm{softmax}(z)$:

$$\ell(z, q) = -\sum_k q_k \log p_k$$

averaged over the batch. Label smoothing regularises the model by replacing the one-hot target with

$$q' = (1 - \epsilon)\, q + \epsilon / K$$

(the paper's $u(k) = 1/K$), which for one-hot $q$ is `F.cross_entropy(z, y, label_smoothing=eps)`. Soft targets
also carry mixup's mixed labels (engine/tricks/mixup.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def soft_cross_entropy(logits: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """-(q * log_softmax(logits)).sum(1).mean(); logits and q of shape (B, K)."""
    return -(q * F.log_softmax(logits, dim=1)).sum(1).mean()


def smooth_labels(q: torch.Tensor, eps: float) -> torch.Tensor:
    """(1 - eps) q + eps / K."""
    return (1 - eps) * q + eps / q.shape[1]
