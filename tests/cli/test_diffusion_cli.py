"""The command line of the diffusion family: `train diffusion` writes the run folder with the shared metrics of its
data in summary.json (the mode metrics on 2D, the judge's on labelled images), `sample` writes PNG / NPZ (the
sampler is a `--set` away), and a bad `--set` exits 2 naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli.run import engine

TINY = ["--set", "timesteps=50", "--set", "width=16", "--set", "depth=2", "--set", "batch_size=64"]


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("diffusion") / "run"
    res = engine("train", "diffusion", "--dataset", "ring8", "--steps", "30", "--seed", "2", *TINY, "--out", str(out),
                 "--no-progress")
    assert res.returncode == 0, res.stderr
    return out


def test_train_writes_the_run_folder_with_the_2d_metrics(ring_run):
    for name in ("config.json", "metrics.csv", "summary.json", "checkpoint.pt", "samples.png"):
        assert (ring_run / name).stat().st_size > 0, name
    summary = json.loads((ring_run / "summary.json").read_text())
    assert summary["family"] == "diffusion" and summary["dataset"] == "ring8" and summary["steps"] == 30
    for key in ("modes_covered", "modes_total", "high_quality_fraction", "mode_kl", "grid_js", "denoising_loss",
                "prior_kl", "sample_seconds", "network_evaluations", "seconds", "device"):
        assert key in summary, key
    assert summary["modes_total"] == 8 and summary["network_evaluations"] == 50
    config = json.loads((ring_run / "config.json").read_text())["config"]
    assert config["timesteps"] == 50 and config["seed"] == 2 and config["sampler"] == "ddpm"


def test_sample_npz_and_another_sampler(ring_run, tmp_path):
    res = engine("sample", str(ring_run), "--n", "40", "--seed", "1", "--out", str(tmp_path / "a.npz"))
    assert res.returncode == 0, res.stderr
    points = np.load(tmp_path / "a.npz")["points"]
    assert points.shape == (40, 2) and points.dtype == np.float32
    res = engine("sample", str(ring_run), "--n", "40", "--seed", "1", "--set", "sampler=ddim", "--set",
                 "sample_steps=5", "--out", str(tmp_path / "b.npz"))
    assert res.returncode == 0, res.stderr
    other = np.load(tmp_path / "b.npz")["points"]
    assert other.shape == (40, 2) and not np.array_equal(points, other), "DDIM in 5 steps: other samples"


def test_train_on_digits_reports_the_judges_metrics_and_samples_images(tmp_path):
    out = tmp_path / "digits"
    res = engine("train", "diffusion", "--dataset", "digits", "--steps", "5", "--set", "timesteps=40", "--set",
                 "width=8", "--set", "sample_steps=4", "--set", "batch_size=16", "--out", str(out), "--no-progress")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in ("judge_score", "frechet_distance", "confident_fraction", "denoising_loss", "prior_kl",
                "sample_seconds"):
        assert key in summary, key
    assert summary["network_evaluations"] == 4, "the image default samples with DDIM"
    res = engine("sample", str(out), "--n", "6", "--out", str(tmp_path / "d.npz"))
    assert res.returncode == 0, res.stderr
    images = np.load(tmp_path / "d.npz")["images"]
    assert images.shape == (6, 1, 8, 8) and images.dtype == np.uint8


def test_bad_set_exits_2_naming_the_key(tmp_path):  # every key's checks: tests/unit/test_diffusion.py
    res = engine("train", "diffusion", "--steps", "2", "--set", "schedule=sigmoid", "--out", str(tmp_path / "r"))
    assert res.returncode == 2, res.stderr
    for word in ("schedule", "linear", "cosine"):
        assert word in res.stderr, (word, res.stderr)
    assert not (tmp_path / "r").exists()
