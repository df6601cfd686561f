r"""An exponential moving average of a network's weights, the network that samples and evaluations use:

$$\bar\theta_t = d_t\,\bar\theta_{t-1} + (1 - d_t)\,\theta_t$$

- the image GAN's generator (`g_ema`; Karras et al. 2018, ProGAN, arXiv:1710.10196, App. A.1; StyleGAN; Yazici et
  al. 2019, arXiv:1806.04498), with d = 0.5^{1/h} for a half-life of h generator steps (`half_life_decay`);
- diffusion's network (Ho et al. 2020, arXiv:2006.11239, App. B: d = 0.9999);
- the semi-supervised GAN's classifiers (Polyak averaging, as in Salimans et al.'s released code).

Buffers (batch norm's running statistics, a style generator's mean w) are copied, not averaged.

NOTE: the GAN and diffusion warm up, d_t = min(d, (1 + t) / (10 + t)) after t updates (TensorFlow's
ExponentialMovingAverage with num_updates, `warmed_up`), so the average does not drag the random initial weights
along for thousands of steps; the semi-supervised GAN's first update copies the weights and then uses d itself.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def half_life_decay(half_life: float) -> float:
    """The decay whose average halves the weight of an update after `half_life` updates: 0.5^(1/h)."""
    return 0.5 ** (1.0 / half_life)


def warmed_up(decay: float, updates: int) -> float:
    """d_t = min(d, (1 + t) / (10 + t)) after `updates` earlier updates."""
    return min(decay, (1.0 + updates) / (10.0 + updates))


def ema_copy(model: nn.Module) -> nn.Module:
    """A frozen copy of `model` to hold the average (evaluation mode, no gradients): it starts at the weights now."""
    average = copy.deepcopy(model).eval()
    average.requires_grad_(False)
    return average


@torch.no_grad()
def ema_update(average: nn.Module, model: nn.Module, decay: float) -> None:
    """One step of the average with decay d (0 copies the weights); buffers are copied."""
    for a, p in zip(average.parameters(), model.parameters()):
        a.lerp_(p, 1.0 - decay)
    for a, b in zip(average.buffers(), model.buffers()):
        a.copy_(b)
