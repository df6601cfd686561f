"""The `flow` family on images: the same maximum-likelihood loop as on 2D points (trainer.py) on dequantised pixels,

    loss = -log p(x) + D log 256,   x = (v + u) / 256 - 1/2,  u ~ U[0, 1)^D   (engine/families/flow/dequantization.py)

an upper bound on the discrete negative log-likelihood, in nats per image; bits per dimension divide it by D ln 2.
The flow's encoding is exact: an image's code z = f(x) of its bin centres decodes back to the same pixel values.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from engine.families.flow.dequantization import bin_centres, dequantize, discrete_nll, quantize, to_images, to_values
from engine.families.flow.trainer import CHUNK, FlowTrainer
from engine.pictures.images import grid_uint8
from engine.trainer import Trainer

EVAL_IMAGES = 2000  # held-out images scored
SAMPLES = 64  # the live grid: a fixed batch of z, times the temperature
JUDGED = 1000  # samples (T = 1) the judge scores
PREVIEW_SECONDS = 0.5  # shortest time between two live sample grids; more when drawing them costs more
PREVIEW_SHARE = 0.2  # drawing the grid may take at most about this share of the time (MAF samples in D passes)


class ImageFlowTrainer(FlowTrainer):
    data_kind = "images"
    uses_judge = True

    def _prepare_data(self) -> tuple[int, ...]:
        self.train_v = to_values(self.data.train).to(self.device)  # uint8 pixel values (N, C, H, W)
        self.check_batch_size(len(self.train_v))
        self._grid: dict[str, Any] | None = None  # the last live grid and when it was drawn
        return tuple(self.data.image_shape)

    def _fixed_views(self, fixed: torch.Generator) -> None:
        self.view_z = self.flow.base_sample(SAMPLES, 1.0, fixed)
        self.judged_z = self.flow.base_sample(JUDGED, 1.0, fixed)
        heldout_v = to_values(self.data.heldout[:EVAL_IMAGES]).to(self.device)
        self.heldout = dequantize(heldout_v, fixed)  # one fixed draw of u per held-out image

    def _draw(self, index_generator: torch.Generator, noise_generator: torch.Generator) -> torch.Tensor:
        idx = torch.randint(0, len(self.train_v), (self.config.batch_size,), generator=index_generator)
        return dequantize(self.train_v[idx.to(self.device)], noise_generator)

    def _first_batch(self, generator: torch.Generator) -> torch.Tensor:
        return self._draw(generator, generator)

    def _batch(self) -> torch.Tensor:
        return self._draw(self.streams["data"], self.streams["noise"])

    def nll(self, x: torch.Tensor) -> torch.Tensor:
        return discrete_nll(self.flow.log_prob(x), self.dims)

    # ------------------------------------------------------------------ the flow as functions
    @torch.no_grad()
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Codes z (N, D) of images in [-1, 1]: f of their pixels' bin centres."""
        x = bin_centres(to_values(images.to(self.device)))
        return torch.cat([self.flow.encode(chunk) for chunk in x.split(CHUNK)])

    @torch.no_grad()
    def decode_images(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] of codes z: f^-1(z), quantised to the pixel values whose bins it falls in."""
        return to_images(quantize(self.decode(z)))

    # ------------------------------------------------------------------ looking at it
    def evaluate(self) -> dict[str, Any]:
        out = self.likelihood_metrics()
        out.update(self.judge_metrics(torch.cat([self.decode_images(z) for z in self.judged_z.split(CHUNK)])))
        return out

    def preview(self) -> dict[str, Any]:
        """The live grid: the fixed z times the temperature, redrawn when the model or the temperature changed and
        at most every PREVIEW_SECONDS (or 1 / PREVIEW_SHARE times what the last grid cost)."""
        t, now, last = self.config.temperature, time.monotonic(), self._grid
        if last is None or ((last["step"], last["temperature"]) != (self.step_count, t)
                            and now - last["drawn_at"] >= last["wait"]):
            picture = grid_uint8(self.decode_images(self.view_z * t), nrow=8)
            wait = max(PREVIEW_SECONDS, (time.monotonic() - now) / PREVIEW_SHARE)
            last = self._grid = {"step": self.step_count, "temperature": t, "samples": picture, "drawn_at": now,
                                 "wait": wait}
        return {k: last[k] for k in ("step", "temperature", "samples")}

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        z = self.flow.base_sample(n, self.config.temperature, torch.Generator().manual_seed(seed))
        return {"images": quantize(self.decode(z)).cpu().numpy()}

    def sample_png(self, n: int = 64, seed: int = 0) -> bytes:
        return Trainer.sample_png(self, n, seed)  # the base's image grid, not the 2D trainer's scatter plot

    def forget_caches(self) -> None:
        self._grid = None
