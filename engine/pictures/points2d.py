"""What every 2D page draws from fixed inputs, so two previews differ only because the model changed: a regular
grid over the toy's bounds (fields, densities and energies are evaluated on it), the true density on that grid, and
a PNG scatter of samples over the data (samples.png of 2D runs).
"""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image, ImageDraw

POINTS = 600  # points of each kind a 2D page draws
FIELD_RES = 48  # a field's grid is FIELD_RES x FIELD_RES


def field_grid(bounds, resolution: int = FIELD_RES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, points): the grid's axes and its points (R*R, 2), row by row from the bottom (rows are y)."""
    (x0, x1), (y0, y1) = bounds
    xs = np.linspace(x0, x1, resolution, dtype=np.float32)
    ys = np.linspace(y0, y1, resolution, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)  # (R, R) each, rows are y
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1)  # (R*R, 2)


def true_density(data, resolution: int = FIELD_RES) -> np.ndarray:
    """The toy's density on `field_grid` (R, R), computed once per dataset object and resolution."""
    cache = data.__dict__.setdefault("_genlab_density", {})
    if resolution not in cache:
        _, _, grid = field_grid(data.bounds, resolution)
        cache[resolution] = data.density(grid).reshape(resolution, resolution).astype(np.float32)
    return cache[resolution]


def scatter_png(data, points: np.ndarray, size: int = 512) -> bytes:
    """Real samples in grey, generated samples in orange, mode centres as circles of 3 sd; PNG bytes."""
    (x0, x1), (y0, y1) = data.bounds
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)

    def px(p):
        return (p[0] - x0) / (x1 - x0) * (size - 1), (1 - (p[1] - y0) / (y1 - y0)) * (size - 1)

    real = data.sample(len(points), torch.Generator().manual_seed(0)).numpy()
    for p in real:
        u, v = px(p)
        draw.point((u, v), fill=(150, 150, 150))
    for p in points:
        u, v = px(p)
        draw.ellipse((u - 1.5, v - 1.5, u + 1.5, v + 1.5), fill=(230, 110, 20))
    for cx in data.centres:
        u, v = px(cx)
        r = 3 * data.std / (x1 - x0) * size
        draw.ellipse((u - r, v - r, u + r, v + r), outline=(60, 60, 200))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
