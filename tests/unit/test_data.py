"""Datasets: the 2D toys know their modes, images are scaled and split, bad input gets a clear message."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from engine.data import (BadInput, DataUnavailable, list_datasets, load_dataset, parse_points_csv, toy_from_clicks,
                         toy_from_points, toy_from_state)
from engine.metrics.modes2d import mode_metrics
from tests.conftest import mnist_dir

TOYS = ["ring8", "grid25", "spiral", "moons"]


@pytest.mark.parametrize("name", TOYS)
def test_real_samples_cover_every_mode_with_high_quality(name):
    toy = load_dataset(name)
    x = toy.sample(4000, torch.Generator().manual_seed(0))
    assert x.shape == (4000, 2) and x.dtype == torch.float32
    m = mode_metrics(x.numpy(), toy.centres, toy.std, toy.weights)
    assert m["modes_covered"] == m["modes_total"] == len(toy.centres)
    assert m["high_quality_fraction"] >= 0.97
    assert m["mode_kl"] < 0.05
    (x0, x1), (y0, y1) = toy.bounds
    assert x0 < x[:, 0].min() and x[:, 0].max() < x1 and y0 < x[:, 1].min() and x[:, 1].max() < y1


@pytest.mark.parametrize("name", TOYS)
def test_sampling_is_deterministic_given_the_generator(name):
    toy = load_dataset(name)
    a = toy.sample(50, torch.Generator().manual_seed(3))
    b = toy.sample(50, torch.Generator().manual_seed(3))
    c = toy.sample(50, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("name", TOYS)
def test_density_is_high_on_the_data_and_low_far_away(name):
    toy = load_dataset(name)
    on = toy.density(toy.sample(100, torch.Generator().manual_seed(0)).numpy())
    far = toy.density(np.array([[30.0, 30.0]], dtype=np.float32))
    assert (on > 0).all() and np.median(on) > 1000 * max(float(far[0]), 1e-30)


def test_noise_multiplies_the_spread():
    narrow, wide = load_dataset("ring8"), load_dataset("ring8", noise=3.0)
    assert wide.std == pytest.approx(3 * narrow.std)
    g = torch.Generator().manual_seed(0)
    spread = lambda toy: np.linalg.norm(toy.sample(2000, g).numpy(), axis=1).std()  # noqa: E731
    assert spread(wide) > 2 * spread(narrow)


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(BadInput, match="ring8.*digits"):
        load_dataset("ring9")


# ------------------------------------------------------------------ custom distributions
def test_clicks_make_a_mixture_with_a_mode_at_each_point():
    pts = np.array([[0, 0], [1, 1], [-1, 2]], dtype=np.float32)
    toy = toy_from_clicks(pts, std=0.1)
    np.testing.assert_array_equal(toy.centres, pts)
    x = toy.sample(3000, torch.Generator().manual_seed(0)).numpy()
    m = mode_metrics(x, toy.centres, toy.std)
    assert m["modes_covered"] == 3 and m["high_quality_fraction"] > 0.95
    again = toy_from_state(toy.state())
    np.testing.assert_array_equal(again.centres, toy.centres)
    assert again.std == toy.std


def test_points_make_an_empirical_distribution_with_kmeans_modes():
    rng = np.random.RandomState(0)
    blobs = np.concatenate([rng.randn(200, 2) * 0.1 + c for c in ([0, 0], [3, 0], [0, 3])]).astype(np.float32)
    toy = toy_from_points(blobs)
    assert len(toy.centres) == 8  # k = min(8, distinct points)
    x = toy.sample(2000, torch.Generator().manual_seed(0)).numpy()
    assert mode_metrics(x, toy.centres, toy.std, toy.weights)["high_quality_fraction"] > 0.9
    assert toy.weights.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(toy_from_state(toy.state()).centres, toy.centres)


@pytest.mark.parametrize("bad", [np.zeros((0, 2)), np.array([[0.0, np.nan]]), np.zeros((3, 3))])
def test_bad_points_are_refused(bad):
    with pytest.raises(BadInput):
        toy_from_clicks(bad)


# ------------------------------------------------------------------ CSV of points
def test_csv_with_header_and_various_separators():
    assert parse_points_csv("x,y\n0,1\n2.5,-3\n").tolist() == [[0, 1], [2.5, -3]]
    assert parse_points_csv(b"1;2\n3;4").tolist() == [[1, 2], [3, 4]]
    assert parse_points_csv("1 2\n\n# comment\n3\t4\n").tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("   \n\n", "empty"),
    ("x,y\n", "no points"),
    ("0,0\n1,abc\n", "line 2"),
    ("0,0\nnan,1\n", "line 2"),
    ("0,0\n1,inf\n", "line 2"),
    ("0,0,0\n", "line 1"),
    ("1\n2\n", "line 1"),
])
def test_bad_csv_names_the_problem(text, words):
    with pytest.raises(BadInput, match=words):
        parse_points_csv(text)


def test_binary_upload_is_refused():
    with pytest.raises(BadInput, match="not text"):
        parse_points_csv(b"\xff\xfe\x00\x81")


# ------------------------------------------------------------------ images
def test_digits_scaled_split_and_labelled():
    d = load_dataset("digits")
    assert d.train.shape == (1497, 1, 8, 8) and d.heldout.shape == (300, 1, 8, 8)
    assert d.train.min() >= -1 and d.train.max() <= 1 and d.train.min() == -1 and d.train.max() == 1
    assert set(d.train_labels.tolist()) == set(range(10)) and d.num_classes == 10
    assert d.image_shape == (1, 8, 8)
    assert torch.equal(load_dataset("digits").train, d.train)  # a fixed split


def test_mnist_test_split_only_is_used_and_said():
    root = mnist_dir()
    if root is None:
        pytest.skip("the MNIST test files are not at ../shared/data/mnist (set GENLAB_MNIST_DIR)")
    d = load_dataset("mnist", data_root=str(root))
    assert d.train.shape == (8000, 1, 28, 28) and d.heldout.shape == (2000, 1, 28, 28)
    assert "test split" in d.note and "8,000" in d.note
    assert -1 <= d.train.min() and d.train.max() <= 1
    assert d.train_labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the famous first test labels


def test_offline_without_files_names_digits(tmp_path, monkeypatch):
    monkeypatch.delenv("GENLAB_DATA_ROOT", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("mnist", "fashion_mnist", "cifar10"):
        with pytest.raises(DataUnavailable, match="digits"):
            load_dataset(name, data_root=str(tmp_path), download=False)


def test_list_datasets_marks_what_works_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("GENLAB_DATA_ROOT", raising=False)
    rows = {r["name"]: r for r in list_datasets(str(tmp_path))}
    assert all(rows[n]["offline"] for n in TOYS + ["digits"])
    assert not rows["mnist"]["offline"] and not rows["cifar10"]["offline"]
    if mnist_dir() is not None:
        assert {r["name"]: r for r in list_datasets(str(mnist_dir()))}["mnist"]["offline"]


def _image_folder(root):
    (root / "cats").mkdir(parents=True)
    (root / "dogs").mkdir()
    Image.new("L", (20, 10), 128).save(root / "cats" / "a.png")
    Image.new("RGB", (16, 16), (255, 0, 0)).save(root / "dogs" / "b.png")
    Image.new("RGB", (30, 30), (0, 0, 255)).save(root / "dogs" / "c.jpg")
    (root / "dogs" / "broken.png").write_bytes(b"not an image at all")
    (root / "cats" / "empty.png").write_bytes(b"")
    return root


def test_image_folder_labels_converts_and_skips(tmp_path):
    d = load_dataset(f"folder:{_image_folder(tmp_path / 'imgs')}", image_size=12)
    assert d.skipped == 2 and "skipped 2" in d.note and "unreadable" in d.note and "empty" in d.note
    assert "RGB" in d.note  # grayscale and colour mixed
    total = len(d.train) + len(d.heldout)
    assert total == 3 and d.image_shape == (3, 12, 12)
    assert d.class_names == ["cats", "dogs"] and d.num_classes == 2
    assert -1 <= d.train.min() and d.train.max() <= 1


def test_huge_files_and_huge_pictures_are_skipped_and_counted(tmp_path, monkeypatch):
    root = _image_folder(tmp_path / "imgs")
    Image.effect_noise((30, 30), 50).save(root / "dogs" / "heavy.png")  # more bytes than allowed below
    monkeypatch.setenv("GENLAB_MAX_IMAGE_BYTES", str((root / "dogs" / "heavy.png").stat().st_size - 1))
    d = load_dataset(f"folder:{root}", image_size=12)
    assert d.skipped == 3 and "too large" in d.note and "heavy.png" in d.note
    assert len(d.train) + len(d.heldout) == 3
    Image.new("L", (40, 40), 0).save(root / "cats" / "wide.png")  # more pixels than allowed below: refused whole
    monkeypatch.setenv("GENLAB_MAX_PIXELS", "1000")
    with pytest.raises(BadInput, match="wide.png is 1,600 pixels"):
        load_dataset(f"folder:{root}", image_size=12)


def test_empty_or_missing_folder_is_refused(tmp_path):
    (tmp_path / "nothing").mkdir()
    with pytest.raises(BadInput, match="no readable images"):
        load_dataset(f"folder:{tmp_path / 'nothing'}")
    with pytest.raises(BadInput, match="no such folder"):
        load_dataset(f"folder:{tmp_path / 'missing'}")


def test_an_uploaded_picture_is_resized_and_converted_and_says_so():
    import io

    from engine.data.folder import image_from_bytes

    buf = io.BytesIO()
    Image.new("RGB", (40, 20), (255, 255, 255)).save(buf, format="PNG")
    x, note = image_from_bytes(buf.getvalue(), (1, 8, 8))
    assert x.shape == (1, 8, 8) and torch.allclose(x, torch.ones_like(x))
    assert "grayscale" in note and "40x20 to 8x8" in note
    buf = io.BytesIO()
    Image.new("L", (8, 8), 0).save(buf, format="PNG")
    x, note = image_from_bytes(buf.getvalue(), (1, 8, 8))
    assert note == "" and torch.all(x == -1)
    x, _ = image_from_bytes(buf.getvalue(), (3, 32, 32))
    assert x.shape == (3, 32, 32)


@pytest.mark.parametrize("data, message", [(b"", "empty"), (b"not a picture", "not an image")])
def test_a_bad_upload_is_refused_with_a_message(data, message):
    from engine.data.folder import image_from_bytes

    with pytest.raises(BadInput, match=message):
        image_from_bytes(data, (1, 8, 8))
