"""What the VQ-VAE page shows, computed here so the page only draws: code maps as small coloured grids, a map with
one code swapped, every code decoded alone, and a frozen copy of both stages for the prior's movie and completions
while training goes on. Pictures come back as uint8 arrays (H, W, 3) or (N, C, H, W); call the functions that take a
trainer between training steps (`Run.with_trainer`)."""

from __future__ import annotations

import colorsys
import copy
from dataclasses import dataclass

import numpy as np
import torch

from engine.families.pixelcnn.sampler import SamplingMovie, class_labels
from engine.families.vqvae import prior as priors
from engine.pictures.images import grid_uint8, to_uint8

PENDING = np.array([214, 226, 240], np.uint8)  # light blue: a code not drawn yet (the PixelCNN page's colour)
EVERY_CODE_MODES = ("alone on the background", "everywhere")


def palette(codes: int) -> np.ndarray:
    """uint8 (K, 3): one colour per code, hues spread by the golden ratio so neighbours in index differ."""
    hues = (np.arange(codes) * 0.618033988749895) % 1.0
    rgb = [colorsys.hsv_to_rgb(h, 0.55 + 0.35 * (i % 3) / 2, 0.95 - 0.25 * (i % 2)) for i, h in enumerate(hues)]
    return (np.array(rgb) * 255).round().astype(np.uint8)


def code_map_picture(k: np.ndarray, codes: int, cell: int = 12, pending: np.ndarray | None = None) -> np.ndarray:
    """A code map (h, w) of indices as a grid of coloured cells, uint8 (h*cell, w*cell, 3), a thin white line between
    cells; `pending` (h, w) bool cells in light blue (not drawn yet)."""
    picture = palette(codes)[np.asarray(k)]  # (h, w) -> (h, w, 3)
    if pending is not None:
        picture[pending] = PENDING
    big = picture.repeat(cell, 0).repeat(cell, 1)
    big[::cell] = 255
    big[:, ::cell] = 255
    return big


def code_map_row(maps: np.ndarray, codes: int, cell: int = 12, gap: int = 4) -> np.ndarray:
    """Code maps (N, h, w) side by side, uint8 (h*cell, N*(w*cell + gap) - gap, 3)."""
    pictures = [code_map_picture(k, codes, cell) for k in maps]
    spacer = np.full((pictures[0].shape[0], gap, 3), 255, np.uint8)
    return np.concatenate([p for picture in pictures for p in (picture, spacer)][:-1], axis=1)


def background_code(trainer) -> int:
    """The code the held-out images use most (on digits, the blank background)."""
    counts = trainer.model.quantizers[0].counts(trainer.encode(trainer.heldout_x[:256])[0])
    return int(counts.argmax())


def swapped(trainer, image: torch.Tensor, i: int, j: int, code: int) -> dict[str, np.ndarray]:
    """An image's bottom code map, the same map with the code at (i, j) replaced by `code`, and what each decodes
    to: {"map", "swapped_map": (h, w) ints, "reconstruction", "swapped": uint8 (C, H, W)}. Other levels are kept."""
    k = trainer.encode(image[None])
    changed = [k[0].clone()] + k[1:]
    changed[0][0, i, j] = code
    return {"map": k[0][0].cpu().numpy(), "swapped_map": changed[0][0].cpu().numpy(),
            "reconstruction": to_uint8(trainer.decode(k))[0], "swapped": to_uint8(trainer.decode(changed))[0]}


def every_code(trainer, mode: str) -> np.ndarray:
    """Each of the K codes decoded alone, as one grid (index order, left to right): `alone on the background`
    puts the code at the centre of a map of the background code, `everywhere` fills the whole map with it. Other
    levels (the top of a two-level model) get zero vectors."""
    if mode not in EVERY_CODE_MODES:
        raise ValueError(f"unknown mode '{mode}': expected one of {', '.join(EVERY_CODE_MODES)}")
    codes, side = trainer.config.codebook_size, trainer.sides[0]
    every = torch.arange(codes)
    if mode == "everywhere":
        k = every[:, None, None].expand(codes, side, side).clone()
    else:
        k = torch.full((codes, side, side), background_code(trainer))
        k[:, side // 2, side // 2] = every
    maps = [k] + [torch.zeros(codes, s, s, dtype=torch.long) for s in trainer.sides[1:]]
    keep = (True,) + (False,) * (len(maps) - 1)
    images = torch.cat([trainer.decode([m[i: i + 256] for m in maps], keep) for i in range(0, codes, 256)])
    return grid_uint8(images, nrow=int(np.ceil(np.sqrt(codes))))


# --------------------------------------------------------------------------- the prior, beside training
@dataclass(frozen=True)
class FrozenVqvae:
    """CPU copies of a one-level trainer's autoencoder and prior with what sampling needs, taken between two training
    steps (`Run.with_trainer`): the page samples and decodes from them as long as it likes while the run trains."""

    model: torch.nn.Module
    prior: torch.nn.Module
    likelihood: str
    side: int
    codes: int
    step: int
    prior_steps: int
    sampler: str
    temperature: float
    num_classes: int

    @classmethod
    def of(cls, trainer) -> "FrozenVqvae":
        c = trainer.config
        return cls(copy.deepcopy(trainer.model).cpu().eval(), copy.deepcopy(trainer.prior).cpu().eval(),
                   c.likelihood, trainer.sides[0], c.codebook_size, trainer.step_count, trainer.prior_steps,
                   c.sampler, c.temperature, trainer.num_classes)

    def labels(self, n: int, label: int | None = None) -> torch.Tensor | None:
        """Class labels of n samples: all `label`, or 0, 1, ..., K-1, 0, ... (None for an unconditional prior)."""
        return class_labels(n, self.num_classes, label)

    def movie(self, n: int, seed: int, label: int | None = None) -> SamplingMovie:
        """The prior drawing n code maps, a code at a time, when advanced (the PixelCNN family's sampler)."""
        return priors.movie(self.prior, (self.side, self.side), n, sampler=self.sampler,
                            temperature=self.temperature, generator=torch.Generator().manual_seed(seed),
                            labels=self.labels(n, label))

    def complete(self, known: torch.Tensor, region: torch.Tensor, n: int, seed: int,
                 labels: torch.Tensor | None = None) -> torch.Tensor:
        """n completions (n, h, w) of one code map `known` (h, w): the `region` (bool (h, w)) drawn, the rest kept."""
        return priors.sample_maps(self.prior, (self.side, self.side), n, sampler=self.sampler,
                                  temperature=self.temperature, generator=torch.Generator().manual_seed(seed),
                                  labels=labels, known=known.repeat(n, 1, 1), region=region)

    @torch.no_grad()
    def decode(self, k: torch.Tensor, pending: np.ndarray | None = None) -> np.ndarray:
        """uint8 (N, C, H, W) images of code maps (N, h, w). NOTE: `pending` positions (bool (h, w), not drawn yet)
        get the zero vector, which is no code: the decoder shows what the codes drawn so far say."""
        e = self.model.quantizers[0].lookup(k.long())
        if pending is not None:
            e[:, :, torch.as_tensor(pending)] = 0.0
        out = self.model.decode([e])
        return to_uint8(torch.sigmoid(out) * 2 - 1 if self.likelihood == "bernoulli" else out.clamp(-1, 1))
