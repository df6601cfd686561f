"""Configuration of the `diffusion` family (DDPM with DDIM sampling). Key names are a contract: pages, URL and
`--set` all use them."""

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
from engine.families.diffusion.sampler import SAMPLERS
from engine.families.diffusion.schedule import SCHEDULES

DDPM = "Ho et al. 2020, Denoising Diffusion Probabilistic Models (arXiv:2006.11239)"
DDIM = "Song, Meng & Ermon 2021, Denoising Diffusion Implicit Models (arXiv:2010.02502)"

# Defaults on images where they differ from the 2D ones; a key the user sets wins. A U-Net step costs about 30x an
# MLP step on a CPU, and DDPM's 1,000 sampling steps would make every evaluation minutes long: DDIM with 50 steps
# samples images (the paper's Table 1: close to DDPM's quality at 20x fewer steps).
IMAGE_DEFAULTS = {"batch_size": 64, "width": 32, "depth": 1, "lr": 1e-3, "sampler": "ddim", "sample_steps": 50,
                  "eval_every": 500}


def image_defaults(dataset: str) -> dict:
    return dict(IMAGE_DEFAULTS)


@dataclass(frozen=True)
class DiffusionConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = dataset_key("ring8", "a 2D toy or images")
    seed: int = seed_key("the network, the data order and the noise")
    device: str = device_key()
    data_root: str = data_root_key()
    data_noise: float = data_noise_key()
    batch_size: int = batch_size_key(256, "Examples per step (each with its own step t and noise).")
    # --- the forward process ----------------------------------------------------------------------------------
    timesteps: int = param(
        1000,
        "T, the number of noising steps: x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps for t = 1..T. "
        "With the linear schedule's fixed betas, a small T never reaches pure noise (" + DDPM + ", T = 1000).",
        low=2, high=4000, label="Steps T",
    )
    schedule: str = param(
        "linear",
        "Noise schedule: linear betas from beta_start to beta_end (" + DDPM + "), or cosine, alpha_bar_t = "
        "cos^2(((t/T + s)/(1 + s)) pi/2) normalised, which reaches pure noise for any T (Nichol & Dhariwal 2021, "
        "eq. 17).",
        choices=SCHEDULES, label="Schedule",
    )
    beta_start: float = param(1e-4, "beta_1 of the linear schedule (the paper's 1e-4).", low=1e-6, high=0.5, log=True,
                              label="β₁ (linear)")
    beta_end: float = param(0.02, "beta_T of the linear schedule (the paper's 0.02).", low=1e-5, high=0.999, log=True,
                            label="β_T (linear)")
    # --- the network ------------------------------------------------------------------------------------------
    width: int = param(128, "Units per hidden layer of the MLP (2D), channels at full resolution of the U-Net "
                            "(images).", low=4, high=1024, label="Width")
    depth: int = param(3, "Hidden layers of the MLP (2D), residual blocks per resolution of the U-Net (images).",
                       low=1, high=8, label="Depth")
    # --- training ---------------------------------------------------------------------------------------------
    # 2e-3: on ring8 more samples land near a mode than at 1e-3 (docs/MEASUREMENTS.md, "KDE, energy-based models...")
    lr: float = param(2e-3, "Adam learning rate on L_simple = ||eps - eps_theta(x_t, t)||^2 (" + DDPM + ", eq. 14).",
                      low=1e-6, high=1.0, live=True, log=True, label="Learning rate")
    ema: float = param(
        0.995,
        "Decay of the exponential moving average of the weights that samples are drawn from (" + DDPM + " uses "
        "0.9999); 0 = the trained weights themselves.",
        low=0.0, high=0.9999, live=True, label="EMA decay",
    )
    # --- sampling (no retraining needed) ----------------------------------------------------------------------
    sampler: str = param(
        "ddpm",
        "ddpm: ancestral sampling through all T steps (" + DDPM + ", Alg. 2); ddim: `sample_steps` evenly spaced "
        "steps with eta's share of fresh noise (" + DDIM + ", eq. 12).",
        choices=SAMPLERS, live=True, label="Sampler",
    )
    sample_steps: int = param(50, "S, the steps DDIM visits from T to 0 (at most T: more is taken as T).", low=1,
                              high=4000, live=True, label="DDIM steps S")
    eta: float = param(0.0, "DDIM's eta: 0 = deterministic (DDIM), 1 = as much fresh noise as DDPM (eq. 16).",
                       low=0.0, high=1.0, live=True, label="DDIM η")
    # --- bookkeeping ------------------------------------------------------------------------------------------
    log_every: int = log_every_key()
    # an evaluation draws 1,000 points through DDPM's 1,000 steps: about as long as 1,000 training steps on a CPU
    eval_every: int = eval_every_key(1000, "samples drawn and judged")

    def check(self) -> None:
        if self.schedule == "linear" and self.beta_start >= self.beta_end:
            raise ConfigError("beta_start", f"beta_start ({self.beta_start:g}) must be below beta_end "
                                            f"({self.beta_end:g}) for the linear schedule")
