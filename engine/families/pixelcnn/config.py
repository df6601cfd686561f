"""Configuration of the `pixelcnn` family. Key names are a contract: pages, URL and `--set` all use them."""

from __future__ import annotations

from dataclasses import dataclass

from engine.families.pixelcnn.sampler import SAMPLERS
from engine.config import ConfigError, param
from engine.models.pixelcnn import VARIANTS
from engine.families.pixelcnn.likelihoods import OUTPUTS


@dataclass(frozen=True)
class PixelCnnConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = param("digits", "Image dataset (see `python -m engine datasets`).", label="Dataset")
    seed: int = param(0, "Seed of the model, the data order and the binarisation.", low=0, high=2**31 - 1,
                      label="Seed")
    device: str = param("auto", "Where to train: auto picks cuda when present.", choices=("auto", "cpu", "cuda"),
                        label="Device")
    data_root: str = param("", "Folder holding local dataset files (e.g. the MNIST IDX files).", label="Data folder")
    batch_size: int = param(64, "Images per step.", low=1, high=4096, label="Batch size")
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
    log_every: int = param(10, "Steps between metric records.", low=1, high=10**6, label="Log every")
    eval_every: int = param(500, "Steps between evaluations (held-out NLL, judge).", low=1, high=10**7,
                            label="Evaluate every")

    def check(self) -> None:
        if self.first_kernel % 2 == 0:
            raise ConfigError("first_kernel", f"bad value {self.first_kernel} for 'first_kernel': expected an odd "
                                              "size (3, 5, 7, 9 or 11)")
