r"""Walking the latent space: linear and spherical interpolation between two codes (shared by GANs and VAEs).

Spherical interpolation (Shoemake 1985; White 2016, arXiv:1609.04468, for Gaussian latents) follows the great circle
between z0 and z1, so intermediate codes keep the norm a Gaussian z typically has:

$$\mathrm{slerp}(z_0, z_1; t) = \frac{\sin((1-t)\Omega)}{\sin\Omega} z_0 + \frac{\sin(t\Omega)}{\sin\Omega} z_1,
\qquad \cos\Omega = \frac{z_0 \cdot z_1}{\lVert z_0\rVert \lVert z_1\rVert}$$
"""

from __future__ import annotations

import torch

MODES = ("linear", "spherical")


def interpolate(z0: torch.Tensor, z1: torch.Tensor, steps: int, mode: str = "spherical") -> torch.Tensor:
    """`steps` codes from z0 to z1 (both end points included), shape (steps, *z0.shape)."""
    if steps < 2:
        raise ValueError("an interpolation needs at least 2 steps")
    if mode not in MODES:
        raise ValueError(f"interpolation mode must be one of {', '.join(MODES)}")
    t = torch.linspace(0, 1, steps, dtype=z0.dtype, device=z0.device).view(-1, *([1] * z0.dim()))
    if mode == "linear":
        return (1 - t) * z0 + t * z1
    a, b = z0.flatten(), z1.flatten()
    cos = torch.dot(a, b) / (a.norm() * b.norm()).clamp_min(1e-12)
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    if omega.abs() < 1e-4:  # (nearly) parallel: the arc is a line
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)
