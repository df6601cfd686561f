r"""DDPM's training objective (Ho et al. 2020, arXiv:2006.11239, eq. 14 and Algorithm 1):

$L_\text{simple} = \mathbb E_{t, x_0, \epsilon}\ \lVert \epsilon - \epsilon_\theta(\sqrt{\bar\alpha_t}\,x_0 +
\sqrt{1-\bar\alpha_t}\,\epsilon,\ t) \rVert^2$, with t uniform on 1..T and $\epsilon \sim \mathcal N(0, I)$.

The target of the network is the noise $\epsilon$ that was added: predicting it is denoising score matching with a
weight per step (Sec. 3.2), and the reweighting drops the bound's constants (the "simple" in the name).
"""

from __future__ import annotations

from typing import Callable

import torch

from engine.families.diffusion.forward import noisy
from engine.families.diffusion.schedule import NoiseSchedule

EpsModel = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x_t, t) -> eps_hat, same shape as x_t


def draw_t_and_eps(x0: torch.Tensor, T: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """t uniform on 1..T (N,) and eps ~ N(0, I) shaped like x0, from `generator` (CPU), on x0's device."""
    t = torch.randint(1, T + 1, (len(x0),), generator=generator)
    eps = torch.randn(x0.shape, generator=generator)
    return t.to(x0.device), eps.to(x0.device)


def simple_loss(eps_model: EpsModel, x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor,
                schedule: NoiseSchedule) -> torch.Tensor:
    """L_simple: the squared error between eps and eps_theta(x_t, t), averaged over examples and dimensions.
    NOTE: the paper sums over dimensions; the mean divides by their count, so one learning rate suits 2D points and
    images alike."""
    return (eps - eps_model(noisy(x0, t, eps, schedule), t)).pow(2).mean()
