"""The `gan` family on 2D data: an MLP generator and discriminator with every trick as a switch.

One training step = `d_steps` discriminator updates, then `g_steps` generator updates (Goodfellow et al. 2014,
Algorithm 1). Randomness comes from separate streams: `data` (real batches), `noise` (z) and `tricks` (instance noise,
gradient-penalty mixing), so turning a trick on never changes which batches and which z the other parts see.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from engine import tricks
from engine.config import ConfigError
from engine.families.gan import pictures2d
from engine.families.gan.config import IMAGE_ONLY_KEYS, GanConfig
from engine.families.gan.mlp import MLPDiscriminator, MLPGenerator
from engine.metrics.modes2d import points_metrics
from engine.pictures.points2d import POINTS, scatter_png
from engine.trainer import Trainer, check_finite

EVAL_SAMPLES = 2000


class GanTrainer(Trainer):
    family = "gan"
    config_cls = GanConfig
    data_kind = "points"
    stream_names = ("data", "noise", "tricks")
    parts = ("both", "d", "g")
    lr_keys = {"G": "lr_g", "D": "lr_d"}
    track_grad_norm = False

    def __init__(self, config: GanConfig, data):
        super().__init__(config, data)
        c = config
        self.check_config()
        with self.seeded_init():
            self.G, self.D = self._build_models()
            if c.spectral_norm:
                tricks.apply_spectral_norm(self.D)
            self.G, self.D = self.G.to(self.device), self.D.to(self.device)
        self.opt_g = self._optimizer(self.G, c.lr_g)
        self.opt_d = self._optimizer(self.D, c.lr_d)
        self.avg_g = tricks.HistoricalAverage(self.G).to(self.device)
        self.avg_d = tricks.HistoricalAverage(self.D).to(self.device)
        self.last_real: torch.Tensor | None = None
        self.last_real_labels: torch.Tensor | None = None
        self._fixed_views()

    def check_config(self) -> None:
        """Keys that mean something on images only are refused on 2D points, each with a message naming it."""
        defaults = GanConfig()
        for key in IMAGE_ONLY_KEYS:
            if getattr(self.config, key) != getattr(defaults, key):
                raise ConfigError(key, f"'{key}' applies to image GANs only; '{self.config.dataset}' is a 2D dataset "
                                       f"(leave {key} at {getattr(defaults, key)!r} on 2D points)")

    def _build_models(self) -> tuple[nn.Module, nn.Module]:
        c = self.config
        mbd = (c.mbd_kernels, c.mbd_dim) if c.minibatch_discrimination else (0, 0)
        return (MLPGenerator(c.z_dim, c.g_width, c.g_depth),
                MLPDiscriminator(c.d_width, c.d_depth, mbd_kernels=mbd[0], mbd_dim=mbd[1], mbd_average=c.mbd_average))

    def _fixed_views(self) -> None:
        """What the previews and evaluations look at: drawn once from a fixed seed."""
        fixed = torch.Generator().manual_seed(10_000 + self.config.seed)
        self.eval_z = self._draw_z(EVAL_SAMPLES, fixed)
        self.view_real = self.data.sample(POINTS, fixed).numpy()

    # ------------------------------------------------------------------ building blocks
    def _optimizer(self, module: nn.Module, lr: float) -> torch.optim.Optimizer:
        if self.config.optimizer == "adam":
            return torch.optim.Adam(module.parameters(), lr=lr, betas=(0.5, 0.999))
        if self.config.optimizer == "rmsprop":  # the Wasserstein GAN's (Arjovsky et al. 2017, Alg. 1)
            return torch.optim.RMSprop(module.parameters(), lr=lr)
        return torch.optim.SGD(module.parameters(), lr=lr)

    def _draw_z(self, n: int, generator: torch.Generator) -> torch.Tensor:
        shape = (n, self.config.z_dim)
        if self.config.noise == "uniform":
            z = torch.rand(shape, generator=generator) * 2 - 1
        else:
            z = torch.randn(shape, generator=generator)
        return z.to(self.device)

    def _real_batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(examples, labels or None) of one real batch, from the data stream."""
        return self.data.sample(self.config.batch_size, self.streams["data"]).to(self.device), None

    def _generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(z)

    def _discriminate(self, x: torch.Tensor, labels: torch.Tensor | None = None):
        """(logits, features) of D."""
        return self.D(x)

    def _fake_labels(self, n: int) -> torch.Tensor | None:
        """Class labels for n fakes (conditional models), from the noise stream; None otherwise."""
        return None

    def _d_input(self, x: torch.Tensor) -> torch.Tensor:
        """What D sees of a batch (instance noise here; image GANs add augmentation)."""
        return self._noisy(x)

    def _noisy(self, x: torch.Tensor) -> torch.Tensor:
        c = self.config
        sigma = tricks.annealed_sigma(c.instance_noise, self.step_count, c.instance_noise_anneal)
        if sigma == 0:
            return x
        noise = torch.randn(x.shape, generator=self.streams["tricks"]).to(self.device)
        return x + sigma * noise

    # ------------------------------------------------------------------ training
    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor, real_labels: torch.Tensor | None = None,
                           fake_labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        c = self.config
        real_in, fake_in = self._d_input(real), self._d_input(fake)
        real_logits, _ = self._discriminate(real_in, real_labels)
        fake_logits, _ = self._discriminate(fake_in, fake_labels)
        real_target, fake_target = tricks.smoothed_targets(c.label_smoothing, c.fake_label)
        loss = tricks.discriminator_loss(c.loss, real_logits, fake_logits, real_target, fake_target)
        out = {"loss_d": loss, "d_real": torch.sigmoid(real_logits).mean(), "d_fake": torch.sigmoid(fake_logits).mean()}
        if c.loss == "wgan_gp" and c.gp_weight > 0:
            gp = tricks.gradient_penalty(lambda x: self._discriminate(x, real_labels)[0], real_in, fake_in,
                                         self.streams["tricks"])
            out["gradient_penalty"] = gp
            loss = loss + c.gp_weight * gp
        if c.historical_averaging > 0:
            loss = loss + c.historical_averaging * self.avg_d.penalty(self.D)
        out["loss"] = loss
        self._observe_d(real_logits, fake_logits)
        return out

    def _observe_d(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> None:
        """Hook: what the discriminator said in its step (ADA and the D(x) histograms of image GANs use it)."""

    def generator_loss(self, fake: torch.Tensor, real: torch.Tensor | None, fake_labels: torch.Tensor | None = None,
                       real_labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        c = self.config
        fake_logits, fake_features = self._discriminate(self._d_input(fake), fake_labels)
        if c.feature_matching and real is not None:
            _, real_features = self._discriminate(self._d_input(real), real_labels)
            loss = tricks.feature_matching_loss(real_features, fake_features)
        else:
            loss = tricks.generator_loss(c.loss, fake_logits)
        out = {"loss_g": loss}
        if c.historical_averaging > 0:
            loss = loss + c.historical_averaging * self.avg_g.penalty(self.G)
        out["loss"] = loss
        return out

    def _update(self, losses: dict[str, torch.Tensor], opt: torch.optim.Optimizer, avg, module: nn.Module) -> None:
        check_finite(self.step_count + 1, **{k: v for k, v in losses.items() if k != "loss"})
        opt.zero_grad(set_to_none=True)
        losses["loss"].backward()
        if self.track_grad_norm:  # the size of the whole gradient, shown as a failure sign (images)
            grads = [p.grad for p in module.parameters() if p.grad is not None]
            name = "grad_norm_d" if module is self.D else "grad_norm_g"
            losses[name] = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
        opt.step()
        if module is self.D and self.config.weight_clip > 0:  # the WGAN critic's constraint, after each update
            tricks.clip_weights(self.D, self.config.weight_clip)
        avg.update(module)

    def _fakes_for_d(self, fake: torch.Tensor, labels: torch.Tensor | None):
        """Hook: the fake batch D trains on (image GANs may mix in a replay buffer)."""
        return fake, labels

    def step(self, part: str = "both") -> dict[str, float]:
        c = self.config
        logged: dict[str, float] = {}
        if part in ("both", "d"):
            for _ in range(c.d_steps):
                real, real_labels = self._real_batch()
                fake_labels = self._fake_labels(c.batch_size)
                with torch.no_grad():
                    fake = self._generate(self._draw_z(c.batch_size, self.streams["noise"]), fake_labels)
                fake, fake_labels = self._fakes_for_d(fake, fake_labels)
                losses = self.discriminator_loss(real, fake, real_labels, fake_labels)
                self._update(losses, self.opt_d, self.avg_d, self.D)
                self.last_real, self.last_real_labels = real, real_labels
            logged.update({k: float(v.detach()) for k, v in losses.items() if k != "loss"})
        if part in ("both", "g"):
            for _ in range(c.g_steps):
                fake_labels = self._fake_labels(c.batch_size)
                fake = self._generate(self._draw_z(c.batch_size, self.streams["noise"]), fake_labels)
                # NOTE: feature matching reuses the last real batch D saw, so that switching it on does not shift
                # the data order the other variants of a comparison see.
                if self.last_real is not None:
                    real, real_labels = self.last_real, self.last_real_labels
                else:
                    real, real_labels = self._real_batch()
                losses = self.generator_loss(fake, real, fake_labels, real_labels)
                self._update(losses, self.opt_g, self.avg_g, self.G)
            logged.update({k: float(v.detach()) for k, v in losses.items() if k != "loss"})
        self.step_count += 1
        return logged

    # ------------------------------------------------------------------ looking at it
    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self._generate(z, labels)

    def evaluate(self) -> dict[str, float]:
        return points_metrics(self.generate(self.eval_z).cpu().numpy(), self.data)

    def preview(self) -> dict[str, Any]:
        return pictures2d.gan_views(self)

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        z = self._draw_z(n, torch.Generator().manual_seed(seed))
        return {"points": self.generate(z).cpu().numpy().astype(np.float32)}

    def sample_png(self, n: int = 1000, seed: int = 0) -> bytes:
        return scatter_png(self.data, self.sample(n, seed)["points"])

    # ------------------------------------------------------------------ persistence
    def checkpoint_parts(self) -> dict[str, Any]:
        return {"models": {"G": self.G, "D": self.D}, "optimizers": {"G": self.opt_g, "D": self.opt_d},
                "historical_average": {"G": self.avg_g, "D": self.avg_d}}

    def extra_state(self) -> dict[str, Any]:
        """The last real batch D saw (feature matching's reference in the next generator step) and its labels."""
        state = {}
        if self.last_real is not None:
            state["last_real"] = self.last_real.cpu()
        if self.last_real_labels is not None:
            state["last_real_labels"] = self.last_real_labels.cpu()
        return state

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.last_real = state["last_real"].to(self.device) if "last_real" in state else None
        labels = state.get("last_real_labels")
        self.last_real_labels = labels.to(self.device) if labels is not None else None
