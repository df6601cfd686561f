r"""The forward (noising) process of DDPM (Ho et al. 2020, arXiv:2006.11239) and the closed forms that follow.

- one step (eq. 2): $q(x_t \mid x_{t-1}) = \mathcal N(\sqrt{1-\beta_t}\,x_{t-1},\ \beta_t I)$;
- any step at once (eq. 4): $q(x_t \mid x_0) = \mathcal N(\sqrt{\bar\alpha_t}\,x_0,\ (1-\bar\alpha_t) I)$, so
  $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon$ with $\epsilon \sim \mathcal N(0, I)$;
- the posterior (eqs. 6-7): $q(x_{t-1} \mid x_t, x_0) = \mathcal N(\tilde\mu_t, \tilde\beta_t I)$,
  $\tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t} x_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}
  {1-\bar\alpha_t} x_t$, $\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t$;
- the prior term of the bound (eq. 5), $L_T = D_{KL}(q(x_T \mid x_0)\,\|\,\mathcal N(0, I))$: how far the last noisy
  step is from the noise sampling starts from;
- the score of $q(x_t \mid x_0)$: $\nabla_{x_t} \log q = -\epsilon / \sqrt{1-\bar\alpha_t}$, which is why a network
  that predicts $\epsilon$ also gives the score of the noisy data (Ho et al. Sec. 3.2: denoising score matching,
  Song & Ermon 2019, arXiv:1907.05600).

`t` is an integer tensor of shape (N,) with values 0..T; x tensors are (N, ...) of any shape.
"""

from __future__ import annotations

import math

import torch

from engine.families.diffusion.schedule import NoiseSchedule


def _per_example(values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """values[t] shaped (N, 1, ..., 1) to broadcast against `like` (N, ...)."""
    return values.to(like.device)[t.to(like.device)].view(-1, *([1] * (like.dim() - 1)))


def forward_step(x_prev: torch.Tensor, t: torch.Tensor, eps: torch.Tensor, schedule: NoiseSchedule) -> torch.Tensor:
    """One step of eq. 2: x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps."""
    beta = _per_example(schedule.beta, t, x_prev)
    return (1 - beta).sqrt() * x_prev + beta.sqrt() * eps


def marginal(x0: torch.Tensor, t: torch.Tensor, schedule: NoiseSchedule) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean sqrt(alpha_bar_t) x_0 and variance 1 - alpha_bar_t (per example, broadcastable) of q(x_t | x_0)."""
    alpha_bar = _per_example(schedule.alpha_bar, t, x0)
    return alpha_bar.sqrt() * x0, 1 - alpha_bar


def noisy(x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor, schedule: NoiseSchedule) -> torch.Tensor:
    """x_t drawn from q(x_t | x_0) with the given noise: sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps."""
    mean, var = marginal(x0, t, schedule)
    return mean + var.sqrt() * eps


def posterior(x0: torch.Tensor, x_t: torch.Tensor, t: torch.Tensor,
              schedule: NoiseSchedule) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean mu~_t and variance beta~_t of q(x_{t-1} | x_t, x_0), eqs. 6-7 (t >= 1)."""
    beta, alpha = _per_example(schedule.beta, t, x0), _per_example(schedule.alpha, t, x0)
    alpha_bar, alpha_bar_prev = _per_example(schedule.alpha_bar, t, x0), _per_example(schedule.alpha_bar, t - 1, x0)
    mean = (alpha_bar_prev.sqrt() * beta * x0 + alpha.sqrt() * (1 - alpha_bar_prev) * x_t) / (1 - alpha_bar)
    return mean, (1 - alpha_bar_prev) / (1 - alpha_bar) * beta


def prior_kl(x0: torch.Tensor, schedule: NoiseSchedule) -> torch.Tensor:
    """L_T per example in nats: KL(N(sqrt(ab) x0, (1 - ab) I) || N(0, I)) with ab = alpha_bar_T, summed over the
    dimensions: 1/2 sum_d [ab x0_d^2 + (1 - ab) - 1 - log(1 - ab)]."""
    ab = float(schedule.alpha_bar[-1])
    per_dim = 0.5 * (ab * x0.double() ** 2 - ab - math.log1p(-ab))
    return per_dim.flatten(1).sum(1)


def score_from_eps(eps_hat: torch.Tensor, t: torch.Tensor, schedule: NoiseSchedule) -> torch.Tensor:
    """The score of the noisy data at step t from a noise prediction: -eps_hat / sqrt(1 - alpha_bar_t)."""
    return -eps_hat / (1 - _per_example(schedule.alpha_bar, t, eps_hat)).sqrt()
