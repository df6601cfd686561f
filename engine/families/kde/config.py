"""Configuration of the `kde` family (kernel density estimation). Key names are a contract: pages, URL and `--set`
all use them."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import (
    data_noise_key,
    data_root_key,
    dataset_key,
    device_key,
    eval_every_key,
    log_every_key,
    param,
    seed_key,
)
from engine.families.kde.bandwidth import RULES

# On images every training image is a kernel by default (the split's size caps it).
IMAGE_DEFAULTS = {"kernels": 60_000}


def image_defaults(dataset: str) -> dict:
    return dict(IMAGE_DEFAULTS)


@dataclass(frozen=True)
class KdeConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = dataset_key("ring8", "a 2D toy or images")
    seed: int = seed_key("the training points drawn, their order and the samples")
    device: str = device_key()
    data_root: str = data_root_key()
    data_noise: float = data_noise_key()
    # --- the estimate -----------------------------------------------------------------------------------------
    kernels: int = param(
        2000,
        "How many training examples carry a kernel: on 2D data, points drawn from the toy; on images, the first "
        "ones of the (shuffled) training split, at most all of it.",
        low=2, high=100_000, label="Kernels",
    )
    batch_size: int = param(
        50,
        "Kernels added per step: a KDE does not learn by gradients, a step puts the next training examples in the "
        "kernel set (and refits the bandwidth rule), so the estimate grows while you watch.",
        low=1, high=100_000, label="Kernels per step",
    )
    bandwidth_rule: str = param(
        "loo",
        "How h is chosen: loo = leave-one-out maximum likelihood (the h that best predicts each training point from "
        "the others, Duin 1976); scott = sigma n^(-1/(D+4)) (Scott 1992); silverman = sigma (4/(D+2))^(1/(D+4)) "
        "n^(-1/(D+4)) (Silverman 1986, eq. 4.14); manual = the bandwidth below. The rules of thumb assume the data "
        "is one Gaussian.",
        choices=RULES, live=True, label="Bandwidth rule",
    )
    bandwidth: float = param(
        0.1,
        "h, the standard deviation of every Gaussian kernel, in the data's units (2D: coordinates; images: pixel "
        "values in [-1, 1], at least one grey level 2/255). Used when the rule is manual. p(x) = (1/n) sum_i "
        "N(x; x_i, h^2 I) (Parzen 1962).",
        low=1e-3, high=10.0, live=True, log=True, label="Bandwidth h (manual)",
    )
    # --- bookkeeping ------------------------------------------------------------------------------------------
    log_every: int = log_every_key(1)
    eval_every: int = eval_every_key(10, "held-out likelihood, modes, judge")
