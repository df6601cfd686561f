r"""Cutout (DeVries & Taylor 2017, arXiv:1708.04552, Sec. 3): mask one square patch of every training image.

For each image a centre $(c_y, c_x)$ is drawn uniformly over all pixels and the `size` x `size` square around it is
set to 0; as in the paper the centre may lie near the border, so the square is clipped and can be partly outside the
image (Sec. 3.2: this matters for good results).

NOTE: the paper sets the patch to 0 after normalising each channel to zero mean; images here span [-1, 1] without
per-dataset normalisation, so 0 is mid-grey (the middle of the range), not the dataset's mean.
"""

from __future__ import annotations

import torch


def cutout(x: torch.Tensor, size: int, generator: torch.Generator) -> torch.Tensor:
    """x (B, C, H, W) with one clipped `size` x `size` square per image set to 0; size 0 returns x."""
    if size <= 0:
        return x
    b, _, h, w = x.shape
    cy = torch.randint(0, h, (b, 1), generator=generator).to(x.device)
    cx = torch.randint(0, w, (b, 1), generator=generator).to(x.device)
    top, left = cy - size // 2, cx - size // 2
    rows, cols = torch.arange(h, device=x.device), torch.arange(w, device=x.device)
    in_rows = (rows >= top) & (rows < top + size)  # (B, H)
    in_cols = (cols >= left) & (cols < left + size)  # (B, W)
    square = (in_rows[:, :, None] & in_cols[:, None, :])[:, None]  # (B, H, W) -> (B, 1, H, W)
    return x.masked_fill(square, 0.0)
