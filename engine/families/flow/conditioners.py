"""The networks inside a coupling layer that compute its shift t and log-scale s from the half that passes through.
They need not be invertible (Dinh et al. 2015, Sec. 3.2): any network works, which is what makes couplings cheap.

The last layer starts at zero, so every coupling starts as the identity and the flow as the base Gaussian (Glow,
Kingma & Dhariwal 2018, Sec. 3.3, zero initialisation).
NOTE: except NICE's (random, as in its paper): an additive coupling that starts at zero sits on a saddle of
symmetric data such as ring8, where E[x2 | x1] = 0, so its shifts get no gradient in expectation (measured:
NICE stayed at the best Gaussian, 3.53 nats, for 1,500 steps).
"""

from __future__ import annotations

from torch import nn


def _zero(layer: nn.Module) -> None:
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)


def mlp(d_in: int, width: int, d_out: int, zero_last: bool = True) -> nn.Sequential:
    """Two hidden layers of `width` units for vectors (B, d_in) -> (B, d_out); the last layer zero unless
    `zero_last` is False.

    NOTE: SiLU where the papers use ReLU (Real NVP) or tanh/ReLU (MAF): a smooth network gives smooth maps, so the
    2D layer view shows smooth bends instead of the kinks of a piecewise-linear one."""
    net = nn.Sequential(nn.Linear(d_in, width), nn.SiLU(), nn.Linear(width, width), nn.SiLU(),
                        nn.Linear(width, d_out))
    if zero_last:
        _zero(net[-1])
    return net


def conv_net(c_in: int, width: int, c_out: int) -> nn.Sequential:
    """Glow's NN() for images (B, c_in, H, W) -> (B, c_out, H, W): 3x3 conv, ReLU, 1x1 conv, ReLU, 3x3 conv.

    NOTE: Glow also puts actnorm after the first two convolutions; here they are plain (the network is small)."""
    net = nn.Sequential(nn.Conv2d(c_in, width, 3, padding=1), nn.ReLU(), nn.Conv2d(width, width, 1), nn.ReLU(),
                        nn.Conv2d(width, c_out, 3, padding=1))
    _zero(net[-1])
    return net
