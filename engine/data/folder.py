"""`folder:PATH`: every picture under PATH, labelled by first-level sub-folder when there are at least two; and one
picture from bytes (an upload) or from painted pixels.

The walk never follows links, skips what is not a regular file, and stops once it has seen more pictures than the
limit or too many entries (a path such as `/` is refused quickly, not read whole); the pictures are read within the
limits of engine/data/image_files.py (files, bytes, pixels per picture and in all), each resized as soon as it is
decoded. Unreadable, empty and huge files are skipped and named; mixed greyscale and colour become colour; every
picture is centre-cropped to a square and resized.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from engine.data import image_files
from engine.data.errors import BadInput
from engine.data.image_files import Source, is_picture_name, square
from engine.data.images import ImageDataset

MAX_ENTRIES = 200_000  # directory entries a folder walk looks at before it gives up


def folder_sources(root: Path, limits: image_files.Limits) -> list[Source]:
    """The pictures under `root` (links not followed), each labelled by its first-level sub-folder."""
    found, entries = [], 0
    for folder, dirs, files in os.walk(root, followlinks=False, onerror=lambda err: None):
        dirs.sort()
        entries += len(dirs) + len(files)
        if entries > MAX_ENTRIES:
            raise BadInput(f"folder:{root} holds more than {MAX_ENTRIES:,} files and folders: point it at the "
                           "folder of your pictures")
        for file in sorted(files):
            path = Path(folder) / file
            if not is_picture_name(file) or path.is_symlink() or not path.is_file():
                continue
            if len(found) >= limits.files:
                raise BadInput(f"folder:{root} holds more than {limits.files:,} pictures (GENLAB_MAX_IMAGES)")
            parts = path.relative_to(root).parts
            found.append(Source(str(path.relative_to(root)), parts[0] if len(parts) > 1 else "",
                                path.stat().st_size, lambda p=path: open(p, "rb")))
    return found


def image_folder(path: str, image_size: int = 64) -> ImageDataset:
    root = Path(path).expanduser()
    if not root.is_dir():
        raise BadInput(f"folder:{path}: there is no such folder")
    limits = image_files.Limits.current()
    try:
        return image_files.build_dataset(f"folder:{path}", folder_sources(root, limits), image_size, "auto", limits)
    except BadInput as err:
        message = str(err).replace(f"folder:{path} holds no readable pictures", f"folder:{path} holds no readable "
                                                                                "images")
        raise BadInput(message) from None


def image_from_bytes(data: bytes, shape: tuple[int, int, int], name: str = "the upload") -> tuple[torch.Tensor, str]:
    """One uploaded picture as a (C, H, W) tensor in [-1, 1] of the dataset's `shape`, plus a note saying what was
    changed to fit (size, colour mode), or "" when nothing was. Unreadable, empty or huge data raises BadInput."""
    import io

    limits = image_files.Limits.current()
    if not data:
        raise BadInput(f"{name} is empty")
    if len(data) > limits.file_bytes:
        raise BadInput(f"{name} is larger than {limits.file_bytes // 2**20} MB")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > limits.pixels:
                raise BadInput(f"{name} has more than {limits.pixels:,} pixels")
            img.load()
            img = img.copy()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise BadInput(f"{name} is not an image this tool can read ({type(err).__name__})") from None
    channels, side, _ = shape
    notes = []
    mode = "L" if channels == 1 else "RGB"
    if img.mode != mode:
        notes.append(f"converted from {img.mode} to {'grayscale' if mode == 'L' else 'RGB'}")
    if img.size != (side, side):
        notes.append(f"cropped to a square and resized from {img.width}x{img.height} to {side}x{side}")
    array = np.asarray(square(img.convert(mode), side), dtype=np.float32) / 255.0 * 2 - 1
    x = torch.as_tensor(array)
    x = x[None] if x.dim() == 2 else x.permute(2, 0, 1)
    return x, ("; ".join(notes) and f"{name}: " + "; ".join(notes))
