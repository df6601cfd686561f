"""The `ebm` family on 2D points: an energy MLP E(x), p(x) = exp(-E(x)) / Z, trained by contrastive divergence with
Langevin chains (Du & Mordatch 2019, arXiv:1903.08689, Algorithm 1).

One step: take a batch of data x+ and a batch of chain starts (the replay buffer, or noise: replay.py), run
`langevin_steps` Langevin steps (langevin.py) to get x-, then one Adam update of the contrastive-divergence loss
with the L2 penalty on energies (objective.py); the chains go back into the buffer. The runaway check
(runaway.py) stops the run when the energies have run away. Randomness comes from separate streams: `data`
(batches) and `chains` (starts, restarts and Langevin noise).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn

from engine import tricks
from engine.families.ebm import runaway
from engine.families.ebm.config import EbmConfig
from engine.families.ebm.langevin import langevin
from engine.families.ebm.networks import EnergyMLP
from engine.families.ebm.objective import contrastive_divergence
from engine.families.ebm.replay import ChainBuffer
from engine.metrics.modes2d import points_metrics
from engine.pictures.points2d import POINTS, field_grid, scatter_png
from engine.trainer import Trainer, check_finite

EVAL_SAMPLES = 2000  # chains from noise for the 2D metrics
TRACED = 24  # chains of each step whose whole path the page draws


class EbmTrainer(Trainer):
    family = "ebm"
    config_cls = EbmConfig
    data_kind = "points"
    stream_names = ("data", "chains")
    lr_keys = {"adam": "lr"}
    trace_every = 1  # keep every Langevin state of the traced chains (2D); images keep none

    def __init__(self, config: EbmConfig, data):
        super().__init__(config, data)
        c = config
        self.check_config()
        with self.seeded_init():
            self.E = self._build_energy()
            if c.spectral_norm:
                tricks.apply_spectral_norm(self.E)
            self.E = self.E.to(self.device)
        self.opt = torch.optim.Adam(self.E.parameters(), lr=c.lr, betas=(0.0, 0.999))  # the paper's betas
        self.buffer = ChainBuffer(c.buffer_size, self.noise_like, self.streams["chains"], self.device)
        self.last_negatives: torch.Tensor | None = None  # the chains' ends of the last step (the page shows them)
        self.last_trace: np.ndarray | None = None  # (K+1, TRACED, 2): their paths
        self._fixed_views()

    def _fixed_views(self) -> None:
        """What the previews look at, drawn once from a fixed seed: real points for the 2D picture."""
        self.view_real = self.data.sample(POINTS, torch.Generator().manual_seed(10_000 + self.config.seed)).numpy()

    def check_config(self) -> None:
        """Nothing to check on 2D points (images check their own keys)."""

    def _build_energy(self) -> nn.Module:
        return EnergyMLP(self.config.width, self.config.depth)

    @property
    def box(self) -> tuple[float, float]:
        """(low, high) of every coordinate: the toy's bounds, where chains start and stay."""
        (x0, x1), _ = self.data.bounds
        return x0, x1

    def noise_like(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """n chain starts, uniform over the box."""
        low, high = self.box
        return torch.rand(n, 2, generator=generator) * (high - low) + low

    def _real_batch(self) -> torch.Tensor:
        return self.data.sample(self.config.batch_size, self.streams["data"]).to(self.device)

    # ------------------------------------------------------------------ training
    def chains(self, x: torch.Tensor, steps: int, generator: torch.Generator, every: int = 0):
        """`langevin` on this model's energy with the config's step size and noise, inside the box."""
        c = self.config
        return langevin(self.E, x, steps, c.step_size, c.noise, generator, *self.box, every=every)

    def step(self, part: str = "both") -> dict[str, float]:
        c = self.config
        real = self._real_batch()
        start, slots = self.buffer.starts(c.batch_size, c.reinit, self.streams["chains"])
        fake, trace = self.chains(start, c.langevin_steps, self.streams["chains"], every=self.trace_every)
        out = contrastive_divergence(self.E(real), self.E(fake), c.energy_l2)
        check_finite(self.step_count + 1, **out)
        runaway.check(self.step_count + 1, float(out["energy_scale"].detach()))
        self.opt.zero_grad(set_to_none=True)
        out["loss"].backward()
        self.opt.step()
        self.buffer.store(slots, fake)
        self.last_negatives = fake
        if trace:
            self.last_trace = torch.stack(trace)[:, :TRACED].cpu().numpy()  # (K+1, B, D) -> (K+1, TRACED, D)
        self.step_count += 1
        return {k: float(v.detach()) for k, v in out.items()}

    # ------------------------------------------------------------------ looking at it
    @contextmanager
    def frozen(self):
        """E in evaluation mode (spectral norm's power iteration paused), restored to training mode after."""
        self.E.eval()
        try:
            yield
        finally:
            self.E.train()

    def draw(self, n: int, seed: int, steps: int | None = None, every: int = 0):
        """Chains started from noise (seeded) after `steps` Langevin steps (default: sample_steps), and their
        trajectory when `every` > 0."""
        g = torch.Generator().manual_seed(seed)
        with self.frozen():
            return self.chains(self.noise_like(n, g).to(self.device), steps or self.config.sample_steps, g, every)

    def evaluate(self) -> dict[str, Any]:
        return points_metrics(self.sample(EVAL_SAMPLES, seed=10_000 + self.config.seed)["points"], self.data)

    @torch.no_grad()
    def preview(self) -> dict[str, Any]:
        xs, ys, grid = field_grid(self.data.bounds)
        with self.frozen():
            energy = self.E(torch.as_tensor(grid, device=self.device))
        chains = self.last_negatives if self.last_negatives is not None else self.buffer.chains
        return {
            "step": self.step_count,
            "grid_x": xs,
            "grid_y": ys,
            "energy": energy.reshape(len(ys), len(xs)).cpu().numpy(),  # (R*R,) -> (R, R), rows are y
            "real": self.view_real,
            "chains": None if chains is None else chains[:POINTS].cpu().numpy(),
            "trace": self.last_trace,
        }

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        x, _ = self.draw(n, seed)
        return {"points": x.cpu().numpy().astype(np.float32)}

    def sample_png(self, n: int = 1000, seed: int = 0) -> bytes:
        return scatter_png(self.data, self.sample(n, seed)["points"])

    # ------------------------------------------------------------------ persistence
    def checkpoint_parts(self) -> dict[str, Any]:
        return {"models": {"energy": self.E}, "optimizers": {"adam": self.opt}}

    def extra_state(self) -> dict[str, Any]:
        return {} if self.buffer.chains is None else {"buffer": self.buffer.chains.cpu()}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        if "buffer" in state and self.buffer.chains is not None:
            self.buffer.chains = state["buffer"].to(self.device)
