"""The families: a plain dict from family name to its trainer class and config class."""

from __future__ import annotations

import sys
from typing import Any

from engine.config import ConfigError, apply_overrides
from engine.trainers.base import Diverged, Trainer
from engine.trainers.classifier import ClassifierTrainer
from engine.trainers.classifier_config import ClassifierConfig
from engine.data import is_2d_dataset
from engine.trainers.gan import GanTrainer
from engine.trainers.gan_images import ImageGanTrainer
from engine.trainers.gan_config import GanConfig
from engine.trainers.pixelcnn import PixelCnnTrainer
from engine.trainers.pixelcnn_config import PixelCnnConfig
from engine.trainers.ssgan import SsganTrainer
from engine.trainers.ssgan_config import SsganConfig
from engine.trainers.vae import VaeTrainer
from engine.trainers.vae_config import VaeConfig

FAMILIES: dict[str, tuple[type[Trainer], type]] = {
    "gan": (GanTrainer, GanConfig),
    "vae": (VaeTrainer, VaeConfig),
    "pixelcnn": (PixelCnnTrainer, PixelCnnConfig),
    "classifier": (ClassifierTrainer, ClassifierConfig),
    "ssgan": (SsganTrainer, SsganConfig),
}


def config_class(family: str) -> type:
    if family not in FAMILIES:
        raise ConfigError("family", f"unknown family '{family}'. Known families: {', '.join(FAMILIES)}")
    return FAMILIES[family][1]


def make_config(family: str, values: dict[str, Any] | None = None):
    """The family's default config with `values` applied and validated (ConfigError names a bad key).

    Some families default differently on images than on 2D points (`image_defaults(dataset)` of the config's
    module): those defaults apply when the dataset is an image dataset and the caller did not set the key."""
    values = dict(values or {})
    cls = config_class(family)
    dataset = str(values.get("dataset", getattr(cls(), "dataset", "")))
    image_defaults = getattr(sys.modules[cls.__module__], "image_defaults", None)
    if image_defaults is not None and not is_2d_dataset(dataset):
        values = {**image_defaults(dataset), **values}
    return apply_overrides(cls(), values)


def build_trainer(family: str, values: dict[str, Any] | Any | None = None, data=None) -> Trainer:
    """A fresh trainer. `values` is a config object or a dict of overrides; `data` overrides loading the dataset
    named in the config (used for drawn / uploaded 2D distributions)."""
    trainer_cls, config_cls = FAMILIES[family] if family in FAMILIES else (None, config_class(family))
    config = values if isinstance(values, config_cls) else make_config(family, values)
    if data is None:
        data = trainer_cls.load_data(config)
    if family == "gan" and not hasattr(data, "centres"):
        trainer_cls = ImageGanTrainer  # the same family and keys, DCGAN models on images
    return trainer_cls(config, data)


__all__ = ["FAMILIES", "Trainer", "Diverged", "build_trainer", "make_config", "config_class"]
