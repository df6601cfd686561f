"""What the 2D GAN page draws (GAN Lab's layered view): real and fake points, the discriminator's field, the true
density, the generator's manifold (a warped latent grid) and the gradient that pulls each fake sample.

All views are computed from fixed inputs (the same real points, the same z, the same grid every time), so two
previews differ only because the models changed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engine import tricks
from engine.metrics.modes2d import mode_metrics
from engine.pictures.points2d import POINTS, field_grid, true_density

FIELD_RES = 48  # discriminator field resolution (FIELD_RES x FIELD_RES)
MANIFOLD_RES = 17  # latent grid lines of the manifold view
ARROWS = 120
MBD_REFERENCE = 64


def discriminator_field(D, points: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """D's raw output on each point. With minibatch discrimination D's answer depends on the batch: each grid point is
    judged as if it were one more member of a batch of real samples (`reference`)."""
    if D.mbd is None:
        return D(points)[0]
    features = D.body(points)  # (P, A)
    ref = D.body(reference)  # (R, A)
    o = tricks.minibatch_features_against(D.mbd, features, ref)  # (P, B)
    return D.out(torch.cat([features, o], dim=1)).squeeze(1)


def gan_views(trainer) -> dict[str, Any]:
    c, G, D, data, dev = trainer.config, trainer.G, trainer.D, trainer.data, trainer.device
    xs, ys, grid = field_grid(data.bounds, FIELD_RES)
    with torch.no_grad():
        eval_points = G(trainer.eval_z)
        fake = eval_points[:POINTS]
        reference = torch.tensor(np.array(trainer.view_real[:MBD_REFERENCE]), device=dev)
        field = discriminator_field(D, torch.as_tensor(grid, device=dev), reference)
        probability = c.loss in ("minimax", "nonsaturating")
        field = torch.sigmoid(field) if probability else field
        lim = 2.5 if c.noise == "gaussian" else 1.0
        lat = torch.linspace(-lim, lim, MANIFOLD_RES)
        zz = torch.zeros(MANIFOLD_RES * MANIFOLD_RES, c.z_dim)
        za, zb = torch.meshgrid(lat, lat, indexing="ij")
        zz[:, 0] = za.ravel()
        if c.z_dim > 1:
            zz[:, 1] = zb.ravel()
        manifold = G(zz.to(dev)).reshape(MANIFOLD_RES, MANIFOLD_RES, 2)  # (K*K, 2) -> (K, K, 2)
    # Gradient arrows: the direction each fake point would move to lower the generator's loss.
    x = fake[:ARROWS].detach().clone().requires_grad_(True)
    logits, _ = D(x)
    loss = tricks.generator_loss(c.loss, logits) * x.shape[0]  # sum, so each point gets its own gradient
    (grad,) = torch.autograd.grad(loss, x)
    points = eval_points.cpu().numpy()
    metrics = mode_metrics(points, data.centres, data.std, data.weights)
    return {
        "step": trainer.step_count,
        "real": trainer.view_real,
        "fake": fake.cpu().numpy(),
        "grid_x": xs,
        "grid_y": ys,
        "d_field": field.reshape(FIELD_RES, FIELD_RES).cpu().numpy(),
        "d_field_kind": "probability" if probability else "score",
        "density": true_density(data, FIELD_RES),
        "manifold": manifold.cpu().numpy(),
        "arrows_from": x.detach().cpu().numpy(),
        "arrows_dir": (-grad).cpu().numpy(),
        "metrics": metrics,
    }
