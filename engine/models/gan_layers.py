r"""The pieces the image GANs' networks are built from, each picked by a key of GanConfig (engine/models/conv_paths.py
and engine/families/gan/dcgan.py assemble them): normalisations, up- and down-sampling, activations, residual
blocks, dropout kept at sampling.

Some generator layers read more than the feature map: conditional and self-modulated batch norm read a vector per
example, dropout and noise inputs a random generator. They subclass `ContextLayer` (forward(x, ctx)) and `run`
passes the `Context` to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn

from engine.tricks.virtual_batchnorm import VirtualBatchNorm

G_NORMS = ("batch", "virtual_batch", "none", "conditional_batch", "self_modulated", "instance", "layer", "group",
           "pixel", "spectral")
D_NORMS = ("none", "batch", "layer", "spectral", "virtual_batch", "instance", "group", "pixel")
UPSAMPLES = ("convt", "nearest", "pixelshuffle")
DOWNSAMPLES = ("stride", "avgpool")
BLOCKS = ("plain", "resnet")
BIASED_NORMS = ("none", "pixel", "spectral")  # norms with no bias of their own: the convolution before keeps one
MODULATION_HIDDEN = 32  # units of the one-hidden-layer MLPs of self-modulation


@dataclass(frozen=True)
class Context:
    """What context layers read: `cond` (N, K), the vector conditional / self-modulated batch norm maps to gains and
    biases (a class embedding, or z), and `rng`, the generator dropout masks and noise inputs are drawn from (None:
    torch's global one)."""

    cond: torch.Tensor | None = None
    rng: torch.Generator | None = None


class ContextLayer(nn.Module):
    """A layer whose forward is (x, ctx)."""


def run(layers: Iterable[nn.Module], x: torch.Tensor, ctx: Context) -> torch.Tensor:
    """x through `layers` in order, the context handed to the layers that read it."""
    for layer in layers:
        x = layer(x, ctx) if isinstance(layer, ContextLayer) else layer(x)
    return x


# ------------------------------------------------------------------ normalisations
class PixelNorm(nn.Module):
    r"""Pixelwise feature normalisation (Karras et al. 2018, ProGAN, arXiv:1710.10196, Sec. 4.2):
    $$b_{x,y} = a_{x,y} \Big/ \sqrt{\tfrac{1}{C}\textstyle\sum_j (a^j_{x,y})^2 + \epsilon}$$
    each pixel's feature vector scaled to unit mean square."""

    def __init__(self, eps: float = 1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return a * torch.rsqrt(a.pow(2).mean(1, keepdim=True) + self.eps)


class ModulatedBatchNorm(ContextLayer):
    r"""Batch norm whose per-channel gain and bias are functions of a vector c of each example:
    $$y = (1 + \gamma(c))\,\frac{x - \mu_B}{\sigma_B} + \beta(c)$$
    - conditional batch norm (de Vries et al. 2017; BigGAN, Brock et al. 2019, arXiv:1809.11096): c is the class's
      embedding, shared by every layer; gamma and beta are each layer's own linear maps of it;
    - self-modulation (Chen et al. 2019, arXiv:1810.01365): c = z, gamma and beta MLPs with one hidden layer.
    The last maps start near zero (N(0, 0.02^2) weights, zero bias), so the layer starts close to plain batch norm.
    NOTE: not at exactly zero: spectral norm (g_spectral_norm) divides a weight by its largest singular value."""

    def __init__(self, channels: int, cond_dim: int, hidden: int = 0):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)

        def head() -> nn.Module:
            last = nn.Linear(hidden or cond_dim, channels)
            nn.init.normal_(last.weight, std=0.02)
            nn.init.zeros_(last.bias)
            return nn.Sequential(nn.Linear(cond_dim, hidden), nn.ReLU(), last) if hidden else last

        self.gamma, self.beta = head(), head()

    def forward(self, x: torch.Tensor, ctx: Context) -> torch.Tensor:
        if ctx.cond is None:
            raise ValueError("conditional / self-modulated batch norm needs the conditioning vector (ctx.cond)")
        gamma = self.gamma(ctx.cond)[:, :, None, None]  # (N, C) -> (N, C, 1, 1)
        beta = self.beta(ctx.cond)[:, :, None, None]
        return (1 + gamma) * self.bn(x) + beta


def groups_of(channels: int) -> int:
    """Group norm's groups (Wu & He 2018 use 32): the most of 32, 16, ..., 2 that leaves at least 2 channels each."""
    return next((g for g in (32, 16, 8, 4, 2) if channels % g == 0 and channels // g >= 2), 1)


def norm_layer(kind: str, channels: int, cond_dim: int = 0) -> nn.Module:
    """The normalisation `kind` over `channels` feature maps (`cond_dim`: the size of c for the modulated ones)."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "virtual_batch":  # reference statistics from a fixed batch (engine/tricks/virtual_batchnorm.py)
        return VirtualBatchNorm(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)  # one group: layer norm over (C, H, W) of each example (Ba et al. 2016)
    if kind == "group":
        return nn.GroupNorm(groups_of(channels), channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)  # each example's each channel (Ulyanov et al. 2016)
    if kind == "pixel":
        return PixelNorm()
    if kind == "conditional_batch":
        return ModulatedBatchNorm(channels, cond_dim)
    if kind == "self_modulated":
        return ModulatedBatchNorm(channels, cond_dim, hidden=MODULATION_HIDDEN)
    if kind in ("none", "spectral"):  # spectral norm acts on the weights (engine/tricks/spectral_norm.py)
        return nn.Identity()
    raise ValueError(f"norm must be one of {', '.join(G_NORMS)}")


def activation(slope: float) -> nn.Module:
    """ReLU (slope 0, DCGAN's generator) or LeakyReLU(slope) (DCGAN's discriminator: 0.2)."""
    return nn.ReLU() if slope == 0 else nn.LeakyReLU(slope)


# ------------------------------------------------------------------ resolution changes
class SubPixelConv(nn.Sequential):
    r"""Sub-pixel convolution (Shi et al. 2016, arXiv:1609.05158): a 3x3 convolution to 4 C_out maps, then
    PixelShuffle(2) lays each group of 4 out as a 2x2 block of pixels.

    NOTE: initialised as Aitken et al. 2017 (ICNR, arXiv:1707.02937): the 4 sub-kernels of each output start equal,
    so at initialisation it is a nearest-neighbour resize followed by a convolution, free of checkerboards."""

    def __init__(self, c_in: int, c_out: int, bias: bool = True):
        super().__init__(nn.Conv2d(c_in, 4 * c_out, 3, 1, 1, bias=bias), nn.PixelShuffle(2))
        conv = self[0]
        with torch.no_grad():
            conv.weight.copy_(conv.weight[:c_out].repeat_interleave(4, 0))  # out channel 4o + k is sub-pixel k of o
            if bias:
                conv.bias.copy_(conv.bias[:c_out].repeat_interleave(4))


def upsample(kind: str, c_in: int, c_out: int, bias: bool = True) -> nn.Module:
    """A layer that doubles the side: `convt` a 4x4 transposed convolution of stride 2 (DCGAN, whose uneven overlap
    makes checkerboards: Odena et al. 2016, Distill), `nearest` a nearest-neighbour resize then a 3x3 convolution
    (Odena et al.'s fix), `pixelshuffle` a sub-pixel convolution."""
    if kind == "convt":
        return nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=bias)
    if kind == "nearest":
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, 1, 1, bias=bias))
    if kind == "pixelshuffle":
        return SubPixelConv(c_in, c_out, bias)
    raise ValueError(f"upsample must be one of {', '.join(UPSAMPLES)}")


def downsample(kind: str, c_in: int, c_out: int) -> nn.Module:
    """A layer that halves the side: `stride` a 4x4 convolution of stride 2 (DCGAN), `avgpool` a 3x3 convolution
    then 2x2 average pooling (ProGAN, the ResNet GANs)."""
    if kind == "stride":
        return nn.Conv2d(c_in, c_out, 4, 2, 1)
    if kind == "avgpool":
        return nn.Sequential(nn.Conv2d(c_in, c_out, 3, 1, 1), nn.AvgPool2d(2))
    raise ValueError(f"downsample must be one of {', '.join(DOWNSAMPLES)}")


# ------------------------------------------------------------------ blocks
class KeptDropout(ContextLayer):
    r"""Dropout that stays on when sampling (pix2pix, Isola et al. 2017, Sec. 3.1: the generator's only noise;
    "GAN hacks" tip 17): y = x m / (1 - p), m ~ Bernoulli(1 - p) per element, drawn from ctx.rng in training and in
    generation alike, so a fixed seed gives fixed samples."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor, ctx: Context) -> torch.Tensor:
        keep = torch.rand(x.shape, generator=ctx.rng).to(x.device) >= self.p
        return x * keep.to(x.dtype) / (1 - self.p)


class ResBlockUp(ContextLayer):
    r"""The residual generator block of Gulrajani et al. 2017 (arXiv:1704.00028, App. F) and SNGAN (Miyato et al.
    2018): y = conv3(act(n2(up(act(n1(x)))))) + conv1(nearest(x)), `up` the chosen up-sampling convolution."""

    def __init__(self, c_in: int, c_out: int, kind: str, norm: Callable[[int], nn.Module],
                 act: Callable[[], nn.Module], bias: bool):
        super().__init__()
        self.main = nn.Sequential(norm(c_in), act(), upsample(kind, c_in, c_out, bias), norm(c_out), act(),
                                  nn.Conv2d(c_out, c_out, 3, 1, 1))
        self.skip = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor, ctx: Context) -> torch.Tensor:
        return run(self.main, x, ctx) + self.skip(F.interpolate(x, scale_factor=2, mode="nearest"))


class ResBlockDown(nn.Module):
    r"""SNGAN's residual discriminator block (Miyato et al. 2018, arXiv:1802.05957, App. B):
    y = down(conv3(act(n(conv3(act(n(x))))))) + avgpool(conv1(x)); the first block (the image itself) has no
    activation before its first convolution; `down=False` keeps the side (the extra block of small images)."""

    def __init__(self, c_in: int, c_out: int, kind: str, norm: Callable[[int], nn.Module],
                 act: Callable[[], nn.Module], first: bool, down: bool = True):
        super().__init__()
        pre = [] if first else [norm(c_in), act()]
        last = downsample(kind, c_out, c_out) if down else nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.main = nn.Sequential(*pre, nn.Conv2d(c_in, c_out, 3, 1, 1), norm(c_out), act(), last)
        self.skip = nn.Sequential(nn.Conv2d(c_in, c_out, 1), nn.AvgPool2d(2) if down else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x) + self.skip(x)
