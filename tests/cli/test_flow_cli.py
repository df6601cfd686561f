"""The command line with the flow family: `train flow` writes the run folder with the held-out likelihood and the
shared metrics in summary.json (mode metrics on 2D data, the judge's on labelled images), `sample` writes NPZ with
the contract's keys, bad `--set` keys exit 2 naming the key (bad values of each key: tests/unit/test_flow.py).
Each call is a fresh interpreter that imports torch and every family, so the calls are few."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli.run import engine

TINY = ["--set", "width=8", "--set", "depth=2", "--no-progress"]


@pytest.fixture(scope="module")
def points_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("flow") / "ring8"
    res = engine("train", "flow", "--dataset", "ring8", "--steps", "30", "--seed", "2", "--set", "model=maf",
                 *TINY, "--out", str(out))
    assert res.returncode == 0, res.stderr
    return out


def test_train_on_points_writes_the_run_folder_with_likelihood_and_mode_metrics(points_run):
    for name in ("config.json", "metrics.csv", "summary.json", "checkpoint.pt", "samples.png"):
        assert (points_run / name).stat().st_size > 0, name
    summary = json.loads((points_run / "summary.json").read_text())
    assert summary["family"] == "flow" and summary["dataset"] == "ring8" and summary["steps"] == 30
    for key in ("nll_nats", "bits_per_dim", "modes_covered", "modes_total", "high_quality_fraction", "grid_js"):
        assert key in summary, key
    config = json.loads((points_run / "config.json").read_text())["config"]
    assert config["model"] == "maf" and config["width"] == 8 and config["seed"] == 2


def test_sample_npz_with_a_temperature_set(points_run, tmp_path):
    res = engine("sample", str(points_run), "--n", "40", "--seed", "1", "--set", "temperature=0",
                 "--out", str(tmp_path / "cold.npz"))
    assert res.returncode == 0, res.stderr
    cold = np.load(tmp_path / "cold.npz")["points"]
    assert cold.shape == (40, 2) and cold.dtype == np.float32
    assert np.allclose(cold, cold[0]), "T = 0: every sample is f^-1(0)"
    assert (points_run / "samples.png").read_bytes()[:4] == b"\x89PNG"


def test_train_on_digits_reports_bits_per_dimension_and_the_judge(tmp_path):
    out = tmp_path / "digits"
    res = engine("train", "flow", "--dataset", "digits", "--steps", "3", "--set", "model=glow", "--set", "lu=true",
                 *TINY, "--out", str(out))
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in ("nll_nats", "bits_per_dim", "judge_score", "frechet_distance"):
        assert key in summary, key
    assert summary["bits_per_dim"] == pytest.approx(summary["nll_nats"] / (64 * np.log(2)))
    res = engine("sample", str(out), "--n", "5", "--out", str(tmp_path / "d.npz"))
    images = np.load(tmp_path / "d.npz")["images"]
    assert res.returncode == 0 and images.shape == (5, 1, 8, 8) and images.dtype == np.uint8


@pytest.mark.parametrize("args, words", [
    (["--set", "coupling=affine"], ["coupling", "Known keys", "levels"]),
    (["--set", "model=realnvp", "--set", "mixing=shuffle"], ["mixing", "model=glow"]),
])
def test_bad_keys_exit_2_naming_the_key(args, words, tmp_path):
    res = engine("train", "flow", "--steps", "1", *args, "--out", str(tmp_path / "never"))
    assert res.returncode == 2, res.stderr
    for word in words:
        assert word in res.stderr, (word, res.stderr)
    assert "Traceback" not in res.stderr and not (tmp_path / "never").exists()
