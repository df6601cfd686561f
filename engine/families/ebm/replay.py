r"""The replay buffer of persistent chains (Du & Mordatch 2019, arXiv:1903.08689; Tieleman 2008's persistent
contrastive divergence):

    x_0 = a sample from the buffer with probability 1 - p,  uniform noise with probability p   (p = 0.05)

Each training step starts its chains there, runs a few Langevin steps, and writes them back into the slots they
came from; over many steps the chains have run long, at the cost of a few steps each. A buffer of size 0 gives
short-run chains started from noise every time (Nijkamp et al. 2019, arXiv:1904.09770).

NOTE: the paper appends new chains to a growing list; here the buffer is a fixed tensor of `size` chains, filled
with noise at the start, whose slots are overwritten (as in Grathwohl et al. 2020's code for JEM).
"""

from __future__ import annotations

from typing import Callable

import torch

Noise = Callable[[int, torch.Generator], torch.Tensor]  # n fresh starting points from a generator


class ChainBuffer:
    def __init__(self, size: int, noise: Noise, generator: torch.Generator, device: torch.device):
        self.noise, self.device = noise, device
        self.chains = noise(size, generator).to(device) if size else None

    @property
    def size(self) -> int:
        return 0 if self.chains is None else len(self.chains)

    def starts(self, n: int, reinit: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(n starting points, their slots or None): each a buffer chain, or fresh noise with probability `reinit`
        (always noise without a buffer)."""
        fresh = self.noise(n, generator).to(self.device)
        if self.chains is None:
            return fresh, None
        slots = torch.randint(self.size, (n,), generator=generator).to(self.device)
        restart = (torch.rand(n, generator=generator) < reinit).to(self.device)
        restart = restart.view(n, *[1] * (fresh.dim() - 1))  # (n,) -> (n, 1, ...) against the chains
        return torch.where(restart, fresh, self.chains[slots]), slots

    def store(self, slots: torch.Tensor | None, x: torch.Tensor) -> None:
        if slots is not None:
            self.chains[slots] = x.detach()
