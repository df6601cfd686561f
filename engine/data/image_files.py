"""Pictures from files a user chose (a folder on the server, an uploaded zip or loose images) made into an
`ImageDataset`, within limits a careless or hostile input cannot get past.

Every file is first opened lazily (PIL reads the header only): too many files, too many bytes, a picture of more
pixels than MAX_PIXELS (a decompression bomb) or more decoded pixels in all than MAX_TOTAL_PIXELS are refused before
anything is decoded. Then each picture is decoded on its own, cropped to a square, resized and kept at the small
size, so memory holds one full-size picture at a time. Empty, unreadable and non-image files are skipped and named.
The limits are settings (environment variables), read when a dataset is made.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from engine.data.errors import BadInput
from engine.data.images import ImageDataset

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
MAX_FILES = 20_000  # GENLAB_MAX_IMAGES: pictures in one dataset
MAX_BYTES = 50 * 2**20  # GENLAB_MAX_IMAGE_BYTES: one file
MAX_TOTAL_BYTES = 2**30  # GENLAB_MAX_DATASET_BYTES: all files together
MAX_PIXELS = 40_000_000  # GENLAB_MAX_PIXELS: one picture, decoded (a 6,300 x 6,300 picture is 39.7 million)
MAX_TOTAL_PIXELS = 400_000_000  # GENLAB_MAX_TOTAL_PIXELS: all pictures together, decoded
MIN_PER_CLASS = 2  # GENLAB_MIN_PER_CLASS: pictures each class of an upload needs (one to train, one held out)
HELDOUT_SHARE = 0.1


@dataclass(frozen=True)
class Limits:
    files: int
    file_bytes: int
    total_bytes: int
    pixels: int
    total_pixels: int
    per_class: int

    @classmethod
    def current(cls) -> "Limits":
        """The limits in force: each environment variable, or this module's default."""
        def read(name: str, default: int) -> int:
            text = os.environ.get(name, "")
            try:
                return int(text) if text else default
            except ValueError:
                raise BadInput(f"{name} must be a whole number, got {text!r}") from None

        return cls(read("GENLAB_MAX_IMAGES", MAX_FILES), read("GENLAB_MAX_IMAGE_BYTES", MAX_BYTES),
                   read("GENLAB_MAX_DATASET_BYTES", MAX_TOTAL_BYTES), read("GENLAB_MAX_PIXELS", MAX_PIXELS),
                   read("GENLAB_MAX_TOTAL_PIXELS", MAX_TOTAL_PIXELS), read("GENLAB_MIN_PER_CLASS", MIN_PER_CLASS))


@dataclass(frozen=True)
class Source:
    """One picture to read: its name as the user knows it, its class folder ("" for none), its size in bytes and a
    way to open it (a binary file object)."""

    name: str
    label: str
    size: int
    open: Callable[[], io.BufferedIOBase]


def is_picture_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in EXTENSIONS


def square(img: Image.Image, size: int) -> Image.Image:
    """The centred square crop, resized to size x size."""
    w, h = img.size
    s = min(w, h)
    img = img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
    return img.resize((size, size), Image.BILINEAR)


def _named(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def build_dataset(name: str, sources: Iterable[Source], size: int, mode: str = "auto", limits: Limits | None = None,
                  labelled: bool = True, per_class: int = 1) -> ImageDataset:
    """An ImageDataset of `sources`: labelled by their class folders when there are at least two and `labelled`,
    `mode` "L" (greyscale), "RGB" (colour) or "auto" (colour when any picture is), size x size pixels, a fixed
    shuffle and a held-out split of HELDOUT_SHARE (at least one picture on each side). Too many files or bytes, a
    decompression bomb, too few pictures (or fewer than `per_class` in a class) raise BadInput naming what;
    unreadable, empty and non-image files are skipped and named in the note."""
    limits = limits or Limits.current()
    skipped: dict[str, list[str]] = {"empty": [], "too large": [], "unreadable": []}
    heads = _read_headers(name, list(sources), limits, skipped)
    if mode == "auto":
        mode = "RGB" if any(m not in ("L", "1", "I", "I;16", "LA") for _, m in heads) else "L"
    classes = _classes(name, heads, labelled, per_class)
    x, y = _decode(heads, mode, size, classes, skipped)
    order = torch.as_tensor(np.random.RandomState(0).permutation(len(x)))
    x, y = x[order], (y[order] if y is not None else None)
    k = min(len(x) - 1, max(1, int(round(len(x) * (1 - HELDOUT_SHARE)))))  # at least one picture on each side
    total_skipped = sum(len(v) for v in skipped.values())
    notes = ([f"skipped {total_skipped} file(s): " + ", ".join(f"{len(names)} {why} ({_named(names)})"
                                                             for why, names in skipped.items() if names)]
             if total_skipped else [])
    if mode == "RGB" and any(m in ("L", "1") for _, m in heads):
        notes.append("greyscale and colour pictures were mixed: all converted to RGB")
    return ImageDataset(name, x[:k], y[:k] if y is not None else None, x[k:], y[k:] if y is not None else None,
                        len(classes), classes, "; ".join(notes), total_skipped)


def _read_headers(name: str, sources: list[Source], limits: Limits,
                  skipped: dict[str, list[str]]) -> list[tuple[Source, str]]:
    """(source, PIL mode) of every picture that will be decoded, from its header alone; the limits on files, bytes
    and pixels checked before anything is decoded. Empty, too large and unreadable files go to `skipped`."""
    if len(sources) > limits.files:
        raise BadInput(f"{name}: {len(sources):,} pictures, more than the limit of {limits.files:,} "
                       "(GENLAB_MAX_IMAGES)")
    heads = []
    total_bytes = total_pixels = 0
    for source in sources:
        if source.size == 0:
            skipped["empty"].append(source.name)
            continue
        if source.size > limits.file_bytes:
            skipped["too large"].append(source.name)
            continue
        total_bytes += source.size
        if total_bytes > limits.total_bytes:
            raise BadInput(f"{name}: more than {limits.total_bytes:,} bytes of pictures in all "
                           "(GENLAB_MAX_DATASET_BYTES)")
        try:
            with source.open() as f, Image.open(f) as img:  # the header only: nothing decoded yet
                pixels, picture_mode = img.width * img.height, img.mode
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            skipped["unreadable"].append(source.name)
            continue
        if pixels > limits.pixels:
            raise BadInput(f"{source.name} is {pixels:,} pixels, more than the limit of {limits.pixels:,} for one "
                           "picture (GENLAB_MAX_PIXELS): a picture that large is refused before it is decoded")
        total_pixels += pixels
        if total_pixels > limits.total_pixels:
            raise BadInput(f"{name}: more than {limits.total_pixels:,} pixels in all once decoded "
                           "(GENLAB_MAX_TOTAL_PIXELS)")
        heads.append((source, picture_mode))
    if not heads:
        raise BadInput(f"{name} holds no readable pictures ({', '.join(sorted(EXTENSIONS))})"
                       + (f"; skipped: {_named([n for names in skipped.values() for n in names])}"
                          if any(skipped.values()) else ""))
    if len(heads) < 2:
        raise BadInput(f"{name} holds one readable picture: at least 2 are needed (one to train on, one held out to "
                       "measure with)")
    return heads


def _classes(name: str, heads: list[tuple[Source, str]], labelled: bool, per_class: int) -> list[str]:
    """The class folders, when `labelled` and every picture sits in one of at least two; each class needs
    `per_class` pictures."""
    classes = sorted({s.label for s, _ in heads if s.label}) if labelled else []
    if len(classes) < 2 or any(not s.label for s, _ in heads):
        return []
    counts = {c: sum(s.label == c for s, _ in heads) for c in classes}
    few = [f"'{c}' ({n})" for c, n in counts.items() if n < per_class]
    if few:
        raise BadInput(f"{name}: the class folder(s) {', '.join(few)} hold fewer than {per_class} readable "
                       "pictures (GENLAB_MIN_PER_CLASS): add pictures or remove the folder")
    return classes


def _decode(heads: list[tuple[Source, str]], mode: str, size: int, classes: list[str],
            skipped: dict[str, list[str]]) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Each picture decoded on its own, cropped square and resized (one full-size picture in memory at a time):
    images in [-1, 1] (N, C, size, size) and their class indices (None without classes)."""
    arrays, labels = [], []
    for source, _ in heads:
        try:
            with source.open() as f, Image.open(f) as img:
                img.draft(mode, (2 * size, 2 * size))  # JPEGs decode at a reduced scale where they can
                arrays.append(np.asarray(square(img.convert(mode), size)))
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            skipped["unreadable"].append(source.name)
            continue
        labels.append(classes.index(source.label) if classes else -1)
    x = np.stack(arrays)
    x = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)  # (N,H,W) -> (N,1,H,W); (N,H,W,C) -> (N,C,H,W)
    x = torch.as_tensor(x.astype(np.float32) / 255.0 * 2 - 1)
    return x, (torch.as_tensor(labels, dtype=torch.long) if classes else None)
