"""The `kde` family on images: one Gaussian kernel on each (flattened) training image, the same estimate and steps as
on 2D points (engine/families/kde/trainer.py). Likelihoods are over the 256 grey levels of each value, as
PixelCNN's (engine/families/kde/density.py, `discrete_nll`); samples are judged by the dataset's judge classifier.

A sample is a training image plus Gaussian noise of std h: the page shows each one beside the training image
whose kernel it came from, the plainest view of why a KDE does not generalise in high dimensions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engine.families.kde.density import LEVEL, discrete_nll, sample, squared_distances
from engine.families.kde.trainer import HELDOUT, KdeTrainer
from engine.pictures.images import grid_uint8, to_uint8
from engine.trainer import Trainer

GRID = 32  # samples in the live grid (a fixed seed)
JUDGED = 1000  # samples judged at each evaluation


class ImageKdeTrainer(KdeTrainer):
    data_kind = "images"
    uses_judge = True
    floor = LEVEL

    def _training_points(self) -> torch.Tensor:
        train = self.data.train
        order = torch.randperm(len(train), generator=self.streams["data"])[: self.config.kernels]
        return train[order].flatten(1)  # (N, C, H, W) -> (N, C*H*W)

    def _heldout_points(self) -> torch.Tensor:
        return self.data.heldout[:HELDOUT].flatten(1)

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.data.train.shape[1:])

    def nll_of(self, log_p: torch.Tensor) -> torch.Tensor:
        """-log P(x) in nats per image over 256 levels per value."""
        return discrete_nll(log_p, self.pool.shape[1])

    def images(self, x: torch.Tensor) -> torch.Tensor:
        """Rows (M, D) -> images (M, C, H, W) in [-1, 1] (clamped)."""
        return x.view(-1, *self.shape).clamp(-1, 1)

    def evaluate(self) -> dict[str, Any]:
        x = sample(self.points, self.h, JUDGED, torch.Generator().manual_seed(10_000 + self.config.seed))
        return {**self.heldout_metrics(), "bandwidth": self.h, "kernels": self.count,
                **self.judge_metrics(self.images(x))}

    @torch.no_grad()
    def preview(self) -> dict[str, Any]:
        h = self.h
        x = sample(self.points, h, GRID, torch.Generator().manual_seed(10_000 + self.config.seed))
        nearest = squared_distances(x, self.points).argmin(1)  # the kernel each sample most likely came from
        return {
            "step": self.step_count,
            "samples": grid_uint8(self.images(x), nrow=8),
            "nearest": grid_uint8(self.images(self.points[nearest]), nrow=8),
            "h": h,
            "rules": self.all_rules(),
            "count": self.count,
            "dims": self.pool.shape[1],
        }

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        x = sample(self.points, self.h, n, torch.Generator().manual_seed(seed))
        return {"images": to_uint8(self.images(x))}

    def sample_png(self, n: int = 64, seed: int = 0) -> bytes:
        return Trainer.sample_png(self, n, seed)  # the base's grid of images, not the 2D scatter
