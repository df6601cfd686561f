"""The image GAN's two networks as its keys describe them (GanConfig: generator, upsample, downsample, blocks,
g_norm / d_norm, activations, self_attention, minibatch_stddev, g_dropout, progressive), the checks that need the
image size, and where progressive growing stands at a step. With the default keys they are today's DCGAN."""

from __future__ import annotations

from torch import nn

from engine.config import ConfigError
from engine.families.gan.dcgan import ConvDiscriminator, ConvGenerator
from engine.families.gan.style_gan import StyleGenerator
from engine.models.conv_paths import resolutions
from engine.tricks import progressive_growing


def check_architecture(config, image_shape: tuple[int, int, int]) -> None:
    """Keys whose meaning depends on the image size, refused with a message naming the key."""
    side = image_shape[1]
    sides = resolutions(side)
    if config.self_attention and config.self_attention not in sides[1:]:
        allowed = ", ".join(str(s) for s in sides[1:])
        raise ConfigError("self_attention", f"self_attention={config.self_attention}: the feature maps of "
                                            f"{side}x{side} images below the full size have sides {allowed} (use "
                                            "one of them, or 0 for off)")


def build_networks(config, image_shape: tuple[int, int, int], num_classes: int) -> tuple[nn.Module, nn.Module]:
    """(G, D) for `config` on images of `image_shape`, conditional when num_classes > 0."""
    c = config
    check_architecture(c, image_shape)
    common = dict(blocks=c.blocks, attention=c.self_attention, progressive=c.progressive)
    if c.generator == "style":
        G = StyleGenerator(c.z_dim, image_shape, c.g_width, num_classes, upsample=c.upsample,
                           slope=c.g_leaky_slope, dropout=c.g_dropout, **common)
    else:
        G = ConvGenerator(c.z_dim, image_shape, c.g_width, c.generator_norm, num_classes, upsample=c.upsample,
                          slope=c.g_leaky_slope, dropout=c.g_dropout, spectral=c.g_spectral_norm, **common)
    mbd = (c.mbd_kernels, c.mbd_dim) if c.minibatch_discrimination else (0, 0)
    d_norm = "none" if (c.d_norm == "spectral" and c.spectral_norm) else c.d_norm  # spectral norm once
    D = ConvDiscriminator(image_shape, c.d_width, d_norm, c.d_dropout, mbd[0], mbd[1], c.mbd_average, num_classes,
                          downsample=c.downsample, slope=c.d_leaky_slope, minibatch_stddev=c.minibatch_stddev,
                          **common)
    return G, D


def growth(config, step: int, side: int) -> dict[str, float]:
    """{"stage", "alpha", "side"} of progressive growing at `step` on images of `side` ({} when it is off): stage k
    draws images of side resolutions(side)[::-1][k]."""
    if not config.progressive:
        return {}
    sides = resolutions(side)[::-1]
    stage, alpha = progressive_growing.schedule(step, config.progressive_steps, len(sides))
    return {"stage": stage, "alpha": alpha, "side": sides[stage]}
