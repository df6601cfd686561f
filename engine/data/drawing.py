r"""A picture drawn on the page, reduced to a dataset's size the way the dataset itself was made, so the model sees a
drawing as it saw its training images.

- MNIST and Fashion-MNIST (28 x 28; LeCun et al.'s description of the MNIST database): the drawing's bounding box
  is scaled (anti-aliased, aspect ratio kept) to fit a 20 x 20 box, then placed in the 28 x 28 image so that its
  centre of mass (the intensity-weighted mean pixel) lands on the centre, (13.5, 13.5) in pixel coordinates.
- scikit-learn's digits (8 x 8; the UCI "optdigits" preprocessing): the bounding box is scaled to fit 32 x 32
  (aspect ratio kept, centred), binarised, and each 4 x 4 block counts its ink pixels, 0 to 16.
- any other dataset: the drawing is cropped to a square and resized, as its pictures were.

Drawings are white ink on black (intensity = the brightest colour channel); the result is a (C, H, W) tensor in
[-1, 1], C copies of the intensity for colour datasets.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from engine.data.errors import BadInput

INK = 0.1  # intensity above which a canvas pixel counts as drawn


def intensity(picture: np.ndarray) -> np.ndarray:
    """An RGB(A) or grey picture (H, W[, C]) of uint8 -> ink intensity in [0, 1], (H, W)."""
    picture = np.asarray(picture)
    if picture.ndim == 3:
        picture = picture[..., :3].max(axis=2)
    return picture.astype(np.float32) / 255.0


def _ink_box(ink: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(ink > INK)
    if len(rows) == 0:
        raise BadInput("nothing is drawn yet: draw a digit on the canvas")
    return ink[rows.min(): rows.max() + 1, cols.min(): cols.max() + 1]


def _fit(ink: np.ndarray, box: int) -> np.ndarray:
    """The ink scaled (anti-aliased) so that its longer side is `box` pixels, aspect ratio kept."""
    h, w = ink.shape
    scale = box / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray((ink * 255).astype(np.uint8)).resize(size, Image.LANCZOS),
                      np.float32) / 255.0


def mnist_like(ink: np.ndarray) -> np.ndarray:
    """28 x 28: fit 20 x 20, centre of mass at the centre."""
    digit = _fit(_ink_box(ink), 20)
    h, w = digit.shape
    total = digit.sum()
    cy, cx = (np.arange(h) @ digit.sum(1)) / total, (np.arange(w) @ digit.sum(0)) / total
    top, left = int(round(13.5 - cy)), int(round(13.5 - cx))
    out = np.zeros((28, 28), np.float32)
    for r in range(h):  # paste, clipping what would fall outside
        if 0 <= top + r < 28:
            lo, hi = max(0, -left), min(w, 28 - left)
            if lo < hi:
                out[top + r, left + lo: left + hi] = digit[r, lo:hi]
    return out.clip(0, 1)


def digits_like(ink: np.ndarray) -> np.ndarray:
    """8 x 8 (values 0..16 / 16): fit 32 x 32 centred, binarise, count ink in 4 x 4 blocks."""
    digit = _fit(_ink_box(ink), 32) > 0.5
    h, w = digit.shape
    canvas = np.zeros((32, 32), bool)
    top, left = (32 - h) // 2, (32 - w) // 2
    canvas[top: top + h, left: left + w] = digit
    counts = canvas.reshape(8, 4, 8, 4).sum((1, 3))  # (32, 32) -> (8, 4, 8, 4) -> (8, 8)
    return counts.astype(np.float32) / 16.0


def resized(ink: np.ndarray, side: int) -> np.ndarray:
    h, w = ink.shape
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    square = Image.fromarray((ink[top: top + s, left: left + s] * 255).astype(np.uint8))
    return np.asarray(square.resize((side, side), Image.LANCZOS), np.float32) / 255.0


def reduce_drawing(picture: np.ndarray, dataset: str, shape: tuple[int, int, int]) -> tuple[torch.Tensor, str]:
    """The drawing as the `dataset`'s model expects it: a (C, H, W) tensor in [-1, 1], and how it was made."""
    channels, height, width = shape
    ink = intensity(picture)
    if dataset in ("mnist", "fashion_mnist") and (height, width) == (28, 28):
        x, how = mnist_like(ink), "fitted into 20 x 20 and centred by its centre of mass in 28 x 28, as MNIST"
    elif dataset == "digits" and (height, width) == (8, 8):
        x, how = digits_like(ink), "fitted into 32 x 32, binarised, and counted in 4 x 4 blocks, as the digits"
    else:
        _ink_box(ink)  # something must be drawn
        x, how = resized(ink, height), f"cropped to a square and resized to {height} x {width}"
    tensor = torch.as_tensor(x * 2 - 1)[None].expand(channels, height, width).clone()
    return tensor, how
