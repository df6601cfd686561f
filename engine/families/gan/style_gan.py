r"""A style-based generator at small scale (StyleGAN, Karras et al. 2019, arXiv:1812.04948; its modulated
convolutions from StyleGAN2, Karras et al. 2020, arXiv:1912.04958).

- a mapping network turns z (pixel-normalised) into an intermediate latent w;
- the synthesis network starts from a learned constant and, at every side, applies modulated 3x3 convolutions: the
  style s = A(w) scales the weights' input channels and each output is demodulated (StyleGAN2, Eq. 1-3)
  $$w'_{ijk} = s_i\, w_{ijk},\qquad w''_{ijk} = w'_{ijk} \Big/ \sqrt{\textstyle\sum_{i,k} {w'_{ijk}}^2 + \epsilon}$$
  which does what StyleGAN's AdaIN did without normalising the activations themselves;
- per-pixel noise inputs add B * n, n ~ N(0, 1) one map per layer, B a learned per-channel scale starting at 0;
- every layer reads its own row of ws (N, L, w_dim): the same w for every row, or two (style mixing);
- the truncation trick pulls w towards the running mean w_avg (engine/tricks/truncation.py).

NOTE: at our scale the mapping network has MAPPING_LAYERS layers (StyleGAN: 8) with w the size of z, without its
reduced learning rate; no mixing regularisation, no path-length or R1 regularisation; the output goes through tanh
like the DCGAN's, so both generators draw in [-1, 1].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.attention import SelfAttention
from engine.models.conv_paths import resolutions
from engine.models.gan_layers import Context, KeptDropout, PixelNorm, activation
from engine.tricks.progressive_growing import fade
from engine.tricks.truncation import truncate

MAPPING_LAYERS = 4
W_AVG_BETA = 0.995  # the running mean of w, updated at every training forward pass (StyleGAN's w_avg_beta)


class ModulatedConv(nn.Module):
    """A modulated (and, unless `demodulate=False`, demodulated) k x k convolution; `up` doubles the side first by
    nearest neighbours (`nearest`), by a modulated 4x4 transposed convolution (`convt`, StyleGAN2's) or by a
    sub-pixel convolution (`pixelshuffle`). Each example gets its own weights: one grouped convolution does all."""

    def __init__(self, c_in: int, c_out: int, k: int, w_dim: int, demodulate: bool = True, up: str | None = None):
        super().__init__()
        self.up, self.demodulate = up, demodulate
        k = 4 if up == "convt" else k
        out = 4 * c_out if up == "pixelshuffle" else c_out
        self.weight = nn.Parameter(torch.randn(out, c_in, k, k))
        if up == "pixelshuffle":  # ICNR (as gan_layers.SubPixelConv): the 4 sub-pixels of an output start equal
            with torch.no_grad():
                self.weight.copy_(self.weight[:c_out].repeat_interleave(4, 0))
        self.scale = 1 / math.sqrt(c_in * k * k)  # StyleGAN's equalised learning rate: N(0, 1) weights, scaled
        self.affine = nn.Linear(w_dim, c_in)
        nn.init.normal_(self.affine.weight, std=1 / math.sqrt(w_dim))  # s varies with w from the start...
        nn.init.ones_(self.affine.bias)  # ...around 1, the plain convolution

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        s = self.affine(w)  # (N, C_in)
        weight = self.scale * self.weight[None] * s[:, None, :, None, None]  # (N, C_out, C_in, k, k)
        if self.demodulate:
            weight = weight * torch.rsqrt(weight.pow(2).sum((2, 3, 4), keepdim=True) + 1e-8)
        if self.up == "nearest":
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        n, c_in, height, width = x.shape
        k = weight.shape[-1]
        x = x.reshape(1, n * c_in, height, width)  # (N, C_in, H, W) -> (1, N * C_in, H, W): one group per example
        if self.up == "convt":
            kernel = weight.transpose(1, 2).reshape(n * c_in, -1, k, k)  # (N, C_in, C_out, k, k) -> (N C_in, C_out, k, k)
            y = F.conv_transpose2d(x, kernel, stride=2, padding=1, groups=n)
        else:
            y = F.conv2d(x, weight.reshape(-1, c_in, k, k), padding=k // 2, groups=n)
        y = y.view(n, -1, *y.shape[2:])  # (1, N * C_out, H', W') -> (N, C_out, H', W')
        return F.pixel_shuffle(y, 2) if self.up == "pixelshuffle" else y


class NoiseInput(nn.Module):
    """x + B n: one N(0, 1) value per pixel (shared by the channels), B per channel, learned from 0."""

    def __init__(self, channels: int):
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: torch.Tensor, rng: torch.Generator | None) -> torch.Tensor:
        n = torch.randn((x.shape[0], 1, *x.shape[2:]), generator=rng).to(x.device, x.dtype)
        return x + self.strength * n


class StyleLayer(nn.Module):
    """Modulated convolution, noise input, bias, activation times sqrt(2) (StyleGAN's activation gain: a (leaky)
    ReLU halves the mean square, and demodulation expects unit-scale inputs): one row of ws."""

    def __init__(self, c_in: int, c_out: int, w_dim: int, slope: float, up: str | None = None):
        super().__init__()
        self.conv = ModulatedConv(c_in, c_out, 3, w_dim, up=up)
        self.noise = NoiseInput(c_out)
        self.bias = nn.Parameter(torch.zeros(1, c_out, 1, 1))
        self.act = activation(slope)

    def forward(self, x: torch.Tensor, w: torch.Tensor, rng: torch.Generator | None, noise: bool) -> torch.Tensor:
        x = self.conv(x, w)
        return self.act((self.noise(x, rng) if noise else x) + self.bias) * math.sqrt(2)


class StyleBlock(nn.Module):
    """One side of the synthesis network: an up-sampling style layer (none at the first side) and a plain one;
    `residual` adds a nearest-up 1x1 skip, (skip + main) / sqrt(2) (StyleGAN2's residual generator)."""

    def __init__(self, c_in: int, c_out: int, w_dim: int, slope: float, up: str | None, residual: bool,
                 dropout: float, attention: bool):
        super().__init__()
        first = [StyleLayer(c_in, c_out, w_dim, slope, up=up)] if up else []
        self.layers = nn.ModuleList(first + [StyleLayer(c_out if up else c_in, c_out, w_dim, slope)])
        self.skip = nn.Conv2d(c_in, c_out, 1, bias=False) if residual and up else None
        self.dropout = KeptDropout(dropout) if dropout > 0 else None
        self.attention = SelfAttention(c_out) if attention else None

    def forward(self, x: torch.Tensor, ws: torch.Tensor, rng: torch.Generator | None, noise: bool) -> torch.Tensor:
        h = x
        for layer, w in zip(self.layers, ws.unbind(1)):
            h = layer(h, w, rng, noise)
        if self.skip is not None:
            h = (h + self.skip(F.interpolate(x, scale_factor=2, mode="nearest"))) / math.sqrt(2)
        if self.dropout is not None:
            h = self.dropout(h, Context(rng=rng))
        return self.attention(h) if self.attention is not None else h


class MappingNetwork(nn.Module):
    """z (N, z_dim) [+ class] -> w (N, w_dim): pixel norm, then MAPPING_LAYERS fully connected layers with
    LeakyReLU(0.2); a class enters as an embedding beside z, normalised alike (StyleGAN2-ADA's conditioning)."""

    def __init__(self, z_dim: int, w_dim: int, num_classes: int = 0):
        super().__init__()
        self.embed = nn.Embedding(num_classes, z_dim) if num_classes else None
        dims = [2 * z_dim if num_classes else z_dim] + [w_dim] * MAPPING_LAYERS
        layers: list[nn.Module] = []
        for a, b in zip(dims, dims[1:]):
            layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
            nn.init.kaiming_normal_(layers[-2].weight, a=0.2)  # He init keeps w's scale through the layers
            nn.init.zeros_(layers[-2].bias)
        self.net = nn.Sequential(*layers)
        self.norm = PixelNorm()

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = self.norm(z)
        if self.embed is not None:
            if labels is None:
                raise ValueError("a conditional generator needs class labels")
            x = torch.cat([x, self.norm(self.embed(labels))], 1)
        return self.net(x)


class StyleGenerator(nn.Module):
    """z (N, z_dim) [+ class] -> images (N, C, H, W) in [-1, 1], with the sides and channels of the DCGAN's ResNet
    layout. `forward(z, labels, rng, psi, stage, alpha, noise)`; `styles` and `synthesis` apart for style mixing."""

    def __init__(self, z_dim: int, image_shape: tuple[int, int, int], width: int = 64, num_classes: int = 0, *,
                 upsample: str = "nearest", blocks: str = "plain", slope: float = 0.0, dropout: float = 0.0,
                 attention: int = 0, progressive: bool = False):
        super().__init__()
        channels, side, _ = image_shape
        self.sides = resolutions(side)[::-1]  # smallest first
        ups = len(self.sides) - 1
        widths = [2 * width, width] if ups < 2 else [width * 2 ** (ups - 1 - i) for i in range(ups)] + [width]
        self.w_dim = z_dim
        self.num_classes = num_classes
        self.mapping = MappingNetwork(z_dim, self.w_dim, num_classes)
        self.const = nn.Parameter(torch.randn(1, widths[0], self.sides[0], self.sides[0]))
        self.blocks = nn.ModuleList(
            StyleBlock(widths[max(k - 1, 0)], widths[k], self.w_dim, slope, upsample if k else None,
                       blocks == "resnet", dropout, s == attention)
            for k, s in enumerate(self.sides))
        self.num_styles = sum(len(b.layers) for b in self.blocks)
        self.progressive = progressive
        rgb_sides = range(len(self.sides)) if progressive else [len(self.sides) - 1]
        self.to_rgb = nn.ModuleDict({str(k): ModulatedConv(widths[k], channels, 1, self.w_dim, demodulate=False)
                                     for k in rgb_sides})
        self.rgb_bias = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.register_buffer("w_avg", torch.zeros(self.w_dim))

    def styles(self, z: torch.Tensor, labels: torch.Tensor | None = None, psi: float = 1.0) -> torch.Tensor:
        """ws (N, num_styles, w_dim): w = mapping(z), truncated towards w_avg, one row per layer. A training pass
        moves w_avg towards the batch's mean w."""
        w = self.mapping(z, labels)
        if self.training:
            with torch.no_grad():
                self.w_avg.lerp_(w.detach().float().mean(0), 1 - W_AVG_BETA)
        w = truncate(w, self.w_avg, psi)
        return w[:, None].expand(-1, self.num_styles, -1)

    def synthesis(self, ws: torch.Tensor, rng: torch.Generator | None = None, noise: bool = True,
                  stage: int | None = None, alpha: float = 1.0) -> torch.Tensor:
        """The image of styles ws (N, num_styles, w_dim) at `stage` (None: full size), the noise inputs on or off."""
        last = len(self.blocks) - 1
        if stage is not None and self.progressive:
            last = min(stage, last)
        h = self.const.expand(len(ws), -1, -1, -1)
        row, low = 0, None
        for k, block in enumerate(self.blocks[:last + 1]):
            if k == last and k > 0 and alpha < 1:
                low = self._rgb(k - 1, h, ws[:, row - 1])
            h = block(h, ws[:, row:row + len(block.layers)], rng, noise)
            row += len(block.layers)
        image = self._rgb(last, h, ws[:, row - 1])
        return image if low is None else fade(low, image, alpha)

    def _rgb(self, k: int, h: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """toRGB of side k (a modulated 1x1 convolution, not demodulated) with the style of its side's last layer."""
        return torch.tanh(self.to_rgb[str(k)](h, w) + self.rgb_bias)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None, rng: torch.Generator | None = None,
                psi: float = 1.0, stage: int | None = None, alpha: float = 1.0, noise: bool = True) -> torch.Tensor:
        return self.synthesis(self.styles(z, labels, psi), rng, noise, stage, alpha)
