"""`folder:PATH`: every image under PATH, labelled by first-level sub-folder when there are at least two.

Unreadable, empty and huge files are skipped and counted; mixed grayscale and colour become colour; every image is
centre-cropped to a square and resized.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from engine.data.errors import BadInput
from engine.data.images import ImageDataset

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
MAX_BYTES = 50 * 2**20
MAX_PIXELS = 40_000_000


def _square(img: Image.Image, size: int) -> Image.Image:
    w, h = img.size
    s = min(w, h)
    img = img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
    return img.resize((size, size), Image.BILINEAR)


def image_folder(path: str, image_size: int = 64) -> ImageDataset:
    root = Path(path).expanduser()
    if not root.is_dir():
        raise BadInput(f"folder:{path}: there is no such folder")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in EXTENSIONS and p.is_file())
    subfolders = sorted({p.relative_to(root).parts[0] for p in files if len(p.relative_to(root).parts) > 1})
    labelled = len(subfolders) >= 2
    images, labels, reasons = [], [], {"unreadable": 0, "empty": 0, "too large": 0}
    for p in files:
        size = p.stat().st_size
        if size == 0:
            reasons["empty"] += 1
            continue
        if size > MAX_BYTES:
            reasons["too large"] += 1
            continue
        try:
            with Image.open(p) as img:
                if img.width * img.height > MAX_PIXELS:
                    reasons["too large"] += 1
                    continue
                img.load()
                images.append(img.copy())
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            reasons["unreadable"] += 1
            continue
        parts = p.relative_to(root).parts
        labels.append(subfolders.index(parts[0]) if labelled and len(parts) > 1 else -1)
    if not images:
        raise BadInput(f"folder:{path} holds no readable images ({', '.join(sorted(EXTENSIONS))})")
    if len(images) < 2:
        raise BadInput(f"folder:{path} holds one readable image: at least 2 are needed (one to train on, one held "
                       "out to measure with)")
    colour = any(img.mode not in ("L", "1", "I", "I;16", "LA") for img in images)
    mode = "RGB" if colour else "L"
    arrays = [np.asarray(_square(img.convert(mode), image_size)) for img in images]
    x = np.stack(arrays)
    x = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)  # (N,H,W) -> (N,1,H,W); (N,H,W,C) -> (N,C,H,W)
    x = torch.as_tensor(x.astype(np.float32) / 255.0 * 2 - 1)
    y = torch.as_tensor(labels, dtype=torch.long) if labelled and min(labels) >= 0 else None
    order = torch.as_tensor(np.random.RandomState(0).permutation(len(x)))
    x = x[order]
    y = y[order] if y is not None else None
    k = min(len(x) - 1, max(1, int(round(len(x) * 0.9))))  # at least one image on each side
    skipped = sum(reasons.values())
    notes = (
        [f"skipped {skipped} file(s): " + ", ".join(f"{v} {k_}" for k_, v in reasons.items() if v)] if skipped else []
    )
    if colour and any(img.mode in ("L", "1") for img in images):
        notes.append("grayscale and colour images were mixed: all converted to RGB")
    return ImageDataset(
        f"folder:{path}",
        x[:k],
        y[:k] if y is not None else None,
        x[k:],
        y[k:] if y is not None else None,
        len(subfolders) if labelled else 0,
        subfolders if labelled else [],
        "; ".join(notes),
        skipped,
    )


def image_from_bytes(data: bytes, shape: tuple[int, int, int], name: str = "the upload") -> tuple[torch.Tensor, str]:
    """One uploaded picture as a (C, H, W) tensor in [-1, 1] of the dataset's `shape`, plus a note saying what was
    changed to fit (size, colour mode), or "" when nothing was. Unreadable, empty or huge data raises BadInput."""
    import io

    if not data:
        raise BadInput(f"{name} is empty")
    if len(data) > MAX_BYTES:
        raise BadInput(f"{name} is larger than {MAX_BYTES // 2**20} MB")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise BadInput(f"{name} has more than {MAX_PIXELS:,} pixels")
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
    array = np.asarray(_square(img.convert(mode), side), dtype=np.float32) / 255.0 * 2 - 1
    x = torch.as_tensor(array)
    x = x[None] if x.dim() == 2 else x.permute(2, 0, 1)
    return x, ("; ".join(notes) and f"{name}: " + "; ".join(notes))


def image_from_painted(pixels: list[int], shape: tuple[int, int, int], blur: float = 0.5) -> torch.Tensor:
    """A drawn picture: the painted pixels (row-major indices into a side x side pad, row 0 at the top) white on
    black, softened by a Gaussian blur of `blur` pixels like a pen stroke, as a (C, H, W) tensor in [-1, 1]."""
    from PIL import ImageFilter

    channels, side, _ = shape
    canvas = np.zeros(side * side, np.uint8)
    canvas[[p for p in pixels if 0 <= p < side * side]] = 255
    img = Image.fromarray(canvas.reshape(side, side))
    if blur > 0:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    x = torch.as_tensor(np.asarray(img, np.float32) / 255.0 * 2 - 1)
    return x.expand(channels, side, side).clone()
