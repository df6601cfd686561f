"""The command line for the `kde` family: `train kde` writes the run folder with the shared metrics of its data and
the held-out likelihood, `sample` writes points, images and pictures, bad `--set` values exit 2 naming the key."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.__main__ import main
from tests.cli.run import engine


def test_train_kde_on_ring8_writes_the_summary_and_samples(tmp_path):
    out = tmp_path / "kde"
    res = engine("train", "kde", "--dataset", "ring8", "--steps", "4", "--set", "kernels=400", "--set",
                 "batch_size=100", "--out", str(out), "--no-progress")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in ("nll_nats", "bits_per_dim", "bandwidth", "kernels", "modes_covered", "modes_total",
                "high_quality_fraction", "mode_kl", "grid_js", "family", "dataset", "steps", "seconds", "device"):
        assert key in summary, key
    assert summary["family"] == "kde" and summary["kernels"] == 400 and summary["modes_covered"] == 8
    assert (out / "samples.png").read_bytes()[:4] == b"\x89PNG"
    res = engine("sample", str(out), "--n", "50", "--seed", "2", "--set", "bandwidth_rule=scott", "--out",
                 str(tmp_path / "s.npz"))
    assert res.returncode == 0, res.stderr
    points = np.load(tmp_path / "s.npz")["points"]
    assert points.shape == (50, 2) and points.dtype == np.float32
    angles = np.arange(8) * np.pi / 4
    centres = 2 * np.stack([np.cos(angles), np.sin(angles)], 1)
    nearest = np.linalg.norm(points[:, None] - centres[None], axis=2).min(1)
    assert nearest.mean() > 0.2, "sampled with Scott's wide h (0.4), as --set asked, not the trained 0.01"


def test_train_kde_on_digits_reports_bits_per_dim_and_the_judge(tmp_path):
    out = tmp_path / "kde-digits"
    res = engine("train", "kde", "--dataset", "digits", "--steps", "2", "--set", "batch_size=800", "--out",
                 str(out), "--no-progress")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in ("nll_nats", "bits_per_dim", "judge_score", "frechet_distance", "confident_fraction"):
        assert key in summary, key
    assert summary["kernels"] == 1497 and 0 < summary["bits_per_dim"] < 8
    assert main(["sample", str(out), "--n", "6", "--out", str(tmp_path / "d.npz")]) == 0  # in this process
    images = np.load(tmp_path / "d.npz")["images"]
    assert images.shape == (6, 1, 8, 8) and images.dtype == np.uint8


@pytest.mark.parametrize("setting, words", [
    ("bandwidth_rule=guess", ["bandwidth_rule", "loo", "scott", "silverman", "manual"]),
    ("bandwidth=0", ["bandwidth", "0.001"]),
    ("kernels=1", ["kernels"]),
])
def test_bad_kde_values_exit_2_naming_the_key(setting, words, tmp_path, capsys):
    """In this process (the same `main` as `python -m engine`): a bad value stops before any data or thread."""
    code = main(["train", "kde", "--steps", "2", "--set", setting, "--out", str(tmp_path / "r")])
    stderr = capsys.readouterr().err
    assert code == 2 and stderr.startswith("error:")
    for word in words:
        assert word in stderr, (word, stderr)
    assert not (tmp_path / "r").exists()
