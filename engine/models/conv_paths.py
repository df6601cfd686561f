"""The DCGAN layout as reusable paths (Radford et al. 2016, arXiv:1511.06434: strided convolutions, no pooling), for
every family with a convolutional encoder or decoder (the image GAN's networks, the autoencoders, the VQ-VAE):
`up_layers` from a vector up to an image, `down_layers` from an image down to a flat vector, with the later GAN
papers' choices as arguments (engine/models/gan_layers.py): the up- and down-sampling layer, plain or residual
blocks, any normalisation, the activation, self-attention at one resolution, dropout kept at sampling, minibatch
standard deviation. With the default arguments the layers are DCGAN's, in the same order (saved checkpoints load).

Sizes: the image side is halved while it is even and above 4 (8 -> 4, 28 -> 14 -> 7, 32 -> 4, 64 -> 4); a path up
starts from that smallest map and doubles it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from torch import nn

from engine.models.attention import SelfAttention
from engine.models.gan_layers import KeptDropout, ResBlockDown, ResBlockUp, activation, downsample, upsample
from engine.tricks.minibatch_stddev import MinibatchStdDev


def resolutions(side: int) -> list[int]:
    """The feature-map sides from the image down to the smallest map: 28 -> [28, 14, 7]."""
    sides = [side]
    while sides[-1] % 2 == 0 and sides[-1] > 4:
        sides.append(sides[-1] // 2)
    if len(sides) < 2:
        raise ValueError(f"image side {side} is too small or odd for a DCGAN (use 8, 28, 32 or 64)")
    return sides


@dataclass
class UpPath:
    """A vector's path up to an image: the projection, the layers (no output activation), the shape the projection
    is viewed as, and each hidden map as (number of layers that make it, channels, side), smallest first."""

    project: nn.Linear
    layers: list[nn.Module]
    start: tuple[int, int, int]
    maps: list[tuple[int, int, int]] = field(default_factory=list)


def up_layers(in_dim: int, image_shape: tuple[int, int, int], width: int, norm: Callable[[int], nn.Module],
              bias: bool, *, upsample_kind: str = "convt", blocks: str = "plain", slope: float = 0.0,
              dropout: float = 0.0, attention: int = 0) -> UpPath:
    """DCGAN's path from a vector up to an image. Plain: channels halve as the map doubles and the last up-sampling
    makes the image itself (64x64, width 64: 512 -> 256 -> 128 -> 64 -> 3); a small image (one up-sampling, 8x8)
    gets one hidden map of `width` channels and a 3x3 convolution to the image, so the path is not a single linear
    filter. ResNet: the same channels in residual blocks up to a hidden map at full size, then norm, activation and
    a 3x3 convolution to the image (SNGAN's layout). After each hidden map: dropout, then self-attention where its
    side is `attention`."""
    channels, side, _ = image_shape
    sides = resolutions(side)[::-1]  # smallest first
    ups = len(sides) - 1
    small = ups < 2
    widths = [2 * width, width] if small else [width * 2 ** (ups - 1 - i) for i in range(ups)]
    path = UpPath(nn.Linear(in_dim, widths[0] * sides[0] ** 2), [], (widths[0], sides[0], sides[0]))
    layers = path.layers

    def act() -> nn.Module:
        return activation(slope)

    def hidden_map(c: int, s: int) -> None:
        if dropout > 0:
            layers.append(KeptDropout(dropout))
        if s == attention:
            layers.append(SelfAttention(c))
        path.maps.append((len(layers), c, s))

    if blocks == "resnet":
        chain = widths if small else widths + [widths[-1]]
        hidden_map(chain[0], sides[0])
        for i, (a, b) in enumerate(zip(chain, chain[1:])):
            layers.append(ResBlockUp(a, b, upsample_kind, norm, act, bias))
            hidden_map(b, sides[i + 1])
        layers += [norm(chain[-1]), act(), nn.Conv2d(chain[-1], channels, 3, 1, 1)]
        return path
    layers += [norm(widths[0]), act()]
    hidden_map(widths[0], sides[0])
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers += [upsample(upsample_kind, a, b, bias), norm(b), act()]
        hidden_map(b, sides[i + 1])
    if small:
        layers += [nn.Conv2d(widths[-1], channels, 3, 1, 1)]
    else:
        layers += [upsample(upsample_kind, widths[-1], channels)]
    return path


def up_path(in_dim: int, image_shape: tuple[int, int, int], width: int,
            norm: Callable[[int], nn.Module], bias: bool) -> tuple[nn.Linear, list[nn.Module], tuple[int, int, int]]:
    """DCGAN's plain path (`up_layers` with its defaults): (projection, layers, the shape the projection is viewed
    as)."""
    path = up_layers(in_dim, image_shape, width, norm, bias)
    return path.project, path.layers, path.start


def down_layers(image_shape: tuple[int, int, int], width: int, norm: Callable[[int], nn.Module],
                norm_first: bool = False, dropout: float = 0.0, *, downsample_kind: str = "stride",
                blocks: str = "plain", slope: float = 0.2, attention: int = 0,
                minibatch_stddev: bool = False) -> tuple[list[nn.Module], int, dict[int, tuple[int, int]]]:
    """DCGAN's path from an image down to the smallest map: strided 4x4 convolutions doubling the channels, each
    with LeakyReLU(0.2) (DCGAN leaves the first one unnormalised unless `norm_first`); a small image (one halving,
    8x8) gets one more 3x3 layer. ResNet: SNGAN's residual blocks with the same channels. After each halving:
    dropout, then self-attention where the side is `attention`; at the end, minibatch standard deviation (ProGAN)
    and a 3x3 convolution. Returns the layers, the size of the flattened output and, per side, where a map of that
    side enters the layers (index, channels): the image at index 0."""
    channels, side, _ = image_shape
    sides = resolutions(side)
    layers: list[nn.Module] = []
    entries = {sides[0]: (0, channels)}

    def act() -> nn.Module:
        return activation(slope)

    c_in = channels
    for i in range(len(sides) - 1):
        c_out = width * 2**i
        if blocks == "resnet":
            layers += [ResBlockDown(c_in, c_out, downsample_kind, norm, act, first=i == 0)]
        else:
            layers += [downsample(downsample_kind, c_in, c_out)]
            if i > 0 or norm_first:
                layers += [norm(c_out)]
            layers += [act()]
        if dropout > 0:
            layers += [nn.Dropout(dropout)]
        if sides[i + 1] == attention:
            layers += [SelfAttention(c_out)]
        entries[sides[i + 1]] = (len(layers), c_out)
        c_in = c_out
    if len(sides) < 3:
        if blocks == "resnet":
            layers += [ResBlockDown(c_in, 2 * c_in, downsample_kind, norm, act, first=False, down=False)]
        else:
            layers += [nn.Conv2d(c_in, 2 * c_in, 3, 1, 1), norm(2 * c_in), act()]
        c_in = 2 * c_in
    if blocks == "resnet":
        layers += [act()]  # the residual blocks end on a sum: activate before the linear head
    if minibatch_stddev:
        layers += [MinibatchStdDev(), nn.Conv2d(c_in + 1, c_in, 3, 1, 1), act()]
    return layers, c_in * sides[-1] ** 2, entries


def down_path(image_shape: tuple[int, int, int], width: int, norm: Callable[[int], nn.Module],
              norm_first: bool = False, dropout: float = 0.0) -> tuple[list[nn.Module], int]:
    """DCGAN's plain path (`down_layers` with its defaults): the layers and the size of the flattened output."""
    layers, size, _ = down_layers(image_shape, width, norm, norm_first, dropout)
    return layers, size
