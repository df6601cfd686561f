r"""Langevin dynamics on an energy E(x), the sampler of an energy-based model p(x) = exp(-E(x)) / Z
(Welling & Teh 2011; Du & Mordatch 2019, arXiv:1903.08689):

$$x_{k+1} = x_k - \frac{\epsilon}{2} \nabla_x E(x_k) + \sigma \sqrt{\epsilon}\, \xi_k, \quad \xi_k \sim \mathcal N(0, I)$$

with step size epsilon; sigma = 1 is Langevin dynamics proper, whose chains reach p(x) as epsilon -> 0 and the
steps -> infinity.

NOTE: sigma < 1 is the common practice (Du & Mordatch use a drift of 10 and noise of 0.005; Nijkamp et al. 2019,
arXiv:1904.09770): colder chains that settle in the energy's minima instead of sampling p(x). Chains are clamped to
the data's range after each step (images: [-1, 1]; 2D: the toy's bounds), as both papers keep samples valid.
"""

from __future__ import annotations

import math
from typing import Callable

import torch


def langevin_step(energy: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, step_size: float, noise: float,
                  generator: torch.Generator) -> torch.Tensor:
    """One step x - (eps/2) grad E(x) + sigma sqrt(eps) xi; xi drawn from `generator`. No gradient reaches E's
    parameters (only x is differentiated); the result is detached."""
    with torch.enable_grad():  # also when called under no_grad (sampling, previews)
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(energy(x).sum(), x)
    xi = torch.randn(x.shape, generator=generator).to(x.device)
    return (x - 0.5 * step_size * grad + noise * math.sqrt(step_size) * xi).detach()


def langevin(energy: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, steps: int, step_size: float,
             noise: float, generator: torch.Generator, low: float, high: float,
             every: int = 0) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """`steps` Langevin steps from x, clamped to [low, high] after each. Returns the last state and, when `every`
    > 0, the states at steps 0, every, 2 every, ... and the last (a trajectory, for the pictures)."""
    trajectory = [x.detach().clone()] if every else []
    for k in range(1, steps + 1):
        x = langevin_step(energy, x, step_size, noise, generator).clamp(low, high)
        if every and (k % every == 0 or k == steps):
            trajectory.append(x.clone())
    return x, trajectory
