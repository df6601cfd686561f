"""What the autoencoder page shows, made from the trainer's `encode` / `decode` (evaluation mode): the map of the
codes, a walk between two images' codes, the four-corner grid and a decoded code. Call them between training steps
(`Run.with_trainer`); pictures come back as uint8 arrays, codes as CPU tensors."""

from __future__ import annotations

import numpy as np
import torch

from engine.latent import bilinear_grid, interpolate, manifold_grid, project_2d
from engine.pictures.images import grid_uint8, to_uint8

MAP_IMAGES = 1000  # held-out images placed on the latent map
MANIFOLD = 15  # rows and columns of the decoded manifold of a 2-D latent space


def code_map(trainer, extra: torch.Tensor | None = None) -> dict:
    """The held-out codes projected to 2-D (themselves when the latent space is 2-D, else their first two
    principal components, with the share of variance each explains) and, for a 2-D latent space, the decoded
    manifold: z1 from -3 to 3 left to right, z2 from 3 (top) to -3. `extra`: images (N, C, H, W) in [-1, 1] (a
    drawn digit) placed on the same map (`extra_points`) with their reconstructions (`extra_reconstructions`,
    uint8)."""
    z = trainer.encode(trainer.heldout_x[:MAP_IMAGES]).cpu()
    manifold = grid_uint8(trainer.decode(manifold_grid(MANIFOLD)), nrow=MANIFOLD) if z.shape[1] == 2 else None
    out = {"dims": z.shape[1], "manifold": manifold}
    if extra is None:
        points, explained = project_2d(z)
    else:
        z_extra = trainer.encode(extra.to(trainer.device))
        points, explained, placed = project_2d(z, z_extra.cpu())
        out.update(extra_points=placed.numpy(), extra_reconstructions=to_uint8(trainer.decode(z_extra)))
    out.update(points=points.numpy(), explained=explained)
    return out


def walk(trainer, first: torch.Tensor, last: torch.Tensor, steps: int, mode: str) -> np.ndarray:
    """uint8 (steps, C, H, W): decoded codes along a `mode` path (engine/latent.py) from the code of image `first`
    to that of `last` (images in [-1, 1], (C, H, W)); the end frames are their reconstructions."""
    z = trainer.encode(torch.stack([first, last]).to(trainer.device))
    return to_uint8(trainer.decode(interpolate(z[0], z[1], steps, mode)))


def corners(trainer, picks: list[int], n: int) -> np.ndarray:
    """An n x n grid blending the codes of four held-out images (top left, top right, bottom left, bottom right)."""
    z = trainer.encode(trainer.heldout_x[picks])
    return grid_uint8(trainer.decode(bilinear_grid(z, n)), nrow=n)


def decoded(trainer, z: torch.Tensor) -> np.ndarray:
    """The picture of one code z (latent_dim,)."""
    return grid_uint8(trainer.decode(z[None].to(trainer.device)), nrow=1)
