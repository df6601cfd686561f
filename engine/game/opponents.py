"""The models a round plays against: the shipped pretrained models (assets/pretrained/), saved runs (runs/), and a
browser session's live run (sampled between two training steps with `Run.with_trainer`, so training is not raced).
An `Opponent` is what a round needs: the model's record, its dataset's held-out images and a way to sample."""

from __future__ import annotations

import dataclasses
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from engine.data.images import ImageDataset
from engine.game.rounds import Model
from engine.persistence import list_saved_runs, load_trainer
from engine.pictures.images import to_uint8
from engine.registry import make_config
from engine.runs import Run

PRETRAINED_DIR = Path(__file__).resolve().parents[2] / "assets" / "pretrained"
NOT_GENERATORS = frozenset({"classifier"})  # its `sample` returns the held-out images it gets wrong: real images
BOOKKEEPING = frozenset({"dataset", "seed", "device", "data_root", "log_every", "eval_every"})


@dataclass(frozen=True)
class Opponent:
    """A model to play against: its record, the dataset's name and held-out images (uint8 (N, C, H, W)), and
    `sample(n, seed)` -> uint8 (n, C, H, W)."""

    model: Model
    dataset: str
    heldout: np.ndarray
    sample: Callable[[int, int], np.ndarray]


def tricks(family: str, config) -> dict:
    """The settings `config` changed from the family's defaults on its dataset (seeds and bookkeeping left out)."""
    defaults = dataclasses.asdict(make_config(family, {"dataset": config.dataset}))
    return {k: v for k, v in dataclasses.asdict(config).items() if k not in BOOKKEEPING and defaults.get(k) != v}


def plays_images(trainer) -> bool:
    """A trainer whose `sample` draws images a round can show."""
    return trainer.family not in NOT_GENERATORS and isinstance(trainer.data, ImageDataset)


def _model(trainer, model_id: str, label: str) -> Model:
    return Model(model_id, label, trainer.family, tricks(trainer.family, trainer.config))


def from_trainer(trainer, model_id: str, label: str) -> Opponent:
    """An opponent from a trainer nothing else trains (a loaded one). Its samples are drawn one call at a time:
    sampling switches the networks to evaluation mode and back, which two sessions must not interleave."""
    if not plays_images(trainer):
        raise ValueError(f"{label}: a {trainer.family} model on {trainer.config.dataset} does not draw images to play "
                         "against")
    lock = threading.Lock()

    def sample(n: int, seed: int) -> np.ndarray:
        with lock:
            return trainer.sample(n, seed)["images"]

    return Opponent(_model(trainer, model_id, label), trainer.config.dataset, to_uint8(trainer.data.heldout), sample)


def from_run(run: Run, name: str) -> Opponent:
    """An opponent from a live run as it is now: the model id holds the step, since training goes on."""
    def freeze(trainer):
        step = trainer.step_count
        model = _model(trainer, f"live:{run.run_id}@{step}", f"{name} · this session's run, step {step:,}")
        return model, trainer.config.dataset, to_uint8(trainer.data.heldout)

    model, dataset, heldout = run.with_trainer(freeze)
    return Opponent(model, dataset, heldout, lambda n, seed: run.with_trainer(lambda t: t.sample(n, seed)["images"]))


def saved_choices(root: str | Path | None = None) -> dict[str, tuple[Path, str]]:
    """model id -> (folder, label) of the shipped pretrained models, then the saved runs (newest first), on images."""
    out = {}
    for folder in sorted(PRETRAINED_DIR.glob("*/config.json")):
        saved = json.loads(folder.read_text())
        if saved.get("family") not in NOT_GENERATORS:
            out[f"pretrained:{folder.parent.name}"] = (folder.parent, f"{folder.parent.name} · shipped, "
                                                                      f"{saved.get('step', 0):,} steps")
    for entry in list_saved_runs(root, points=False):
        if entry["family"] not in NOT_GENERATORS:
            out[f"saved:{Path(entry['path']).name}"] = (Path(entry["path"]), f"{entry['family']} · {entry['label']}")
    return out


def load(folder: str | Path, model_id: str, label: str) -> Opponent:
    """The opponent saved in `folder` (ValueError with a message when it cannot be loaded or does not draw images)."""
    return from_trainer(load_trainer(folder), model_id, label)
