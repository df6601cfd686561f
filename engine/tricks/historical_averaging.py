r"""Historical averaging (Salimans et al. 2016, arXiv:1606.03498, Sec. 3.3).

Each player's cost gets the term

$$\Big\lVert \theta - \frac{1}{t} \sum_{i=1}^{t} \theta[i] \Big\rVert^2$$

where theta[i] is the value of the parameters at past time i. The running mean lives in buffers, so it is saved with
the model and does not depend on the order of calls. The trainer adds `historical_averaging` * penalty.
"""

from __future__ import annotations

import torch
from torch import nn


def _buffer_name(param_name: str) -> str:
    return "avg__" + param_name.replace(".", "__")


class HistoricalAverage(nn.Module):
    def __init__(self, module: nn.Module):
        super().__init__()
        self.names = [name for name, _ in module.named_parameters()]
        for name, p in module.named_parameters():
            self.register_buffer(_buffer_name(name), torch.zeros_like(p.detach()))
        self.register_buffer("count", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def update(self, module: nn.Module) -> None:
        """Fold the current parameters into the mean: avg += (theta - avg) / t."""
        self.count += 1
        averages = [getattr(self, _buffer_name(name)) for name, _ in module.named_parameters()]
        params = [p.detach() for p in module.parameters()]
        torch._foreach_lerp_(averages, params, 1.0 / float(self.count))  # avg + (theta - avg) / t, one fused call

    def penalty(self, module: nn.Module) -> torch.Tensor:
        """sum over parameters of ||theta - mean of past theta||^2 (0 before the first update)."""
        first = next(module.parameters())
        if int(self.count) == 0:
            return first.new_zeros(())
        total = first.new_zeros(())
        for name, p in module.named_parameters():
            total = total + ((p - getattr(self, _buffer_name(name))) ** 2).sum()
        return total
