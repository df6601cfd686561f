"""DCGAN-style convolutional generator and discriminator that adapt to the image size and channel count
(Radford et al. 2016, arXiv:1511.06434: strided convolutions, no pooling, ReLU in G, LeakyReLU in D, tanh output),
with the later papers' choices as arguments (engine/models/gan_layers.py): the up- and down-sampling layer, plain or
residual blocks, any normalisation, the activation, self-attention at one resolution, dropout kept at sampling,
minibatch standard deviation, progressive growing. With the default arguments the layers are DCGAN's, in the same
order (saved checkpoints load).

Sizes: the image side is halved while it is even and above 4 (8 -> 4, 28 -> 14 -> 7, 32 -> 4, 64 -> 4); the
generator starts from that smallest map and doubles it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from engine.models.attention import SelfAttention
from engine.models.gan_layers import (BIASED_NORMS, D_NORMS, G_NORMS, Context, KeptDropout, ResBlockDown,
                                      ResBlockUp, activation, downsample, norm_layer, run, upsample)
from engine.tricks.minibatch_discrimination import MinibatchDiscrimination
from engine.tricks.minibatch_stddev import MinibatchStdDev
from engine.tricks.progressive_growing import fade
from engine.tricks.truncation import truncate

__all__ = ["G_NORMS", "D_NORMS", "resolutions", "up_path", "down_path", "ConvGenerator", "ConvDiscriminator"]
EMBED_DIM = 32  # the shared class embedding of conditional batch norm (BigGAN's is 128)


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


class ConvGenerator(nn.Module):
    """z (N, z_dim) [+ class] -> images (N, C, H, W) in [-1, 1].

    The class enters as a one-hot vector beside z, or with `norm="conditional_batch"` through a shared embedding
    read by every batch norm (BigGAN). `progressive` adds a 1x1 "toRGB" convolution at every side below the full
    one: `forward(..., stage=k, alpha=a)` then draws at side `resolutions(side)[::-1][k]`, faded in by alpha."""

    def __init__(self, z_dim: int, image_shape: tuple[int, int, int], width: int = 64, norm: str = "batch",
                 num_classes: int = 0, *, upsample: str = "convt", blocks: str = "plain", slope: float = 0.0,
                 dropout: float = 0.0, attention: int = 0, progressive: bool = False, spectral: bool = False):
        super().__init__()
        if norm not in G_NORMS:
            raise ValueError(f"generator norm must be one of {', '.join(G_NORMS)}")
        if norm == "conditional_batch" and not num_classes:
            raise ValueError("conditional batch norm needs class labels (num_classes > 0)")
        self.num_classes, self.norm = num_classes, norm
        self.embed = nn.Embedding(num_classes, EMBED_DIM) if norm == "conditional_batch" else None
        in_dim = z_dim + (num_classes if self.embed is None else 0)
        cond_dim = {"conditional_batch": EMBED_DIM, "self_modulated": in_dim}.get(norm, 0)
        path = up_layers(in_dim, image_shape, width, lambda c: norm_layer(norm, c, cond_dim), bias=norm in BIASED_NORMS,
                         upsample_kind=upsample, blocks=blocks, slope=slope, dropout=dropout, attention=attention)
        self.project, self.start = path.project, path.start
        self.body = nn.Sequential(*path.layers, nn.Tanh())
        below = [m for m in path.maps if m[2] < image_shape[1]]  # one hidden map per side, smallest first
        self.stage_ends = [end for end, _, _ in below]
        self.to_rgb = nn.ModuleList(nn.Conv2d(c, image_shape[0], 1) for _, c, _ in below) if progressive else None
        if spectral or norm == "spectral":
            from engine.tricks.spectral_norm import apply_spectral_norm

            apply_spectral_norm(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None, rng: torch.Generator | None = None,
                psi: float = 1.0, stage: int | None = None, alpha: float = 1.0) -> torch.Tensor:
        x = truncate(z, 0.0, psi)
        cond = None
        if self.num_classes:
            if labels is None:
                raise ValueError("a conditional generator needs class labels")
            if self.embed is not None:
                cond = self.embed(labels)
            else:
                x = torch.cat([x, nn.functional.one_hot(labels, self.num_classes).to(x.dtype)], 1)
        if self.norm == "self_modulated":
            cond = x
        ctx = Context(cond, rng)
        h = self.project(x).view(-1, *self.start)
        if stage is None or self.to_rgb is None:
            return run(self.body, h, ctx)
        return self._grown(h, ctx, min(stage, len(self.stage_ends)), alpha)

    def _grown(self, h: torch.Tensor, ctx: Context, stage: int, alpha: float) -> torch.Tensor:
        """The image at `stage` (its own toRGB, or the whole body at the last stage), faded in over the previous."""
        ends = self.stage_ends + [len(self.body)]

        def image(k: int, h: torch.Tensor) -> torch.Tensor:
            return h if k == len(self.stage_ends) else torch.tanh(self.to_rgb[k](h))

        low, begin = None, 0
        for k in range(stage + 1):
            if k == stage and k > 0 and alpha < 1:
                low = image(k - 1, h)
            h, begin = run(self.body[begin:ends[k]], h, ctx), ends[k]
        return image(stage, h) if low is None else fade(low, image(stage, h), alpha)


class ConvDiscriminator(nn.Module):
    """images (N, C, H, W) -> (logits (N,), features (N, F)).

    `features` is the flattened last convolutional map: the f(x) of feature matching and the input of minibatch
    discrimination (when on), whose output is concatenated to it before the final linear layer. A conditional
    discriminator adds the projection term <embed(y), features> (Miyato & Koyama 2018, arXiv:1802.05637).
    `progressive` adds a 1x1 "fromRGB" convolution at every side below the full one (ProGAN).
    """

    def __init__(self, image_shape: tuple[int, int, int], width: int = 64, norm: str = "none", dropout: float = 0.0,
                 mbd_kernels: int = 0, mbd_dim: int = 0, mbd_average: bool = True, num_classes: int = 0, *,
                 downsample: str = "stride", blocks: str = "plain", slope: float = 0.2, attention: int = 0,
                 minibatch_stddev: bool = False, progressive: bool = False):
        super().__init__()
        if norm not in D_NORMS:
            raise ValueError(f"discriminator norm must be one of {', '.join(D_NORMS)}")
        layers, self.feature_size, self.entries = down_layers(
            image_shape, width, lambda c: norm_layer(norm, c), dropout=dropout, downsample_kind=downsample,
            blocks=blocks, slope=slope, attention=attention, minibatch_stddev=minibatch_stddev)
        self.body = nn.Sequential(*layers)
        self.sides = resolutions(image_shape[1])[::-1]  # smallest first: stage k reads images of side sides[k]
        self.from_rgb = nn.ModuleList(nn.Sequential(nn.Conv2d(image_shape[0], self.entries[s][1], 1),
                                                    activation(slope)) for s in self.sides[:-1]) if progressive else None
        self.mbd = (MinibatchDiscrimination(self.feature_size, mbd_kernels, mbd_dim, mbd_average)
                    if mbd_kernels else None)
        self.out = nn.Linear(self.feature_size + mbd_kernels, 1)
        self.embed = nn.Embedding(num_classes, self.feature_size) if num_classes else None
        if norm == "spectral":
            from engine.tricks.spectral_norm import apply_spectral_norm

            apply_spectral_norm(self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None, stage: int | None = None,
                alpha: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
        if stage is None or self.from_rgb is None:
            h = self.body(x)
        else:
            h = self._grown(x, min(stage, len(self.sides) - 1), alpha)
        features = h.flatten(1)
        h = self.mbd(features) if self.mbd is not None else features
        logits = self.out(h).squeeze(1)
        if self.embed is not None:
            if labels is None:
                raise ValueError("a conditional discriminator needs class labels")
            logits = logits + (self.embed(labels) * features).sum(1)
        return logits, features

    def _grown(self, x: torch.Tensor, stage: int, alpha: float) -> torch.Tensor:
        """Images of side sides[stage] in through their fromRGB (the raw image at the last stage), faded in over the
        previous stage's fromRGB of the average-pooled images."""
        last = len(self.sides) - 1
        begin = self.entries[self.sides[stage]][0]
        h = x if stage == last else self.from_rgb[stage](x)
        if stage > 0 and alpha < 1:
            end = self.entries[self.sides[stage - 1]][0]
            low = self.from_rgb[stage - 1](nn.functional.avg_pool2d(x, 2))
            h, begin = torch.lerp(low, self.body[begin:end](h), alpha), end
        return self.body[begin:](h)
