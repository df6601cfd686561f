"""The `ebm` family on images: a convolutional energy E(x) (networks.py), the same loop as on 2D points
(engine/families/ebm/trainer.py), chains in the images' range [-1, 1], starting from uniform noise. The page watches
a fixed set of chains turn noise into digits; samples are judged by the dataset's judge classifier.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from torch import nn

from engine.families.ebm.config import EbmConfig
from engine.families.ebm.networks import EnergyCNN
from engine.families.ebm.trainer import EbmTrainer
from engine.pictures.images import grid_uint8, to_uint8
from engine.trainer import Trainer

CHAINS = 8  # chains from noise in the page's film (one row each)
FRAMES = 9  # their states shown, from the noise to the last step
PREVIEW_SECONDS = 2.0  # shortest time between two films (each runs sample_steps Langevin steps)
JUDGED = 500  # samples judged at each evaluation


class ImageEbmTrainer(EbmTrainer):
    data_kind = "images"
    uses_judge = True
    trace_every = 0

    def __init__(self, config: EbmConfig, data):
        self.check_data_kind(config, data)
        self.shape = tuple(data.train.shape[1:])
        super().__init__(config, data)
        self.train_x = data.train.to(self.device)
        self._film: tuple[int, float, np.ndarray] | None = None  # (step, made at, picture)

    def check_config(self) -> None:
        self.check_batch_size(len(self.data.train))

    def _fixed_views(self) -> None:
        """Nothing fixed: the film's chains start from a seed of their own."""

    def _build_energy(self) -> nn.Module:
        return EnergyCNN(self.shape, self.config.width)

    @property
    def box(self) -> tuple[float, float]:
        return -1.0, 1.0

    def noise_like(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return torch.rand(n, *self.shape, generator=generator) * 2 - 1

    def _real_batch(self) -> torch.Tensor:
        return self.train_x[self.batch_indices(len(self.train_x))]

    # ------------------------------------------------------------------ looking at it
    def film(self) -> np.ndarray:
        """CHAINS chains from noise (a fixed seed), FRAMES states each from the noise to sample_steps: a grid with
        one chain per row."""
        steps = self.config.sample_steps
        _, trajectory = self.draw(CHAINS, seed=7, every=max(1, steps // (FRAMES - 1)))
        frames = torch.stack(trajectory, 1)  # FRAMES-ish x (CHAINS, C, H, W) -> (CHAINS, F, C, H, W)
        return grid_uint8(frames.flatten(0, 1), nrow=frames.shape[1])

    def preview(self) -> dict[str, Any]:
        now = time.monotonic()
        if self._film is None or (self._film[0] != self.step_count and now - self._film[1] >= PREVIEW_SECONDS):
            self._film = (self.step_count, now, self.film())
        chains = self.last_negatives if self.last_negatives is not None else self.buffer.chains
        return {
            "step": self.step_count,
            "film": self._film[2],
            "film_step": self._film[0],
            "chains": None if chains is None else grid_uint8(chains[:64], nrow=8),
        }

    def evaluate(self) -> dict[str, Any]:
        x, _ = self.draw(JUDGED, seed=10_000 + self.config.seed)
        return self.judge_metrics(x)

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        x, _ = self.draw(n, seed)
        return {"images": to_uint8(x)}

    def sample_png(self, n: int = 64, seed: int = 0) -> bytes:
        return Trainer.sample_png(self, n, seed)  # the base's grid of images, not the 2D scatter
