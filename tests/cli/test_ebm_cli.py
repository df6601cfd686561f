"""The command line for the `ebm` family: `train ebm` writes the run folder with the shared metrics of its data,
`sample` writes points and images, a run whose energies run away ends as diverged and says why in plain words, bad
`--set` values exit 2 naming the key."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.__main__ import main
from tests.cli.run import engine

TINY = ["--set", "width=16", "--set", "depth=2", "--set", "batch_size=32", "--set", "langevin_steps=3",
        "--set", "sample_steps=5"]


def test_train_ebm_on_ring8_writes_the_summary_and_samples(tmp_path):
    out = tmp_path / "ebm"
    res = engine("train", "ebm", "--dataset", "ring8", "--steps", "6", *TINY, "--out", str(out), "--no-progress")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in ("modes_covered", "modes_total", "high_quality_fraction", "mode_kl", "grid_js", "family", "steps",
                "seconds", "device"):
        assert key in summary, key
    assert summary["family"] == "ebm" and summary["steps"] == 6
    res = engine("sample", str(out), "--n", "20", "--seed", "1", "--out", str(tmp_path / "s.npz"))
    assert res.returncode == 0, res.stderr
    points = np.load(tmp_path / "s.npz")["points"]
    assert points.shape == (20, 2) and points.dtype == np.float32


def test_train_ebm_on_digits_judges_and_samples(tmp_path):
    out = tmp_path / "ebm-digits"
    res = engine("train", "ebm", "--dataset", "digits", "--steps", "3", "--set", "width=4", "--set",
                 "langevin_steps=2", "--set", "sample_steps=4", "--out", str(out), "--no-progress")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in ("judge_score", "frechet_distance", "confident_fraction", "class_histogram"):
        assert key in summary, key
    assert main(["sample", str(out), "--n", "5", "--out", str(tmp_path / "d.npz")]) == 0  # in this process
    assert np.load(tmp_path / "d.npz")["images"].shape == (5, 1, 8, 8)
    assert (out / "samples.png").read_bytes()[:4] == b"\x89PNG"


def test_energies_that_run_away_end_the_run_as_diverged_in_plain_words(tmp_path):
    out = tmp_path / "runaway"
    res = engine("train", "ebm", "--steps", "2000", "--set", "energy_l2=0", "--set", "langevin_steps=1",
                 "--set", "sample_steps=5", "--out", str(out), "--no-progress")
    assert res.returncode == 3, res.stdout + res.stderr
    assert res.stdout.startswith("diverged:") and "energies ran away" in res.stdout
    assert json.loads((out / "summary.json").read_text())["steps"] < 2000, "stopped early, saved as it was"


@pytest.mark.parametrize("setting, words", [
    ("step_size=0", ["step_size"]),
    ("buffer_size=-1", ["buffer_size"]),
    ("reinit=2", ["reinit", "0", "1"]),
    ("spectral_norm=maybe", ["spectral_norm", "true or false"]),
])
def test_bad_ebm_values_exit_2_naming_the_key(setting, words, tmp_path, capsys):
    """In this process (the same `main` as `python -m engine`): a bad value stops before any data or thread."""
    code = main(["train", "ebm", "--steps", "2", "--set", setting, "--out", str(tmp_path / "r")])
    stderr = capsys.readouterr().err
    assert code == 2 and stderr.startswith("error:")
    for word in words:
        assert word in stderr, (word, stderr)
    assert not (tmp_path / "r").exists()
