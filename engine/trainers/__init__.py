"""The families: a plain dict from family name to its trainer class and config class."""

from __future__ import annotations

from typing import Any

from engine.config import ConfigError, apply_overrides
from engine.trainers.base import Diverged, Trainer
from engine.trainers.gan import GanTrainer
from engine.trainers.gan_config import GanConfig

FAMILIES: dict[str, tuple[type[Trainer], type]] = {
    "gan": (GanTrainer, GanConfig),
}


def config_class(family: str) -> type:
    if family not in FAMILIES:
        raise ConfigError("family", f"unknown family '{family}'. Known families: {', '.join(FAMILIES)}")
    return FAMILIES[family][1]


def make_config(family: str, values: dict[str, Any] | None = None):
    """The family's default config with `values` applied and validated (ConfigError names a bad key)."""
    return apply_overrides(config_class(family)(), values or {})


def build_trainer(family: str, values: dict[str, Any] | Any | None = None, data=None) -> Trainer:
    """A fresh trainer. `values` is a config object or a dict of overrides; `data` overrides loading the dataset
    named in the config (used for drawn / uploaded 2D distributions)."""
    trainer_cls, config_cls = FAMILIES[family] if family in FAMILIES else (None, config_class(family))
    config = values if isinstance(values, config_cls) else make_config(family, values)
    if data is None:
        data = trainer_cls.load_data(config)
    if family == "gan" and not hasattr(data, "centres"):
        raise ConfigError("dataset", f"the gan family trains on 2D datasets for now (ring8, grid25, spiral, moons); "
                                     f"'{config.dataset}' is an image dataset: image GANs are not built yet")
    return trainer_cls(config, data)


__all__ = ["FAMILIES", "Trainer", "Diverged", "build_trainer", "make_config", "config_class"]
