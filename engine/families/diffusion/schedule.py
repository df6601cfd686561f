r"""Noise schedules of the forward process: the variances $\beta_1 \dots \beta_T$ and what follows from them.

- linear (Ho et al. 2020, Denoising Diffusion Probabilistic Models, arXiv:2006.11239, Sec. 4): $\beta_t$ evenly
  spaced from $\beta_1$ = `beta_start` to $\beta_T$ = `beta_end` (1e-4 to 0.02 in the paper, for T = 1000);
- cosine (Nichol & Dhariwal 2021, Improved DDPM, arXiv:2102.09672, eq. 17):
  $\bar\alpha_t = f(t) / f(0)$, $f(t) = \cos^2\!\big(\frac{t/T + s}{1 + s}\cdot\frac{\pi}{2}\big)$, s = 0.008,
  $\beta_t = 1 - \bar\alpha_t / \bar\alpha_{t-1}$ clipped at 0.999.

Every array has T + 1 entries indexed by t itself: entry 0 is t = 0 (no noise: $\beta_0 = 0$, $\bar\alpha_0 = 1$), so
the code reads `alpha_bar[t]` as the paper writes $\bar\alpha_t$. Computed in float64, kept in float32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

SCHEDULES = ("linear", "cosine")
COSINE_OFFSET = 0.008  # s of Nichol & Dhariwal: keeps beta_1 from being tiny
MAX_BETA = 0.999  # their clip, so the last steps of the cosine schedule stay finite


@dataclass(frozen=True)
class NoiseSchedule:
    """beta[t], alpha[t] = 1 - beta[t] and alpha_bar[t] = prod_{s <= t} alpha[s], for t = 0..T (CPU, float32)."""

    beta: torch.Tensor
    alpha: torch.Tensor
    alpha_bar: torch.Tensor

    @property
    def T(self) -> int:
        return len(self.beta) - 1

    def to(self, device) -> "NoiseSchedule":
        return NoiseSchedule(self.beta.to(device), self.alpha.to(device), self.alpha_bar.to(device))


def make_schedule(kind: str, T: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> NoiseSchedule:
    """The `kind` schedule over T steps. The linear one keeps the paper's range whatever T is (NOTE: with few steps
    its sum of betas is small, so x_T stays far from N(0, I): the lesson of the too-few-steps preset); the cosine
    one reaches alpha_bar_T = 0 for every T."""
    if kind == "linear":
        beta = torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
    elif kind == "cosine":
        t = torch.arange(T + 1, dtype=torch.float64)
        f = torch.cos((t / T + COSINE_OFFSET) / (1 + COSINE_OFFSET) * math.pi / 2) ** 2
        alpha_bar = f / f[0]
        beta = (1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=MAX_BETA)
    else:
        raise ValueError(f"unknown schedule '{kind}': expected one of {', '.join(SCHEDULES)}")
    beta = torch.cat([torch.zeros(1, dtype=torch.float64), beta])  # t = 0: no noise
    alpha = 1 - beta
    return NoiseSchedule(beta.float(), alpha.float(), torch.cumprod(alpha, 0).float())
