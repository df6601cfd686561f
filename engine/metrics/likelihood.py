r"""Likelihoods in the units the literature reports, shared by every family with a likelihood.

- nats per image: $-\log p(x)$, summed over every dimension of the image;
- bits per dimension: $-\log_2 p(x) / D = \text{nats} / (D \ln 2)$, with D = C x H x W values per image, so
  images of any size compare (a model uniform over 256 values scores exactly 8).
"""

from __future__ import annotations

import math


def bits_per_dim(nats_per_image: float, dims: int) -> float:
    """nats per image -> bits per dimension over `dims` values."""
    return nats_per_image / (dims * math.log(2))
