"""Configuration of the `pixelcnn` family. Key names are a contract: pages, URL and `--set` all use them."""

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
from engine.families.pixelcnn.likelihoods import OUTPUTS
from engine.families.pixelcnn.sampler import SAMPLERS
from engine.models.pixelcnn import VARIANTS


@dataclass(frozen=True)
class PixelCnnConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = dataset_key("digits", "images")
    seed: int = seed_key("the model, the data order and the binarisation")
    device: str = device_key()
    data_root: str = data_root_key()
    batch_size: int = batch_size_key(64, "Images per step.", low=1)
    # --- model ------------------------------------------------------------------------------------------------
    variant: str = param(
        "gated",
        "pixelcnn: masked convolutions (van den Oord et al. 2016a), with a blind spot; gated: vertical and "
        "horizontal stacks with tanh x sigmoid gates (van den Oord et al. 2016b), no blind spot.",
        choices=VARIANTS,
        label="Variant",
    )
    output: str = param(
        "categorical",
        "What each colour value is drawn from: binary (a Bernoulli per pixel on binarised images), categorical "
        "(a 256-way softmax) or logistic_mixture (PixelCNN++'s discretized mixture of logistics).",
        choices=OUTPUTS,
        label="Output distribution",
    )
    n_mix: int = param(5, "Mixture components per colour (logistic_mixture only).", low=1, high=10,
                       label="Mixture components")
    width: int = param(32, "Feature channels of every layer (a multiple of 3 for colour images).", low=3, high=512,
                       label="Width")
    layers: int = param(4, "3x3 layers after the first (deeper sees further).", low=1, high=30, label="Layers")
    first_kernel: int = param(7, "Kernel of the first (mask 'A') layer: an odd size.", low=3, high=11,
                              label="First kernel")
    conditional: bool = param(False, "Condition on the class label (a learned bias per class).",
                              label="Class-conditional")
    # --- training ---------------------------------------------------------------------------------------------
    lr: float = param(1e-3, "Adam learning rate.", low=1e-6, high=1.0, live=True, log=True, label="Learning rate")
    # --- sampling (no retraining needed) ----------------------------------------------------------------------
    sampler: str = param(
        "cached",
        "naive: one full forward pass per value drawn; cached: only the new position, reusing every layer's "
        "earlier activations. Both exact: the same images for the same seed.",
        choices=SAMPLERS,
        live=True,
        label="Sampler",
    )
    temperature: float = param(
        1.0,
        "Sampling temperature: each value is drawn from p(v)^(1/T), renormalised. 1 = the model as trained; lower "
        "is more conservative (cleaner, less varied), higher more adventurous.",
        low=0.01,
        high=10.0,
        live=True,
        label="Temperature",
    )
    # --- bookkeeping ------------------------------------------------------------------------------------------
    log_every: int = log_every_key()
    eval_every: int = eval_every_key(500, "held-out NLL, judge")

    def check(self) -> None:
        if self.first_kernel % 2 == 0:
            raise ConfigError("first_kernel", f"bad value {self.first_kernel} for 'first_kernel': expected an odd "
                                              "size (3, 5, 7, 9 or 11)")
