"""The families: a plain dict from a family's name to the record it declares in engine/families/<name>/__init__.py.

The command line, the comparisons (which way each metric is better, the presets), the Compare page's family list
and the dashboard's navigation all read this one dict. Adding a family = one folder, one line here, one page file.
"""

from __future__ import annotations

from typing import Any

from engine.config import ConfigError, apply_overrides
from engine.data import is_2d_dataset, load_dataset
from engine.families import classifier, diffusion, ebm, flow, gan, kde, pixelcnn, ssgan, vae, vqvae
from engine.family import Comparison, Family
from engine.trainer import Trainer, on_points

FAMILIES: dict[str, Family] = {f.name: f for f in (  # this order: the navigation's, the presets'
    gan.FAMILY,
    vae.FAMILY,
    pixelcnn.FAMILY,
    vqvae.FAMILY,
    flow.FAMILY,
    kde.FAMILY,
    ebm.FAMILY,
    diffusion.FAMILY,
    ssgan.FAMILY,
    classifier.FAMILY,
)}


def family(name: str) -> Family:
    if name not in FAMILIES:
        raise ConfigError("family", f"unknown family '{name}'. Known families: {', '.join(FAMILIES)}")
    return FAMILIES[name]


def config_class(name: str) -> type:
    return family(name).config


def make_config(name: str, values: dict[str, Any] | None = None):
    """The family's default config with `values` applied and validated (ConfigError names a bad key).

    Keys the family defaults differently on images (its `image_defaults(dataset)`) take those defaults when the
    dataset is an image dataset and the caller did not set them."""
    record = family(name)
    values = dict(values or {})
    dataset = str(values.get("dataset", getattr(record.config(), "dataset", "")))
    if record.image_defaults is not None and not is_2d_dataset(dataset):
        values = {**record.image_defaults(dataset), **values}
    return apply_overrides(record.config(), values)


def load_data(config):
    """The dataset a config names."""
    return load_dataset(config.dataset, data_root=config.data_root, noise=getattr(config, "data_noise", 1.0))


def build_trainer(name: str, values: dict[str, Any] | Any | None = None, data=None) -> Trainer:
    """A fresh trainer. `values` is a config object or a dict of overrides; `data` overrides loading the dataset
    named in the config (used for drawn / uploaded 2D distributions). The family's trainer for that kind of data is
    picked (e.g. the GAN's MLPs on 2D points, its DCGAN on images); a family without one refuses the data."""
    record = family(name)
    config = values if isinstance(values, record.config) else make_config(name, values)
    if data is None:
        data = (record.load_data or load_data)(config)
    points = on_points(data)
    trainer_cls = record.trainer_for(points) or record.trainer_for(not points)  # its check_data_kind explains
    return trainer_cls(config, data)


def comparisons() -> dict[str, Comparison]:
    """Every family's Compare presets, by name."""
    return {name: c for record in FAMILIES.values() for name, c in record.comparisons.items()}


def better() -> dict[str, str]:
    """metric -> "higher" or "lower", from every family's declaration."""
    return {metric: way for record in FAMILIES.values() for metric, way in record.metrics.items()}


__all__ = ["FAMILIES", "Family", "family", "build_trainer", "make_config", "config_class", "comparisons", "better"]
