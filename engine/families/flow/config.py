"""Configuration of the `flow` family (NICE, Real NVP, Glow, MAF, IAF). Key names are a contract: the page, its URL
and `--set` all use them."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import (
    ConfigError,
    batch_size_key,
    data_noise_key,
    data_root_key,
    dataset_key,
    device_key,
    eval_every_key,
    log_every_key,
    param,
    seed_key,
)

MODELS = ("nice", "realnvp", "glow", "maf", "iaf")
MIXINGS = ("conv1x1", "shuffle", "reverse")
GLOW_ONLY = ("actnorm", "mixing", "lu")  # the keys of Glow's flow step; other models refuse a changed value
# On images (any dataset that is not a 2D toy), where the defaults differ from the 2D ones; a key the user sets wins.
# depth counts steps per level there (Glow's K), and a batch of 64 images costs what 256 points do.
IMAGE_DEFAULTS = {"depth": 4, "batch_size": 64, "eval_every": 500}


def image_defaults(dataset: str) -> dict:
    return dict(IMAGE_DEFAULTS)


@dataclass(frozen=True)
class FlowConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = dataset_key("ring8", "a 2D toy, a drawn one (custom) or images")
    seed: int = seed_key("the flow's weights, the data order and the dequantisation noise")
    device: str = device_key()
    data_root: str = data_root_key()
    data_noise: float = data_noise_key("; wider modes are easier for a flow")
    batch_size: int = batch_size_key(256, "Examples per step (points, or images).")
    # --- model ------------------------------------------------------------------------------------------------
    model: str = param(
        "realnvp",
        "nice: additive couplings z2 = x2 + m(x1) and a final diagonal scaling (Dinh et al. 2015); realnvp: affine "
        "couplings z2 = x2 exp(s(x1)) + t(x1) with checkerboard and channel masks (Dinh et al. 2017); glow: actnorm, "
        "an invertible 1x1 convolution and an affine coupling per step (Kingma & Dhariwal 2018); maf: masked "
        "autoregressive flow, u_i = (x_i - mu(x_<i)) exp(-alpha(x_<i)), density in one pass, sampling one "
        "dimension at a time (Papamakarios et al. 2017); iaf: the inverse, shifts and scales read u_<i, sampling "
        "in one pass, density one dimension at a time (Kingma et al. 2016).",
        choices=MODELS,
        label="Model",
    )
    depth: int = param(8, "Flow steps (couplings, or MADE layers). On images, steps per level for realnvp and glow "
                       "(Glow's K), all steps for nice, maf and iaf.", low=1, high=64, label="Depth")
    width: int = param(64, "Hidden units of each MLP inside a coupling or MADE (points; nice, maf and iaf on "
                       "images), or channels of each convolutional network (realnvp and glow on images).", low=4,
                       high=1024, label="Width")
    levels: int = param(2, "Scales of the multi-scale architecture on images (realnvp, glow): each level squeezes "
                        "2x2 pixels into 4 channels, and all but the last factor half of the channels out into z "
                        "(Real NVP Sec. 3.6).", low=1, high=6, label="Levels")
    actnorm: bool = param(True, "Glow: start every step with actnorm, a per-channel affine map initialised so its "
                          "output has zero mean and unit variance on the first batch (Kingma & Dhariwal 2018, Sec. "
                          "3.1).", label="Actnorm (glow)")
    mixing: str = param("conv1x1", "Glow: how channels are mixed before each coupling: a learned invertible 1x1 "
                        "convolution z = W x (log|det| = h w log|det W|), or a fixed shuffle or reversal of the "
                        "channels (Glow's baselines, Sec. 3.2).", choices=MIXINGS, label="Channel mixing (glow)")
    lu: bool = param(False, "Glow: parametrise the 1x1 convolution as W = P L (U + diag(s)), so log|det W| = "
                     "sum log|s| (Kingma & Dhariwal 2018, Sec. 3.2).", label="LU-parametrised 1x1 conv (glow)")
    # --- training ---------------------------------------------------------------------------------------------
    lr: float = param(1e-3, "Adam learning rate on the negative log-likelihood.", low=1e-6, high=1.0, live=True,
                      log=True, label="Learning rate")
    grad_clip: float = param(5.0, "Rescale the gradient to at most this norm before each step (0 = off): keeps the "
                             "rare huge gradient of a nearly singular layer from undoing training.", low=0.0,
                             high=1000.0, live=True, label="Gradient clip")
    # --- sampling (no retraining needed) ----------------------------------------------------------------------
    temperature: float = param(1.0, "Sampling temperature T: z ~ N(0, T² I) before z is pulled back to x. Below 1 "
                               "samples are cleaner and less varied (Glow shows T = 0.7). Likelihoods and metrics "
                               "always use T = 1.", low=0.0, high=2.0, live=True, label="Temperature")
    # --- bookkeeping ------------------------------------------------------------------------------------------
    log_every: int = log_every_key()
    eval_every: int = eval_every_key(200, "held-out likelihood, mode or judge metrics")

    def check(self) -> None:
        if self.model != "glow":
            defaults = FlowConfig()
            for key in GLOW_ONLY:
                if getattr(self, key) != getattr(defaults, key):
                    raise ConfigError(key, f"'{key}' is a setting of Glow's flow step; model={self.model} has none "
                                           f"(set model=glow, or leave {key} at {getattr(defaults, key)!r})")
        if self.lu and self.mixing != "conv1x1":
            raise ConfigError("lu", f"lu=true parametrises the 1x1 convolution; mixing={self.mixing} has none")
