"""What the image flow page shows, made from the trainer's exact `encode` / `decode_images`: reconstructions (equal
to the input, pixel for pixel), a walk between the codes of two real images, and the same codes at several
temperatures. Call them between training steps (`Run.with_trainer`); pictures come back as uint8 arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engine.families.flow.dequantization import bin_centres, to_values
from engine.latent import interpolate
from engine.pictures.images import grid_uint8, to_uint8

TEMPERATURES = (0.0, 0.5, 0.7, 0.85, 1.0)  # the rows of `temperature_rows` (Glow shows T = 0.7)


def reconstructions(trainer, n: int = 16) -> dict[str, Any]:
    """n held-out images beside decode(encode(x)), in pairs, and how far apart they are: the largest difference in
    pixel values (0 for an exact encoding) and in the flow's own real numbers, |x - f^-1(f(x))|."""
    images = trainer.data.heldout[:n].to(trainer.device)
    back = trainer.decode_images(trainer.encode(images))
    x = bin_centres(to_values(images))
    round_trip = trainer.decode(trainer.encode(images))
    pairs = torch.stack([images, back], 1).flatten(0, 1)  # (n, 2, C, H, W) -> (2n, C, H, W): input, output, ...
    pixels = np.abs(to_uint8(images).astype(int) - to_uint8(back).astype(int))
    return {"pairs": grid_uint8(pairs, nrow=8), "max_pixel_error": int(pixels.max()),
            "max_error": float((round_trip - x).abs().max())}


def walk(trainer, first: torch.Tensor, last: torch.Tensor, steps: int, mode: str) -> np.ndarray:
    """uint8 (steps, C, H, W): the images along a `mode` path (engine/latent.py) between the codes of two images
    (C, H, W) in [-1, 1]; the end frames are the two images themselves (the encoding is exact)."""
    z = trainer.encode(torch.stack([first, last]))
    return to_uint8(trainer.decode_images(interpolate(z[0], z[1], steps, mode)))


def temperature_rows(trainer, n: int = 8, seed: int = 0) -> np.ndarray:
    """One row per temperature of TEMPERATURES: the same n codes z ~ N(0, I) times T, decoded (T = 0 is the image
    of z = 0, the flow's densest code)."""
    z = trainer.flow.base_sample(n, 1.0, torch.Generator().manual_seed(seed))
    codes = torch.cat([z * t for t in TEMPERATURES])
    return grid_uint8(trainer.decode_images(codes), nrow=n)
