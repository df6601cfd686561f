"""The command line with the architecture keys (issue 16): `train gan --set generator=style ...` writes the run
folder, `sample --set truncation=PSI` pulls the samples together, bad values exit 2 naming the key. An unlabelled
folder of images keeps it quick (no judge to train in the subprocess); `train` runs as `python -m engine`, the
other commands through the same `main` in this process (a subprocess costs seconds of imports each)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.__main__ import main
from tests.cli.run import engine

STYLE = ["--set", "generator=style", "--set", "progressive=true", "--set", "progressive_steps=2", "--set", "g_ema=5",
         "--set", "g_width=4", "--set", "d_width=4", "--set", "z_dim=8", "--set", "batch_size=8"]


@pytest.fixture(scope="module")
def style_run(tmp_path_factory):
    from PIL import Image

    root = tmp_path_factory.mktemp("arch")
    pictures = root / "pictures"
    pictures.mkdir()
    rng = np.random.default_rng(0)
    for i in range(30):
        Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(pictures / f"{i}.png")
    out = root / "run"
    res = engine("train", "gan", "--dataset", f"folder:{pictures}", "--steps", "6", *STYLE, "--out", str(out),
                 "--no-progress")
    assert res.returncode == 0, res.stderr
    return out


def test_train_writes_the_run_folder_of_a_growing_style_generator(style_run):
    config = json.loads((style_run / "config.json").read_text())["config"]
    assert config["generator"] == "style" and config["progressive"] is True and config["g_ema"] == 5
    summary = json.loads((style_run / "summary.json").read_text())
    assert summary["steps"] == 6 and summary["family"] == "gan"
    assert (style_run / "samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sample_with_truncation_pulls_the_samples_together(style_run, tmp_path, capsys):
    spread = {}
    for psi in ("0", "1"):
        assert main(["sample", str(style_run), "--n", "16", "--set", f"truncation={psi}", "--out",
                     str(tmp_path / f"psi{psi}.npz")]) == 0, capsys.readouterr().err
        images = np.load(tmp_path / f"psi{psi}.npz")["images"]
        assert images.shape == (16, 3, 64, 64) and images.dtype == np.uint8
        spread[psi] = images.astype(float).std(0).mean()
    assert spread["0"] < 0.25 * spread["1"], "psi = 0: one w for every z (only the noise inputs differ)"


def test_bad_architecture_values_exit_2_naming_the_key(style_run, tmp_path, capsys):
    assert main(["train", "gan", "--dataset", "digits", "--steps", "2", "--set", "upsample=bilinear",
                 "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    for word in ("upsample", "convt", "nearest", "pixelshuffle"):
        assert word in err, (word, err)
    assert not (tmp_path / "r").exists()
    assert main(["train", "gan", "--dataset", "digits", "--steps", "2", "--set", "self_attention=8"]) == 2
    assert "self_attention" in capsys.readouterr().err
    assert main(["sample", str(style_run), "--set", "generator=dcgan", "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "generator" in err, "a checkpoint of another architecture: the key that changed is named"
