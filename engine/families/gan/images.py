"""The `gan` family on images: DCGAN models, the five tricks of Salimans et al. 2016 and the common stabilisers,
and the later papers' architectures as keys (architecture.py: ResNet blocks, self-attention, the style generator,
progressive growing; the generator's EMA and the truncation trick here).

Same loop, losses and keys as on 2D data (engine/trainers/gan.py); this class swaps the models and data, adds what
only images have (virtual batch norm's reference pass, a replay buffer of past fakes, adaptive augmentation,
class-conditional models) and judges samples with the judge classifier (engine/metrics/judge.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from engine.config import ConfigError
from engine.families.gan import architecture
from engine.families.gan.trainer import GanTrainer
from engine.latent import interpolate
from engine.metrics.spectrum import high_frequency_energy, high_frequency_gap
from engine.pictures.images import grid_uint8, png_bytes, to_uint8
from engine.tricks.adaptive_augmentation import AdaptiveAugmentation, augment
from engine.tricks.ema import ema_copy, ema_update, half_life_decay, warmed_up
from engine.tricks.progressive_growing import shrink
from engine.tricks.replay_buffer import ReplayBuffer
from engine.tricks.virtual_batchnorm import VirtualBatchNorm

GRID = 64  # samples in the live grid (a fixed batch of z; rounded up to whole rows of classes when conditional)
EVAL_IMAGES = 1000  # samples judged at each evaluation


class ImageGanTrainer(GanTrainer):
    track_grad_norm = True

    data_kind = "images"
    uses_judge = True

    def __init__(self, config, data):
        self.check_data_kind(config, data)
        self.num_classes = data.num_classes if config.conditional and data.train_labels is not None else 0
        super().__init__(config, data)
        c = config
        self.train_x = data.train.to(self.device)
        self.train_y = data.train_labels.to(self.device) if data.train_labels is not None else None
        self.replay = ReplayBuffer(c.replay_buffer, c.replay_fraction) if c.replay_buffer else None
        self.ada = AdaptiveAugmentation(c.ada_target) if c.ada else None
        self.G_ema = ema_copy(self.G) if c.g_ema else None  # the weights samples and metrics are drawn with
        self._real_hf: float | None = None  # the held-out images' high-frequency energy, once measured
        self._last_logits: tuple[torch.Tensor, torch.Tensor] | None = None  # D's last (real, fake), for previews

    def check_config(self) -> None:
        c, data = self.config, self.data
        if c.conditional and (data.train_labels is None or not data.num_classes):
            raise ConfigError("conditional", f"'{data.name}' has no class labels: a conditional GAN needs a "
                                             "labelled dataset (digits, mnist, fashion_mnist, cifar10)")
        self.check_batch_size(len(data.train))
        if c.d_norm == "virtual_batch" and c.vbn_reference > len(data.train):
            raise ConfigError("vbn_reference", f"the virtual-batch-norm reference batch ({c.vbn_reference} real "
                                               f"images) is larger than the {len(data.train)} training images of "
                                               f"'{data.name}'")

    # ------------------------------------------------------------------ models and data
    def _build_models(self) -> tuple[nn.Module, nn.Module]:
        return architecture.build_networks(self.config, tuple(self.data.train.shape[1:]), self.num_classes)

    def growth(self) -> dict[str, float]:
        """Where progressive growing stands: {"stage", "alpha", "side"} ({} when it is off)."""
        return architecture.growth(self.config, self.step_count, self.data.train.shape[-1])

    def _grown(self) -> dict[str, float]:
        """The stage and fade-in alpha both networks are called with."""
        return {k: v for k, v in self.growth().items() if k != "side"}

    def _fixed_views(self) -> None:
        c = self.config
        fixed = torch.Generator().manual_seed(10_000 + c.seed)
        classes = self.num_classes
        shown = -(-GRID // classes) * classes if classes else GRID  # whole rows: one column per class
        self.view_z = self._draw_z(shown, fixed)
        self.view_labels = (torch.arange(shown) % classes).to(self.device) if classes else None
        self.eval_z = self._draw_z(EVAL_IMAGES, fixed)
        self.eval_labels = (torch.arange(EVAL_IMAGES) % self.num_classes).to(self.device) if self.num_classes else None
        # virtual batch norm's reference batch: N fixed z (and labels), drawn once (Salimans et al. 2016, Sec. 3.4)
        self.ref_z = self._draw_z(c.vbn_reference, fixed)
        self.ref_labels = (torch.arange(c.vbn_reference) % classes).to(self.device) if classes else None
        self.uses_vbn = c.generator_norm == "virtual_batch"
        # a discriminator with virtual batch norm: N different real images, fixed once
        self.d_uses_vbn = c.d_norm == "virtual_batch"
        if self.d_uses_vbn:
            pick = torch.randperm(len(self.data.train), generator=fixed)[: c.vbn_reference]
            self.ref_x = self.data.train[pick].to(self.device)

    def _real_batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        idx = self.batch_indices(len(self.train_x))
        labels = self.train_y[idx] if self.num_classes else None
        return self.train_x[idx], labels

    def _fake_labels(self, n: int) -> torch.Tensor | None:
        if not self.num_classes:
            return None
        return torch.randint(0, self.num_classes, (n,), generator=self.streams["noise"]).to(self.device)

    def _autocast(self):
        on = self.config.precision == "bf16"
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=on)

    def _generate(self, z: torch.Tensor, labels: torch.Tensor | None = None, G: nn.Module | None = None,
                  rng: torch.Generator | None = None, psi: float = 1.0) -> torch.Tensor:
        """G(z) (`G`: the training generator unless given) at the current growing stage; dropout masks and noise
        inputs come from `rng` (the tricks stream in training)."""
        G = self.G if G is None else G
        rng = self.streams["tricks"] if rng is None else rng
        grown = self._grown()
        with self._autocast():
            if self.uses_vbn:
                with VirtualBatchNorm.reference_pass(G):  # the fixed reference batch, with fixed random layers
                    G(self.ref_z, self.ref_labels, rng=torch.Generator().manual_seed(0), **grown)
            return G(z, labels, rng=rng, psi=psi, **grown).float()

    def _discriminate(self, x: torch.Tensor, labels: torch.Tensor | None = None):
        with self._autocast():
            if self.d_uses_vbn:
                with VirtualBatchNorm.reference_pass(self.D):
                    self.D.body(self.ref_x)  # the normalised layers are all in the convolutional body
            logits, features = self.D(x, labels if self.num_classes else None, **self._grown())
        return logits.float(), features.float()

    def _d_input(self, x: torch.Tensor) -> torch.Tensor:
        grown = self.growth()
        if grown and x.shape[-1] > grown["side"]:  # real images, shown at the growing side and faded alike
            x = shrink(x, int(grown["side"]), grown["alpha"])
        x = self._noisy(x)
        if self.ada is not None and self.ada.p > 0:
            x = augment(x, self.ada.p, self.streams["tricks"])
        return x

    def _observe_d(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> None:
        if not torch.is_grad_enabled() or not self.D.training:
            return
        self._last_logits = (real_logits.detach(), fake_logits.detach())  # read back only when a preview is made
        if self.ada is not None:
            self.ada.observe(real_logits)

    def _update(self, losses: dict[str, torch.Tensor], opt: torch.optim.Optimizer, avg, module: nn.Module) -> None:
        super()._update(losses, opt, avg, module)
        if module is self.G and self.G_ema is not None:
            ema_update(self.G_ema, self.G, warmed_up(half_life_decay(self.config.g_ema), self.step_count))

    def _fakes_for_d(self, fake: torch.Tensor, labels: torch.Tensor | None):
        if self.replay is None:
            return fake, labels
        self.replay.fraction = self.config.replay_fraction
        return self.replay.mix(fake, self.streams["tricks"], labels)

    # ------------------------------------------------------------------ looking at it
    @property
    def sampler(self) -> nn.Module:
        """The generator samples and metrics come from: its EMA when g_ema is on, else G itself."""
        return self.G_ema if self.G_ema is not None else self.G

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None, *, psi: float | None = None,
                 rng: torch.Generator | None = None, full_size: bool = True) -> torch.Tensor:
        """Samples of z: the `sampler` in evaluation mode (batch norm with its running statistics; its training
        mode is restored after), truncated by `psi` (the config's `truncation` unless given), random layers drawn
        from `rng` (a fixed seed unless given); while growing, doubled by nearest neighbours to the full size
        unless `full_size` is False."""
        G = self.sampler
        was_training = G.training
        G.eval()
        try:
            rng = torch.Generator().manual_seed(0) if rng is None else rng
            x = self._generate(z, labels, G, rng, self.config.truncation if psi is None else psi)
        finally:
            G.train(was_training)
        side = self.data.train.shape[-1]
        if full_size and x.shape[-1] != side:
            x = F.interpolate(x, scale_factor=side // x.shape[-1], mode="nearest")
        return x

    def _eval_images(self, psi: float = 1.0, n: int | None = None) -> torch.Tensor:
        """The first n (all) of the fixed evaluation z, drawn with truncation psi."""
        chunks, rng, n = [], torch.Generator().manual_seed(1), n or len(self.eval_z)
        for start in range(0, n, 500):
            stop = min(start + 500, n)
            labels = self.eval_labels[start:stop] if self.eval_labels is not None else None
            chunks.append(self.generate(self.eval_z[start:stop], labels, psi=psi, rng=rng))
        return torch.cat(chunks)

    def real_high_frequency(self) -> float:
        """The high-frequency energy of the held-out images (engine/metrics/spectrum.py), measured once."""
        if self._real_hf is None:
            self._real_hf = high_frequency_energy(self.data.heldout)
        return self._real_hf

    def evaluate(self) -> dict[str, Any]:
        images = self._eval_images()
        m = self.judge_metrics(images)
        if not m:
            return {}
        m["high_frequency_energy"] = high_frequency_energy(images)
        m["high_frequency_gap"] = high_frequency_gap(m["high_frequency_energy"], self.real_high_frequency())
        if self.ada is not None:
            m["ada_p"] = self.ada.p
        return m

    def preview(self) -> dict[str, Any]:
        images = self.generate(self.view_z, self.view_labels, full_size=False)  # growing: the grid grows
        nrow = self.num_classes if self.num_classes else 8
        return {
            "step": self.step_count,
            "grid": grid_uint8(images, nrow=nrow),
            **self._d_outputs(),
            "ada_p": self.ada.p if self.ada is not None else None,
            "growth": self.growth() or None,
        }

    def _d_outputs(self) -> dict[str, np.ndarray]:
        """D(x) on the last real and fake batch, as probabilities (empty before the first step)."""
        if self._last_logits is None:
            return {"d_real": np.zeros(0, np.float32), "d_fake": np.zeros(0, np.float32)}
        real, fake = (torch.sigmoid(t).float().cpu().numpy() for t in self._last_logits)
        return {"d_real": real, "d_fake": fake}

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0, labels: torch.Tensor | None = None) -> dict[str, np.ndarray]:
        g = torch.Generator().manual_seed(seed)
        z = self._draw_z(n, g)
        if self.num_classes and labels is None:
            labels = torch.arange(n) % self.num_classes
        labels = labels.to(self.device) if labels is not None else None
        return {"images": to_uint8(self.generate(z, labels, rng=g))}

    def latent_walk(self, seed_a: int, seed_b: int, steps: int, mode: str = "spherical", scale: float = 1.0,
                    label: int = 0) -> np.ndarray:
        """uint8 (steps, C, H, W): G along a `mode` path (engine/latent.py) from the z of `seed_a` to that of
        `seed_b`, both times `scale`; a conditional generator draws class `label` all along."""
        z0, z1 = (torch.randn(self.config.z_dim, generator=torch.Generator().manual_seed(s)) for s in (seed_a, seed_b))
        zs = interpolate(z0, z1, steps, mode) * scale
        labels = torch.full((len(zs),), label, dtype=torch.long, device=self.device) if self.num_classes else None
        return to_uint8(self.generate(zs.to(self.device), labels))

    def sample_png(self, n: int = 64, seed: int = 0) -> bytes:
        """A grid of n samples; a conditional generator shows one column per class, n rounded up to whole rows."""
        nrow = self.num_classes if self.num_classes else 8
        n = -(-n // nrow) * nrow if self.num_classes else n
        images = torch.as_tensor(self.sample(n, seed)["images"]).float() / 127.5 - 1
        return png_bytes(grid_uint8(images, nrow=nrow), scale=max(1, 128 // images.shape[-1]))

    # ------------------------------------------------------------------ persistence
    def checkpoint_parts(self) -> dict[str, Any]:
        parts = super().checkpoint_parts()
        parts["models"]["G_ema"] = self.G_ema
        return {**parts, "replay": self.replay, "ada": self.ada}
