"""Configuration of the `ebm` family (energy-based models trained by contrastive divergence with Langevin dynamics).
Key names are a contract: pages, URL and `--set` all use them."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import (
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

PAPER = "Du & Mordatch 2019, Implicit Generation and Modeling with Energy-Based Models (arXiv:1903.08689)"

# Images: fewer examples per step, more Langevin steps with a large drift and cold chains (a drift of 10 grad E
# and noise of 0.0045 per step, near the 10 and 0.005 of Du & Mordatch on images). Short-run chains: with a
# buffer, chains from noise need far more steps than training gave them (on digits the buffer's chains look like
# digits long before chains from noise do: docs/MEASUREMENTS.md), and the page films chains from noise.
IMAGE_DEFAULTS = {"width": 32, "batch_size": 64, "lr": 3e-4, "langevin_steps": 30, "step_size": 20.0,
                  "noise": 0.001, "sample_steps": 30, "eval_every": 500}


def image_defaults(dataset: str) -> dict:
    return dict(IMAGE_DEFAULTS)


@dataclass(frozen=True)
class EbmConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = dataset_key("ring8", "a 2D toy or images")
    seed: int = seed_key("the network, the data order, the chains and their noise")
    device: str = device_key()
    data_root: str = data_root_key()
    data_noise: float = data_noise_key()
    # --- model ------------------------------------------------------------------------------------------------
    width: int = param(128, "Units of each hidden layer (2D) or channels of the first convolution (images).",
                       low=4, high=1024, label="Width")
    depth: int = param(3, "Hidden layers of the energy MLP on 2D points (images: not used, the convolutional "
                          "network's depth follows the image size).", low=1, high=8, label="Depth (2D)")
    spectral_norm: bool = param(
        False,
        "Divide every weight by its largest singular value (Miyato et al. 2018): E is then 1-Lipschitz per layer, "
        "so it cannot grow steep without bound, one of the paper's stabilisers (Du & Mordatch 2019).",
        label="Spectral norm",
    )
    buffer_size: int = param(
        0,
        "Replay buffer of persistent chains: each step restarts its chains from the buffer, or from noise with "
        "probability `reinit` (Du & Mordatch 2019). 0 (the default) = short-run chains from noise every step "
        "(Nijkamp et al. 2019, arXiv:1904.09770), as sampling draws them; a buffer trains on long-run chains, "
        "whose samples are better than chains from noise of `sample_steps` steps.",
        low=0, high=1_000_000, label="Replay buffer",
    )
    batch_size: int = batch_size_key(128, "Data examples and chains per step.")
    # --- training ---------------------------------------------------------------------------------------------
    lr: float = param(5e-3, "Adam learning rate (betas 0, 0.999 as in the paper).", low=1e-6, high=1.0, live=True,
                      log=True, label="Learning rate")
    energy_l2: float = param(
        0.1,
        "alpha of the L2 penalty on energies: loss = E(data) - E(chains) + alpha (E(data)^2 + E(chains)^2) "
        "(Du & Mordatch 2019). It holds the energies near +-1/(2 alpha); 0 lets them run away.",
        low=0.0, high=100.0, live=True, log=True, label="Energy L2 penalty α",
    )
    # --- Langevin dynamics ------------------------------------------------------------------------------------
    langevin_steps: int = param(
        20, "Langevin steps of the chains per training step: x <- x - (step/2) grad E(x) + noise sqrt(step) xi.",
        low=1, high=1000, live=True, label="Langevin steps",
    )
    step_size: float = param(
        0.1,
        "step (epsilon) in x <- x - (step/2) grad E(x) + noise sqrt(step) xi, xi ~ N(0, I) (Welling & Teh 2011).",
        low=1e-6, high=100.0, live=True, log=True, label="Step size ε",
    )
    noise: float = param(
        0.05,
        "Multiplies the Langevin noise sqrt(step) xi: 1 = Langevin dynamics proper (samples of exp(-E)); below 1 "
        "colder chains that settle in minima (the common practice on images).",
        low=0.0, high=10.0, live=True, log=True, label="Noise σ",
    )
    reinit: float = param(
        0.05, "Probability that a chain restarts from uniform noise instead of the buffer (the paper's 5%).",
        low=0.0, high=1.0, live=True, label="Restart from noise",
    )
    sample_steps: int = param(
        200, "Langevin steps of the chains started from noise that `sample`, the evaluations and the page draw.",
        low=1, high=5000, live=True, label="Sampling steps",
    )
    # --- bookkeeping ------------------------------------------------------------------------------------------
    log_every: int = log_every_key()
    eval_every: int = eval_every_key(200, "modes, judge")
