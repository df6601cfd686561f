"""Configuration of the `vae` family (autoencoder, denoising autoencoder, VAE). Key names are a contract: pages, URL
and `--set` all use them."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import (
    ConfigError,
    batch_size_key,
    data_root_key,
    dataset_key,
    device_key,
    eval_every_key,
    log_every_key,
    param,
    seed_key,
)
from engine.families.vae.bounds import LIKELIHOODS

MODELS = ("ae", "dae", "vae")
NOISES = ("gaussian", "masking", "salt_pepper")


@dataclass(frozen=True)
class VaeConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = dataset_key("digits", "images")
    seed: int = seed_key("the model, the data order and the noise")
    device: str = device_key()
    data_root: str = data_root_key()
    binarize: bool = param(
        False,
        "Binarise the images once, each pixel 1 with probability its intensity (stochastic binarisation, fixed by the "
        "seed), as in the binarised-MNIST literature.",
        label="Binarise images",
    )
    batch_size: int = batch_size_key(64, "Images per step.")
    # --- model ------------------------------------------------------------------------------------------------
    model: str = param(
        "vae",
        "ae: a plain autoencoder (a code, no prior); dae: a denoising autoencoder (Vincent et al. 2008) that "
        "reconstructs clean images from corrupted ones; vae: a variational autoencoder (Kingma & Welling 2014).",
        choices=MODELS,
        label="Model",
    )
    latent_dim: int = param(16, "Size of the latent code z.", low=2, high=64, label="Latent dimensions")
    width: int = param(32, "Channels of the first encoder layer (doubling as the maps halve).", low=4, high=256,
                       label="Width")
    likelihood: str = param(
        "bernoulli",
        "p(x|z): bernoulli (cross-entropy on intensities in [0, 1]) or gaussian (squared error, learned std).",
        choices=LIKELIHOODS,
        label="Likelihood",
    )
    # --- training ---------------------------------------------------------------------------------------------
    lr: float = param(1e-3, "Adam learning rate.", low=1e-6, high=1.0, live=True, log=True, label="Learning rate")
    beta: float = param(
        1.0,
        "Weight of the KL term: loss = -E[log p(x|z)] + beta KL(q(z|x) || N(0, I)); 1 = the ELBO, > 1 a beta-VAE "
        "(Higgins et al. 2017), 0 = an autoencoder with noise. VAE only.",
        low=0.0,
        high=100.0,
        live=True,
        log=True,
        label="β (KL weight)",
    )
    noise: str = param(
        "gaussian",
        "Denoising autoencoder's corruption of its input: gaussian noise, masking (pixels set to black) or salt and "
        "pepper (pixels set to black or white).",
        choices=NOISES,
        live=True,
        label="Noise (denoising AE)",
    )
    noise_level: float = param(
        0.3,
        "Std of the gaussian noise (images span [-1, 1]), or the share of pixels masked / salted.",
        low=0.0,
        high=1.0,
        live=True,
        label="Noise level (denoising AE)",
    )
    # --- bookkeeping ------------------------------------------------------------------------------------------
    iw_samples: int = param(
        100, "k of the importance-weighted bound reported as nll_iw (Burda et al. 2016).", low=1, high=5000,
        label="Importance samples k",
    )
    log_every: int = log_every_key()
    eval_every: int = eval_every_key(500, "bounds, judge")

    def check(self) -> None:
        if self.binarize and self.likelihood != "bernoulli":
            raise ConfigError("likelihood", "binarised images need likelihood=bernoulli")
