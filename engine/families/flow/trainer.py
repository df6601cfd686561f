"""The `flow` family on 2D points: maximum likelihood by the change of variables, one Adam update per step,

    loss = -log p(x) = -log N(f(x); 0, I) - sum_l log|det J_l|   (nats per example, a batch mean)

Randomness comes from separate streams: `data` (batches) and `noise` (the dequantisation of images,
engine/families/flow/images.py); the views and evaluations use fixed draws, so two previews differ only because
the flow changed. `ImageFlowTrainer` (images.py) subclasses this one and overrides the hooks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engine.families.flow import pictures2d
from engine.families.flow.config import FlowConfig
from engine.families.flow.models import build_flow
from engine.metrics.likelihood import bits_per_dim
from engine.metrics.modes2d import points_metrics
from engine.pictures.points2d import POINTS, scatter_png
from engine.trainer import Trainer, check_finite

EVAL_POINTS = 2000  # held-out points for the NLL, and samples for the mode metrics
CHUNK = 500  # examples per pass in evaluations


class FlowTrainer(Trainer):
    family = "flow"
    config_cls = FlowConfig
    data_kind = "points"
    stream_names = ("data", "noise")
    lr_keys = {"adam": "lr"}

    def __init__(self, config: FlowConfig, data):
        super().__init__(config, data)
        c = config
        self.shape = self._prepare_data()
        with self.seeded_init():
            self.flow = build_flow(c, self.shape).to(self.device)
        self.opt = torch.optim.Adam(self.flow.parameters(), lr=c.lr)
        fixed = torch.Generator().manual_seed(10_000 + c.seed)
        self._fixed_views(fixed)
        with torch.no_grad():  # Glow's data-dependent initialisation: every actnorm sets itself on this first batch
            self.flow.log_prob(self._first_batch(fixed))

    @property
    def dims(self) -> int:
        return self.flow.dims

    # ------------------------------------------------------------------ data (hooks: images.py overrides them)
    def _prepare_data(self) -> tuple[int, ...]:
        """The shape of one example."""
        return (2,)

    def _fixed_views(self, fixed: torch.Generator) -> None:
        """What evaluations and previews look at, drawn once: held-out points, z for the metrics' samples, and the
        points and z the layer view traces."""
        self.heldout = self.data.sample(EVAL_POINTS, fixed).to(self.device)
        self.eval_z = self.flow.base_sample(EVAL_POINTS, 1.0, fixed)
        self.view_x = self.heldout[:POINTS]
        self.view_z = self.eval_z[:POINTS]  # scaled by the temperature when drawn

    def _first_batch(self, generator: torch.Generator) -> torch.Tensor:
        return self.data.sample(self.config.batch_size, generator).to(self.device)

    def _batch(self) -> torch.Tensor:
        return self._first_batch(self.streams["data"])

    def nll(self, x: torch.Tensor) -> torch.Tensor:
        """-log p(x) in nats, per example."""
        return -self.flow.log_prob(x)

    # ------------------------------------------------------------------ training
    def step(self, part: str = "both") -> dict[str, float]:
        loss = self.nll(self._batch()).mean()
        check_finite(self.step_count + 1, loss=loss)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.flow.parameters(), self.config.grad_clip)
        self.opt.step()
        self.step_count += 1
        value = float(loss.detach())
        return {"loss": value, "train_bits_per_dim": bits_per_dim(value, self.dims)}

    # ------------------------------------------------------------------ the flow as functions
    @torch.no_grad()
    def heldout_nll(self) -> float:
        """Mean -log p(x) over the held-out examples, nats."""
        return float(torch.cat([self.nll(x) for x in self.heldout.split(CHUNK)]).mean())

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """x = f^{-1}(z), in chunks."""
        return torch.cat([self.flow.decode(chunk.to(self.device)) for chunk in z.split(CHUNK)])

    @torch.no_grad()
    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.flow.log_prob(chunk.to(self.device)) for chunk in x.split(CHUNK)])

    # ------------------------------------------------------------------ looking at it
    def likelihood_metrics(self) -> dict[str, float]:
        """The exact held-out negative log-likelihood, nats per example and bits per dimension."""
        nats = self.heldout_nll()
        return {"nll_nats": nats, "bits_per_dim": bits_per_dim(nats, self.dims)}

    def evaluate(self) -> dict[str, Any]:
        samples = self.decode(self.eval_z).cpu().numpy()  # T = 1: the model itself
        return {**self.likelihood_metrics(), **points_metrics(samples, self.data)}

    def preview(self) -> dict[str, Any]:
        return pictures2d.flow_views(self)

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        z = self.flow.base_sample(n, self.config.temperature, torch.Generator().manual_seed(seed))
        return {"points": self.decode(z).cpu().numpy().astype(np.float32)}

    def sample_png(self, n: int = 1000, seed: int = 0) -> bytes:
        return scatter_png(self.data, self.sample(n, seed)["points"])

    # ------------------------------------------------------------------ persistence
    def checkpoint_parts(self) -> dict[str, Any]:
        return {"models": {"flow": self.flow}, "optimizers": {"adam": self.opt}}
