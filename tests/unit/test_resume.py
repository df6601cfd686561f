"""Resume, once for every family: a trainer saved as a run folder and loaded again takes exactly the steps the
uninterrupted one takes next (the same losses, the same weights, the same random streams), with every piece of
state its settings switch on (averages, replay buffers, chain buffers, a teacher, a second stage)."""

from __future__ import annotations

import dataclasses
import inspect
import math

import numpy as np
import pytest
import torch

from engine.persistence import load_trainer, save_member
from engine.registry import FAMILIES, build_trainer
from engine.trainer import HeldoutPass

IMAGES = {"dataset": "digits", "device": "cpu"}
CASES = {
    "gan-2d": ("gan", {"dataset": "ring8", "batch_size": 32, "g_width": 16, "d_width": 16, "feature_matching": True,
                       "historical_averaging": 0.1, "instance_noise": 0.2}),
    "gan-images": ("gan", {**IMAGES, "batch_size": 16, "g_width": 8, "d_width": 8, "z_dim": 8, "g_ema": 10,
                           "replay_buffer": 64, "ada": True, "virtual_batchnorm": True, "conditional": True}),
    "gan-style": ("gan", {**IMAGES, "batch_size": 8, "g_width": 4, "d_width": 4, "z_dim": 8, "generator": "style",
                          "progressive": True, "progressive_steps": 2, "g_dropout": 0.3}),
    "vae": ("vae", {**IMAGES, "batch_size": 16, "width": 4, "latent_dim": 4, "iw_samples": 5}),
    "dae": ("vae", {**IMAGES, "batch_size": 16, "width": 4, "latent_dim": 4, "model": "dae", "noise_level": 0.3}),
    "pixelcnn": ("pixelcnn", {**IMAGES, "batch_size": 8, "width": 6, "layers": 1, "conditional": True}),
    "vqvae": ("vqvae", {**IMAGES, "batch_size": 16, "width": 4, "code_dim": 4, "codebook_size": 16,
                        "prior_width": 8, "prior_layers": 1, "prior_after": 2, "beside_vae": True,
                        "kmeans_init": True, "codebook": "ema", "dead_code_restart": True}),
    "flow-2d": ("flow", {"dataset": "ring8", "width": 16, "depth": 2, "batch_size": 64, "model": "glow"}),
    "flow-images": ("flow", {**IMAGES, "width": 8, "depth": 1, "batch_size": 16}),
    "kde-2d": ("kde", {"dataset": "ring8", "kernels": 800, "batch_size": 200}),
    "kde-images": ("kde", {**IMAGES, "batch_size": 100}),
    "ebm-2d": ("ebm", {"dataset": "ring8", "width": 16, "depth": 2, "batch_size": 32, "langevin_steps": 3,
                       "sample_steps": 5, "buffer_size": 200}),
    "ebm-images": ("ebm", {**IMAGES, "width": 4, "batch_size": 8, "langevin_steps": 2, "sample_steps": 3,
                           "buffer_size": 64}),
    "diffusion-2d": ("diffusion", {"timesteps": 50, "width": 16, "depth": 2, "batch_size": 64}),
    "diffusion-images": ("diffusion", {**IMAGES, "timesteps": 50, "width": 8, "batch_size": 16,
                                       "sample_steps": 5}),
    "ssgan": ("ssgan", {**IMAGES, "d_width": 64, "g_width": 32, "z_dim": 8, "batch_size": 20}),
    "classifier": ("classifier", {**IMAGES, "batch_size": 16, "width": 4, "teacher_width": 4, "total_steps": 200,
                                  "distillation": 0.5, "teacher_steps": 4, "aux_weight": 0.3, "mixup": 0.3,
                                  "cutout": 3, "flip": True, "crop_padding": 1, "autoaugment": "randaugment",
                                  "drop_path": 0.2, "dropout": 0.1}),
}
BEFORE, AFTER = 3, 3  # steps before the save (within the classifier's teacher and the VQ-VAE's stage 1) and after


def test_every_family_is_covered():
    assert {family for family, _ in CASES.values()} == set(FAMILIES)


NOT_STATE = {"data", "_judge", "_real_features"}  # the dataset, and the judge an evaluation fetched


def _same(a, b, where: str = "") -> None:
    """Equal all the way down: tensors exactly, containers key by key, modules, optimizers and random generators by
    their state, any other object attribute by attribute. Used on checkpoints and on whole trainers."""
    if isinstance(a, (torch.nn.Module, torch.optim.Optimizer)):
        _same(a.state_dict(), b.state_dict(), where)
    elif isinstance(a, torch.Generator):
        assert torch.equal(a.get_state(), b.get_state()), f"{where}: a random stream differs"
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and np.array_equal(a, b, equal_nan=True), where
    elif torch.is_tensor(a):
        assert torch.is_tensor(b) and a.shape == b.shape and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{where}: {sorted(a)} != {sorted(b)}"
        for key in a:
            _same(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    elif isinstance(a, HeldoutPass):  # a held-out pass is its step and result; when it ran is not state
        _same((a.step, a.result), (b.step, b.result), where)
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        _same({f.name: getattr(a, f.name) for f in dataclasses.fields(a)},
              {f.name: getattr(b, f.name) for f in dataclasses.fields(b)}, where)
    elif inspect.ismethod(a):
        assert a.__func__ is b.__func__, where
    elif hasattr(a, "__dict__") and not callable(a):
        assert type(a) is type(b), where
        _same({k: v for k, v in vars(a).items() if k not in NOT_STATE},
              {k: v for k, v in vars(b).items() if k not in NOT_STATE}, where)
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


@pytest.mark.parametrize("case", list(CASES))
def test_a_saved_and_loaded_run_takes_exactly_the_next_steps(case, tmp_path):
    family, values = CASES[case]
    straight = build_trainer(family, values)
    for _ in range(BEFORE):
        straight.step()
    folder = save_member(straight, [], tmp_path / "run", seconds=1.0)  # through the run folder, as the pages save
    loaded = load_trainer(folder)
    loaded.evaluate()  # as the save evaluated the other: an evaluation changes no training state
    assert type(loaded) is type(straight) and loaded.step_count == BEFORE
    _same(straight.state_dict(), loaded.state_dict(), case)
    for step in range(AFTER):
        assert loaded.step() == straight.step(), f"step {BEFORE + step + 1} differs after the load"
    _same(straight, loaded, case)  # every attribute: nothing the checkpoint forgot has drifted apart


def test_a_checkpoint_of_other_settings_names_the_missing_part():
    plain = build_trainer("gan", {**IMAGES, "batch_size": 16, "g_width": 8, "d_width": 8, "z_dim": 8})
    averaged = build_trainer("gan", {**IMAGES, "batch_size": 16, "g_width": 8, "d_width": 8, "z_dim": 8,
                                     "g_ema": 10})
    with pytest.raises(ValueError, match="no models/G_ema: it was saved with other settings"):
        averaged.load_state_dict(plain.state_dict())
