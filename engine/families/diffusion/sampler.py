r"""The reverse process, written once: DDIM's update (Song, Meng & Ermon 2021, arXiv:2010.02502, eq. 12) on a
decreasing sequence of steps $\tau$, of which DDPM's ancestral sampling (Ho et al. 2020, Algorithm 2) is a case.

From $x_t$ and the predicted noise $\hat\epsilon = \epsilon_\theta(x_t, t)$, with $s$ the next (earlier) step:
$\hat x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\hat\epsilon) / \sqrt{\bar\alpha_t}$ and
$x_s = \sqrt{\bar\alpha_s}\,\hat x_0 + \sqrt{1-\bar\alpha_s-\sigma^2}\,\hat\epsilon + \sigma z$,
$\sigma = \eta \sqrt{(1-\bar\alpha_s)/(1-\bar\alpha_t)}\,\sqrt{1-\bar\alpha_t/\bar\alpha_s}$ (eq. 16),
$z \sim \mathcal N(0, I)$.

- `ddpm`: every step T, T-1, ..., 0 with eta = 1: then sigma^2 is the posterior variance beta~_t and the mean is
  the posterior mean mu~_t(x_t, x0_hat) of Ho et al. eq. 7 (NOTE: their sigma_t^2 = beta~_t choice; they report
  beta_t and beta~_t alike);
- `ddim`: S steps evenly spaced from T to 0, any eta (0 = deterministic, the DDIM of the paper).
"""

from __future__ import annotations

from typing import Iterator

import torch

from engine.families.diffusion.objective import EpsModel
from engine.families.diffusion.schedule import NoiseSchedule

SAMPLERS = ("ddpm", "ddim")


def timesteps(T: int, sampler: str, sample_steps: int) -> list[int]:
    """The decreasing steps visited, from T down to 0: all of them for ddpm, min(S, T) + 1 evenly spaced for ddim."""
    if sampler == "ddpm":
        return list(range(T, -1, -1))
    if sampler != "ddim":
        raise ValueError(f"unknown sampler '{sampler}': expected one of {', '.join(SAMPLERS)}")
    S = min(sample_steps, T)
    return sorted({round(T * i / S) for i in range(S + 1)}, reverse=True)


def plan(T: int, sampler: str, sample_steps: int, eta: float) -> tuple[list[int], float]:
    """The steps a sampler visits and its eta (ddpm: always 1)."""
    return timesteps(T, sampler, sample_steps), 1.0 if sampler == "ddpm" else eta


def ddim_step(x_t: torch.Tensor, eps_hat: torch.Tensor, t: int, s: int, schedule: NoiseSchedule, eta: float,
              z: torch.Tensor | None, clip: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(x_s, x0_hat): eq. 12 from step t to step s < t. `clip` bounds x0_hat (images: [-1, 1]), and eps_hat is then
    recomputed from the clipped x0_hat so that x_s stays consistent with it. `z` may be None when sigma is 0."""
    ab_t, ab_s = float(schedule.alpha_bar[t]), float(schedule.alpha_bar[s])
    x0_hat = (x_t - (1 - ab_t) ** 0.5 * eps_hat) / ab_t ** 0.5
    if clip is not None:
        x0_hat = x0_hat.clamp(-clip, clip)
        eps_hat = (x_t - ab_t ** 0.5 * x0_hat) / (1 - ab_t) ** 0.5
    sigma = eta * ((1 - ab_s) / (1 - ab_t) * (1 - ab_t / ab_s)) ** 0.5
    x_s = ab_s ** 0.5 * x0_hat + max(1 - ab_s - sigma ** 2, 0.0) ** 0.5 * eps_hat
    if sigma > 0:
        x_s = x_s + sigma * z
    return x_s, x0_hat


def reverse_process(eps_model: EpsModel, x_T: torch.Tensor, steps: list[int], schedule: NoiseSchedule, eta: float,
                    generator: torch.Generator, clip: float | None = None) -> Iterator[tuple[int, torch.Tensor,
                                                                                              torch.Tensor]]:
    """Walk `steps` (from timesteps) from x_T, yielding (s, x_s, x0_hat) after every update. The noise z of each
    stochastic update is drawn from `generator` (CPU), so a seed fixes the samples."""
    x = x_T
    for t, s in zip(steps[:-1], steps[1:]):
        eps_hat = eps_model(x, torch.full((1,), t, dtype=torch.long, device=x.device))  # one t for the batch
        stochastic = eta > 0 and s > 0
        z = torch.randn(x.shape, generator=generator).to(x.device) if stochastic else None
        x, x0_hat = ddim_step(x, eps_hat, t, s, schedule, eta, z, clip)
        yield s, x, x0_hat


def sample(eps_model: EpsModel, shape: tuple[int, ...], steps: list[int], schedule: NoiseSchedule, eta: float,
           generator: torch.Generator, device, clip: float | None = None) -> torch.Tensor:
    """x_0 of the reverse process from x_T ~ N(0, I) drawn from `generator`."""
    x_T = torch.randn(shape, generator=generator).to(device)
    x_0 = x_T
    for _, x_0, _ in reverse_process(eps_model, x_T, steps, schedule, eta, generator, clip):
        pass
    return x_0
