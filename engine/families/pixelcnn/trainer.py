"""The `pixelcnn` family: PixelCNN and gated PixelCNN trained by maximum likelihood,

    loss = -log p(x) = -sum_i log p(x_i | x_<i)   (nats per image; van den Oord et al. 2016, eq. 1-2)

one Adam update per step. Images are integer values: 0/1 (binary output; binarised once, stochastically, fixed by the
seed) or 0..255. Randomness comes from separate streams: `data` (batches) and the fixed seeds of the samples.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from engine.config import ConfigError
from engine.data.images import binarize
from engine.families.pixelcnn.config import PixelCnnConfig
from engine.families.pixelcnn.likelihoods import from_images, log_prob, params_per_channel, to_input
from engine.families.pixelcnn.sampler import sample as raster_sample
from engine.metrics.likelihood import bits_per_dim
from engine.models.pixelcnn import build_pixelcnn
from engine.pictures.images import grid_uint8, png_bytes, to_uint8
from engine.trainer import Trainer, check_finite

PREVIEW_SAMPLES = 16  # live grid, a fixed seed
PREVIEW_SECONDS = 2.0  # shortest time between two live sample grids (sampling costs a pass per pixel)
EVAL_IMAGES = 2000  # held-out images for the NLL
JUDGED = 500  # samples judged


class PixelCnnTrainer(Trainer):
    family = "pixelcnn"
    data_kind = "images"
    config_cls = PixelCnnConfig
    stream_names = ("data",)
    lr_keys = {"adam": "lr"}
    uses_judge = True

    def __init__(self, config: PixelCnnConfig, data):
        super().__init__(config, data)
        c = config
        self.shape = tuple(data.image_shape)
        colours = self.shape[0]
        if c.width % colours:
            raise ConfigError("width", f"width {c.width} must be a multiple of {colours} for {colours}-channel "
                                       "images: each colour gets the same number of features")
        train, heldout = data.train, data.heldout
        if c.output == "binary":
            fixed = torch.Generator().manual_seed(c.seed)
            train, heldout = binarize(train, fixed), binarize(heldout, fixed)
        self.train_v = from_images(train, c.output).to(self.device)  # integer values (N, C, H, W)
        self.heldout_v = from_images(heldout, c.output).to(self.device)
        self.check_batch_size(len(self.train_v))
        self.num_classes = data.num_classes if c.conditional and data.train_labels is not None else 0
        if c.conditional and not self.num_classes:
            raise ConfigError("conditional", f"'{data.name}' has no class labels: set conditional=false")
        self.train_y = data.train_labels.to(self.device) if self.num_classes else None
        self.heldout_y = data.heldout_labels.to(self.device) if self.num_classes else None
        with self.seeded_init():
            self.model = build_pixelcnn(c.variant, colours, params_per_channel(c.output, c.n_mix), c.width,
                                        c.layers, c.first_kernel, self.num_classes).to(self.device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=c.lr)
        self._preview_cache: tuple[int, float, np.ndarray] | None = None

    @property
    def dims(self) -> int:
        return int(np.prod(self.shape))

    def labels_for(self, n: int) -> torch.Tensor | None:
        """Class labels 0, 1, ..., K-1, 0, 1, ... for n samples of a conditional model (None otherwise)."""
        return torch.arange(n, device=self.device) % self.num_classes if self.num_classes else None

    # ------------------------------------------------------------------ training
    def nll(self, values: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """-log p(x) in nats for each image: (N, C, H, W) integer values -> (N,)."""
        params = self.model(to_input(values, self.config.output), labels)
        return -log_prob(params, values, self.config.output).sum(dim=(1, 2, 3))

    def step(self, part: str = "both") -> dict[str, float]:
        idx = self.batch_indices(len(self.train_v))
        self.model.train()
        loss = self.nll(self.train_v[idx], self.train_y[idx] if self.num_classes else None).mean()
        check_finite(self.step_count + 1, loss=loss)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.step_count += 1
        value = float(loss.detach())
        return {"loss": value, "train_bits_per_dim": bits_per_dim(value, self.dims)}

    # ------------------------------------------------------------------ sampling
    def sample_values(self, n: int, seed: int = 0, *, sampler: str | None = None,
                      temperature: float | None = None) -> torch.Tensor:
        """Integer values (n, C, H, W) drawn from the model (the config's sampler and temperature by default)."""
        c = self.config
        return raster_sample(self.model, c.output, self.shape, n, sampler=c.sampler if sampler is None else sampler,
                             temperature=c.temperature if temperature is None else temperature,
                             generator=torch.Generator().manual_seed(seed), labels=self.labels_for(n))

    def images_of(self, values: torch.Tensor) -> torch.Tensor:
        """Integer values -> images in [-1, 1]."""
        return to_input(values, self.config.output)

    # ------------------------------------------------------------------ looking at it
    def preview(self) -> dict[str, Any]:
        now = time.monotonic()
        cached = self._preview_cache
        if cached is None or (cached[0] != self.step_count and now - cached[1] >= PREVIEW_SECONDS):
            images = self.images_of(self.sample_values(PREVIEW_SAMPLES, seed=1))
            cached = self._preview_cache = (self.step_count, now, grid_uint8(images, nrow=8))
        return {"step": cached[0], "samples": cached[2]}

    @torch.no_grad()
    def evaluate(self) -> dict[str, Any]:
        self.model.eval()
        values = self.heldout_v[:EVAL_IMAGES]
        labels = self.heldout_y[:EVAL_IMAGES] if self.num_classes else None
        nll = torch.cat([self.nll(v, None if labels is None else labels[k: k + 250])
                         for k, v in zip(range(0, len(values), 250), values.split(250))])
        nats = float(nll.mean())
        out: dict[str, Any] = {"nll_nats": nats, "bits_per_dim": bits_per_dim(nats, self.dims)}
        if self.judge() is not None:  # sampling costs a pass per pixel: only when there is a judge
            samples = self.images_of(self.sample_values(JUDGED, seed=3, sampler="cached", temperature=1.0))
            out.update(self.judge_metrics(samples))
        return out

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        return {"images": to_uint8(self.images_of(self.sample_values(n, seed)))}

    def sample_png(self, n: int = 64, seed: int = 0) -> bytes:
        images = self.images_of(self.sample_values(n, seed))
        return png_bytes(grid_uint8(images, nrow=self.num_classes or 8), scale=max(1, 128 // images.shape[-1]))

    # ------------------------------------------------------------------ persistence
    def checkpoint_parts(self) -> dict[str, Any]:
        return {"models": {"pixelcnn": self.model}, "optimizers": {"adam": self.opt}}

    def forget_caches(self) -> None:
        self._preview_cache = None
