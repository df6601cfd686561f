"""The `vae` family: a plain autoencoder, a denoising autoencoder and a VAE on the same convolutional encoder and
decoder (engine/families/vae/networks.py), so the lesson "which one can generate?" compares like with like.

One step = one Adam update on a batch. Loss: reconstruction -log p(x|z) (ae, dae: z is the code, for dae computed from
a corrupted input), plus beta * KL(q(z|x) || N(0, I)) for the VAE, with z drawn by the reparameterisation trick.
Randomness comes from separate streams: `data` (batches) and `noise` (posterior samples and corruption).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engine.data.images import binarize
from engine.families.vae.bounds import active_units, gaussian_kl, importance_weighted_bound, log_likelihood
from engine.families.vae.config import VaeConfig
from engine.families.vae.networks import ConvDecoder, ConvEncoder
from engine.metrics.likelihood import bits_per_dim
from engine.pictures.images import grid_uint8, to_uint8
from engine.trainer import Trainer, check_finite
from engine.tricks.reparameterization import reparameterize

RECONSTRUCTIONS = 16  # held-out images shown beside their reconstructions
SAMPLES = 64  # prior samples in the live grid (a fixed batch of z)
EVAL_IMAGES = 1000  # held-out images for the ELBO and its parts
IW_IMAGES = 200  # held-out images for the importance-weighted bound (k decoder passes each)
JUDGED = 1000  # prior samples judged


def corrupt(x: torch.Tensor, kind: str, level: float, generator: torch.Generator) -> torch.Tensor:
    """The denoising autoencoder's input (Vincent et al. 2008): gaussian noise of std `level`, or a share `level`
    of pixels set to black (masking) or to black or white at random (salt and pepper). Images in [-1, 1]."""
    if level <= 0:
        return x
    draw = torch.rand(x.shape, generator=generator).to(x.device)
    if kind == "gaussian":
        return x + level * torch.randn(x.shape, generator=generator).to(x.device)
    if kind == "masking":
        return torch.where(draw < level, torch.full_like(x, -1.0), x)
    if kind == "salt_pepper":
        salt = torch.rand(x.shape, generator=generator).to(x.device) < 0.5
        return torch.where(draw < level, torch.where(salt, 1.0, -1.0).to(x.dtype), x)
    raise ValueError(f"unknown corruption '{kind}'")


class VaeTrainer(Trainer):
    family = "vae"
    data_kind = "images"
    config_cls = VaeConfig
    stream_names = ("data", "noise")
    lr_keys = {"adam": "lr"}
    uses_judge = True

    def __init__(self, config: VaeConfig, data):
        super().__init__(config, data)
        c = config
        train, heldout = data.train, data.heldout
        if c.binarize:
            fixed = torch.Generator().manual_seed(c.seed)
            train, heldout = binarize(train, fixed), binarize(heldout, fixed)
        self.train_x, self.heldout_x = train.to(self.device), heldout.to(self.device)
        self.check_batch_size(len(self.train_x))
        shape = tuple(train.shape[1:])
        with self.seeded_init():
            self.encoder = ConvEncoder(shape, c.latent_dim, c.width, variational=c.model == "vae").to(self.device)
            self.decoder = ConvDecoder(c.latent_dim, shape, c.width).to(self.device)
        params = list(self.encoder.parameters()) + list(self.decoder.parameters())
        self.opt = torch.optim.Adam(params, lr=c.lr)
        fixed = torch.Generator().manual_seed(10_000 + c.seed)
        self.view_x = self.heldout_x[:RECONSTRUCTIONS]
        self.view_z = torch.randn(SAMPLES, c.latent_dim, generator=fixed).to(self.device)
        self.judged_z = torch.randn(JUDGED, c.latent_dim, generator=fixed).to(self.device)

    @property
    def variational(self) -> bool:
        return self.config.model == "vae"

    # ------------------------------------------------------------------ training
    def losses(self, x: torch.Tensor, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """Per-batch means (nats per image): reconstruction, kl (VAE), and the loss that is minimised."""
        c = self.config
        inputs = corrupt(x, c.noise, c.noise_level, generator) if c.model == "dae" else x
        mu, logvar = self.encoder(inputs)
        z = reparameterize(mu, logvar, generator) if self.variational else mu
        reconstruction = -log_likelihood(x, self.decoder(z), c.likelihood, self.decoder.log_sigma).mean()
        out = {"reconstruction": reconstruction}
        if self.variational:
            out["kl"] = gaussian_kl(mu, logvar).sum(1).mean()
            out["elbo"] = -(reconstruction + out["kl"])
            out["loss"] = reconstruction + c.beta * out["kl"]
        else:
            out["loss"] = reconstruction
        return out

    def step(self, part: str = "both") -> dict[str, float]:
        idx = self.batch_indices(len(self.train_x))
        self.encoder.train()
        self.decoder.train()
        out = self.losses(self.train_x[idx], self.streams["noise"])
        check_finite(self.step_count + 1, **out)
        self.opt.zero_grad(set_to_none=True)
        out["loss"].backward()
        self.opt.step()
        self.step_count += 1
        return {k: float(v.detach()) for k, v in out.items()}

    # ------------------------------------------------------------------ the model as functions (evaluation mode)
    def _eval_mode(self):
        self.encoder.eval()
        self.decoder.eval()

    @torch.no_grad()
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """The posterior mean (VAE) or the code (AE, DAE) of images in [-1, 1]."""
        self._eval_mode()
        return self.encoder(images.to(self.device))[0]

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1]: the mean of p(x|z) (Bernoulli: the pixel probabilities)."""
        self._eval_mode()
        out = self.decoder(z.to(self.device))
        return torch.sigmoid(out) * 2 - 1 if self.config.likelihood == "bernoulli" else out.clamp(-1, 1)

    @torch.no_grad()
    def kl_per_dimension(self, images: torch.Tensor) -> np.ndarray:
        """Mean KL(q(z_j|x) || N(0, 1)) over images, per latent dimension (zeros for AE, DAE)."""
        self._eval_mode()
        mu, logvar = self.encoder(images.to(self.device))
        if logvar is None:
            return np.zeros(self.config.latent_dim, np.float32)
        return gaussian_kl(mu, logvar).mean(0).float().cpu().numpy()

    # ------------------------------------------------------------------ looking at it
    def preview(self) -> dict[str, Any]:
        pairs = torch.stack([self.view_x, self.decode(self.encode(self.view_x))], 1).flatten(0, 1)
        return {
            "step": self.step_count,
            "reconstructions": grid_uint8(pairs, nrow=8),  # input, output, input, output, ...
            "samples": grid_uint8(self.decode(self.view_z), nrow=8),
            "kl_per_dim": self.kl_per_dimension(self.heldout_x[:256]),
        }

    @torch.no_grad()
    def evaluate(self) -> dict[str, Any]:
        c = self.config
        x = self.heldout_x[:EVAL_IMAGES]
        self._eval_mode()
        parts = [self.losses(chunk, torch.Generator().manual_seed(1)) for chunk in x.split(250)]
        sizes = [len(chunk) for chunk in x.split(250)]
        mean = {k: sum(float(p[k]) * n for p, n in zip(parts, sizes)) / len(x) for k in parts[0] if k != "loss"}
        out: dict[str, Any] = {"reconstruction": mean["reconstruction"]}
        if self.variational:
            iw = importance_weighted_bound(self.encoder, self.decoder, self.heldout_x[:IW_IMAGES], c.iw_samples,
                                           c.likelihood, torch.Generator().manual_seed(2))
            nll = float(-iw.mean())
            dims = int(np.prod(x.shape[1:]))
            mu = torch.cat([self.encoder(chunk)[0] for chunk in x.split(250)])
            out.update({"elbo": mean["elbo"], "kl": mean["kl"], "nll_iw": nll, "nll_iw_k": c.iw_samples,
                        "bits_per_dim": bits_per_dim(nll, dims), "active_units": active_units(mu)})
        out.update(self.judge_metrics(torch.cat([self.decode(z) for z in self.judged_z.split(500)])))
        return out

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        z = torch.randn(n, self.config.latent_dim, generator=torch.Generator().manual_seed(seed))
        return {"images": to_uint8(self.decode(z))}

    # ------------------------------------------------------------------ persistence
    def checkpoint_parts(self) -> dict[str, Any]:
        return {"models": {"encoder": self.encoder, "decoder": self.decoder}, "optimizers": {"adam": self.opt}}
