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


def bilinear_grid(corners: torch.Tensor, n: int) -> torch.Tensor:
    """An n x n grid of codes blending four corner codes (top-left, top-right, bottom-left, bottom-right) with
    bilinear weights; shape (n * n, latent), row by row. The corners are the grid's corners exactly."""
    if corners.shape[0] != 4 or n < 2:
        raise ValueError("a bilinear grid needs 4 corner codes and n >= 2")
    t = torch.linspace(0, 1, n, dtype=corners.dtype, device=corners.device)
    v, u = torch.meshgrid(t, t, indexing="ij")  # v down the rows, u along them
    w = torch.stack([(1 - u) * (1 - v), u * (1 - v), (1 - u) * v, u * v], -1).view(-1, 4)
    return w @ corners


def manifold_grid(n: int, extent: float = 3.0) -> torch.Tensor:
    """The codes of a 2-D latent space's decoded manifold: an n x n grid over [-extent, extent]^2, first latent
    dimension along the rows (left to right), the second down the columns (top = high)."""
    t = torch.linspace(-extent, extent, n)
    z2, z1 = torch.meshgrid(t.flip(0), t, indexing="ij")
    return torch.stack([z1, z2], -1).view(-1, 2)


def project_2d(codes: torch.Tensor, extra: torch.Tensor | None = None):
    """Codes of any size as 2-D points: themselves for 2 dimensions, else their first two principal components
    (scikit-learn's PCA); also the share of the variance each axis explains. With `extra` (more codes, e.g. of a
    drawn picture) also those, projected the same way, as a third value."""
    if codes.shape[1] == 2:
        return (codes, [1.0, 1.0]) if extra is None else (codes, [1.0, 1.0], extra)
    from sklearn.decomposition import PCA

    pca = PCA(n_components=2, random_state=0).fit(codes.cpu().numpy())
    points = torch.as_tensor(pca.transform(codes.cpu().numpy()))
    explained = [float(r) for r in pca.explained_variance_ratio_]
    if extra is None:
        return points, explained
    return points, explained, torch.as_tensor(pca.transform(extra.cpu().numpy()))
