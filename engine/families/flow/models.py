"""The five models as recipes over the layers (one function each way of arranging them), for vectors (2D points, or
an image flattened) and for images (the multi-scale architecture).

    nice     depth additive couplings, alternating coordinates, then the diagonal scaling (Dinh et al. 2015)
    realnvp  affine couplings: alternating coordinates on vectors; on images, per level, `depth` checkerboard
             couplings, a squeeze, `depth` channel couplings, then a split (Dinh et al. 2017, Sec. 3.6)
    glow     per step: actnorm, 1x1 convolution (or a fixed permutation), affine coupling on half the channels; on
             images, per level, a squeeze, `depth` steps, then a split (Kingma & Dhariwal 2018, Fig. 2)
    maf/iaf  depth MADE layers, the order reversed between two layers (Papamakarios et al. 2017, Sec. 3)

NICE, MAF and IAF treat an image as one vector of C*H*W values, as their papers do on MNIST.
"""

from __future__ import annotations

import math

from engine.config import ConfigError
from engine.families.flow.actnorm import ActNorm
from engine.families.flow.autoregressive import MaskedAffineAutoregressive
from engine.families.flow.base import Bijection, Compose, Flatten, Flow
from engine.families.flow.conditioners import conv_net, mlp
from engine.families.flow.config import FlowConfig
from engine.families.flow.coupling import (AdditiveCoupling, AffineCoupling, DiagonalScaling, alternating_mask,
                                           channel_mask, checkerboard_mask, half_mask)
from engine.families.flow.mixing import Invertible1x1, Permutation
from engine.families.flow.multiscale import MultiScale, Squeeze


def _mixing(c: FlowConfig, channels: int) -> Bijection:
    if c.mixing == "conv1x1":
        return Invertible1x1(channels, c.lu)
    return Permutation.shuffle(channels) if c.mixing == "shuffle" else Permutation.reverse(channels)


def vector_layers(c: FlowConfig, dims: int) -> list[Bijection]:
    """The layers of `c.model` on vectors (B, dims)."""
    d, w = dims, c.width
    if c.model == "nice":  # NOTE: randomly initialised shifts, as in NICE (see conditioners.py)
        return [AdditiveCoupling(alternating_mask(d, k % 2), mlp(d, w, d, zero_last=False))
                for k in range(c.depth)] + [DiagonalScaling((d,))]
    if c.model == "realnvp":
        return [AffineCoupling(alternating_mask(d, k % 2), mlp(d, w, 2 * d), (d,)) for k in range(c.depth)]
    if c.model == "glow":
        layers: list[Bijection] = []
        for _ in range(c.depth):
            layers += [ActNorm(d, image=False)] if c.actnorm else []
            layers += [_mixing(c, d), AffineCoupling(half_mask(d, first=True), mlp(d, w, 2 * d), (d,))]
        return layers
    layers = []
    for k in range(c.depth):  # maf, iaf
        layers += [Permutation.reverse(d)] if k else []
        layers.append(MaskedAffineAutoregressive(d, w, iaf=c.model == "iaf"))
    return layers


def check_levels(levels: int, shape: tuple[int, int, int]) -> None:
    _, h, w = shape
    if h % 2**levels or w % 2**levels:
        most = min((h & -h).bit_length(), (w & -w).bit_length()) - 1  # how often both sides halve exactly
        raise ConfigError("levels", f"levels={levels} squeezes {h}x{w} images {levels} times, but their sides halve "
                                    f"exactly only {most} time(s): set levels to at most {max(most, 0)}"
                                    + (" or choose model nice, maf or iaf" if most < 1 else ""))


def multiscale(c: FlowConfig, shape: tuple[int, int, int]) -> MultiScale:
    """Real NVP's or Glow's levels on images of `shape` (C, H, W)."""
    check_levels(c.levels, shape)
    ch, h, w = shape
    levels = []
    for level in range(c.levels):
        steps: list[Bijection] = []
        if c.model == "realnvp":
            steps += [AffineCoupling(checkerboard_mask(h, w, k % 2), conv_net(ch, c.width, 2 * ch), (ch, 1, 1))
                      for k in range(c.depth)]
        steps.append(Squeeze())
        ch, h, w = 4 * ch, h // 2, w // 2
        for k in range(c.depth):
            if c.model == "realnvp":
                steps.append(AffineCoupling(channel_mask(ch, first=k % 2 == 0), conv_net(ch, c.width, 2 * ch),
                                            (ch, 1, 1)))
                continue
            steps += [ActNorm(ch, image=True)] if c.actnorm else []
            steps += [_mixing(c, ch), AffineCoupling(channel_mask(ch, first=True), conv_net(ch, c.width, 2 * ch),
                                                     (ch, 1, 1))]
        levels.append(Compose(steps))
        ch //= 2  # the half that goes on (after the last level, nothing does)
    return MultiScale(shape, levels)


def build_flow(c: FlowConfig, shape: tuple[int, ...]) -> Flow:
    """The flow of `c` for examples of `shape`: (D,) for vectors, (C, H, W) for images. Parameters come from
    torch's global generator: build it inside `torch.random.fork_rng` with the seed set."""
    dims = math.prod(shape)
    if len(shape) == 1:
        transform: Bijection = Compose(vector_layers(c, dims))
    elif c.model in ("realnvp", "glow"):
        transform = multiscale(c, shape)
    else:
        transform = Compose([Flatten(shape), *vector_layers(c, dims)])
    return Flow(transform, dims)
