"""What the diffusion page draws, as numpy arrays and uint8 pictures: the forward chain step by step, the learned
score as arrows on a grid (2D), the reverse paths of a set of points or images, and the samples.

Every view starts from fixed inputs (the same real points or images, the same noise, the same grid), so two previews
differ only because the network changed. The sampling pass behind a preview is reused while it is recent
(`DiffusionTrainer.preview_samples`); the arrows are one network call per step shown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engine.families.diffusion.forward import forward_step, score_from_eps
from engine.metrics.modes2d import mode_metrics
from engine.pictures.images import grid_uint8
from engine.pictures.points2d import POINTS, field_grid, true_density

PATHS = 40  # reverse paths drawn (the first samples of the preview's pass)
PATH_POINTS = 101  # points of each path drawn (of up to T + 1 steps)
FIELD_RES = 48  # true density's grid
ARROW_RES = 17  # arrows per side of the score grid
SAMPLES = 64  # images in the sample grid
MOVIE_IMAGES = 8  # images whose reverse process is shown
FRAMES = 10  # steps shown of the reverse process of images
LEVEL_SHARES = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0)  # steps t / T shown of the forward chain and the score


def _evenly(steps: list[int], count: int) -> set[int]:
    """At most `count` of the visited `steps`, evenly spread, the first and the last (t = 0) included."""
    count = min(count, len(steps))
    return {steps[round(i * (len(steps) - 1) / (count - 1))] for i in range(count)}


def levels(T: int) -> list[int]:
    """The steps t shown: 0, T/20, T/10, T/4, T/2 and T, rounded, without repeats."""
    return sorted({round(share * T) for share in LEVEL_SHARES})


def _chain(trainer, x0: torch.Tensor, generator: torch.Generator) -> list[torch.Tensor]:
    """x_t at every shown step of the forward chain x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps, run one step at
    a time (eq. 2) from x_0, with fresh noise from `generator` at each step."""
    shown, x, out = set(levels(trainer.config.timesteps)), x0, [x0]
    for t in range(1, trainer.config.timesteps + 1):
        eps = torch.randn(x.shape, generator=generator).to(x.device)
        x = forward_step(x, torch.tensor([t]), eps, trainer.schedule)
        if t in shown:
            out.append(x)
    return out


@torch.no_grad()
def forward_points(trainer, generator: torch.Generator) -> np.ndarray:
    """(levels, POINTS, 2): the shown real points pushed through the forward chain, in data coordinates."""
    x0 = trainer.to_model(torch.as_tensor(trainer.view_real))
    return np.stack([trainer.to_data(x).cpu().numpy() for x in _chain(trainer, x0, generator)])


def arrow_grid(bounds) -> np.ndarray:
    """(R*R, 2): where the score arrows start, ARROW_RES x ARROW_RES over the data's bounds."""
    return field_grid(bounds, ARROW_RES)[2]


def density_grid(data) -> dict[str, np.ndarray]:
    """The true density on a FIELD_RES x FIELD_RES grid over the data's bounds (for contours)."""
    xs, ys, _ = field_grid(data.bounds, FIELD_RES)
    return {"grid_x": xs, "grid_y": ys, "density": true_density(data, FIELD_RES)}


@torch.no_grad()
def score_field(trainer, grid: np.ndarray, steps: list[int]) -> np.ndarray:
    """(len(steps), R*R, 2): the learned score grad log q_t(x) at each grid point, in data coordinates (the score in
    the network's coordinates divided by the standardisation's scale), for each step t >= 1."""
    z = trainer.to_model(torch.as_tensor(grid))
    out = []
    for t in steps:
        t_ = torch.tensor([t], device=z.device)
        out.append(score_from_eps(trainer.eps_hat(z, t_), t_, trainer.schedule) / trainer.scale)
    return torch.stack(out).cpu().numpy()


def points_views(trainer) -> dict[str, Any]:
    shown_steps = _evenly(trainer.plan()[0], PATH_POINTS)
    x, path = trainer.preview_samples(lambda: trainer.draw_eval(keep=PATHS, record=shown_steps.__contains__))
    samples = trainer.to_data(x).cpu().numpy()
    paths = np.stack([trainer.to_data(p[1]).numpy() for p in path], 1)  # S+1 of (K, 2) -> (K, S+1, 2)
    shown = levels(trainer.config.timesteps)
    grid = arrow_grid(trainer.data.bounds)
    metrics = mode_metrics(samples, trainer.data.centres, trainer.data.std, trainer.data.weights)
    return {
        "step": trainer.step_count,
        "real": trainer.view_real,
        "fake": samples[:POINTS],
        "paths": paths,
        "path_steps": np.array([p[0] for p in path]),
        "levels": np.array(shown),
        "forward": trainer.forward_views,
        "arrow_grid": grid,
        "scores": score_field(trainer, grid, [t for t in shown if t > 0]),
        **trainer.density,
        "metrics": metrics,
    }


# --------------------------------------------------------------------------- images
@torch.no_grad()
def forward_images(trainer, x0: torch.Tensor, generator: torch.Generator) -> np.ndarray:
    """uint8 grid: one row per image of x0, one column per shown step of the forward chain (t = 0 on the left)."""
    frames = torch.stack(_chain(trainer, x0, generator), 1)  # levels of (K, C, H, W) -> (K, L, C, H, W)
    return grid_uint8(frames.flatten(0, 1), nrow=frames.shape[1])


def image_views(trainer) -> dict[str, Any]:
    picked = _evenly(trainer.plan()[0], FRAMES)
    x, path = trainer.preview_samples(lambda: trainer.reverse(SAMPLES, trainer.eval_generator(), keep=MOVIE_IMAGES,
                                                              record=picked.__contains__))
    frames = torch.stack([p[1] for p in path])  # (F, K, C, H, W): x_s at each shown step s
    guesses = torch.stack([p[2] for p in path[1:]])  # (F - 1, K, C, H, W): x0_hat after each step
    return {
        "step": trainer.step_count,
        "samples": grid_uint8(x, nrow=8),
        "forward": trainer.forward_views,
        "levels": np.array(levels(trainer.config.timesteps)),
        "reverse": grid_uint8(frames.transpose(0, 1).flatten(0, 1), nrow=len(frames)),  # rows: images, cols: steps
        "reverse_guesses": grid_uint8(guesses.transpose(0, 1).flatten(0, 1), nrow=len(guesses)),
        "reverse_frames": np.stack([grid_uint8(f, nrow=len(f)).transpose(2, 0, 1) for f in frames]),  # (F, C, H', W')
        "reverse_steps": np.array([p[0] for p in path]),
    }
