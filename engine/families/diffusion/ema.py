r"""The exponential moving average of the weights that DDPM samples from (Ho et al. 2020, Appendix B, decay 0.9999):
$\bar\theta \leftarrow d\,\bar\theta + (1 - d)\,\theta$ after every optimizer step.

NOTE: the decay is min(d, (1 + n) / (10 + n)) after n updates (the warm-up of TensorFlow's
ExponentialMovingAverage), so early on the average follows the weights instead of remembering their random start.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def ema_copy(model: nn.Module) -> nn.Module:
    """A frozen copy of `model` to hold the average (evaluation mode, no gradients)."""
    average = copy.deepcopy(model).eval()
    average.requires_grad_(False)
    return average


@torch.no_grad()
def ema_update(average: nn.Module, model: nn.Module, decay: float, updates: int) -> None:
    """One step of the average after `updates` earlier ones; decay 0 copies the weights."""
    d = min(decay, (1 + updates) / (10 + updates))
    for a, p in zip(average.parameters(), model.parameters()):
        a.lerp_(p, 1 - d)
    for a, b in zip(average.buffers(), model.buffers()):
        a.copy_(b)
