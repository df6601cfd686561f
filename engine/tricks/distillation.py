r"""Knowledge distillation (Hinton, Vinyals & Dean 2015, arXiv:1503.02531, Sec. 2).

A student learns from the softened outputs of a teacher, $p^T_\tau = \mathrm{softmax}(z_t / \tau)$ and
$p^S_\tau = \mathrm{softmax}(z_s / \tau)$ at temperature $\tau$:

$$\mathcal{L}_{KD} = \tau^2\, \mathrm{KL}\big(p^T_\tau \,\|\, p^S_\tau\big)$$

averaged over the batch. The factor $\tau^2$ keeps the gradients' size independent of the temperature (Sec. 2: they
scale as $1/\tau^2$), so the trainer mixes it with the hard-label loss as $(1 - \alpha)\,\mathrm{CE} + \alpha\,
\mathcal{L}_{KD}$. The teacher's logits are detached: only the student learns.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, T: float) -> torch.Tensor:
    """T^2 KL(softmax(teacher / T) || softmax(student / T)), batch mean; logits (B, K)."""
    log_p_s = F.log_softmax(student_logits / T, dim=1)
    log_p_t = F.log_softmax(teacher_logits.detach() / T, dim=1)
    return T**2 * F.kl_div(log_p_s, log_p_t, reduction="batchmean", log_target=True)
