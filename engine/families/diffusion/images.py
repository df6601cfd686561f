"""The `diffusion` family on images: DDPM with the small U-Net of unet.py (Ho et al. 2020, arXiv:2006.11239), judged
by the dataset's judge classifier (engine/metrics/judge.py) like every image family.

The training loop, the samplers and persistence are DiffusionTrainer's (trainer.py); this adds the images, the
network, the judge's metrics and the pictures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from engine.config import ConfigError
from engine.families.diffusion import pictures
from engine.families.diffusion.trainer import DiffusionTrainer
from engine.families.diffusion.unet import SmallUNet
from engine.pictures.images import to_uint8

EVAL_IMAGES = 1000  # held-out images for the denoising loss and the prior term
JUDGED = 500  # samples judged at each evaluation


class ImageDiffusionTrainer(DiffusionTrainer):
    data_kind = "images"
    uses_judge = True
    clip = 1.0  # images live in [-1, 1]: the predicted x_0 is clipped there while sampling, as in DDPM's code

    def _prepare_data(self) -> None:
        self.train_x, self.heldout_x = self.data.train.to(self.device), self.data.heldout.to(self.device)
        self.check_batch_size(len(self.train_x))
        self.shape = tuple(self.train_x.shape[1:])
        if self.shape[1] % 4 or self.shape[2] % 4:
            raise ConfigError("dataset", f"the U-Net halves the images twice: their sides must be multiples of 4, "
                                         f"'{self.data.name}' has {self.shape[1]}x{self.shape[2]}")
        fixed = torch.Generator().manual_seed(10_000 + self.config.seed)
        self.forward_views = pictures.forward_images(self, self.heldout_x[:pictures.MOVIE_IMAGES], fixed)  # made once

    def _build_model(self) -> nn.Module:
        c = self.config
        return SmallUNet(c.timesteps, self.shape[0], c.width, c.depth)

    def _batch(self) -> torch.Tensor:
        idx = self.batch_indices(len(self.train_x))
        return self.train_x[idx.to(self.device)]

    def eval_generator(self) -> torch.Generator:
        return torch.Generator().manual_seed(20_000 + self.config.seed)

    def evaluate(self) -> dict[str, Any]:
        out: dict[str, Any] = self.shared_metrics(self.heldout_x[:EVAL_IMAGES])
        if self.judge() is not None:  # sampling JUDGED images costs seconds: only when they can be judged
            samples, _, seconds = self.timed_reverse(JUDGED, self.eval_generator())
            out.update({**self.judge_metrics(samples), "sample_seconds": seconds})
        return out

    def preview(self) -> dict[str, Any]:
        return pictures.image_views(self)

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        x, _ = self.reverse(n, torch.Generator().manual_seed(seed))
        return {"images": to_uint8(x)}
