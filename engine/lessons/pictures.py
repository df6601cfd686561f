"""Pictures for the board, made from what a run's snapshot already holds (its preview arrays), never from the model:
a 2D run's generated points over its real ones, or a sample grid shrunk to a thumbnail; PNG bytes, a few kB each.
And the QR code of a room's join link, drawn here (segno, pure Python: no network)."""

from __future__ import annotations

import io
from typing import Any, Mapping

import numpy as np
from PIL import Image, ImageDraw

POINT_KEYS = ("fake", "samples", "chains")  # (N, 2) generated points, in the order the families name them
REAL_KEYS = ("real",)
GRID_KEYS = ("grid", "samples", "chains", "misclassified", "reconstructions")  # (H, W, C) uint8 pictures
SIZE = 240
FAKE = (230, 159, 0)  # Okabe-Ito orange: generated points
REAL = (86, 180, 233)  # Okabe-Ito sky blue: the data


def _points(preview: Mapping[str, Any], keys) -> np.ndarray | None:
    for key in keys:
        value = preview.get(key)
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] == 2 and value.dtype.kind == "f":
            return value
    return None


def _grid(preview: Mapping[str, Any]) -> np.ndarray | None:
    for key in GRID_KEYS:
        value = preview.get(key)
        if isinstance(value, np.ndarray) and value.ndim == 3 and value.dtype == np.uint8 and value.shape[2] in (1, 3):
            return value
    return None


def thumbnail(preview: Mapping[str, Any], bounds: tuple | None = None, size: int = SIZE) -> bytes | None:
    """A PNG of the run as it is now (None when its preview holds no points nor pictures). `bounds` ((x0, x1),
    (y0, y1)) frames 2D points; without it the points' own range is used."""
    fake = _points(preview, POINT_KEYS)
    if fake is not None:
        return scatter(fake, _points(preview, REAL_KEYS), bounds, size)
    grid = _grid(preview)
    if grid is None:
        return None
    img = Image.fromarray(grid[..., 0] if grid.shape[2] == 1 else grid)
    scale = size / max(img.width, img.height)
    resample = Image.NEAREST if scale >= 1 else Image.BOX
    img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), resample)
    return _png(img)


def scatter(fake: np.ndarray, real: np.ndarray | None, bounds: tuple | None, size: int = SIZE) -> bytes:
    """Real points in blue under generated ones in orange (a colour-blind-safe pair), on white."""
    if bounds is None:
        both = fake if real is None else np.concatenate([fake, real])
        finite = both[np.isfinite(both).all(1)]
        lo, hi = (finite.min(0), finite.max(0)) if len(finite) else (np.array([-1, -1]), np.array([1, 1]))
        pad = (hi - lo) * 0.05 + 1e-6
        bounds = ((lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]))
    (x0, x1), (y0, y1) = bounds
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)

    def pixels(points: np.ndarray) -> np.ndarray:
        u = (points[:, 0] - x0) / (x1 - x0) * (size - 1)
        v = (1 - (points[:, 1] - y0) / (y1 - y0)) * (size - 1)
        keep = np.isfinite(u) & np.isfinite(v) & (u >= 0) & (u < size) & (v >= 0) & (v < size)
        return np.stack([u[keep], v[keep]], 1)

    if real is not None:
        for u, v in pixels(real)[:400]:
            draw.ellipse((u - 1, v - 1, u + 1, v + 1), fill=REAL)
    for u, v in pixels(fake)[:600]:
        draw.ellipse((u - 1.6, v - 1.6, u + 1.6, v + 1.6), fill=FAKE)
    return _png(img)


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


class QrUnavailable(RuntimeError):
    """segno is not installed; the message says how to install it."""


def qr_png(text: str, scale: int = 8) -> bytes:
    """The QR code of `text` (a join link) as PNG bytes, drawn on the server (segno; error correction M)."""
    try:
        import segno
    except ImportError:
        raise QrUnavailable("The QR code needs the segno package: pip install segno (or pip install -r "
                            "requirements.txt). The join link and the code work without it.") from None
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()
