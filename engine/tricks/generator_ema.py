r"""An exponential moving average of the generator's weights, used for samples and metrics (Karras et al. 2018,
ProGAN, arXiv:1710.10196, App. A.1; StyleGAN; Yazici et al. 2019, arXiv:1806.04498):

$$\bar\theta_t = \beta\,\bar\theta_{t-1} + (1 - \beta)\,\theta_t,\qquad \beta = 0.5^{1/h}$$

with h the half-life in generator steps (StyleGAN states it in images: 10k). Buffers (batch norm's running
statistics, a style generator's mean w) are copied, not averaged.

NOTE: early steps use beta_t = min(beta, (1 + t) / (10 + t)) (TensorFlow's ExponentialMovingAverage with
num_updates), so the average does not drag the random initial weights along for thousands of steps.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def ema_beta(half_life: int, t: int) -> float:
    return min(0.5 ** (1.0 / half_life), (1.0 + t) / (10.0 + t))


def ema_copy(model: nn.Module) -> nn.Module:
    """A frozen copy in evaluation mode: the average starts at the current weights."""
    average = copy.deepcopy(model).eval()
    average.requires_grad_(False)
    return average


@torch.no_grad()
def ema_update(average: nn.Module, model: nn.Module, beta: float) -> None:
    for a, p in zip(average.parameters(), model.parameters()):
        a.lerp_(p, 1.0 - beta)
    for a, b in zip(average.buffers(), model.buffers()):
        a.copy_(b)
