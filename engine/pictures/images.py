"""Pictures of image batches: uint8 conversion, grids laid out by torchvision's make_grid, PNG bytes."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image
from torchvision.utils import make_grid


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[-1, 1] float images -> uint8 (N, C, H, W)."""
    return ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()


def grid_uint8(images: torch.Tensor, nrow: int = 8) -> np.ndarray:
    """A (H, W, C) uint8 picture of a batch laid out by torchvision's make_grid."""
    grid = make_grid(images.detach().float().cpu().clamp(-1, 1), nrow=nrow, padding=1, normalize=True,
                     value_range=(-1, 1), pad_value=1.0)
    return (grid.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()


def png_bytes(picture: np.ndarray, scale: int = 1) -> bytes:
    img = Image.fromarray(picture[..., 0] if picture.shape[2] == 1 else picture)
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
