r"""Stage 2: the prior over code maps (van den Oord et al. 2017, arXiv:1711.00937, sec. 3.3 and 4.2). While stage 1
trains, the prior over the codes is uniform, p(k) = 1/K at every position; afterwards an autoregressive model is fit
to the code maps of the training images, stage 1 frozen:

    p(k) = prod_i p(k_i | k_<i)          (raster order over the h x w positions of a map)

a gated PixelCNN (engine/models/pixelcnn.py, van den Oord et al. 2016b) whose input is the map of indices (a learned
vector per code) and whose output is a K-way categorical at every position (`CODES` of
engine/families/pixelcnn/likelihoods.py). It is sampled with the PixelCNN family's raster scan
(engine/families/pixelcnn/sampler.py: naive or cached, completion, the watchable movie), written once there; the
sampled map goes through the decoder. An image needs h*w draws instead of H*W*C: 49 instead of 784 for MNIST.

Its loss is -log p(k) in nats per map; bits per code = nats / (h w ln 2), against log2 K for the uniform prior.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from engine.families.pixelcnn.likelihoods import CODES, log_prob, to_input
from engine.families.pixelcnn.sampler import SamplingMovie, sample
from engine.models.pixelcnn import build_pixelcnn

FIRST_KERNEL = 5  # the first (mask 'A') layer's kernel: code maps are 4x4 to 8x8


def build_prior(codes: int, width: int, layers: int, num_classes: int = 0) -> nn.Module:
    """A gated PixelCNN over a map of `codes` indices, class-conditional when num_classes > 0."""
    return build_pixelcnn("gated", 1, codes, width, layers, FIRST_KERNEL, num_classes, codes=codes)


def code_nll(prior: nn.Module, k: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
    """-log p(k) in nats for each map: indices (B, h, w) -> (B,)."""
    k = k[:, None]  # (B, h, w) -> (B, 1, h, w): one "colour"
    return -log_prob(prior(to_input(k, CODES), labels), k, CODES).sum(dim=(1, 2, 3))


def bits_per_code(nats_per_map: float, positions: int) -> float:
    return nats_per_map / (positions * math.log(2))


def sample_maps(prior: nn.Module, side: tuple[int, int], n: int, **kwargs) -> torch.Tensor:
    """n code maps (n, h, w) drawn by the PixelCNN sampler (its arguments: sampler, temperature, generator, labels,
    and for a completion `known` (n, h, w) indices and `region` (h, w) bool)."""
    if kwargs.get("known") is not None:
        kwargs["known"] = kwargs["known"][:, None]  # (n, h, w) -> (n, 1, h, w)
    return sample(prior, CODES, (1, *side), n, **kwargs)[:, 0]


def movie(prior: nn.Module, side: tuple[int, int], n: int, **kwargs) -> SamplingMovie:
    """The PixelCNN sampler advanced a few codes at a time (the page's movie of a code map filling in)."""
    return SamplingMovie(prior, CODES, (1, *side), n, **kwargs)
