"""A saved stage 1 to train a prior on (`vqvae_run`): a vqvae run folder's config.json and checkpoint.pt, read by the
family itself (engine/files.py), checked, with the keys that make its architecture."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from engine.config import ConfigError, from_dict
from engine.families.vqvae.config import VqvaeConfig
from engine.files import read_checkpoint, read_json

STAGE1_KEYS = ("levels", "codebook_size", "code_dim", "width", "likelihood", "codebook", "beside_vae")


def read_stage1(folder: str, dataset: str) -> dict[str, Any]:
    """A saved vqvae run's {"folder", "config" (a dict), "state" (its checkpoint)}, checked: a vqvae run whose config
    still validates, trained on `dataset`. Every problem is a ConfigError naming vqvae_run."""
    path = Path(folder)
    try:
        if not (path / "config.json").exists() or not (path / "checkpoint.pt").exists():
            raise ValueError(f"{folder} is not a saved run: it needs config.json and checkpoint.pt")
        saved = read_json(path / "config.json")
        state = read_checkpoint(path / "checkpoint.pt")
    except ValueError as err:
        raise ConfigError("vqvae_run", f"vqvae_run: cannot load stage 1 from '{folder}': {err}") from None
    if saved.get("family") != "vqvae":
        raise ConfigError("vqvae_run", f"vqvae_run '{folder}' is a saved {saved.get('family')} run, not a vqvae "
                                       "run")
    try:
        config = dataclasses.asdict(from_dict(VqvaeConfig, saved["config"]))
    except (ConfigError, KeyError) as err:
        raise ConfigError("vqvae_run", f"vqvae_run: cannot load stage 1 from '{folder}': {err}") from None
    if config["dataset"] != dataset:
        raise ConfigError("vqvae_run", f"vqvae_run: the stage 1 in '{folder}' was trained on '{config['dataset']}', "
                                       f"not on '{dataset}': set dataset={config['dataset']}")
    return {"folder": str(folder), "config": config, "state": state}
