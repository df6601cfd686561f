"""The command line contract (docs/ARCHITECTURE.md, Command line): datasets, train, sample, compare, and --set
validation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli.run import engine, engine_process


def test_datasets_lists_every_name_and_offline_availability():
    out = engine("datasets")
    assert out.returncode == 0, out.stderr
    for name in ("ring8", "grid25", "spiral", "moons", "digits", "mnist", "fashion_mnist", "cifar10", "folder:"):
        assert name in out.stdout
    assert "offline" in out.stdout.lower()


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    res = engine("train", "gan", "--dataset", "ring8", "--steps", "40", "--seed", "3", "--set", "lr_d=2e-4",
                 "--set", "minibatch_discrimination=true", "--out", str(out), "--no-progress")
    assert res.returncode == 0, res.stderr
    return out


def test_train_writes_the_run_folder(trained_run):
    for name in ("config.json", "metrics.csv", "summary.json", "checkpoint.pt", "samples.png"):
        assert (trained_run / name).stat().st_size > 0, name
    summary = json.loads((trained_run / "summary.json").read_text())
    assert summary["family"] == "gan" and summary["dataset"] == "ring8" and summary["steps"] == 40
    for key in ("modes_covered", "modes_total", "high_quality_fraction", "mode_kl", "seconds", "device"):
        assert key in summary
    config = json.loads((trained_run / "config.json").read_text())["config"]
    assert config["lr_d"] == 2e-4 and config["minibatch_discrimination"] is True and config["seed"] == 3


@pytest.mark.xdist_group("ray")
def test_train_gives_the_same_model_on_threads_and_on_ray(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    import torch

    outs = {}
    for backend in ("threads", "ray"):
        monkeypatch.setenv("GENLAB_BACKEND", backend)
        outs[backend] = tmp_path / backend
        res = engine("train", "gan", "--dataset", "ring8", "--steps", "60", "--seed", "5", "--out",
                     str(outs[backend]), "--no-progress")
        assert res.returncode == 0, res.stderr
    threads, ray = (torch.load(outs[b] / "checkpoint.pt", weights_only=True)["models"] for b in ("threads", "ray"))
    for net in ("G", "D"):
        for name, tensor in threads[net].items():
            assert torch.equal(tensor, ray[net][name]), f"{net}.{name} differs between the backends"
    metrics = [(outs[b] / "metrics.csv").read_text().splitlines()[0] for b in ("threads", "ray")]
    assert metrics[0] == metrics[1]


def test_train_shows_a_progress_bar(tmp_path):
    res = engine("train", "gan", "--steps", "20", "--out", str(tmp_path / "r"))
    assert res.returncode == 0, res.stderr
    assert "20/20" in res.stderr  # tqdm writes to stderr


def test_sample_npz_and_png(trained_run, tmp_path):
    res = engine("sample", str(trained_run), "--n", "50", "--seed", "1", "--out", str(tmp_path / "s.npz"))
    assert res.returncode == 0, res.stderr
    points = np.load(tmp_path / "s.npz")["points"]
    assert points.shape == (50, 2) and points.dtype == np.float32
    again = engine("sample", str(trained_run), "--n", "50", "--seed", "1", "--out", str(tmp_path / "t.npz"))
    assert again.returncode == 0
    np.testing.assert_array_equal(points, np.load(tmp_path / "t.npz")["points"])
    res = engine("sample", str(trained_run), "--n", "100", "--out", str(tmp_path / "s.png"))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, words", [
    (["--set", "learning_rate=1"], ["learning_rate", "lr_d", "Known keys"]),
    (["--set", "loss=wasserstein"], ["loss", "minimax", "hinge", "wgan_gp"]),
    (["--set", "lr_d=fast"], ["lr_d", "number"]),
    (["--set", "label_smoothing=1.5"], ["label_smoothing", "0.5", "1"]),
    (["--set", "minibatch_discrimination=maybe"], ["minibatch_discrimination", "true or false"]),
    (["--set", "lr_d"], ["KEY=VALUE"]),
    (["--set", "batch_size=nan"], ["batch_size"]),
])
def test_bad_set_exits_nonzero_naming_the_key(args, words, tmp_path):
    res = engine("train", "gan", "--steps", "5", *args, "--out", str(tmp_path / "r"))
    assert res.returncode == 2
    for word in words:
        assert word in res.stderr, (word, res.stderr)
    assert not (tmp_path / "r").exists(), "nothing is written for a bad configuration"


def test_unknown_family_and_dataset(tmp_path):
    res = engine("train", "gann", "--steps", "5")
    assert res.returncode == 2 and "gan" in res.stderr
    res = engine("train", "gan", "--dataset", "ring9", "--steps", "5")
    assert res.returncode == 2 and "ring8" in res.stderr


def test_offline_mnist_names_digits(tmp_path):
    res = engine("train", "gan", "--dataset", "mnist", "--set", f"data_root={tmp_path}", "--steps", "5")
    assert res.returncode == 2
    assert "digits" in res.stderr


def test_sample_from_a_folder_that_is_not_a_run(tmp_path):
    res = engine("sample", str(tmp_path), "--out", str(tmp_path / "x.png"))
    assert res.returncode == 2
    assert "not a saved run" in res.stderr


def test_sample_rejects_unknown_output_type(trained_run, tmp_path):
    res = engine("sample", str(trained_run), "--out", str(tmp_path / "x.jpg"))
    assert res.returncode == 2 and ".png or .npz" in res.stderr


def test_image_gan_trains_judges_and_samples(tmp_path):
    out = tmp_path / "img"
    res = engine("train", "gan", "--dataset", "digits", "--steps", "6", "--set", "g_width=8", "--set", "d_width=8",
                 "--set", "virtual_batchnorm=true", "--out", str(out), "--no-progress")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in ("judge_score", "frechet_distance", "confident_fraction", "class_histogram", "seconds", "device"):
        assert key in summary
    assert len(summary["class_histogram"]) == 10 and 1.0 <= summary["judge_score"] <= 10.0
    res = engine("sample", str(out), "--n", "12", "--out", str(tmp_path / "s.npz"))
    assert res.returncode == 0, res.stderr
    images = np.load(tmp_path / "s.npz")["images"]
    assert images.shape == (12, 1, 8, 8) and images.dtype == np.uint8


def test_conditional_gan_on_an_unlabelled_folder_is_refused(tmp_path):
    from PIL import Image

    folder = tmp_path / "pics"
    folder.mkdir()
    for i in range(4):
        Image.new("RGB", (16, 16), (i * 40, 0, 0)).save(folder / f"{i}.png")
    res = engine("train", "gan", "--dataset", f"folder:{folder}", "--steps", "2", "--set", "conditional=true",
                 "--out", str(tmp_path / "r"))
    assert res.returncode == 2
    assert "conditional" in res.stderr and "labels" in res.stderr


def test_a_conditional_gan_on_2d_points_is_refused(tmp_path):
    res = engine("train", "gan", "--dataset", "ring8", "--steps", "5", "--set", "conditional=true",
                 "--out", str(tmp_path / "r"), "--no-progress")
    assert res.returncode == 2 and "conditional" in res.stderr and "2D" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "r").exists()


def test_vae_trains_bounds_and_samples(tmp_path):
    out = tmp_path / "vae"
    res = engine("train", "vae", "--dataset", "digits", "--steps", "5", "--set", "width=4", "--set", "latent_dim=3",
                 "--set", "iw_samples=7", "--out", str(out), "--no-progress")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in ("elbo", "reconstruction", "kl", "nll_iw", "bits_per_dim", "active_units", "judge_score",
                "family", "dataset", "steps", "seconds", "device"):
        assert key in summary, key
    assert summary["nll_iw_k"] == 7 and summary["family"] == "vae" and summary["steps"] == 5
    assert summary["nll_iw"] <= -summary["elbo"] + 1.0
    res = engine("sample", str(out), "--n", "6", "--out", str(tmp_path / "v.npz"))
    assert res.returncode == 0, res.stderr
    assert np.load(tmp_path / "v.npz")["images"].shape == (6, 1, 8, 8)


def test_vae_bad_values_exit_naming_the_key(tmp_path):
    res = engine("train", "vae", "--steps", "2", "--set", "beta=-1", "--out", str(tmp_path / "r"))
    assert res.returncode == 2 and "beta" in res.stderr
    res = engine("train", "vae", "--steps", "2", "--set", "latent_dim=100", "--out", str(tmp_path / "r"))
    assert res.returncode == 2 and "latent_dim" in res.stderr


@pytest.fixture(scope="module")
def pixelcnn_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pixelcnn")
    out = tmp / "run"
    res = engine("train", "pixelcnn", "--dataset", "digits", "--steps", "4", "--set", "width=6", "--set", "layers=1",
                 "--out", str(out), "--no-progress")
    assert res.returncode == 0, res.stderr
    return out


def test_pixelcnn_trains_and_writes_its_summary(pixelcnn_run):
    summary = json.loads((pixelcnn_run / "summary.json").read_text())
    for key in ("nll_nats", "bits_per_dim", "judge_score", "family", "dataset", "steps", "seconds", "device"):
        assert key in summary, key
    assert summary["family"] == "pixelcnn" and summary["steps"] == 4
    assert summary["bits_per_dim"] == pytest.approx(summary["nll_nats"] / (64 * np.log(2)))


def test_pixelcnn_naive_and_cached_samplers_write_the_same_images(pixelcnn_run, tmp_path):
    for sampler in ("naive", "cached"):
        res = engine("sample", str(pixelcnn_run), "--n", "5", "--seed", "3", "--set", f"sampler={sampler}",
                     "--out", str(tmp_path / f"{sampler}.npz"))
        assert res.returncode == 0, res.stderr
    naive, cached = (np.load(tmp_path / f"{s}.npz")["images"] for s in ("naive", "cached"))
    assert naive.shape == (5, 1, 8, 8) and np.array_equal(naive, cached)


@pytest.mark.parametrize("value", ["0", "-0.5"])
def test_pixelcnn_temperature_must_be_positive(pixelcnn_run, tmp_path, value):
    res = engine("sample", str(pixelcnn_run), "--set", f"temperature={value}", "--out", str(tmp_path / "t.png"))
    assert res.returncode == 2 and "temperature" in res.stderr and "Traceback" not in res.stderr


def test_sampling_a_mismatched_or_broken_checkpoint_says_why(pixelcnn_run, tmp_path):
    res = engine("sample", str(pixelcnn_run), "--set", "variant=pixelcnn", "--out", str(tmp_path / "m.png"))
    assert res.returncode == 2 and "does not match" in res.stderr and "variant" in res.stderr
    assert "Traceback" not in res.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((pixelcnn_run / "config.json").read_text())
    (broken / "checkpoint.pt").write_bytes(b"not a checkpoint")
    res = engine("sample", str(broken), "--out", str(tmp_path / "b.png"))
    assert res.returncode == 2 and "cannot be read" in res.stderr and "Traceback" not in res.stderr


def test_sampling_an_untrained_checkpoint_warns(pixelcnn_run, tmp_path):
    import shutil

    import torch

    out = tmp_path / "untrained"
    shutil.copytree(pixelcnn_run, out)
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    state["step"] = 0  # as saved before any training step
    torch.save(state, out / "checkpoint.pt")
    res = engine("sample", str(out), "--n", "2", "--out", str(tmp_path / "u.png"))
    assert res.returncode == 0 and "before any training step" in res.stderr and (tmp_path / "u.png").exists()


def test_compare_writes_csv_and_json_with_verdicts(tmp_path):
    out = tmp_path / "cmp"
    res = engine("compare", "--preset", "d_steps", "--steps", "20", "--seeds", "2", "--out", str(out),
                 "--no-progress")
    assert res.returncode == 0, res.stderr
    import pandas as pd

    frame = pd.read_csv(out / "comparison.csv")
    assert len(frame) == 6 and set(frame["seed"]) == {0, 1} and (frame["steps"] == 20).all()
    assert {"variant", "modes_covered", "high_quality_fraction", "mode_kl"} <= set(frame.columns)
    report = json.loads((out / "comparison.json").read_text())
    assert report["preset"] == "d_steps" and report["seeds"] == 2
    entry = report["metrics"]["mode_kl"]
    assert set(entry["variants"]) == {"1 D step", "2 D steps", "5 D steps"} and entry["better"] == "lower"
    assert "text" in entry["verdict"] and entry["variants"]["1 D step"]["n"] == 2
    assert "mode_kl:" in res.stdout


def test_compare_unknown_preset_lists_the_known_ones(tmp_path):
    res = engine("compare", "--preset", "nope", "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "paper_ablation" in res.stderr and "pixelcnn_gated" in res.stderr
    res = engine("compare", "--preset", "d_steps", "--seeds", "0", "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "seeds" in res.stderr


# --------------------------------------------------------------------------- the bad-input catalogue
def no_traceback(res) -> bool:
    return "Traceback" not in res.stderr and res.stderr.count("\n") <= 2


def test_a_second_train_into_the_same_out_is_refused_and_the_first_run_stays(trained_run, tmp_path):
    before = (trained_run / "checkpoint.pt").read_bytes()
    res = engine("train", "gan", "--dataset", "ring8", "--steps", "5", "--seed", "9", "--out", str(trained_run),
                 "--no-progress")
    assert res.returncode == 2 and "already holds files" in res.stderr and no_traceback(res), res.stderr
    assert (trained_run / "checkpoint.pt").read_bytes() == before
    assert json.loads((trained_run / "config.json").read_text())["config"]["seed"] == 3


def test_an_unwritable_out_is_found_before_training(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    res = engine("train", "gan", "--steps", "100000", "--out", str(blocker / "run"), "--no-progress")
    assert res.returncode == 2 and "cannot write a run folder" in res.stderr and no_traceback(res), res.stderr


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_message(tmp_path):
    res = engine("train", "gan", "--steps", "2", "--set", "device=cuda", "--out", str(tmp_path / "r"))
    assert res.returncode == 2 and "device" in res.stderr and "no CUDA GPU" in res.stderr and no_traceback(res)


def test_sample_n_is_capped(trained_run, tmp_path):
    res = engine("sample", str(trained_run), "--n", "100000000", "--out", str(tmp_path / "s.npz"))
    assert res.returncode == 2 and "'--n'" in res.stderr and "10,000" in res.stderr and no_traceback(res)


def test_torch_threads_that_are_not_a_number_stop_at_once(tmp_path):
    res = engine_process("train", "gan", "--steps", "5", "--out", str(tmp_path / "r"),
                         env={"GENLAB_TORCH_THREADS": "abc"}, timeout=60)  # read as the process starts training
    assert res.returncode == 2 and "GENLAB_TORCH_THREADS" in res.stderr and no_traceback(res), res.stderr


def test_a_preset_on_data_it_cannot_use_exits_2(tmp_path):
    res = engine("compare", "--preset", "mode_collapse", "--dataset", "digits", "--out", str(tmp_path / "c"),
                 "--no-progress")
    assert res.returncode == 2 and "on 2D points" in res.stderr and no_traceback(res), res.stderr
    assert not (tmp_path / "c").exists()


def test_a_garbage_idx_file_under_data_root_is_a_message(tmp_path):
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03garbage")
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02")
    res = engine("train", "vae", "--dataset", "mnist", "--set", f"data_root={tmp_path}", "--steps", "2",
                 "--out", str(tmp_path / "r"))
    assert res.returncode == 2 and "t10k-images-idx3-ubyte" in res.stderr and no_traceback(res), res.stderr
