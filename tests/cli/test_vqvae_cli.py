"""The command line with the vqvae family: `train vqvae` with the contract's keys (both codebooks, the restart on and
off) writes the run folder with reconstruction, perplexity and codes used in summary.json; the prior stage from a
saved stage-1 run (`--set stage=prior --set vqvae_run=DIR`) adds the prior's bits per code and the judge's metrics;
`sample` on a prior run writes images; bad `--set` values exit 2 naming the key. Each call is a fresh interpreter
that imports torch and every family, so the calls are few."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tests.cli.run import engine

TINY = ["--set", "width=4", "--set", "code_dim=4", "--set", "codebook_size=16", "--set", "batch_size=16",
        "--set", "prior_width=8", "--set", "prior_layers=1", "--no-progress"]


@pytest.fixture(scope="module")
def stage1(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vqvae") / "stage1"
    res = engine("train", "vqvae", "--dataset", "digits", "--steps", "30", "--seed", "2", "--set", "codebook=ema",
                 "--set", "dead_code_restart=true", "--set", "restart_after=5", *TINY, "--out", str(out))
    assert res.returncode == 0, res.stderr
    return out


def test_train_writes_the_run_folder_with_codebook_use(stage1):
    for name in ("config.json", "metrics.csv", "summary.json", "checkpoint.pt", "samples.png"):
        assert (stage1 / name).stat().st_size > 0, name
    summary = json.loads((stage1 / "summary.json").read_text())
    assert summary["family"] == "vqvae" and summary["dataset"] == "digits" and summary["steps"] == 30
    for key in ("reconstruction", "perplexity", "codes_used", "dead_codes", "bits_per_dim"):
        assert key in summary, key
    assert 1 <= summary["perplexity"] <= 16 and summary["codes_used"] + summary["dead_codes"] == 16
    config = json.loads((stage1 / "config.json").read_text())["config"]
    assert config["codebook"] == "ema" and config["dead_code_restart"] is True and config["seed"] == 2
    header = (stage1 / "metrics.csv").read_text().splitlines()[0]
    assert "restarted" in header and "codes_used" in header


def test_the_loss_codebook_without_restart(tmp_path):
    out = tmp_path / "loss"
    res = engine("train", "vqvae", "--steps", "5", "--set", "codebook=loss", "--set", "dead_code_restart=false",
                 *TINY, "--out", str(out))
    assert res.returncode == 0, res.stderr
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["codebook"] == "loss" and config["dead_code_restart"] is False


def test_prior_stage_from_a_saved_run_and_sample_writes_images(stage1, tmp_path):
    out = tmp_path / "prior"
    res = engine("train", "vqvae", "--steps", "20", "--set", "stage=prior", "--set", f"vqvae_run={stage1}",
                 *TINY, "--set", "codebook_size=8", "--out", str(out))
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in ("reconstruction", "perplexity", "codes_used", "prior_bits_per_code", "judge_score",
                "frechet_distance"):
        assert key in summary, key
    assert summary["prior_bits_per_code"] < math.log2(16) and summary["prior_steps"] == 20
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["codebook_size"] == 16, "stage 1's keys come from its folder"
    res = engine("sample", str(out), "--n", "6", "--seed", "1", "--out", str(tmp_path / "s.npz"))
    assert res.returncode == 0, res.stderr
    images = np.load(tmp_path / "s.npz")["images"]
    assert images.shape == (6, 1, 8, 8) and images.dtype == np.uint8
    res = engine("sample", str(out), "--n", "4", "--out", str(tmp_path / "s.png"))
    assert res.returncode == 0 and (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args, words", [  # the other bad values and folders: tests/unit/test_vqvae.py
    (["--set", "codebook=kmeans"], ["codebook", "ema, loss"]),
    (["--set", "stage=prior", "--set", "vqvae_run=/nowhere"], ["vqvae_run", "not a saved run"]),
])
def test_bad_settings_exit_2_naming_the_key(args, words, tmp_path):
    res = engine("train", "vqvae", "--steps", "1", *args, "--out", str(tmp_path / "never"))
    assert res.returncode == 2, res.stderr
    for word in words:
        assert word in res.stderr, (word, res.stderr)
    assert "Traceback" not in res.stderr and not (tmp_path / "never").exists()
