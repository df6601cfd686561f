r"""PixelCNN and gated PixelCNN, each with two ways to compute the output distribution's parameters:

- `forward(x, labels)`: every position at once (training, and the naive sampler);
- `start_cache(...)` then `params_at(cache, canvas, i, j)`: only position (i, j), reusing what was computed at
  earlier positions (the cached sampler). This works because a layer's activation at a position depends only on
  pixels before it in raster order: once computed, it never changes (Ramachandran et al. 2017, "Fast generation for
  convolutional autoregressive models", arXiv:1704.06001, apply the same idea to PixelCNN++).

Both return parameters shaped (B, C, P, H, W) (or (B, C, P) at one position): P numbers per colour channel, read by
engine/families/pixelcnn/likelihoods.py. Inputs are images in [-1, 1], or with `codes` = K a map of code indices
(B, 1, H, W) that a learned embedding turns into features first (a VQ-VAE's prior, engine/families/vqvae/prior.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.masked_conv import MaskedConv2d

VARIANTS = ("pixelcnn", "gated")


def _head(width: int, colours: int, params: int) -> nn.Sequential:
    """Two 1x1 mask-B layers from the features to P parameters per colour (channel p*C + c -> colour c)."""
    return nn.Sequential(nn.ReLU(), MaskedConv2d(width, width, 1, "B", colours), nn.ReLU(),
                         MaskedConv2d(width, params * colours, 1, "B", colours))


class CodeEmbedding(nn.Module):
    """Inputs that are indices, not intensities: (B, 1, H, W) holding 0..K-1 (as floats: the samplers' canvas) ->
    (B, dim, H, W), a learned vector per index (the same as a one-hot input times a matrix)."""

    def __init__(self, codes: int, dim: int):
        super().__init__()
        self.table = nn.Embedding(codes, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.table(x[:, 0].long()).permute(0, 3, 1, 2)  # (B, H, W, dim) -> (B, dim, H, W)


def _inputs(codes: int, width: int) -> nn.Module:
    """What the first layer reads: the image itself, or the embedded code indices (`codes` = K > 0)."""
    return CodeEmbedding(codes, width) if codes else nn.Identity()


def _per_colour(out: torch.Tensor, colours: int) -> torch.Tensor:
    """(B, P*C, ...) -> (B, C, P, ...): channel p*C + c holds parameter p of colour c."""
    b, pc = out.shape[:2]
    return out.view(b, pc // colours, colours, *out.shape[2:]).transpose(1, 2)


class PixelCNN(nn.Module):
    r"""PixelCNN (van den Oord et al. 2016, arXiv:1601.06759, sec. 3.4 and fig. 4): a 7x7 mask-'A' convolution,
    `layers` residual blocks h <- h + conv3x3_B(ReLU(h)), then ReLU-1x1-ReLU-1x1 to the output.

    Its receptive field has a blind spot: stacked 3x3 masks never reach up-and-right of the first layer's view.
    NOTE: the paper's residual block is 1x1-3x3-1x1 with 2h channels; one 3x3 per block keeps the CPU cost low.
    Class conditioning adds a learned vector per class after the first layer; `codes` = K reads code indices."""

    def __init__(self, colours: int, params: int, width: int = 64, layers: int = 6, first_kernel: int = 7,
                 num_classes: int = 0, codes: int = 0):
        super().__init__()
        self.colours = colours
        self.inputs = _inputs(codes, width)
        self.first = MaskedConv2d(width if codes else colours, width, first_kernel, "A", colours)
        self.blocks = nn.ModuleList(MaskedConv2d(width, width, 3, "B", colours) for _ in range(layers))
        self.embed = nn.Embedding(num_classes, width) if num_classes else None
        self.head = _head(width, colours, params)

    def _condition(self, labels: torch.Tensor | None) -> torch.Tensor | float:
        return 0.0 if self.embed is None or labels is None else self.embed(labels)[:, :, None, None]

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.first(self.inputs(x)) + self._condition(labels)
        for conv in self.blocks:
            h = h + conv(F.relu(h))
        return _per_colour(self.head(h), self.colours)  # (B, C, P, H, W)

    # --- the cached sampler ---------------------------------------------------------------------------------
    def start_cache(self, batch: int, height: int, width: int, labels: torch.Tensor | None = None) -> dict:
        """Zero caches of every block's input ReLU(h), channels last, padded like the 3x3 convolution's input
        (one row on top, one column on each side)."""
        w = self.first.out_channels
        like = {"device": self.first.weight.device, "dtype": self.first.weight.dtype}
        cond = self._condition(labels)
        return {"acts": [torch.zeros(batch, height + 1, width + 2, w, **like) for _ in self.blocks],
                "cond": cond[:, :, 0, 0] if torch.is_tensor(cond) else cond, "memo": {}}

    def params_at(self, cache: dict, canvas: torch.Tensor, i: int, j: int) -> torch.Tensor:
        """Parameters at (i, j) only: (B, C, P). Stores this position's activations for later positions."""
        memo, p = cache["memo"], self.first.half[0]
        rows = F.pad(self.inputs(canvas[:, :, max(0, i - p): i + 1]), (p, p, p - min(i, p), 0))  # (B, C', p+1, W+2p)
        h = self.first.at(rows[:, :, :, j: j + 2 * p + 1].permute(0, 2, 3, 1), memo) + cache["cond"]  # (B, F)
        for conv, act in zip(self.blocks, cache["acts"]):
            act[:, i + 1, j + 1] = F.relu(h)
            h = h + conv.at(act[:, i: i + 2, j: j + 3], memo)  # window (B, 2, 3, F): rows i-1..i
        return _head_at(self.head, h, memo, self.colours)


def _head_at(head: nn.Sequential, features: torch.Tensor, memo: dict, colours: int) -> torch.Tensor:
    """The 1x1 head at one position: (B, F) -> (B, C, P)."""
    out = head[3].at(F.relu(head[1].at(F.relu(features), memo)), memo)  # (B, P*C)
    return out.view(len(out), -1, colours).transpose(1, 2)


def down_shift(x: torch.Tensor) -> torch.Tensor:
    """Move every row one down (row 0 becomes zeros): row i then holds what row i - 1 computed."""
    return F.pad(x, (0, 0, 1, 0))[:, :, :-1]


def gate(x: torch.Tensor) -> torch.Tensor:
    """tanh(a) * sigmoid(b), the two halves of the channels (eq. 2 of van den Oord et al. 2016b)."""
    a, b = x.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)


class GatedLayer(nn.Module):
    r"""One layer of the gated PixelCNN (van den Oord et al. 2016b, "Conditional image generation with PixelCNN
    decoders", arXiv:1606.05328, fig. 2):

        v_pre = V * v + c_v                       (k x k vertical mask: rows up to this one)
        h_pre = H * h + shift(1x1 * v_pre) + c_h  (1 x k horizontal mask: pixels to the left, colours before)
        v'    = tanh(v_pre_a) . sigmoid(v_pre_b)
        g     = tanh(h_pre_a) . sigmoid(h_pre_b)
        h'    = h + 1x1 * g   (no residual in the first layer),   skip += 1x1 * g

    The vertical stack sees whole rows above, the horizontal stack the row so far: no blind spot."""

    def __init__(self, in_channels: int, width: int, kernel: int, first: bool, colours: int, num_classes: int):
        super().__init__()
        self.first = first
        self.vertical = MaskedConv2d(in_channels, 2 * width, kernel, "vertical", colours)
        self.horizontal = MaskedConv2d(in_channels, 2 * width, (1, kernel), "A" if first else "B", colours)
        self.v_to_h = nn.Conv2d(2 * width, 2 * width, 1)
        self.residual = MaskedConv2d(width, width, 1, "B", colours)
        self.skip = MaskedConv2d(width, width, 1, "B", colours)
        self.cond_v = nn.Embedding(num_classes, 2 * width) if num_classes else None
        self.cond_h = nn.Embedding(num_classes, 2 * width) if num_classes else None

    def conditions(self, labels: torch.Tensor | None):
        if self.cond_v is None or labels is None:
            return 0.0, 0.0
        return self.cond_v(labels)[:, :, None, None], self.cond_h(labels)[:, :, None, None]

    def forward(self, v, h, skip, labels=None):
        c_v, c_h = self.conditions(labels)
        v_pre = self.vertical(v) + c_v
        h_pre = self.horizontal(h) + down_shift(self.v_to_h(v_pre)) + c_h
        g = gate(h_pre)
        h_out = self.residual(g) + (0.0 if self.first else h)
        return gate(v_pre), h_out, skip + self.skip(g)


class GatedPixelCNN(nn.Module):
    """A stack of `GatedLayer`s (the first with a `first_kernel` kernel and mask 'A'), ReLU-1x1-ReLU-1x1 on the sum
    of the skip connections. Optional class conditioning (the paper's h: a learned bias per class in every gate);
    `codes` = K reads code indices."""

    def __init__(self, colours: int, params: int, width: int = 64, layers: int = 6, first_kernel: int = 7,
                 num_classes: int = 0, codes: int = 0):
        super().__init__()
        if width % colours:
            raise ValueError(f"width {width} must be a multiple of the {colours} colours: a gate pairs feature k "
                             f"with feature width + k, which must belong to the same colour")
        self.colours, self.width = colours, width
        self.inputs = _inputs(codes, width)
        self.layers = nn.ModuleList(
            GatedLayer(width if n > 0 or codes else colours, width, first_kernel if n == 0 else 3, n == 0, colours,
                       num_classes) for n in range(layers + 1))
        self.head = _head(width, colours, params)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = self.inputs(x)
        v, h, skip = x, x, 0.0
        for layer in self.layers:
            v, h, skip = layer(v, h, skip, labels)
        return _per_colour(self.head(skip), self.colours)  # (B, C, P, H, W)

    # --- the cached sampler ---------------------------------------------------------------------------------
    def start_cache(self, batch: int, height: int, width: int, labels: torch.Tensor | None = None) -> dict:
        """Per layer: its vertical input (padded on all sides), its horizontal input (padded left and right), and
        the row of shifted vertical contributions for the row being sampled (zero for row 0)."""
        like = {"device": self.head[1].weight.device, "dtype": self.head[1].weight.dtype}
        caches = []
        for n, layer in enumerate(self.layers):
            p = layer.vertical.half[0]
            cin = layer.vertical.in_channels
            caches.append({
                "v_in": None if n == 0 else torch.zeros(batch, cin, height + p, width + 2 * p, **like),
                "h_in": None if n == 0 else torch.zeros(batch, height, width + p, cin, **like),  # channels last
                "shift": torch.zeros(batch, width, 2 * self.width, **like),
                "cond": layer.conditions(labels),
            })
        return {"layers": caches, "row": 0, "memo": {}}

    def _vertical_row(self, cache: dict, canvas: torch.Tensor, r: int) -> None:
        """Row r of every vertical stack (rows <= r are complete), kept as the shift for row r + 1."""
        for n, (layer, c) in enumerate(zip(self.layers, cache["layers"])):
            p = layer.vertical.half[0]
            if n == 0:
                slab = F.pad(self.inputs(canvas[:, :, max(0, r - p): r + 1]), (p, p, p - min(r, p), 0))  # rows r-p..r
            else:
                slab = c["v_in"][:, :, r: r + p + 1]
            v_pre = layer.vertical.valid(slab) + c["cond"][0]  # (B, 2F, 1, W)
            c["shift"] = layer.v_to_h(v_pre)[:, :, 0].transpose(1, 2).contiguous()  # (B, W, 2F)
            if n + 1 < len(self.layers):
                q = self.layers[n + 1].vertical.half[0]
                cache["layers"][n + 1]["v_in"][:, :, r + q, q: q + v_pre.shape[-1]] = gate(v_pre)[:, :, 0]

    def params_at(self, cache: dict, canvas: torch.Tensor, i: int, j: int) -> torch.Tensor:
        """Parameters at (i, j) only: (B, C, P). Stores this position's activations for later positions."""
        while cache["row"] < i:  # entering a new row: the rows above are complete
            self._vertical_row(cache, canvas, cache["row"])
            cache["row"] += 1
        memo, h, skip = cache["memo"], None, 0.0
        for n, (layer, c) in enumerate(zip(self.layers, cache["layers"])):
            p = layer.horizontal.half[1]
            if n == 0:
                window = F.pad(self.inputs(canvas[:, :, i: i + 1, max(0, j - p): j + 1]),
                               (p - min(j, p), 0))  # (B, C', 1, p+1): C' = C, or the embedding's width
                window = window.permute(0, 2, 3, 1)  # (B, 1, p+1, C')
            else:
                c["h_in"][:, i, j + p] = h
                window = c["h_in"][:, i: i + 1, j: j + p + 1]  # (B, 1, p+1, F): pixels j-p..j
            cond_h = c["cond"][1]
            h_pre = (layer.horizontal.at(window, memo) + c["shift"][:, j]
                     + (cond_h[:, :, 0, 0] if torch.is_tensor(cond_h) else cond_h))  # (B, 2F)
            g = gate(h_pre)
            h = layer.residual.at(g, memo) + (0.0 if layer.first else h)
            skip = skip + layer.skip.at(g, memo)
        return _head_at(self.head, skip, memo, self.colours)


def build_pixelcnn(variant: str, colours: int, params: int, width: int, layers: int, first_kernel: int = 7,
                   num_classes: int = 0, codes: int = 0) -> nn.Module:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant '{variant}': expected one of {', '.join(VARIANTS)}")
    cls = PixelCNN if variant == "pixelcnn" else GatedPixelCNN
    return cls(colours, params, width, layers, first_kernel, num_classes, codes)
