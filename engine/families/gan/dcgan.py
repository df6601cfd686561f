"""The image GAN's two networks on the DCGAN layout (engine/models/conv_paths.py): `ConvGenerator` (z and a class
up to an image in [-1, 1]) and `ConvDiscriminator` (an image down to a logit and its features), with the later
papers' options as arguments: conditioning (one-hot, conditional batch norm, projection), progressive growing's
toRGB / fromRGB, minibatch discrimination, spectral norm.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.models.conv_paths import down_layers, resolutions, up_layers
from engine.models.gan_layers import BIASED_NORMS, D_NORMS, G_NORMS, Context, activation, norm_layer, run
from engine.tricks.minibatch_discrimination import MinibatchDiscrimination
from engine.tricks.progressive_growing import fade
from engine.tricks.truncation import truncate

EMBED_DIM = 32  # the shared class embedding of conditional batch norm (BigGAN's is 128)


class ConvGenerator(nn.Module):
    """z (N, z_dim) [+ class] -> images (N, C, H, W) in [-1, 1].

    The class enters as a one-hot vector beside z, or with `norm="conditional_batch"` through a shared embedding
    read by every batch norm (BigGAN). `progressive` adds a 1x1 "toRGB" convolution at every side below the full
    one: `forward(..., stage=k, alpha=a)` then draws at side `resolutions(side)[::-1][k]`, faded in by alpha."""

    def __init__(self, z_dim: int, image_shape: tuple[int, int, int], width: int = 64, norm: str = "batch",
                 num_classes: int = 0, *, upsample: str = "convt", blocks: str = "plain", slope: float = 0.0,
                 dropout: float = 0.0, attention: int = 0, progressive: bool = False, spectral: bool = False):
        super().__init__()
        if norm not in G_NORMS:
            raise ValueError(f"generator norm must be one of {', '.join(G_NORMS)}")
        if norm == "conditional_batch" and not num_classes:
            raise ValueError("conditional batch norm needs class labels (num_classes > 0)")
        self.num_classes, self.norm = num_classes, norm
        self.embed = nn.Embedding(num_classes, EMBED_DIM) if norm == "conditional_batch" else None
        in_dim = z_dim + (num_classes if self.embed is None else 0)
        cond_dim = {"conditional_batch": EMBED_DIM, "self_modulated": in_dim}.get(norm, 0)
        path = up_layers(in_dim, image_shape, width, lambda c: norm_layer(norm, c, cond_dim), bias=norm in BIASED_NORMS,
                         upsample_kind=upsample, blocks=blocks, slope=slope, dropout=dropout, attention=attention)
        self.project, self.start = path.project, path.start
        self.body = nn.Sequential(*path.layers, nn.Tanh())
        below = [m for m in path.maps if m[2] < image_shape[1]]  # one hidden map per side, smallest first
        self.stage_ends = [end for end, _, _ in below]
        self.to_rgb = nn.ModuleList(nn.Conv2d(c, image_shape[0], 1) for _, c, _ in below) if progressive else None
        if spectral or norm == "spectral":
            from engine.tricks.spectral_norm import apply_spectral_norm

            apply_spectral_norm(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None, rng: torch.Generator | None = None,
                psi: float = 1.0, stage: int | None = None, alpha: float = 1.0) -> torch.Tensor:
        x = truncate(z, 0.0, psi)
        cond = None
        if self.num_classes:
            if labels is None:
                raise ValueError("a conditional generator needs class labels")
            if self.embed is not None:
                cond = self.embed(labels)
            else:
                x = torch.cat([x, nn.functional.one_hot(labels, self.num_classes).to(x.dtype)], 1)
        if self.norm == "self_modulated":
            cond = x
        ctx = Context(cond, rng)
        h = self.project(x).view(-1, *self.start)
        if stage is None or self.to_rgb is None:
            return run(self.body, h, ctx)
        return self._grown(h, ctx, min(stage, len(self.stage_ends)), alpha)

    def _grown(self, h: torch.Tensor, ctx: Context, stage: int, alpha: float) -> torch.Tensor:
        """The image at `stage` (its own toRGB, or the whole body at the last stage), faded in over the previous."""
        ends = self.stage_ends + [len(self.body)]

        def image(k: int, h: torch.Tensor) -> torch.Tensor:
            return h if k == len(self.stage_ends) else torch.tanh(self.to_rgb[k](h))

        low, begin = None, 0
        for k in range(stage + 1):
            if k == stage and k > 0 and alpha < 1:
                low = image(k - 1, h)
            h, begin = run(self.body[begin:ends[k]], h, ctx), ends[k]
        return image(stage, h) if low is None else fade(low, image(stage, h), alpha)


class ConvDiscriminator(nn.Module):
    """images (N, C, H, W) -> (logits (N,), features (N, F)).

    `features` is the flattened last convolutional map: the f(x) of feature matching and the input of minibatch
    discrimination (when on), whose output is concatenated to it before the final linear layer. A conditional
    discriminator adds the projection term <embed(y), features> (Miyato & Koyama 2018, arXiv:1802.05637).
    `progressive` adds a 1x1 "fromRGB" convolution at every side below the full one (ProGAN).
    """

    def __init__(self, image_shape: tuple[int, int, int], width: int = 64, norm: str = "none", dropout: float = 0.0,
                 mbd_kernels: int = 0, mbd_dim: int = 0, mbd_average: bool = True, num_classes: int = 0, *,
                 downsample: str = "stride", blocks: str = "plain", slope: float = 0.2, attention: int = 0,
                 minibatch_stddev: bool = False, progressive: bool = False):
        super().__init__()
        if norm not in D_NORMS:
            raise ValueError(f"discriminator norm must be one of {', '.join(D_NORMS)}")
        layers, self.feature_size, self.entries = down_layers(
            image_shape, width, lambda c: norm_layer(norm, c), dropout=dropout, downsample_kind=downsample,
            blocks=blocks, slope=slope, attention=attention, minibatch_stddev=minibatch_stddev)
        self.body = nn.Sequential(*layers)
        self.sides = resolutions(image_shape[1])[::-1]  # smallest first: stage k reads images of side sides[k]
        self.from_rgb = nn.ModuleList(nn.Sequential(nn.Conv2d(image_shape[0], self.entries[s][1], 1),
                                                    activation(slope)) for s in self.sides[:-1]) if progressive else None
        self.mbd = (MinibatchDiscrimination(self.feature_size, mbd_kernels, mbd_dim, mbd_average)
                    if mbd_kernels else None)
        self.out = nn.Linear(self.feature_size + mbd_kernels, 1)
        self.embed = nn.Embedding(num_classes, self.feature_size) if num_classes else None
        if norm == "spectral":
            from engine.tricks.spectral_norm import apply_spectral_norm

            apply_spectral_norm(self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None, stage: int | None = None,
                alpha: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
        if stage is None or self.from_rgb is None:
            h = self.body(x)
        else:
            h = self._grown(x, min(stage, len(self.sides) - 1), alpha)
        features = h.flatten(1)
        h = self.mbd(features) if self.mbd is not None else features
        logits = self.out(h).squeeze(1)
        if self.embed is not None:
            if labels is None:
                raise ValueError("a conditional discriminator needs class labels")
            logits = logits + (self.embed(labels) * features).sum(1)
        return logits, features

    def _grown(self, x: torch.Tensor, stage: int, alpha: float) -> torch.Tensor:
        """Images of side sides[stage] in through their fromRGB (the raw image at the last stage), faded in over the
        previous stage's fromRGB of the average-pooled images."""
        last = len(self.sides) - 1
        begin = self.entries[self.sides[stage]][0]
        h = x if stage == last else self.from_rgb[stage](x)
        if stage > 0 and alpha < 1:
            end = self.entries[self.sides[stage - 1]][0]
            low = self.from_rgb[stage - 1](nn.functional.avg_pool2d(x, 2))
            h, begin = torch.lerp(low, self.body[begin:end](h), alpha), end
        return self.body[begin:](h)
