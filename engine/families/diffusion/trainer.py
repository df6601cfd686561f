"""The `diffusion` family: DDPM (Ho et al. 2020, arXiv:2006.11239) on 2D points with an MLP, here, and on images
with a small U-Net (images.py); both sample with DDPM's ancestral steps or with DDIM (sampler.py).

One step = one Adam update of L_simple (objective.py) on a batch, each example with its own step t ~ U{1..T} and
noise eps, then one update of the weights' moving average (engine/tricks/ema.py), the network every sample uses.
Training randomness comes from two streams: `data` (batches) and `noise` (t and eps). Samples, previews and
evaluations use generators seeded for themselves, so looking at a run never changes its training.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from engine.families.diffusion import pictures
from engine.families.diffusion.config import DiffusionConfig
from engine.families.diffusion.forward import prior_kl
from engine.families.diffusion.networks import DenoisingMLP
from engine.families.diffusion.objective import draw_t_and_eps, simple_loss
from engine.families.diffusion.sampler import plan, reverse_process
from engine.families.diffusion.schedule import make_schedule
from engine.metrics.modes2d import points_metrics
from engine.pictures.points2d import POINTS, scatter_png
from engine.trainer import HeldoutPass, Trainer, check_finite
from engine.tricks.ema import ema_copy, ema_update, warmed_up

EVAL_POINTS = 1000  # 2D samples behind the mode metrics (1% of them cover a mode); the preview shows the same ones
HELDOUT_POINTS = 2000  # fresh data points for the held-out denoising loss and the prior term
REFERENCE_POINTS = 10_000  # data points that fix the standardisation of 2D data
CHUNK = 500  # images per network call while sampling


class DiffusionTrainer(Trainer):
    """What points and images share: the schedule, the loss, the moving average, sampling, persistence. Subclasses
    prepare their data (`_prepare_data` sets `shape`, the shape of one example) and build the network."""

    family = "diffusion"
    config_cls = DiffusionConfig
    stream_names = ("data", "noise")
    lr_keys = {"adam": "lr"}
    clip: float | None = None  # bound on the predicted x_0 while sampling (images: [-1, 1])
    shape: tuple[int, ...] = ()

    def __init__(self, config: DiffusionConfig, data):
        super().__init__(config, data)
        c = config
        self.schedule = make_schedule(c.schedule, c.timesteps, c.beta_start, c.beta_end).to(self.device)
        self._prepare_data()
        with self.seeded_init():
            self.model = self._build_model().to(self.device)
        self.average = ema_copy(self.model)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=c.lr)
        self._preview_pass: tuple[tuple, HeldoutPass] | None = None  # (sampler settings, the latest samples)

    def _prepare_data(self) -> None:
        raise NotImplementedError

    def _build_model(self) -> nn.Module:
        raise NotImplementedError

    def _batch(self) -> torch.Tensor:
        """x_0 of one training batch, from the data stream, as the network sees it."""
        raise NotImplementedError

    # ------------------------------------------------------------------ training
    def step(self, part: str = "both") -> dict[str, float]:
        x0 = self._batch()
        t, eps = draw_t_and_eps(x0, self.config.timesteps, self.streams["noise"])
        self.model.train()
        loss = simple_loss(self.model, x0, t, eps, self.schedule)
        check_finite(self.step_count + 1, loss=loss)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        ema_update(self.average, self.model, warmed_up(self.config.ema, self.step_count))
        self.step_count += 1
        return {"loss": float(loss.detach())}

    # ------------------------------------------------------------------ the model as a sampler
    @torch.no_grad()
    def eps_hat(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The averaged network's noise prediction."""
        return self.average(x_t, t)

    def plan(self) -> tuple[list[int], float]:
        """The steps the configured sampler visits and its eta."""
        c = self.config
        return plan(c.timesteps, c.sampler, c.sample_steps, c.eta)

    @torch.no_grad()
    def reverse(self, n: int, generator: torch.Generator, keep: int = 0,
                record: Callable[[int], bool] = lambda s: True) -> tuple[torch.Tensor, list]:
        """n samples (as the network sees them) from x_T ~ N(0, I) drawn from `generator`, in chunks of CHUNK, and
        the path of the first `keep`: (s, x_s, x0_hat) on the CPU at every step s where `record(s)`, starting at
        (T, x_T, None)."""
        steps, eta = self.plan()
        out, path = [], []
        for start in range(0, n, CHUNK):
            x_T = torch.randn((min(CHUNK, n - start), *self.shape), generator=generator).to(self.device)
            if start == 0 and keep:
                path.append((steps[0], x_T[:keep].cpu(), None))
            x_s = x_T
            for s, x_s, x0_hat in reverse_process(self.eps_hat, x_T, steps, self.schedule, eta, generator,
                                                  self.clip):
                if start == 0 and keep and record(s):
                    path.append((s, x_s[:keep].cpu(), x0_hat[:keep].cpu()))
            out.append(x_s)
        return torch.cat(out), path

    def timed_reverse(self, n: int, generator: torch.Generator, **kwargs) -> tuple[torch.Tensor, list, float]:
        """`reverse` and the seconds it took (the GPU waited for)."""
        start = time.perf_counter()
        x, path = self.reverse(n, generator, **kwargs)
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        return x, path, time.perf_counter() - start

    def preview_samples(self, draw: Callable[[], Any]) -> Any:
        """The result of `draw()` (a sampling pass of the preview), made again only when the model changed and the
        last pass is older than its cost allows (`HeldoutPass.reusable`), or the sampler settings changed."""
        c = self.config
        settings = (c.sampler, c.sample_steps, c.eta)
        cached = self._preview_pass
        if cached is None or cached[0] != settings or not cached[1].reusable(self.step_count, fresh=False):
            self._preview_pass = (settings, HeldoutPass.run(self.step_count, draw))
        return self._preview_pass[1].result

    @torch.no_grad()
    def shared_metrics(self, x0: torch.Tensor) -> dict[str, float]:
        """What every dataset gets: L_simple of the averaged network on held-out x_0 (fixed t and eps), the prior
        term L_T (nats per example: how far x_T is from N(0, I)) and the network evaluations per sample."""
        t, eps = draw_t_and_eps(x0, self.config.timesteps, torch.Generator().manual_seed(1))
        loss = torch.stack([simple_loss(self.average, a, b, c, self.schedule)
                            for a, b, c in zip(x0.split(CHUNK), t.split(CHUNK), eps.split(CHUNK))])
        sizes = torch.tensor([len(a) for a in x0.split(CHUNK)], dtype=torch.float32, device=loss.device)
        return {"denoising_loss": float((loss * sizes).sum() / sizes.sum()),
                "prior_kl": float(prior_kl(x0, self.schedule).mean()),
                "network_evaluations": len(self.plan()[0]) - 1}

    # ------------------------------------------------------------------ persistence
    def checkpoint_parts(self) -> dict[str, Any]:
        return {"models": {"model": self.model, "average": self.average}, "optimizers": {"adam": self.opt}}

    def forget_caches(self) -> None:
        self._preview_pass = None


class PointsDiffusionTrainer(DiffusionTrainer):
    """DDPM on a 2D toy with the time-conditioned MLP of networks.py.

    NOTE: Ho et al. scale images to [-1, 1]; here points are standardised, x -> (x - mean) / scale with one scale
    for both axes (the root of the mean variance of REFERENCE_POINTS drawn once), so that N(0, I) at t = T has the
    data's extent and the shape is kept. Samples, arrows and paths are mapped back to the data's coordinates."""

    data_kind = "points"

    def _prepare_data(self) -> None:
        fixed = torch.Generator().manual_seed(10_000 + self.config.seed)
        reference = self.data.sample(REFERENCE_POINTS, fixed)
        self.shift = reference.mean(0).to(self.device)
        self.scale = float(reference.var(0).mean().sqrt())
        self.shape = (2,)
        self.heldout = self.to_model(self.data.sample(HELDOUT_POINTS, fixed))
        self.view_real = self.data.sample(POINTS, fixed).numpy()
        self.forward_views = pictures.forward_points(self, fixed)  # the forward chain never changes: made once
        self.density = pictures.density_grid(self.data)

    def _build_model(self) -> nn.Module:
        c = self.config
        return DenoisingMLP(c.timesteps, c.width, c.depth)

    def to_model(self, x: torch.Tensor) -> torch.Tensor:
        return (x.to(self.device) - self.shift) / self.scale

    def to_data(self, z: torch.Tensor) -> torch.Tensor:
        return z * self.scale + self.shift.to(z.device)

    def _batch(self) -> torch.Tensor:
        return self.to_model(self.data.sample(self.config.batch_size, self.streams["data"]))

    def eval_generator(self) -> torch.Generator:
        return torch.Generator().manual_seed(20_000 + self.config.seed)

    def draw_eval(self, **path) -> tuple[torch.Tensor, list]:
        """The EVAL_POINTS samples the mode metrics judge (always the same x_T and noise), and the path that
        `reverse`'s `keep` and `record` ask for."""
        return self.reverse(EVAL_POINTS, self.eval_generator(), **path)

    def evaluate(self) -> dict[str, Any]:
        x, _, seconds = self.timed_reverse(EVAL_POINTS, self.eval_generator())
        return {**points_metrics(self.to_data(x).cpu().numpy(), self.data), **self.shared_metrics(self.heldout),
                "sample_seconds": seconds}

    def preview(self) -> dict[str, Any]:
        return pictures.points_views(self)

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        x, _ = self.reverse(n, torch.Generator().manual_seed(seed))
        return {"points": self.to_data(x).cpu().numpy().astype(np.float32)}

    def sample_png(self, n: int = 1000, seed: int = 0) -> bytes:
        return scatter_png(self.data, self.sample(n, seed)["points"])
