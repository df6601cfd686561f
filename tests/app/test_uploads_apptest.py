"""Your own data on the pages: an uploaded zip trains, a bad one says why and keeps the run, server paths are refused
to browsers elsewhere (and from the URL), and the drawing panels open."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def page(path: str) -> AppTest:
    return AppTest.from_file(str(ROOT / path), default_timeout=60)


def pets_zip(per_class: int = 5) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, name in enumerate(("cats", "dogs")):
            for i in range(per_class):
                picture = io.BytesIO()
                Image.new("L", (20, 20), 30 * k + 10 * i).save(picture, format="PNG")
                z.writestr(f"pets/{name}/{i}.png", picture.getvalue())
    return buf.getvalue()


def upload(at: AppTest, prefix: str, files) -> AppTest:
    at.selectbox(key=f"{prefix}_dataset").set_value("upload").run()
    at.file_uploader(key=f"{prefix}_upload").set_value(files).run()
    return at


def test_vae_trains_on_an_uploaded_zip_with_a_preview_and_counts():
    at = page("pages/vae.py")
    at.query_params["width"] = "4"
    at.run()
    upload(at, "vae", [("pets.zip", pets_zip(), "application/zip")])
    at.selectbox(key="vae_upload_size").set_value(8).run()
    assert not at.exception, at.exception
    assert any("10 pictures, 2 classes: cats 5, dogs 5" in c.value for c in at.caption)
    assert any("batch_size 64 is larger than the 9 training images" in e.value for e in at.error)
    at.slider(key="batch_size").set_value(4).run()
    trainer = at.session_state["_run_vae"].trainers[0]
    assert trainer.config.dataset.startswith("upload:pets.zip-") and trainer.data.image_shape == (1, 8, 8)
    at.button(key="vae_step_both").click().run()
    at.session_state["_run_vae"].wait_until(lambda s: s.step == 1 and s.status == "paused")
    assert not at.exception


@pytest.mark.parametrize("files, message", [
    ([("bad.zip", b"PK\x03\x04 broken", "application/zip")], "not a zip file"),
    ([("one.png", b"", "image/png"), ("two.png", b"not a picture", "image/png")], "no readable pictures"),
])
def test_a_bad_upload_says_why_and_keeps_the_previous_run(files, message):
    at = page("pages/vae.py").run()
    first = at.session_state["_run_vae"]
    upload(at, "vae", files)
    assert not at.exception, at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert at.session_state["_run_vae"] is first


def test_server_folders_are_refused_to_a_browser_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setenv("GENLAB_SERVER_PATHS", "off")
    (tmp_path / "secret.png").write_bytes(b"x")
    at = page("pages/vae.py")
    at.query_params["vae_dataset"] = "folder"
    at.query_params["vae_folder"] = str(tmp_path)
    at.query_params["data_root"] = "/etc"
    at.run()
    assert not at.exception, at.exception
    assert any("vae_folder" in w.value and "does not read its own folders" in w.value for w in at.warning)
    assert "folder" not in at.selectbox(key="vae_dataset").options
    assert at.session_state["_run_vae"].trainers[0].config.dataset == "digits"


def test_a_path_outside_the_allowed_roots_is_refused_on_the_laptop_too(monkeypatch, tmp_path):
    monkeypatch.setenv("GENLAB_PATH_ROOTS", str(tmp_path))
    at = page("pages/vae.py").run()
    at.selectbox(key="vae_dataset").set_value("folder").run()
    at.text_input(key="vae_folder").set_value("/").run()
    assert not at.exception and any("outside the folders this server reads from" in e.value for e in at.error)


@pytest.mark.parametrize("path, key", [("pages/vae.py", "vae_open_drawn_digit"),
                                       ("pages/classifier.py", "clf_open_draw"),
                                       ("pages/ssgan.py", "ssgan_open_draw")])
def test_the_drawing_panels_open_and_wait_for_a_drawing(path, key):
    at = page(path)
    at.query_params["width" if "classifier" in path or "vae" in path else "d_width"] = "8" if "ssgan" not in path \
        else "32"
    at.run()
    at.expander(key=key).open = True
    at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    assert any("Draw a digit on the black square" in c.value for c in at.caption)


POINTS_OR_IMAGES = [("pages/flow.py", "flow", "_run_flow", {"depth": "2", "width": "8"}),
                    ("pages/kde.py", "kde", "_run_kde", {}),
                    ("pages/ebm.py", "ebm", "_run_ebm", {"width": "8"}),
                    ("pages/diffusion.py", "diff", "_run_diffusion", {"width": "8"})]


@pytest.mark.parametrize("path, prefix, slot, fast", POINTS_OR_IMAGES)
def test_the_pages_of_points_and_images_take_an_upload_too(path, prefix, slot, fast):
    at = page(path)
    for key, value in fast.items():
        at.query_params[key] = value
    at.run()
    upload(at, prefix, [("pets.zip", pets_zip(), "application/zip")])
    at.selectbox(key=f"{prefix}_upload_size").set_value(8)
    at.session_state["batch_size"] = 4  # 9 training pictures (images put the batch back to its image default)
    at.run()
    assert not at.exception, at.exception
    assert any("10 pictures, 2 classes: cats 5, dogs 5" in c.value for c in at.caption)
    assert not at.error, [e.value for e in at.error]
    assert at.session_state[slot].trainers[0].config.dataset.startswith("upload:pets.zip-")


@pytest.mark.parametrize("path, prefix, slot, fast", POINTS_OR_IMAGES)
def test_the_pages_of_points_and_images_refuse_server_folders_to_a_browser_elsewhere(monkeypatch, tmp_path, path,
                                                                                       prefix, slot, fast):
    monkeypatch.setenv("GENLAB_SERVER_PATHS", "off")
    at = page(path)
    at.query_params[f"{prefix}_dataset"] = "folder"
    at.query_params[f"{prefix}_folder"] = str(tmp_path)
    at.run()
    assert not at.exception, at.exception
    assert any(f"{prefix}_folder" in w.value and "does not read its own folders" in w.value for w in at.warning)
    assert "folder" not in at.selectbox(key=f"{prefix}_dataset").options
    assert at.session_state[slot].trainers[0].config.dataset == "ring8"
