r"""The `vqvae` family: a VQ-VAE (van den Oord et al. 2017, arXiv:1711.00937) in two stages.

Stage 1 (`stage=vqvae`), one Adam update per step on a batch x:

    loss = -log p(x | z_q) + beta ||z_e - sg[e]||^2  [+ ||sg[z_e] - e||^2 with codebook=loss]

(nats per image; engine/families/vqvae/quantizer.py), then, with codebook=ema, the moving-average update of the codes
(moving_average.py) and, when on, the restart of dead codes (restart.py); with kmeans_init the codebook starts at
k-means centroids of the first batch (kmeans.py). With beside_vae the autoencoder family's VAE trains on the same
batches (its own seeded data stream draws what ours draws).

Stage 2 (`stage=prior`, or by itself after `prior_after` stage-1 steps, or from a saved stage-1 run `vqvae_run`):
one Adam update of the gated PixelCNN prior (prior.py) on the code maps of a batch of training images, stage 1
frozen. Randomness: `data` (batches, both stages) and `codebook` (k-means picks, restarts).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import numpy as np
import torch

from engine.config import ConfigError
from engine.families.vae.bounds import log_likelihood
from engine.families.vae.config import VaeConfig
from engine.families.vae.trainer import VaeTrainer
from engine.families.vqvae import moving_average
from engine.families.vqvae import prior as priors
from engine.families.vqvae.config import VqvaeConfig
from engine.families.vqvae.kmeans import kmeans
from engine.families.vqvae.networks import VqAutoencoder, code_sides
from engine.families.vqvae.quantizer import codebook_loss, commitment_loss, perplexity
from engine.families.vqvae.restart import restart_dead
from engine.families.vqvae.saved_stage1 import STAGE1_KEYS, read_stage1
from engine.metrics.likelihood import bits_per_dim
from engine.pictures.images import grid_uint8, png_bytes, to_uint8
from engine.trainer import Trainer, check_finite

SHOWN = 8  # held-out images in the live reconstructions and code maps
HISTOGRAM_IMAGES = 256  # held-out images whose codes make the live histogram
SAMPLES = 16  # the live sample grid
PREVIEW_SECONDS = 2.0  # shortest time between two live grids sampled from the prior (a pass per code)
EVAL_IMAGES = 2000  # held-out images for the reconstruction, codebook use and prior NLL
JUDGED = 1000  # samples judged (as many as the VAE judges)
CHUNK = 500  # images per forward pass outside training


class VqvaeTrainer(Trainer):
    family = "vqvae"
    data_kind = "images"
    config_cls = VqvaeConfig
    stream_names = ("data", "codebook")
    counters = ("vq_steps", "prior_steps")
    lr_keys = {"adam": "lr", "prior_adam": "prior_lr"}
    uses_judge = True

    def __init__(self, config: VqvaeConfig, data):
        super().__init__(config, data)
        saved = self._adopt_saved_stage1()
        self._prepare_data()
        self._build_networks()
        self.vq_steps = 0  # stage-1 steps (the codebook's clock)
        self.prior_steps = 0
        self.epoch_steps = math.ceil(len(self.train_x) / self.config.batch_size)  # "codes used in the last epoch"
        self._codes: tuple[int, torch.Tensor, torch.Tensor] | None = None  # (vq_steps, train maps, held-out maps)
        self._samples: tuple[int, float, np.ndarray] | None = None  # the live prior grid: (step, time, grid)
        self.view_x = self.heldout_x[:SHOWN]
        if saved is not None:
            self._load_stage1(saved["state"])

    # ------------------------------------------------------------------ set-up
    def _adopt_saved_stage1(self) -> dict[str, Any] | None:
        """With `vqvae_run`: the saved stage 1 (its config and state), whose architecture keys replace ours (its
        weights are loaded once the networks exist). Where it came from is kept: the config forgets it."""
        c = self.config
        self.stage1_from = c.vqvae_run
        if not c.vqvae_run:
            return None
        saved = read_stage1(c.vqvae_run, c.dataset)
        if saved["config"]["levels"] == 2:
            raise ConfigError("vqvae_run", f"vqvae_run '{c.vqvae_run}' is a two-level run: the prior is learned "
                                           "for one-level models")
        stage1 = {k: saved["config"][k] for k in STAGE1_KEYS}
        self.config = dataclasses.replace(c, **stage1, vqvae_run="")
        return saved

    def _prepare_data(self) -> None:
        """The images (and labels) on the device, and the checks the data must pass for these settings."""
        c, data = self.config, self.data
        self.train_x, self.heldout_x = data.train.to(self.device), data.heldout.to(self.device)
        self.check_batch_size(len(self.train_x))
        self.shape = tuple(data.image_shape)
        bottom, top = code_sides(self.shape[1])
        if c.levels == 2 and top is None:
            raise ConfigError("levels", f"levels=2 needs images of side 16, 32 or 64 (a code map that halves once "
                                        f"more); '{data.name}' is {self.shape[1]}x{self.shape[2]}, whose code map is "
                                        f"{bottom}x{bottom}")
        self.num_classes = data.num_classes if c.conditional and data.train_labels is not None else 0
        if c.conditional and not self.num_classes:
            raise ConfigError("conditional", f"'{data.name}' has no class labels: set conditional=false")
        self.train_y = data.train_labels.to(self.device) if data.train_labels is not None else None
        self.heldout_y = data.heldout_labels.to(self.device) if data.heldout_labels is not None else None

    def _build_networks(self) -> None:
        """The autoencoder with its codebooks, the prior, their optimizers, and the VAE beside it when asked."""
        c = self.config
        with self.seeded_init():
            self.model = VqAutoencoder(self.shape, c.codebook_size, c.code_dim, c.width, c.levels,
                                       ema=c.codebook == "ema").to(self.device)
            self.prior = priors.build_prior(c.codebook_size, c.prior_width, c.prior_layers,
                                            self.num_classes).to(self.device)
        self.opt = torch.optim.Adam([p for p in self.model.parameters() if p.requires_grad], lr=c.lr)
        self.prior_opt = torch.optim.Adam(self.prior.parameters(), lr=c.prior_lr)
        self.vae = VaeTrainer(_vae_config(c), self.data) if c.beside_vae else None

    def _load_stage1(self, state: dict[str, Any]) -> None:
        try:
            self.model.load_state_dict(state["models"]["vqvae"])
            self.opt.load_state_dict(state["optimizers"]["adam"])
            if self.vae is not None:
                self.vae.load_state_dict(state["vae"])
        except (KeyError, RuntimeError, ValueError) as err:
            raise ConfigError("vqvae_run", f"vqvae_run: the checkpoint in '{self.stage1_from}' does not match its "
                                           f"configuration: {str(err).splitlines()[0][:200]}") from None
        self.vq_steps = int(state["vq_steps"])

    @property
    def stage(self) -> str:
        """What the next step trains: the prior once asked for (stage=prior) or after `prior_after` stage-1 steps."""
        c = self.config
        return "prior" if c.stage == "prior" or 0 < c.prior_after <= self.vq_steps else "vqvae"

    @property
    def sides(self) -> tuple[int, ...]:
        return self.model.sides

    def set_knobs(self, **values: Any) -> None:
        super().set_knobs(**values)
        if self.vae is not None and "lr" in values:
            self.vae.set_knobs(lr=self.config.lr)

    # ------------------------------------------------------------------ training
    def step(self, part: str = "both") -> dict[str, float]:
        idx = self.batch_indices(len(self.train_x))
        out = self._prior_step(idx) if self.stage == "prior" else self._vq_step(idx)
        self.step_count += 1
        return out

    def losses(self, x: torch.Tensor) -> tuple[dict[str, torch.Tensor], list]:
        """Per-batch means (nats per image) of the reconstruction, the quantisation error ||z_e - e||^2 (the value
        of both the codebook and the commitment loss) and the loss minimised; and every level's quantisation."""
        c = self.config
        out, levels = self.model(x)
        reconstruction = -log_likelihood(x, out, c.likelihood, self.model.log_sigma).mean()
        commitment = sum(commitment_loss(q.z_e, q.z_q).mean() for q in levels)
        loss = reconstruction + c.beta * commitment
        if c.codebook == "loss":
            loss = loss + sum(codebook_loss(q.z_e, q.z_q).mean() for q in levels)
        return {"loss": loss, "reconstruction": reconstruction, "commitment": commitment}, levels

    def _vq_step(self, idx: torch.Tensor) -> dict[str, float]:
        c = self.config
        x = self.train_x[idx]
        self.model.train()
        if c.kmeans_init and not bool(self.model.quantizers[0].initialised):
            self._kmeans_init(x)
        losses, levels = self.losses(x)
        check_finite(self.step_count + 1, **losses)
        self.opt.zero_grad(set_to_none=True)
        losses["loss"].backward()
        self.opt.step()
        self.vq_steps += 1
        out = {k: float(v.detach()) for k, v in losses.items()}
        for quantizer, q, suffix in zip(self.model.quantizers, levels, ("", "_top")):
            quantizer.mark_used(q.k, self.vq_steps)
            if c.codebook == "ema":
                moving_average.update(quantizer, q.z_e, q.k, c.ema_decay)
            restarted = (restart_dead(quantizer, q.z_e, self.vq_steps, c.restart_after, self.streams["codebook"])
                         if c.dead_code_restart else 0)
            used = int(quantizer.used_within(self.vq_steps, self.epoch_steps).sum())
            out.update({f"perplexity{suffix}": perplexity(quantizer.counts(q.k)), f"codes_used{suffix}": used,
                        f"dead_codes{suffix}": quantizer.codes - used, f"restarted{suffix}": restarted})
        if self.vae is not None:
            out["vae_reconstruction"] = self.vae.step()["reconstruction"]
        return out

    @torch.no_grad()
    def _kmeans_init(self, x: torch.Tensor) -> None:
        """Every codebook from k-means on this batch's encoder outputs; the top first, since the bottom's outputs
        depend on the top's codes."""
        for level in reversed(range(self.model.levels)):
            quantizer = self.model.quantizers[level]
            z_e = self.model.encode(x)[level].z_e
            z = z_e.permute(0, 2, 3, 1).reshape(-1, quantizer.dim)  # (B, D, h, w) -> (B*h*w, D)
            quantizer.set_codes(torch.arange(quantizer.codes, device=z.device),
                                kmeans(z, quantizer.codes, self.streams["codebook"]), self.vq_steps)
            quantizer.initialised.fill_(True)

    def _prior_step(self, idx: torch.Tensor) -> dict[str, float]:
        train_k, _ = self.code_maps()
        self.prior.train()
        loss = priors.code_nll(self.prior, train_k[idx], self.train_y[idx] if self.num_classes else None).mean()
        check_finite(self.step_count + 1, prior_loss=loss)
        self.prior_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.prior_opt.step()
        self.prior_steps += 1
        value = float(loss.detach())
        return {"prior_loss": value, "prior_train_bits_per_code": priors.bits_per_code(value, self.positions)}

    # ------------------------------------------------------------------ the model as functions (evaluation mode)
    @property
    def positions(self) -> int:
        """Code positions of a one-level map (what the prior draws)."""
        return self.sides[0] ** 2

    @torch.no_grad()
    def encode(self, images: torch.Tensor) -> list[torch.Tensor]:
        """Code indices per level, bottom first ((N, h, w) each) of images in [-1, 1]."""
        self.model.eval()
        chunks = [[q.k for q in self.model.encode(x.to(self.device))] for x in images.split(CHUNK)]
        return [torch.cat(level) for level in zip(*chunks)]

    @torch.no_grad()
    def decode(self, k: list[torch.Tensor], keep: tuple[bool, ...] | None = None) -> torch.Tensor:
        """Images in [-1, 1] (the mean of p(x|z_q)) of code indices per level; `keep` False for a level puts zero
        vectors in its place (to see what the other level alone draws)."""
        self.model.eval()
        e = [q.lookup(ki.to(self.device)) for q, ki in zip(self.model.quantizers, k)]
        if keep is not None:
            e = [ei if kept else torch.zeros_like(ei) for ei, kept in zip(e, keep)]
        return self.to_images(self.model.decode(e))

    def to_images(self, out: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(out) * 2 - 1 if self.config.likelihood == "bernoulli" else out.clamp(-1, 1)

    @torch.no_grad()
    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(images))

    def code_maps(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The bottom code maps of the training and held-out images (what the prior learns), recomputed when stage 1
        has changed since."""
        if self._codes is None or self._codes[0] != self.vq_steps:
            self._codes = (self.vq_steps, self.encode(self.train_x)[0], self.encode(self.heldout_x)[0])
        return self._codes[1], self._codes[2]

    # ------------------------------------------------------------------ sampling
    def labels_for(self, n: int) -> torch.Tensor | None:
        """Class labels 0, 1, ..., K-1, 0, ... for n samples of a class-conditional prior (None otherwise)."""
        return torch.arange(n, device=self.device) % self.num_classes if self.num_classes else None

    def sample_codes(self, n: int, seed: int = 0, **kwargs) -> list[torch.Tensor]:
        """Code maps per level drawn from the prior: the trained PixelCNN (the config's sampler and temperature),
        or before it has trained (and for two levels) uniformly, p(k) = 1/K at every position."""
        c = self.config
        generator = torch.Generator().manual_seed(seed)
        if self.prior_steps == 0 or self.model.levels == 2:
            return [torch.randint(0, c.codebook_size, (n, s, s), generator=generator) for s in self.sides]
        options = {"sampler": c.sampler, "temperature": c.temperature, "labels": self.labels_for(n), **kwargs}
        return [priors.sample_maps(self.prior, (self.sides[0],) * 2, n, generator=generator, **options)]

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        return {"images": to_uint8(self.decode(self.sample_codes(n, seed)))}

    def sample_png(self, n: int = 64, seed: int = 0) -> bytes:
        images = self.decode(self.sample_codes(n, seed))
        return png_bytes(grid_uint8(images, nrow=self.num_classes or 8), scale=max(1, 128 // images.shape[-1]))

    # ------------------------------------------------------------------ looking at it
    def _live_samples(self) -> np.ndarray:
        """The live grid: SAMPLES images of seed 1, redrawn at most every PREVIEW_SECONDS once the prior trains."""
        now, kept = time.monotonic(), self._samples
        if kept is None or (kept[0] != self.step_count and now - kept[1] >= PREVIEW_SECONDS):
            images = self.decode(self.sample_codes(SAMPLES, seed=1, sampler="cached"))
            kept = self._samples = (self.step_count, now, grid_uint8(images, nrow=8))
        return kept[2]

    @torch.no_grad()
    def preview(self) -> dict[str, Any]:
        shown = self.encode(self.heldout_x[:HISTOGRAM_IMAGES])  # per level (256, h, w): the first SHOWN drawn
        k = [ki[:SHOWN] for ki in shown]
        rows = [self.view_x, self.decode(k)] + ([self.vae.decode(self.vae.encode(self.view_x))] if self.vae else [])
        counts = [q.counts(ki) for q, ki in zip(self.model.quantizers, shown)]
        out = {
            "step": self.step_count,
            "stage": self.stage,
            "reconstructions": grid_uint8(torch.cat(rows), nrow=SHOWN),  # inputs, VQ-VAE [, VAE]: a row each
            "code_maps": [ki.cpu().numpy() for ki in k],  # per level (SHOWN, h, w)
            "histograms": [c.cpu().numpy() for c in counts],  # per level (K,): codes of held-out images
            "samples": self._live_samples(),
        }
        if self.model.levels == 2:
            alone = [self.decode(k, keep=(False, True)), self.decode(k, keep=(True, False))]
            out["levels"] = grid_uint8(torch.cat([self.view_x, *alone, rows[1]]), nrow=SHOWN)
        return out

    @torch.no_grad()
    def evaluate(self) -> dict[str, Any]:
        c = self.config
        x = self.heldout_x[:EVAL_IMAGES]
        self.model.eval()
        rec = torch.cat([-log_likelihood(chunk, self.model(chunk)[0], c.likelihood, self.model.log_sigma)
                         for chunk in x.split(CHUNK)])
        k = self.encode(x)
        dims = int(np.prod(self.shape))
        latents = sum(s * s for s in self.sides)
        nll = float(rec.mean()) + latents * math.log(c.codebook_size)  # the uniform prior: log K nats per code
        out: dict[str, Any] = {"reconstruction": float(rec.mean())}
        for quantizer, ki, suffix in zip(self.model.quantizers, k, ("", "_top")):
            used = int(quantizer.used_within(self.vq_steps, self.epoch_steps).sum())
            out.update({f"perplexity{suffix}": perplexity(quantizer.counts(ki)), f"codes_used{suffix}": used,
                        f"dead_codes{suffix}": c.codebook_size - used})
        if self.prior_steps:
            self.prior.eval()
            labels = self.heldout_y[:EVAL_IMAGES] if self.num_classes else None
            prior_nll = torch.cat([priors.code_nll(self.prior, kk, None if labels is None else labels[i: i + CHUNK])
                                   for i, kk in zip(range(0, len(x), CHUNK), k[0].split(CHUNK))])
            nats = float(prior_nll.mean())
            nll = float(rec.mean()) + nats
            out.update({"prior_nll_nats": nats, "prior_bits_per_code": priors.bits_per_code(nats, self.positions)})
        out.update({"bits_per_dim": bits_per_dim(nll, dims), "prior_steps": self.prior_steps})
        if self.vae is not None:  # the VAE's reconstruction at its posterior mean, on the same images
            out["vae_reconstruction"] = float(torch.cat(
                [-log_likelihood(chunk, self.vae.decoder(self.vae.encode(chunk)), c.likelihood,
                 self.vae.decoder.log_sigma) for chunk in x.split(CHUNK)]).mean())
        if self.judge() is not None:
            out.update(self.judge_metrics(self.decode(self.sample_codes(JUDGED, seed=3, sampler="cached",
                                                                        temperature=1.0))))
        return out

    # ------------------------------------------------------------------ persistence
    def checkpoint_parts(self) -> dict[str, Any]:
        return {"models": {"vqvae": self.model, "prior": self.prior},
                "optimizers": {"adam": self.opt, "prior_adam": self.prior_opt}, "vae": self.vae}

    def forget_caches(self) -> None:
        self._codes = self._samples = None


def _vae_config(c: VqvaeConfig) -> VaeConfig:
    """The VAE trained beside a VQ-VAE: the same data, seed, batch, width, likelihood and learning rate."""
    return VaeConfig(dataset=c.dataset, seed=c.seed, device=c.device, data_root=c.data_root, batch_size=c.batch_size,
                     model="vae", width=c.width, likelihood=c.likelihood, lr=c.lr)
