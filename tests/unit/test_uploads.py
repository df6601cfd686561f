"""Your own data, and nothing on the server exposed: uploads (zip of class folders, loose pictures) with every bad
input of the catalogue made here, saved runs that bring their uploaded pictures along, server paths only inside the
allowed roots, and folder reads within limits."""

from __future__ import annotations

import io
import os
import stat
import tempfile
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from engine.data import BadInput, load_dataset
from engine.data.paths import check_allowed
from engine.data.uploads import dataset_from_upload
from engine.registry import build_trainer


def png(value: int = 128, size=(12, 12), mode="L") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, value).save(buf, format="PNG")
    return buf.getvalue()


def make_zip(entries: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")
    return buf.getvalue()


def classes_zip(per_class: int = 4, root: str = "pets/") -> bytes:
    return make_zip({f"{root}{c}/{i}.png": png(40 * k + i) for k, c in enumerate(("cats", "dogs"))
                     for i in range(per_class)})


def files_around() -> set[str]:
    """Everything in the temporary folder and the working folder: an upload must add nothing to either."""
    return {p for d in (tempfile.gettempdir(), os.getcwd()) for p in os.listdir(d)}


def test_a_zip_of_class_folders_is_a_labelled_dataset_and_writes_nothing():
    before = files_around()
    data = dataset_from_upload([("pets.zip", classes_zip())], size=8, colour="greyscale")
    assert files_around() == before
    assert data.class_names == ["cats", "dogs"] and data.num_classes == 2 and data.image_shape == (1, 8, 8)
    assert len(data.train) + len(data.heldout) == 8 and len(data.heldout) >= 1
    assert data.name.startswith("upload:pets.zip-") and data.origin == "upload"
    colour = dataset_from_upload([("pets.zip", classes_zip())], size=16, colour="colour")
    assert colour.image_shape == (3, 16, 16) and colour.name == data.name, "the same files: the same name"


def test_loose_pictures_are_an_unlabelled_dataset():
    data = dataset_from_upload([(f"{i}.png", png(30 * i)) for i in range(5)], size=8)
    assert data.train_labels is None and data.num_classes == 0 and len(data.train) + len(data.heldout) == 5


@pytest.mark.parametrize("entries, links, message", [
    ({"../evil.png": png()}, (), "would land outside its folder"),
    ({"/etc/evil.png": png()}, (), "would land outside its folder"),
    ({"a/../../evil.png": png()}, (), "would land outside its folder"),
    ({"cats/a.png": png()}, ("cats/link.png",), "symbolic link"),
    ({"notes.txt": b"hello"}, (), "holds no pictures"),
])
def test_a_zip_that_could_escape_or_holds_nothing_is_refused(entries, links, message):
    before = files_around()
    with pytest.raises(BadInput, match=message):
        dataset_from_upload([("bad.zip", make_zip(entries, links))])
    assert files_around() == before


def test_too_many_files_or_a_zip_bomb_is_refused(monkeypatch):
    monkeypatch.setenv("GENLAB_MAX_IMAGES", "5")
    with pytest.raises(BadInput, match="holds 8 files, more than the limit of 5"):
        dataset_from_upload([("pets.zip", classes_zip())])
    monkeypatch.delenv("GENLAB_MAX_IMAGES")
    monkeypatch.setenv("GENLAB_MAX_IMAGE_BYTES", str(2**20))
    bomb = make_zip({"a/0.png": png(), "a/1.png": png(), "b/bomb.png": bytes(50 * 2**20)})  # 50 MB of zeros
    assert len(bomb) < 100_000
    with pytest.raises(BadInput, match="unpacks to more than 1,048,576 bytes.*zip bomb"):
        dataset_from_upload([("bomb.zip", bomb)])


def test_a_picture_too_large_once_decoded_is_refused_before_decoding(monkeypatch):
    monkeypatch.setenv("GENLAB_MAX_PIXELS", "1000000")
    huge = png(0, size=(4000, 4000), mode="1")  # 16 million pixels in a few kB
    assert len(huge) < 50_000
    with pytest.raises(BadInput, match="huge.png is 16,000,000 pixels"):
        dataset_from_upload([("huge.png", huge), ("small.png", png())])


def test_empty_corrupt_and_non_image_files_are_skipped_and_named():
    entries = {"cats/a.png": png(1), "cats/b.png": png(2), "dogs/c.png": png(3), "dogs/d.png": png(4),
               "dogs/empty.png": b"", "dogs/broken.png": b"not a picture", "readme.txt": b"hi"}
    data = dataset_from_upload([("pets.zip", make_zip(entries))])
    assert len(data.train) + len(data.heldout) == 4
    assert "empty (dogs/empty.png)" in data.note and "unreadable (dogs/broken.png)" in data.note


def test_a_class_with_too_few_pictures_is_named():
    entries = {"cats/a.png": png(1), "cats/b.png": png(2), "dogs/c.png": png(3)}
    with pytest.raises(BadInput, match="'dogs' \\(1\\) hold fewer than 2"):
        dataset_from_upload([("pets.zip", make_zip(entries))])


def test_mixing_a_zip_with_pictures_or_a_bad_size_is_refused():
    with pytest.raises(BadInput, match="either one zip or loose pictures"):
        dataset_from_upload([("a.zip", classes_zip()), ("b.png", png())])
    with pytest.raises(BadInput, match="size 9"):
        dataset_from_upload([("a.zip", classes_zip())], size=9)
    with pytest.raises(BadInput, match="not a zip file"):
        dataset_from_upload([("a.zip", b"PK not really")])


@pytest.mark.parametrize("family", ["gan", "vae", "pixelcnn"])
def test_a_run_on_an_upload_saves_its_pictures_and_reloads_anywhere(tmp_path, family):
    from engine.persistence import load_trainer
    from engine.runs import Run

    data = dataset_from_upload([("pets.zip", classes_zip(per_class=6))], size=8)
    small = {"gan": {"g_width": 8, "d_width": 8}, "vae": {"width": 4}, "pixelcnn": {"width": 6, "layers": 1}}
    run = Run(lambda: build_trainer(family, {"dataset": data.name, "batch_size": 4, **small[family]}, data=data))
    run.step_once()
    run.wait_until(lambda s: s.step == 1 and s.status == "paused")
    folder = run.save(folder=str(tmp_path / "run"))
    loaded = load_trainer(folder)  # no session, no upload: the checkpoint holds the pictures
    assert loaded.data.name == data.name and loaded.data.class_names == data.class_names
    assert torch.allclose(loaded.data.train, data.train, atol=1 / 127) and torch.equal(loaded.data.train_labels,
                                                                                          data.train_labels)
    with pytest.raises(BadInput, match="uploaded in a browser session"):
        load_dataset(data.name)


def test_server_paths_only_inside_the_allowed_roots(tmp_path, monkeypatch):
    (tmp_path / "mine").mkdir()
    monkeypatch.setenv("GENLAB_PATH_ROOTS", str(tmp_path / "mine"))
    assert check_allowed(str(tmp_path / "mine")) == (tmp_path / "mine").resolve()
    for hostile in ("/", "/etc", str(tmp_path / "mine" / ".." / ".."), str(tmp_path)):
        with pytest.raises(BadInput, match="outside the folders this server reads from"):
            check_allowed(hostile)
    (tmp_path / "mine" / "escape").symlink_to("/etc")
    with pytest.raises(BadInput, match="outside"):
        check_allowed(str(tmp_path / "mine" / "escape"))


def test_nothing_is_created_at_a_data_folder_a_user_typed(tmp_path, monkeypatch):
    from engine.data import DataUnavailable

    target = tmp_path / "etc"
    with pytest.raises(DataUnavailable):
        load_dataset("mnist", data_root=str(target))
    monkeypatch.delenv("GENLAB_OFFLINE", raising=False)
    monkeypatch.setattr("socket.getaddrinfo", lambda *a, **k: (_ for _ in ()).throw(OSError("offline")))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(DataUnavailable):
        load_dataset("mnist", data_root=str(target))  # a download is tried: into the cache, never the path given
    assert not target.exists()


def test_a_folder_read_stays_within_its_limits(tmp_path, monkeypatch):
    for i in range(6):
        Image.new("L", (40, 40), i * 20).save(tmp_path / f"{i}.png")
    monkeypatch.setenv("GENLAB_MAX_IMAGES", "5")
    with pytest.raises(BadInput, match="more than 5 pictures"):
        load_dataset(f"folder:{tmp_path}", image_size=8)
    monkeypatch.setenv("GENLAB_MAX_IMAGES", "100")
    monkeypatch.setenv("GENLAB_MAX_TOTAL_PIXELS", str(5 * 1600))
    with pytest.raises(BadInput, match="more than 8,000 pixels in all"):
        load_dataset(f"folder:{tmp_path}", image_size=8)
    monkeypatch.setenv("GENLAB_MAX_TOTAL_PIXELS", str(10**9))
    (tmp_path / "loop").symlink_to(tmp_path)  # links are not followed
    assert len(load_dataset(f"folder:{tmp_path}", image_size=8).train) == 5


def test_large_pictures_are_resized_one_at_a_time():
    """Ten 2,000 x 2,000 pictures (4 million pixels each): only one is decoded at full size at a time."""
    import tracemalloc

    pictures = [(f"{i}.png", png(i * 10, size=(2000, 2000))) for i in range(10)]
    tracemalloc.start()
    data = dataset_from_upload(pictures, size=16)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(data.train) + len(data.heldout) == 10
    assert peak < 3 * 4_000_000 * 4, f"peak {peak / 1e6:.0f} MB: more than one or two pictures at full size"
    assert np.isfinite(data.train.numpy()).all()


# --------------------------------------------------------------------------- drawing a digit
def canvas_with_stroke(top: int, left: int, height: int, width: int, side: int = 280) -> np.ndarray:
    """An RGBA canvas, black, with a white rectangle stroke drawn off-centre."""
    picture = np.zeros((side, side, 4), np.uint8)
    picture[..., 3] = 255
    picture[top: top + height, left: left + width, :3] = 255
    return picture


def test_a_drawing_is_reduced_like_mnist_fitted_and_centred_by_its_mass():
    from engine.data.drawing import reduce_drawing

    x, how = reduce_drawing(canvas_with_stroke(10, 20, 120, 40), "mnist", (1, 28, 28))  # far up and to the left
    assert x.shape == (1, 28, 28) and "centre of mass" in how
    ink = (x[0].numpy() + 1) / 2
    rows, cols = np.nonzero(ink > 0.1)
    assert rows.max() - rows.min() + 1 in (20, 21), "the longer side fills the 20 x 20 box"
    cy = (np.arange(28) @ ink.sum(1)) / ink.sum()
    cx = (np.arange(28) @ ink.sum(0)) / ink.sum()
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5


def test_a_drawing_is_reduced_like_the_digits_blocks_of_16():
    from engine.data.drawing import reduce_drawing

    x, how = reduce_drawing(canvas_with_stroke(100, 100, 80, 80), "digits", (1, 8, 8))
    values = ((x[0].numpy() + 1) / 2 * 16).round()
    assert "4 x 4 blocks" in how
    assert (values == 16).all(), "a filled square fills the whole 32 x 32 box: every block is full"
    y, _ = reduce_drawing(canvas_with_stroke(100, 100, 80, 20), "digits", (3, 8, 8))
    column = ((y[0].numpy() + 1) / 2 * 16).round()
    assert y.shape == (3, 8, 8) and column[:, 3:5].sum() > 0 and column[:, 0].sum() == column[:, 7].sum() == 0


def test_nothing_drawn_is_a_message():
    from engine.data.drawing import reduce_drawing

    with pytest.raises(BadInput, match="nothing is drawn"):
        reduce_drawing(np.zeros((50, 50, 4), np.uint8), "mnist", (1, 28, 28))
