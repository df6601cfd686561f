r"""The VQ-VAE's encoder and decoder on the autoencoder family's convolutional paths (engine/models/conv_paths.py's
`down_layers` / `up_layers` with the arguments engine/families/vae/networks.py gives them: batch norm, the first layer
normalised), so VAE and VQ-VAE differ only in their bottleneck: the VAE flattens the smallest map into one vector z,
the VQ-VAE keeps a map of vectors z_e and quantises each (engine/families/vqvae/quantizer.py).

One level (van den Oord et al. 2017, arXiv:1711.00937): the down path stops at the first map of side 8 or less
(8x8 -> 4x4, 28x28 -> 7x7, 32x32 -> 8x8), a 3x3 and a 1x1 convolution give z_e (D channels), and the up path goes on
from that side. NOTE: the paper's encoder and decoder hold two residual 3x3 blocks each at the code map's side; here
one 3x3 layer, for the CPU.

Two levels (Razavi et al. 2019, VQ-VAE-2, arXiv:1906.00446, sec. 3.1 and fig. 2a): the down path goes one halving
further for a top map (4x4 from 32x32) quantised first; the bottom code is computed from the bottom features and
the top codes decoded to the bottom's side, and the decoder reads the bottom codes beside the top codes upsampled by
a transposed convolution:

    e_top = Q_top(E_top(h)),   e_bottom = Q_bottom(E_bottom([h, D_top(e_top)])),   x_hat = D([e_bottom, U(e_top)])

where h are the bottom-side features of the image.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.families.vqvae.quantizer import Quantised, VectorQuantizer, straight_through
from engine.models.conv_paths import down_layers, resolutions, up_layers

CODE_SIDE = 8  # a one-level code map is the first map below the image with a side of at most this


def code_sides(side: int) -> tuple[int, int | None]:
    """(bottom side, top side or None) of an image side's code maps: 8 -> (4, None), 28 -> (7, None),
    32 -> (8, 4)."""
    sides = resolutions(side)
    i = next(i for i, s in enumerate(sides) if i > 0 and s <= CODE_SIDE)  # at least one halving
    return sides[i], sides[i + 1] if i + 1 < len(sides) else None


def _to_code(channels: int, dim: int) -> nn.Sequential:
    """Features -> z_e: a 3x3 layer and a 1x1 convolution to the code dimension."""
    return nn.Sequential(nn.Conv2d(channels, channels, 3, 1, 1), nn.BatchNorm2d(channels), nn.LeakyReLU(0.2),
                         nn.Conv2d(channels, dim, 1))


def _from_code(dim: int, channels: int) -> nn.Sequential:
    """Code vectors -> features the up path goes on from."""
    return nn.Sequential(nn.Conv2d(dim, channels, 3, 1, 1), nn.BatchNorm2d(channels), nn.ReLU())


class VqAutoencoder(nn.Module):
    """images (B, C, H, W) -> decoder logits or means (B, C, H, W) through one or two quantised code maps.
    `quantizers[0]` is the bottom (the only) level, `quantizers[1]` the top."""

    def __init__(self, image_shape: tuple[int, int, int], codes: int, dim: int, width: int = 32, levels: int = 1,
                 ema: bool = True):
        super().__init__()
        bottom, top = code_sides(image_shape[1])
        if levels == 2 and top is None:
            raise ValueError(f"two levels need a code map that can be halved once more: {image_shape[1]}x"
                             f"{image_shape[2]} images give a {bottom}x{bottom} map (use images of side 16, 32 or 64)")
        down, _, entries = down_layers(image_shape, width, nn.BatchNorm2d, norm_first=True)
        up = up_layers(dim, image_shape, width, nn.BatchNorm2d, bias=False)
        ups = {side: (at, channels) for at, channels, side in up.maps}  # where the up path leaves each side
        (at_b, c_b), (up_b, c_up_b) = entries[bottom], ups[bottom]
        self.sides = (bottom,) if levels == 1 else (bottom, top)
        self.quantizers = nn.ModuleList(VectorQuantizer(codes, dim, ema) for _ in range(levels))
        self.down = nn.Sequential(*down[:at_b])  # image -> bottom-side features h
        if levels == 2:
            (at_t, c_t), (up_t, c_up_t) = entries[top], ups[top]
            self.down_top = nn.Sequential(*down[at_b:at_t], _to_code(c_t, dim))  # h -> z_e of the top
            self.top_decoder = nn.Sequential(_from_code(dim, c_up_t), *up.layers[up_t:up_b])  # e_top -> bottom side
            self.top_upsample = nn.ConvTranspose2d(dim, dim, 4, 2, 1)  # e_top beside e_bottom in the decoder
            c_b += c_up_b
        self.to_code = _to_code(c_b, dim)
        self.up = nn.Sequential(_from_code(dim * levels, c_up_b), *up.layers[up_b:])
        self.log_sigma = nn.Parameter(torch.zeros(()))  # used by the Gaussian likelihood only

    @property
    def levels(self) -> int:
        return len(self.quantizers)

    def encode(self, x: torch.Tensor) -> list[Quantised]:
        """The quantised code maps, bottom first: [bottom] or [bottom, top]."""
        h = self.down(x)
        if self.levels == 1:
            return [self.quantizers[0](self.to_code(h))]
        top = self.quantizers[1](self.down_top(h))
        h = torch.cat([h, self.top_decoder(straight_through(top.z_e, top.z_q))], 1)
        return [self.quantizers[0](self.to_code(h)), top]

    def decode(self, e: list[torch.Tensor]) -> torch.Tensor:
        """Code vectors per level, bottom first ((B, D, h, w) each) -> decoder logits or means."""
        if self.levels == 2:
            e = [e[0], self.top_upsample(e[1])]
        return self.up(torch.cat(e, 1))

    def decode_indices(self, k: list[torch.Tensor]) -> torch.Tensor:
        """Code indices per level, bottom first ((B, h, w) each) -> decoder logits or means."""
        return self.decode([q.lookup(ki) for q, ki in zip(self.quantizers, k)])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[Quantised]]:
        """Decoder output from the straight-through codes (the decoder's gradient reaches the encoder), and the
        quantisation of every level."""
        levels = self.encode(x)
        return self.decode([straight_through(q.z_e, q.z_q) for q in levels]), levels
