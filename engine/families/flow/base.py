r"""What every flow is made of: invertible layers that return their output with log|det J|, a chain of them, and a
standard Gaussian base (Dinh et al. 2015, NICE, arXiv:1410.8516, Sec. 2; Rezende & Mohamed 2015, arXiv:1505.05770).

A flow maps data x to a code z = f(x) = f_L(... f_1(x)) with a tractable Jacobian; the change of variables gives

$$\log p_X(x) = \log p_Z(f(x)) + \sum_{l=1}^{L} \log\left|\det \frac{\partial h_l}{\partial h_{l-1}}\right|,
\qquad h_0 = x,\ h_L = z,$$

and a sample is $x = f^{-1}(z)$ with $z \sim p_Z = \mathcal{N}(0, I)$. Every layer here is a `Bijection`:
`forward(x) -> (z, log|det J|)` (one value per example) and `inverse(z) -> x`.

Temperature (Kingma & Dhariwal 2018, Glow, arXiv:1807.03039, Sec. 5): samples drawn from $z \sim \mathcal{N}(0, T^2 I)$;
T < 1 trades variety for cleaner samples (Glow shows T = 0.7). Likelihoods are always those of T = 1.
"""

from __future__ import annotations

import math

import torch
from torch import nn

LOG_2PI = math.log(2 * math.pi)


class Bijection(nn.Module):
    """An invertible layer. `label` names it in the layer view."""

    label = "layer"

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(z, log|det dz/dx|), the log-determinant of shape (B,)."""
        raise NotImplementedError

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class Compose(Bijection):
    """f = f_L o ... o f_1: log-determinants add up; the inverse runs the layers backwards."""

    label = "flow"

    def __init__(self, layers: list[Bijection]):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        log_det = x.new_zeros(len(x))
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return x, log_det

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z

    def trace(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """x pushed through every layer: the states h_0 = x, ..., h_L = z and each layer's log|det J| (B,)."""
        states, log_dets = [x], []
        for layer in self.layers:
            x, ld = layer(x)
            states.append(x)
            log_dets.append(ld)
        return states, log_dets

    def trace_inverse(self, z: torch.Tensor) -> list[torch.Tensor]:
        """z pulled back through every layer, indexed like `trace`: entry l is the state after the first l layers
        (entry L is z itself, entry 0 the sample x)."""
        states = [z]
        for layer in reversed(self.layers):
            z = layer.inverse(z)
            states.append(z)
        return states[::-1]


class Flatten(Bijection):
    """(B, C, H, W) <-> (B, C*H*W), for the flows that treat an image as one vector (NICE, MAF, IAF). log|det| = 0."""

    label = "flatten"

    def __init__(self, shape: tuple[int, int, int]):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x):
        return x.flatten(1), x.new_zeros(len(x))  # (B, C, H, W) -> (B, D)

    def inverse(self, z):
        return z.view(len(z), *self.shape)  # (B, D) -> (B, C, H, W)


def log_normal(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) of each example, summed over all its dimensions: (B, ...) -> (B,)."""
    return -0.5 * (z.flatten(1) ** 2 + LOG_2PI).sum(1)


class Flow(nn.Module):
    """A transform x -> z (a `Bijection` whose z is (B, dims)) with the standard Gaussian base."""

    def __init__(self, transform: Bijection, dims: int):
        super().__init__()
        self.transform, self.dims = transform, dims

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) per example (nats)."""
        z, log_det = self.transform(x)
        return log_normal(z) + log_det

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.transform(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.transform.inverse(z)

    def base_sample(self, n: int, temperature: float, generator: torch.Generator) -> torch.Tensor:
        """z ~ N(0, T^2 I), (n, dims), drawn on the CPU from `generator` and moved to the flow's device."""
        z = torch.randn(n, self.dims, generator=generator) * temperature
        return z.to(next(self.parameters()).device)
