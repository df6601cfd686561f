"""2D toy distributions: each knows its mode centres and the spread of one mode, which the metrics use.

ring8 and grid25 are the mixtures of the unrolled-GAN experiments (Metz et al. 2017, arXiv:1611.02163); spiral and
moons are curves with Gaussian noise, given mode centres equally spaced along their arc length.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from engine.data.errors import BadInput


class Toy2D:
    """A 2D distribution. `sample` draws only from the generator it is given, so data order is reproducible."""

    def __init__(self, name: str, centres: np.ndarray, std: float, *, weights: np.ndarray | None = None,
                 curve: np.ndarray | None = None, curve_noise: float = 0.0, points: np.ndarray | None = None,
                 jitter: float = 0.0, kind: str = "mixture"):
        self.name, self.kind = name, kind
        self.centres = np.asarray(centres, dtype=np.float32).reshape(-1, 2)
        self.std = float(std)
        k = len(self.centres)
        self.weights = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype=np.float64)
        self._curve, self._curve_noise = curve, curve_noise
        self._points, self._jitter = points, jitter
        if curve is not None:
            half = float(np.abs(curve).max()) + 4 * curve_noise + 0.4
        else:
            support = self.centres if points is None else points
            half = float(np.abs(support).max()) + 4 * self.std + 0.5
        self.bounds = ((-half, half), (-half, half))

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        if self._points is not None:  # empirical: a random data point plus jitter
            idx = torch.randint(len(self._points), (n,), generator=generator)
            base = torch.as_tensor(self._points)[idx]
            return base + self._jitter * torch.randn(n, 2, generator=generator)
        if self._curve is not None:  # uniform along the curve plus noise
            idx = torch.randint(len(self._curve), (n,), generator=generator)
            base = torch.as_tensor(self._curve)[idx]
            return base + self._curve_noise * torch.randn(n, 2, generator=generator)
        idx = torch.multinomial(torch.as_tensor(self.weights), n, replacement=True, generator=generator)
        return torch.as_tensor(self.centres)[idx] + self.std * torch.randn(n, 2, generator=generator)

    def density(self, points: np.ndarray) -> np.ndarray:
        """The mixture density; for curves and empirical data, a mixture at the support points (for contours)."""
        if self._points is not None:
            support, s = self._points[:: max(1, len(self._points) // 2000)], max(self._jitter, 1e-3)
            w = np.full(len(support), 1.0 / len(support))
        elif self._curve is not None:
            support, s = self._curve[::4], self._curve_noise
            w = np.full(len(support), 1.0 / len(support))
        else:
            support, s, w = self.centres, self.std, self.weights
        d2 = ((points[:, None, :] - support[None, :, :]) ** 2).sum(-1)  # (M, K)
        return (np.exp(-d2 / (2 * s * s)) @ w / (2 * math.pi * s * s)).astype(np.float32)

    def state(self) -> dict | None:
        """What a checkpoint needs to rebuild a custom distribution (None for the named ones)."""
        if self.kind == "clicks":
            return {"kind": "clicks", "points": torch.as_tensor(self.centres), "std": self.std}
        if self.kind == "points":
            return {"kind": "points", "points": torch.as_tensor(self._points)}
        return None


def ring8(noise: float = 1.0) -> Toy2D:
    angles = np.arange(8) * 2 * np.pi / 8
    return Toy2D("ring8", 2.0 * np.stack([np.cos(angles), np.sin(angles)], 1), 0.02 * noise)


def grid25(noise: float = 1.0) -> Toy2D:
    xs = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    return Toy2D("grid25", np.stack(np.meshgrid(xs, xs), -1).reshape(-1, 2), 0.05 * noise)


def _curve_toy(name: str, curve: np.ndarray, k_per_piece: int, pieces: list[np.ndarray], noise: float,
               base_noise: float) -> Toy2D:
    """Centres equally spaced along each piece's arc length; std so 3 sd reach about half-way to the neighbours."""
    centres, spacing = [], []
    for piece in pieces:
        seg = np.linalg.norm(np.diff(piece, axis=0), axis=1)
        arc = np.concatenate([[0.0], np.cumsum(seg)])
        targets = (np.arange(k_per_piece) + 0.5) * arc[-1] / k_per_piece
        centres.append(np.stack([np.interp(targets, arc, piece[:, d]) for d in (0, 1)], 1))
        spacing.append(arc[-1] / k_per_piece)
    sigma = base_noise * noise
    std = math.sqrt((0.62 * max(spacing) / 3) ** 2 + sigma ** 2)
    return Toy2D(name, np.concatenate(centres), std, curve=curve.astype(np.float32), curve_noise=sigma, kind="curve")


def spiral(noise: float = 1.0) -> Toy2D:
    t = np.sqrt(np.linspace(0.0, 1.0, 4000)) * 3 * np.pi + 0.5 * np.pi  # denser sampling where the spiral is long
    r = t / (3.5 * np.pi) * 2.3
    curve = np.stack([r * np.cos(t), r * np.sin(t)], 1)
    # sample uniformly along arc length: resample the polyline
    seg = np.linalg.norm(np.diff(curve, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    even = np.linspace(0, arc[-1], 4000)
    curve = np.stack([np.interp(even, arc, curve[:, d]) for d in (0, 1)], 1)
    return _curve_toy("spiral", curve, 12, [curve], noise, 0.05)


def moons(noise: float = 1.0) -> Toy2D:
    t = np.linspace(0, np.pi, 2000)
    upper = np.stack([np.cos(t), np.sin(t)], 1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
    upper, lower = (upper - [0.5, 0.25]) * 1.6, (lower - [0.5, 0.25]) * 1.6
    return _curve_toy("moons", np.concatenate([upper, lower]), 4, [upper, lower], noise, 0.06)


MAX_COORDINATE = 1000.0  # farther points train with losses of 1e27 and no warning: refused with a message


def _check_points(points: np.ndarray) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float32)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise BadInput(f"points must be pairs (x, y); got an array of shape {pts.shape}")
    if len(pts) < 1:
        raise BadInput("there are no points: draw, type or upload at least one")
    if len(pts) > 100_000:
        raise BadInput(f"{len(pts):,} points is too many for a 2D toy: use at most 100,000")
    if not np.isfinite(pts).all():
        raise BadInput("some points are not finite numbers (NaN or infinity)")
    reach = float(np.abs(pts).max())
    if reach > MAX_COORDINATE:
        raise BadInput(f"the points reach {reach:.3g}: the 2D models and views work on coordinates within "
                       f"±{MAX_COORDINATE:g} (the toys span about ±2), so divide them by about {reach / 2:.3g} first")
    return pts


def toy_from_clicks(points: np.ndarray, std: float = 0.05) -> Toy2D:
    """A Gaussian mixture with one mode at each chosen point (equal weights)."""
    pts = _check_points(points)
    return Toy2D("custom", pts, std, kind="clicks")


def toy_from_points(points: np.ndarray) -> Toy2D:
    """The empirical distribution of the points (plus jitter of 2% of their extent). Modes, for the metrics: k-means
    centres with k = min(8, distinct points), spread = RMS distance to the assigned centre / sqrt(2) (per axis)."""
    from sklearn.cluster import KMeans

    pts = _check_points(points)
    extent = float(np.ptp(pts, axis=0).max()) or 1.0
    k = min(8, len(np.unique(pts, axis=0)))
    km = KMeans(n_clusters=k, n_init=4, random_state=0).fit(pts)
    rms = float(np.sqrt(((pts - km.cluster_centers_[km.labels_]) ** 2).sum(1).mean()))
    std = max(rms / math.sqrt(2), 0.02 * extent)
    weights = np.bincount(km.labels_, minlength=k) / len(pts)
    return Toy2D("custom", km.cluster_centers_, std, weights=weights, points=pts, jitter=0.02 * extent, kind="points")


def toy_from_state(state: dict) -> Toy2D:
    points = np.asarray(state["points"], dtype=np.float32)
    if state["kind"] == "clicks":
        return toy_from_clicks(points, float(state["std"]))
    return toy_from_points(points)


TOYS = {"ring8": ring8, "grid25": grid25, "spiral": spiral, "moons": moons}
