r"""The causal convolution every PixelCNN is built of (van den Oord et al. 2016, arXiv:1601.06759, sec. 3.4).

Pixels are generated in raster order (rows top to bottom, each row left to right) and, within a pixel, colour
channels in the order R, G, B. A masked convolution zeroes the kernel weights that would let an output see the
present or the future. For a 5x5 kernel:

    raster, mask 'A' (first layer)     raster, mask 'B' (later layers)     vertical (gated PixelCNN's V stack)
        1 1 1 1 1                          1 1 1 1 1                           1 1 1 1 1
        1 1 1 1 1                          1 1 1 1 1                           1 1 1 1 1
        1 1 a 0 0                          1 1 b 0 0                           1 1 1 1 1
        0 0 0 0 0                          0 0 0 0 0                           0 0 0 0 0
        0 0 0 0 0                          0 0 0 0 0                           0 0 0 0 0

Weights that are always zero are not stored: a k x k kernel keeps its top k//2 + 1 rows and a 1 x k kernel its
left k//2 + 1 columns (a 3x3 kernel is 2x3, a 1x3 one 1x2), and the input is padded on the top and left only
where needed: the same function, a third less arithmetic.

The centre weight is split by colour: with C colours, feature channel k belongs to colour group k % C (groups
interleave, so the two halves of a gated layer's 2F features line up group by group when F is a multiple of C).
At the centre, output group g sees input group h only when h < g (mask 'A', so no output sees its own value) or
h <= g (mask 'B', later layers may use what earlier layers computed at the same place). With one colour, 'a' = 0
and 'b' = 1. The vertical mask sees its whole centre row, including the future; the gated PixelCNN shifts that stack
down one row before the horizontal stack uses it, which makes it causal.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

KINDS = ("A", "B", "vertical")


def kept_shape(kernel: tuple[int, int], kind: str) -> tuple[int, int]:
    """The stored part of a full odd (kh, kw) kernel: rows up to the centre; for one-row kernels, columns too."""
    kh, kw = kernel
    return kh // 2 + 1, (kw // 2 + 1 if kh == 1 and kind != "vertical" else kw)


def causal_mask(out_channels: int, in_channels: int, kernel: tuple[int, int], kind: str, colours: int) -> torch.Tensor:
    """The 0/1 mask (out_channels, in_channels, *kept_shape(kernel)) of the module docstring's drawings."""
    if kind not in KINDS:
        raise ValueError(f"unknown mask kind '{kind}': expected one of {', '.join(KINDS)}")
    rows, cols = kept_shape(kernel, kind)
    mask = torch.ones(out_channels, in_channels, rows, cols)
    if kind == "vertical":
        return mask
    ci, cj = rows - 1, kernel[1] // 2  # the centre: last kept row, middle of the full width
    mask[:, :, ci, cj:] = 0
    group_out = torch.arange(out_channels) % colours
    group_in = torch.arange(in_channels) % colours
    sees = group_in[None, :] < group_out[:, None] if kind == "A" else group_in[None, :] <= group_out[:, None]
    mask[:, :, ci, cj] = sees.float()  # (out, in)
    return mask


class MaskedConv2d(nn.Conv2d):
    """A causal 'same'-size convolution: the input is padded (top and sides, or left only for one-row kernels) and
    the kept kernel is multiplied by its mask on every call (masked weights get zero gradient, so they never
    matter). `half` = (kh // 2, kw // 2) of the full kernel: how far up and sideways it reaches. `valid(x)` is the
    convolution without padding and `at(window)` at a single position, both used by the cached sampler."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int | tuple[int, int], kind: str,
                 colours: int = 1):
        kernel = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
        if kernel[0] % 2 == 0 or kernel[1] % 2 == 0:
            raise ValueError(f"masked kernels need odd sizes, got {kernel}")
        rows, cols = kept_shape(kernel, kind)
        super().__init__(in_channels, out_channels, (rows, cols))
        self.kind = kind
        self.half = (kernel[0] // 2, kernel[1] // 2)
        self.pads = (self.half[1], cols - 1 - self.half[1], self.half[0], 0)  # left, right, top, bottom
        self.register_buffer("mask", causal_mask(out_channels, in_channels, kernel, kind, colours), persistent=False)

    def masked_weight(self) -> torch.Tensor:
        return self.weight * self.mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.pad(x, self.pads), self.masked_weight(), self.bias)

    def valid(self, window: torch.Tensor) -> torch.Tensor:
        """The convolution over an already padded window: (B, in, kept rows, W + pads) -> (B, out, 1, W)."""
        return F.conv2d(window, self.masked_weight(), self.bias)

    def at(self, window: torch.Tensor, memo: dict) -> torch.Tensor:
        """The output at one position from its channels-last window (B, kept rows, kept cols, in) (or (B, in) for
        1x1) -> (B, out), as one matrix product: a convolution call costs far more than its arithmetic on so small
        an input. `memo` keeps the flattened masked weight for the rest of a sampling run (the weights must not
        change meanwhile)."""
        flat = memo.get(self)
        if flat is None:
            flat = memo[self] = self.masked_weight().permute(0, 2, 3, 1).flatten(1)  # (out, rows*cols*in)
        return F.linear(window.reshape(len(window), -1), flat, self.bias)
