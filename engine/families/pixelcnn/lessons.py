"""What the PixelCNN page shows, computed here so the page only draws: a frozen copy of the network to sample from
while training goes on, completion regions, the receptive fields of plain vs gated PixelCNN and the blind spot, and
the pictures of a canvas being drawn and of a receptive field (uint8 RGB arrays)."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from engine.families.pixelcnn.likelihoods import to_input
from engine.families.pixelcnn.receptive_field import receptive_field
from engine.families.pixelcnn.sampler import SamplingMovie, class_labels, lower_half, sample
from engine.models.pixelcnn import build_pixelcnn
from engine.pictures.images import to_uint8
from engine.trainer import seeded

REGIONS = ("lower half", "right half", "centre square", "rows and columns")
UNDRAWN = np.array([214, 226, 240], np.uint8)  # light blue: not drawn yet
CURRENT = np.array([228, 87, 46], np.uint8)  # orange-red: the pixel being drawn
SEEN = np.array([31, 119, 180], np.uint8)
BLIND = np.array([255, 170, 0], np.uint8)
FUTURE = np.array([235, 235, 235], np.uint8)


# --------------------------------------------------------------------------- sampling beside training
@dataclass(frozen=True)
class FrozenPixelCnn:
    """A copy of a trainer's network (on the CPU: small batches draw fastest there, with no transfer per value) and
    the settings sampling needs, taken between two training steps (`Run.with_trainer`): the page then samples from
    it for as long as it likes while the run trains on."""

    model: torch.nn.Module
    output: str
    shape: tuple[int, int, int]
    step: int
    sampler: str
    temperature: float
    num_classes: int

    @classmethod
    def of(cls, trainer) -> "FrozenPixelCnn":
        c = trainer.config
        return cls(copy.deepcopy(trainer.model).cpu().eval(), c.output, tuple(trainer.shape), trainer.step_count,
                   c.sampler, c.temperature, trainer.num_classes)

    def labels(self, n: int, label: int | None = None) -> torch.Tensor | None:
        """Class labels of n samples: all `label`, or 0, 1, ..., K-1, 0, ... (None for an unconditional model)."""
        return class_labels(n, self.num_classes, label)

    def movie(self, n: int, seed: int, label: int | None = None) -> SamplingMovie:
        """A sampling run to advance a few values at a time (nothing is drawn until it is advanced)."""
        return SamplingMovie(self.model, self.output, self.shape, n, sampler=self.sampler,
                             temperature=self.temperature, generator=torch.Generator().manual_seed(seed),
                             labels=self.labels(n, label))

    def complete(self, known: torch.Tensor, region: torch.Tensor, n: int, seed: int,
                 labels: torch.Tensor | None = None) -> torch.Tensor:
        """n completions of one image's integer values `known` (1, C, H, W): the `region` (bool (H, W)) drawn,
        the other pixels kept. Returns integer values (n, C, H, W)."""
        return sample(self.model, self.output, self.shape, n, sampler=self.sampler, temperature=self.temperature,
                      known=known.repeat(n, 1, 1, 1), region=region, generator=torch.Generator().manual_seed(seed),
                      labels=labels)


def completion_region(kind: str, height: int, width: int, rows=(0, 0), cols=(0, 0)) -> torch.Tensor:
    """bool (H, W), True where a completion draws: one of REGIONS (`rows` and `cols`: inclusive ranges)."""
    if kind not in REGIONS:
        raise ValueError(f"unknown region '{kind}': expected one of {', '.join(REGIONS)}")
    if kind == "lower half":
        return lower_half(height, width)
    region = torch.zeros(height, width, dtype=torch.bool)
    if kind == "right half":
        region[:, width // 2:] = True
    elif kind == "centre square":
        region[height // 4: height - height // 4, width // 4: width - width // 4] = True
    else:
        region[rows[0]: rows[1] + 1, cols[0]: cols[1] + 1] = True
    return region


# --------------------------------------------------------------------------- the blind spot
def receptive_fields(size: int, layers: int, first_kernel: int, i: int, j: int) -> dict[str, np.ndarray]:
    """|gradient| of the output at (i, j) with respect to every input pixel, for fresh plain and gated PixelCNNs of
    the same depth on a size x size image (seeded: the global random stream stays untouched)."""
    out = {}
    for variant in ("pixelcnn", "gated"):
        with seeded(0, torch.device("cpu")):
            model = build_pixelcnn(variant, 1, 1, 8, layers, first_kernel)
        out[variant] = receptive_field(model, (1, size, size), i, j)
    return out


def blind_spot_of(field: np.ndarray, reference: np.ndarray, i: int, j: int) -> np.ndarray:
    """Earlier pixels, in rows this field reaches, that the `reference` field sees and this one does not."""
    h, w = field.shape
    past = np.arange(h * w).reshape(h, w) < i * w + j
    rows = np.nonzero(field.any(axis=1))[0]
    within = np.zeros_like(past)
    if len(rows):
        within[rows.min():] = True  # not the rows above its reach: that is depth, not a blind spot
    return past & within & (field == 0) & (reference > 0)


# --------------------------------------------------------------------------- pictures
def tile(pictures: np.ndarray, per_row: int, pad: int = 3) -> np.ndarray:
    """uint8 (N, H, W, 3) -> one (H', W', 3) picture, `per_row` across, white gaps."""
    n, h, w, _ = pictures.shape
    rows = -(-n // per_row)
    out = np.full((rows * (h + pad) + pad, per_row * (w + pad) + pad, 3), 255, np.uint8)
    for k, pic in enumerate(pictures):
        r, c = divmod(k, per_row)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = pic
    return out


def pending_pixels(shape, region: torch.Tensor, at: tuple[int, int] | None) -> np.ndarray:
    """bool (H, W): pixels of the region not drawn yet (the current one counts as drawn)."""
    _, h, w = shape
    order = np.arange(h * w).reshape(h, w)
    now = -1 if at is None else at[0] * w + at[1]
    return region.numpy() & (order > now)


def canvas_picture(values: torch.Tensor, output: str, *, pending: np.ndarray | None = None,
                   current: tuple[int, int] | None = None, tile_size: int = 120, per_row: int = 8) -> np.ndarray:
    """Integer values (N, C, H, W) as crisp RGB tiles (uint8 (H', W', 3)): `pending` (bool (H, W)) pixels in light
    blue, the `current` pixel framed in orange."""
    images = to_uint8(to_input(values, output)).transpose(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
    if images.shape[3] == 1:
        images = images.repeat(3, axis=3)
    images = images.copy()
    if pending is not None:
        images[:, pending] = UNDRAWN
    h, w = images.shape[1:3]
    f = max(1, tile_size // max(h, w))
    big = images.repeat(f, 1).repeat(f, 2)
    if current is not None:
        i, j = current
        t = max(1, f // 6)
        top, left = i * f, j * f
        big[:, top: top + f, left: left + t] = CURRENT
        big[:, top: top + f, left + f - t: left + f] = CURRENT
        big[:, top: top + t, left: left + f] = CURRENT
        big[:, top + f - t: top + f, left: left + f] = CURRENT
    return tile(big, min(per_row, len(big)))


def movie_frames(movie: SamplingMovie, tile_size: int = 48) -> np.ndarray:
    """The frames a finished sampling run kept, as pictures (T, 3, H', W') for a GIF, the finished grid last."""
    region = torch.ones(movie.shape[1], movie.shape[2], dtype=torch.bool)
    width = movie.shape[2]
    pictures = []
    for drawn, values in movie.frames:
        pixel = (drawn - 1) // movie.shape[0]
        at = (pixel // width, pixel % width)
        pictures.append(canvas_picture(values, movie.output, pending=pending_pixels(movie.shape, region, at),
                                       current=at, tile_size=tile_size).transpose(2, 0, 1))
    pictures.append(canvas_picture(movie.values(), movie.output, tile_size=tile_size).transpose(2, 0, 1))
    return np.stack(pictures)


def field_picture(field: np.ndarray, reference: np.ndarray, i: int, j: int, size: int = 300) -> np.ndarray:
    """Seen pixels blue (darker = larger gradient, log scale), the blind spot (`blind_spot_of`) orange, later pixels
    grey, the chosen pixel orange-red; uint8 (H', W', 3)."""
    h, w = field.shape
    order = np.arange(h * w).reshape(h, w)
    past = order < i * w + j
    picture = np.empty((h, w, 3), np.uint8)
    picture[:] = FUTURE
    seen = field > 0
    strength = np.zeros_like(field)
    if seen.any():
        logs = np.log10(field[seen])
        strength[seen] = (logs - logs.min()) / max(1e-9, logs.max() - logs.min())
    light = (255 - (255 - SEEN) * (0.35 + 0.65 * strength[..., None])).astype(np.uint8)
    picture[seen] = light[seen]
    picture[past & ~seen] = [250, 250, 250]
    picture[blind_spot_of(field, reference, i, j)] = BLIND
    picture[i, j] = CURRENT
    f = max(1, size // max(h, w))
    return picture.repeat(f, 0).repeat(f, 1)
