"""AppTest: each page renders without exception and its main controls work (no browser needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

TIMEOUT = 60
ROOT = Path(__file__).resolve().parents[2]


def page_test(path: str) -> AppTest:
    return AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)


@pytest.fixture
def gan2d():
    at = page_test("pages/gan_2d.py").run()
    assert not at.exception, at.exception
    yield at
    run = at.session_state["_run_gan2d"]
    run.stop()


def test_home_renders_families_device_and_datasets():
    at = page_test("app/main.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "GenLab"
    text = " ".join(m.value for m in at.markdown)
    assert "Training runs on" in text
    frame = at.table[0].value
    assert {"ring8", "digits", "mnist"} <= set(frame.index)
    assert frame.loc["digits", "available offline"] == "yes"
    assert frame.loc["ring8", "available offline"] == "yes"


def test_gan2d_step_buttons_advance_one_step(gan2d):
    run = gan2d.session_state["_run_gan2d"]
    assert run.snapshot().step == 0
    gan2d.button(key="gan2d_step_d").click().run()
    snap = run.wait_until(lambda s: s.step == 1 and s.status == "paused")
    assert snap.history().empty or "loss_d" in snap.history()
    gan2d.button(key="gan2d_step_both").click().run()
    run.wait_until(lambda s: s.step == 2 and s.status == "paused")
    assert not gan2d.exception


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_gan2d_play_pause_and_live_knob(gan2d):
    run = gan2d.session_state["_run_gan2d"]
    gan2d.button(key="gan2d_play").click().run()
    keys = {b.key for b in gan2d.button}
    assert "gan2d_pause" in keys and "gan2d_play" not in keys, "while training the page offers Pause, not Play"
    run.wait_until(lambda s: s.step > 20)
    gan2d.select_slider(key="lr_d").set_value(0.0002).run()
    snap = run.wait_until(lambda s: s.members[0].config.lr_d == 0.0002)
    assert gan2d.session_state["_run_gan2d"] is run, "a live knob must not rebuild the model"
    gan2d.button(key="gan2d_pause").click().run()
    snap = run.snapshot()
    assert snap.status == "paused" and snap.step > 20
    assert "gan2d_play" in {b.key for b in gan2d.button}, "once paused the page offers Play again"
    assert not gan2d.exception


def test_gan2d_queued_run_shows_its_place_once_and_its_picture(gan2d):
    from engine.manager import manager
    from engine.runs import Run
    from tests.unit.test_runs import toy

    cap = manager().cap
    manager().set_cap(1)
    holder = manager().submit(Run(lambda: toy(sleep=0.002)), "another-session").start()
    try:
        holder.wait_until(lambda s: s.status == "running")
        run = gan2d.session_state["_run_gan2d"]
        gan2d.button(key="gan2d_play").click().run()
        run.wait_until(lambda s: s.status == "queued")
        gan2d.run()
        assert not gan2d.exception, gan2d.exception
        lines = [m.value for m in gan2d.markdown if "**queued** · step" in m.value]
        assert len(lines) == 1 and "number 1 in the queue" in lines[0], "the status line, drawn once, apart"
        assert gan2d.get("plotly_chart"), "the queued run's picture is drawn (once) under its status line"
        holder.pause()
        run.wait_until(lambda s: s.status == "running" and s.step > 0)  # the slot it waited for
    finally:
        holder.stop()
        manager().set_cap(cap)


def test_gan2d_structural_change_builds_a_new_model(gan2d):
    first = gan2d.session_state["_run_gan2d"]
    gan2d.slider(key="g_width").set_value(64).run()
    second = gan2d.session_state["_run_gan2d"]
    assert second is not first
    assert second.trainers[0].config.g_width == 64
    assert first.status in ("idle", "stopped")


def test_gan2d_preset_loads_its_settings(gan2d):
    gan2d.selectbox(key="preset").select("mode_collapse_mbd").run()
    gan2d.button(key="gan2d_load_preset").click().run()
    assert not gan2d.exception
    assert gan2d.session_state["minibatch_discrimination"] is True
    assert gan2d.session_state["_run_gan2d"].trainers[0].config.minibatch_discrimination
    assert any("minibatch discrimination" in i.value for i in gan2d.info)
    gan2d.button(key="gan2d_step_both").click().run()
    assert any("minibatch discrimination" in i.value for i in gan2d.info), "the lesson stays while its settings hold"
    gan2d.toggle(key="minibatch_discrimination").set_value(False).run()
    assert not any("minibatch discrimination" in i.value for i in gan2d.info), "a changed setting ends the lesson"


def test_gan2d_configuration_from_url_and_bad_url_values():
    at = page_test("pages/gan_2d.py")
    at.query_params["loss"] = "hinge"
    at.query_params["lr_d"] = "banana"
    at.query_params["wat"] = "1"
    at.run()
    assert not at.exception, at.exception
    run = at.session_state["_run_gan2d"]
    assert run.trainers[0].config.loss == "hinge"
    warnings = " ".join(w.value for w in at.warning)
    assert "lr_d" in warnings and "wat" in warnings
    run.stop()


def open_drawing_panel(at) -> None:
    """The panel builds its pad and tabs only while open (a lazy expander): open it as a click would."""
    assert not at.get("text_area"), "closed, the panel builds nothing"
    at.expander(key="gan2d_open_draw").open = True
    at.session_state["gan2d_open_draw"] = True
    at.run()


def test_gan2d_custom_points_typed(gan2d):
    open_drawing_panel(gan2d)
    gan2d.text_area(key="gan2d_draw_text").set_value("0, 0\n1, 1\n-1, 1\n1, -1").run()
    gan2d.button(key="gan2d_draw_use_text").click().run()
    assert not gan2d.exception
    run = gan2d.session_state["_run_gan2d"]
    assert run.trainers[0].data.centres.shape == (4, 2)
    assert gan2d.selectbox(key="dataset").value == "custom"


def test_gan2d_bad_typed_points_keep_the_old_data(gan2d):
    before = gan2d.session_state["_run_gan2d"]
    open_drawing_panel(gan2d)
    gan2d.text_area(key="gan2d_draw_text").set_value("0, 0\nabc, 1").run()
    gan2d.button(key="gan2d_draw_use_text").click().run()
    assert not gan2d.exception
    assert any("line 2" in e.value for e in gan2d.error)
    assert gan2d.session_state["_run_gan2d"] is before


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_gan2d_save_then_load_and_resume(gan2d):
    run = gan2d.session_state["_run_gan2d"]
    for _ in range(3):
        gan2d.button(key="gan2d_step_both").click().run()
    run.wait_until(lambda s: s.step == 3 and s.status == "paused")
    gan2d.button(key="gan2d_save").click().run()
    assert run.saved_to and not gan2d.exception
    labels = [b.label for b in gan2d.get("download_button")]
    assert "checkpoint.pt" in labels and "samples.png" in labels
    gan2d.button(key="gan2d_reset").click().run()
    assert run.snapshot().step == 0
    gan2d.button(key="gan2d_load").click().run()
    assert not gan2d.exception
    loaded = gan2d.session_state["_run_gan2d"]
    assert loaded is not run and loaded.snapshot().step == 3
    gan2d.button(key="gan2d_step_both").click().run()
    loaded.wait_until(lambda s: s.step == 4)
    loaded.stop()


# ------------------------------------------------------------------ image GANs
@pytest.fixture
def images(monkeypatch, tmp_path):
    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path))
    at = page_test("pages/gan_images.py")
    at.query_params["g_width"] = "8"
    at.query_params["d_width"] = "8"
    at.run()
    assert not at.exception, at.exception
    yield at
    run = at.session_state["_run_gan_images"]
    run.stop()


def test_images_renders_grid_and_steps(images):
    run = images.session_state["_run_gan_images"]
    assert run.trainers[0].data.name == "digits"
    assert len(images.get("image")) == 1, "the sample grid; the latent walk waits until its panel is opened"
    images.session_state["walk_open"] = True
    images.run()
    assert len(images.get("image")) >= 2, "the sample grid and the latent walk are shown"
    images.button(key="gan_images_step_d").click().run()
    run.wait_until(lambda s: s.step == 1 and s.status == "paused")
    images.button(key="gan_images_step_both").click().run()
    run.wait_until(lambda s: s.step == 2)
    assert not images.exception


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_images_play_pause_live_knob_and_new_model(images):
    run = images.session_state["_run_gan_images"]
    images.button(key="gan_images_play").click().run()
    run.wait_until(lambda s: s.step > 3)
    images.select_slider(key="lr_d").set_value(0.0001).run()
    run.wait_until(lambda s: s.members[0].config.lr_d == 0.0001)
    assert images.session_state["_run_gan_images"] is run
    images.button(key="gan_images_pause").click().run()
    assert run.snapshot().status == "paused"
    images.toggle(key="virtual_batchnorm").set_value(True).run()
    fresh = images.session_state["_run_gan_images"]
    assert fresh is not run and fresh.trainers[0].uses_vbn
    assert not images.exception


def test_images_interpolation_and_downloads(images):
    images.session_state["walk_open"] = True
    images.run()
    images.slider(key="interp_steps").set_value(5).run()
    assert not images.exception
    labels = [b.label for b in images.get("download_button")]
    assert "Sample grid (PNG)" in labels and "Interpolation (GIF)" in labels


def test_images_bad_inputs_say_so_and_keep_the_page():
    at = page_test("pages/gan_images.py")
    at.query_params["img_dataset"] = "folder"
    at.run()
    assert not at.exception
    assert any("image folder" in e.value for e in at.error)
    at.text_input(key="img_folder").set_value("/no/such/folder").run()
    assert not at.exception
    assert any("/no/such/folder" in e.value for e in at.error)


def test_images_opens_on_the_pretrained_digits_generator(monkeypatch, tmp_path):
    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path))
    at = page_test("pages/gan_images.py").run()
    assert not at.exception, at.exception
    run = at.session_state["_run_gan_images"]
    assert run.snapshot().step == 4000 and run.snapshot().status == "idle"
    assert any("pretrained" in i.value for i in at.info)
    at.button(key="gan_images_step_both").click().run()
    run.wait_until(lambda s: s.step == 4001)
    run.stop()


# ------------------------------------------------------------------ autoencoders and VAEs
@pytest.fixture
def vae(monkeypatch, tmp_path):
    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path))
    at = page_test("pages/vae.py")
    at.query_params["width"] = "4"
    at.query_params["latent_dim"] = "4"
    at.run()
    assert not at.exception, at.exception
    yield at
    at.session_state["_run_vae"].stop()


def test_vae_renders_reconstructions_samples_and_steps(vae):
    run = vae.session_state["_run_vae"]
    assert run.trainers[0].config.latent_dim == 4 and run.snapshot().step == 0
    assert len(vae.get("image")) == 2, "reconstructions and prior samples"
    vae.button(key="vae_step_both").click().run()
    run.wait_until(lambda s: s.step == 1)
    assert not vae.exception


def test_vae_play_live_beta_pause_and_new_model(vae):
    run = vae.session_state["_run_vae"]
    vae.button(key="vae_play").click().run()
    run.wait_until(lambda s: s.step > 3)
    vae.select_slider(key="beta").set_value(5.0).run()
    run.wait_until(lambda s: s.members[0].config.beta == 5.0)
    assert vae.session_state["_run_vae"] is run, "beta is live: same model"
    vae.button(key="vae_pause").click().run()
    assert run.snapshot().status == "paused"
    vae.selectbox(key="model").set_value("ae").run()
    fresh = vae.session_state["_run_vae"]
    assert fresh is not run and fresh.trainers[0].config.model == "ae"
    assert not vae.exception


@pytest.mark.parametrize("panel", ["latent_map", "interpolation", "corners", "traversal", "lesson"])
def test_vae_panels_open_and_draw(vae, panel):
    vae.session_state[f"vae_open_{panel}"] = True
    vae.run()
    assert not vae.exception, vae.exception
    if panel == "interpolation":
        vae.slider(key="vae_steps").set_value(5).run()
        assert "Latent walk (GIF)" in [b.label for b in vae.get("download_button")]
        vae.radio(key="vae_ib_source").set_value("draw").run()
        assert not vae.exception, vae.exception
        assert any("Draw a digit" in c.value for c in vae.caption), "an empty canvas says what to do"
    if panel == "traversal":
        vae.slider(key="vae_z0_0").set_value(2.0).run()
    if panel == "lesson":
        captions = " ".join(i.caption or "" for i in vae.get("image") if hasattr(i, "caption"))
        assert not vae.exception and len(vae.get("image")) >= 4, captions
    assert not vae.exception, vae.exception


def test_vae_two_dimensional_latent_shows_the_decoded_manifold(monkeypatch, tmp_path):
    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path))
    at = page_test("pages/vae.py")
    at.query_params["width"] = "4"
    at.query_params["latent_dim"] = "2"
    at.session_state["vae_open_latent_map"] = True
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("image")) == 3, "reconstructions, samples and the decoded manifold"
    at.session_state["_run_vae"].stop()


def test_vae_opens_on_the_pretrained_digits_vae(monkeypatch, tmp_path):
    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path))
    at = page_test("pages/vae.py").run()
    assert not at.exception, at.exception
    run = at.session_state["_run_vae"]
    assert run.snapshot().step == 3000 and any("pretrained" in i.value for i in at.info)
    run.stop()


def test_vae_bad_inputs_say_so_and_keep_the_page():
    at = page_test("pages/vae.py")
    at.query_params["latent_dim"] = "99"
    at.run()
    assert not at.exception
    assert any("latent_dim" in w.value for w in at.warning)
    at.selectbox(key="vae_dataset").set_value("folder").run()
    assert any("image folder" in e.value for e in at.error)
    at.text_input(key="vae_folder").set_value("/no/such/folder").run()
    assert not at.exception and any("/no/such/folder" in e.value for e in at.error)


def test_vae_garbage_data_and_tiny_folders_show_a_message_and_keep_the_run(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setenv("GENLAB_PATH_ROOTS", str(tmp_path))  # the server may read the test's folders
    at = page_test("pages/vae.py").run()
    first = at.session_state["_run_vae"]
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03\x00\x00\x27\x10rubbish")
    (garbage / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x01\x01")
    at.selectbox(key="vae_dataset").set_value("mnist").run()
    at.text_input(key="data_root").set_value(str(garbage)).run()
    assert not at.exception, at.exception
    assert any("t10k-images-idx3-ubyte" in e.value and "truncated" in e.value for e in at.error)
    assert at.session_state["_run_vae"] is first, "the previous run stays"
    for count in (1, 3):
        folder = tmp_path / f"pics{count}"
        folder.mkdir()
        for i in range(count):
            Image.new("L", (12, 12), 60 * i).save(folder / f"{i}.png")
        at.selectbox(key="vae_dataset").set_value("folder").run()
        at.text_input(key="vae_folder").set_value(str(folder)).run()
        assert not at.exception, at.exception
        expected = "at least 2" if count == 1 else "larger than the 2 training images"
        assert any(expected in e.value for e in at.error), [e.value for e in at.error]


def test_gan2d_lists_only_2d_runs_and_takes_a_bare_speed_in_the_url(tmp_path, monkeypatch):
    from engine.registry import build_trainer
    from engine.runs import Run

    monkeypatch.setenv("GENLAB_RUNS_DIR", str(tmp_path))
    for name, dataset in (("points-run", "ring8"), ("images-run", "digits")):
        run = Run(lambda d=dataset: build_trainer("gan", {"dataset": d, "batch_size": 16}))
        run.step_once()
        run.wait_until(lambda s: s.step == 1 and s.status == "paused")
        run.save(folder=str(tmp_path / name))
    at = page_test("pages/gan_2d.py")
    at.query_params["gan2d_speed"] = "5"
    at.run()
    assert not at.exception and not at.warning
    assert at.session_state["_run_gan2d"]._steps_per_second == 5
    options = at.selectbox(key="gan2d_saved").options
    assert any("points-run" in o for o in options) and not any("images-run" in o for o in options)
    at.session_state["_run_gan2d"].stop()


# ------------------------------------------------------------------ PixelCNN
def image_captions(at: AppTest) -> list[str]:
    return [picture.caption for image in at.get("image") for picture in image.proto.imgs]


@pytest.fixture
def pixelcnn():  # judges come from the session's test cache (tests/conftest.py): trained once, not per test
    at = page_test("pages/pixelcnn.py")
    at.query_params["width"] = "6"
    at.query_params["layers"] = "1"
    at.run()
    assert not at.exception, at.exception
    yield at
    at.session_state["_run_pixelcnn"].stop()


def test_pixelcnn_renders_samples_curve_and_steps(pixelcnn):
    run = pixelcnn.session_state["_run_pixelcnn"]
    assert run.trainers[0].config.width == 6 and run.snapshot().step == 0
    pixelcnn.button(key="pixelcnn_step_both").click().run()
    run.wait_until(lambda s: s.step == 1)
    pixelcnn.run()
    assert not pixelcnn.exception and len(pixelcnn.get("image")) == 1, "the live sample grid"


def test_pixelcnn_play_live_knobs_pause_and_new_model(pixelcnn):
    run = pixelcnn.session_state["_run_pixelcnn"]
    pixelcnn.button(key="pixelcnn_play").click().run()
    run.wait_until(lambda s: s.step > 3)
    pixelcnn.slider(key="temperature").set_value(0.5).run()
    pixelcnn.selectbox(key="sampler").set_value("naive").run()
    run.wait_until(lambda s: s.members[0].config.temperature == 0.5 and s.members[0].config.sampler == "naive")
    assert pixelcnn.session_state["_run_pixelcnn"] is run, "sampling settings are live: same model"
    pixelcnn.button(key="pixelcnn_pause").click().run()
    assert run.snapshot().status == "paused"
    pixelcnn.selectbox(key="variant").set_value("pixelcnn").run()
    fresh = pixelcnn.session_state["_run_pixelcnn"]
    assert fresh is not run and fresh.trainers[0].config.variant == "pixelcnn"
    assert not pixelcnn.exception


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_pixelcnn_watch_panel_draws_value_by_value_and_exports_a_gif(pixelcnn):
    pixelcnn.session_state["pcnn_open_watch"] = True
    pixelcnn.run()
    assert any("not been trained" in w.value for w in pixelcnn.warning), "an untrained model says so"
    pixelcnn.slider(key="pcnn_watch_n").set_value(2).run()
    pixelcnn.button(key="pcnn_watch_start").click().run()
    assert not pixelcnn.exception, pixelcnn.exception
    movie = pixelcnn.session_state["pcnn_movie"]["movie"]
    assert movie.last is not None and not movie.done
    pixelcnn.button(key="pcnn_watch_pause").click().run()
    drawn = movie.last.drawn
    pixelcnn.button(key="pcnn_watch_step").click().run()
    assert movie.last.drawn == drawn + 1, "Next value draws exactly one value"
    assert len(pixelcnn.get("plotly_chart")) >= 2, "the curve and the pixel's distribution"
    pixelcnn.button(key="pcnn_watch_finish").click().run()
    assert movie.done and movie.last.drawn == 64
    assert "Sampling run (GIF)" in [b.label for b in pixelcnn.get("download_button")]
    assert not pixelcnn.exception, pixelcnn.exception


def test_pixelcnn_completion_and_a_region_covering_everything(pixelcnn):
    pixelcnn.session_state["pcnn_open_completion"] = True
    pixelcnn.run()
    pixelcnn.selectbox(key="pcnn_comp_region").set_value("rows and columns").run()
    pixelcnn.slider(key="pcnn_comp_rows").set_value((0, 7)).run()
    pixelcnn.slider(key="pcnn_comp_cols").set_value((0, 7)).run()
    assert any("covers the whole image" in e.value for e in pixelcnn.error)
    pixelcnn.selectbox(key="pcnn_comp_region").set_value("lower half").run()
    pixelcnn.slider(key="pcnn_comp_n").set_value(3).run()
    pixelcnn.button(key="pcnn_comp_go").click().run()
    assert not pixelcnn.exception, pixelcnn.exception
    values = pixelcnn.session_state["pcnn_completion"][0]
    assert values.shape == (3, 1, 8, 8)
    assert any("3 completions" in caption for caption in image_captions(pixelcnn))
    pixelcnn.selectbox(key="pcnn_comp_region").set_value("right half").run()
    assert not any("completions" in caption for caption in image_captions(pixelcnn)), "no stale completion"


def test_pixelcnn_blind_spot_panel(pixelcnn):
    pixelcnn.session_state["pcnn_open_blind_spot"] = True
    pixelcnn.run()
    assert not pixelcnn.exception, pixelcnn.exception
    pixelcnn.slider(key="pcnn_rf_layers").set_value(3).run()
    plain = next(c for c in image_captions(pixelcnn) if c.startswith("Plain"))
    assert "blind spot" in plain and not plain.split(";")[1].strip().startswith("0 ")


def test_pixelcnn_opens_on_the_pretrained_digits_model():
    at = page_test("pages/pixelcnn.py")
    at.query_params["temperature"] = "0.8"  # a sampling knob: still the pretrained model, with the asked knob
    at.run()
    assert not at.exception, at.exception
    run = at.session_state["_run_pixelcnn"]
    assert run.snapshot().step == 3000 and any("pretrained" in i.value for i in at.info)
    at.run()
    run.wait_until(lambda s: s.members[0].config.temperature == 0.8)
    run.stop()


def test_pixelcnn_bad_inputs_say_so_and_keep_the_page():
    at = page_test("pages/pixelcnn.py")
    at.query_params["temperature"] = "0"
    at.query_params["width"] = "6"
    at.run()
    assert not at.exception
    assert any("temperature" in w.value for w in at.warning)
    at.selectbox(key="pcnn_dataset").set_value("folder").run()
    assert any("image folder" in e.value for e in at.error)
    at.session_state["_run_pixelcnn"].stop()


# ------------------------------------------------------------------ Compare
@pytest.fixture
def compare():  # judges come from the session's test cache (tests/conftest.py): trained once, not per test
    at = page_test("pages/compare.py").run()
    assert not at.exception, at.exception
    yield at
    at.session_state["_run_compare"].stop()


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_compare_opens_on_the_mode_collapse_preset_and_steps_the_whole_group(compare):
    run = compare.session_state["_run_compare"]
    assert run.members == ["plain · seed 0", "minibatch discrimination · seed 0"]
    assert any("minibatch discrimination" in i.value for i in compare.info), "the preset explains itself"
    compare.button(key="cmp_step_both").click().run()
    run.wait_until(lambda s: all(m.step == 1 for m in s.members))
    compare.button(key="cmp_step_both").click().run()
    run.wait_until(lambda s: all(m.step == 2 for m in s.members) and s.status == "paused")
    assert {m.step for m in run.snapshot().members} == {2}, "one group step advances every member once"
    assert not compare.exception


def test_compare_seeds_presets_and_verdicts(compare):
    compare.slider(key="cmp_seeds").set_value(2).run()
    run = compare.session_state["_run_compare"]
    assert len(run.members) == 4 and run.members[2] == "plain · seed 1"
    compare.selectbox(key="cmp_preset").set_value("d_steps").run()
    run = compare.session_state["_run_compare"]
    assert [m.split(" · ")[0] for m in run.members][:3] == ["1 D step", "2 D steps", "5 D steps"]
    text = compare.session_state["cmp_variants"]
    compare.text_area(key="cmp_variants").set_value(text.replace("d_steps=5", "d_steps=3")).run()
    run = compare.session_state["_run_compare"]
    assert run.trainers[2].config.d_steps == 3
    compare.selectbox(key="cmp_dataset").set_value("spiral").run()
    run = compare.session_state["_run_compare"]
    assert {t.config.dataset for t in run.trainers} == {"spiral"}
    for t in run.trainers:
        t.eval_every = 5  # evaluate early (the family default is every 200 steps)
    compare.button(key="cmp_play").click().run()
    run.wait_until(lambda s: s.step >= 12, timeout=120)
    compare.button(key="cmp_pause").click().run()
    compare.run()
    assert not compare.exception, compare.exception
    assert compare.dataframe, "the metrics table"
    verdicts = " ".join(m.value for m in compare.markdown)
    assert "modes_covered" in verdicts and ("spread" in verdicts or "one seed" in verdicts)
    labels = [b.label for b in compare.get("download_button")]
    assert "Table (CSV)" in labels and "Whole comparison (HTML)" in labels
    from app.ui.compare_views import report_of

    rows, frame, summary = compare.session_state["_cmp_last"]
    page = report_of(run, compare.session_state["_cmp_comparison"], frame, summary)
    assert page.count("<img src='data:image/png;base64,") == 3 and "d_steps=3" in page and "seeds: 2" in page


def test_compare_bad_settings_say_so_and_keep_the_group(compare):
    run = compare.session_state["_run_compare"]
    compare.text_area(key="cmp_variants").set_value("only one: d_steps=2").run()
    assert any("2 to 8 variants" in e.value for e in compare.error)
    compare.text_area(key="cmp_variants").set_value("a: d_steps=2\nb: d_steps=99").run()
    assert any("d_steps" in e.value for e in compare.error)
    compare.text_area(key="cmp_base").set_value("dataset=ring8 lr_d").run()
    assert any("KEY=VALUE" in e.value for e in compare.error)
    assert compare.session_state["_run_compare"] is run and not compare.exception


def test_compare_html_report_is_self_contained():
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    from app.ui.compare_views import html_report
    from engine.compare import summarise
    from engine.pictures.images import png_bytes

    rows = [{"variant": "a", "seed": 0, "judge_score": 2.0}, {"variant": "b", "seed": 0, "judge_score": 3.0}]
    summary = summarise(rows, ("judge_score",))
    page = html_report("A <test>", "why", pd.DataFrame({"judge_score ↑": ["2", "3"]}, index=["a", "b"]), summary,
                       {"a": png_bytes(np.zeros((4, 4, 3), np.uint8))}, [go.Figure(), go.Figure()], "k=v")
    assert page.startswith("<!doctype html>") and "A &lt;test&gt;" in page
    assert "data:image/png;base64," in page and "<table" in page and "b ahead of a" in page
    assert len(page) > 1_000_000, "plotly's JavaScript is inlined"
    assert "<script src=" not in page and 'src="http' not in page, "no network needed to open it"


@pytest.mark.parametrize("preset,variants,small", [
    ("vae_beta", 3, "width=4"), ("pixelcnn_gated", 2, "width=6 layers=1"),
    ("paper_ablation", 5, "g_width=4 d_width=4"), ("ssgan_labels", 3, "d_width=32 g_width=16"),
    ("classifier_tricks", 5, "width=4 batch_size=16")])
def test_compare_image_presets_show_a_picture_per_variant(compare, preset, variants, small):
    compare.selectbox(key="cmp_preset").set_value(preset).run()
    base = compare.session_state["cmp_base"]
    compare.text_area(key="cmp_base").set_value(f"{base} {small}").run()
    run = compare.session_state["_run_compare"]
    assert len(run.members) == variants
    compare.button(key="cmp_step_both").click().run()
    run.wait_until(lambda s: all(m.step == 1 for m in s.members) and s.status == "paused", timeout=120)
    compare.run()
    assert not compare.exception, compare.exception
    assert len(compare.get("image")) == variants


@pytest.fixture
def ssgan():
    at = page_test("pages/ssgan.py")
    at.query_params["d_width"] = "32"
    at.query_params["g_width"] = "16"
    at.run()
    assert not at.exception, at.exception
    at.session_state["_run_ssgan"].trainers[0].eval_every = 1  # evaluate at every step (the default is 200)
    yield at
    at.session_state["_run_ssgan"].stop()


def test_ssgan_steps_to_an_evaluation_with_both_test_errors(ssgan):
    run = ssgan.session_state["_run_ssgan"]
    trainer = run.trainers[0]
    assert trainer.config.d_width == 32 and trainer.n_labels == 100, "the URL's settings, 100 labels by default"
    for step in (1, 2):
        ssgan.button(key="ssgan_step_both").click().run()
        run.wait_until(lambda s, n=step: s.step == n and s.status == "paused")
    ssgan.run()
    assert not ssgan.exception, ssgan.exception
    labels = [m.label for m in ssgan.metric]
    assert "Test error (semi-supervised GAN)" in labels and "Test error (baseline)" in labels
    assert any("Generated images at step" in c for c in image_captions(ssgan))
    assert len(ssgan.get("plotly_chart")) >= 3, "error curves, losses, D on real and generated"


def test_ssgan_panels_labels_knobs_and_new_model(ssgan):
    run = ssgan.session_state["_run_ssgan"]
    ssgan.session_state["ssgan_open_labelled"] = True
    ssgan.session_state["ssgan_open_calibration"] = True
    ssgan.button(key="ssgan_step_both").click().run()
    run.wait_until(lambda s: s.step == 1 and s.status == "paused")
    ssgan.run()
    assert not ssgan.exception, ssgan.exception
    assert any("The 100 labelled images" in c for c in image_captions(ssgan))
    assert any("Reliability" in (c.proto.spec or "") for c in ssgan.get("plotly_chart"))
    ssgan.button(key="ssgan_play").click().run()
    run.wait_until(lambda s: s.step > 3)
    ssgan.selectbox(key="g_loss").set_value("nonsaturating").run()
    run.wait_until(lambda s: s.members[0].config.g_loss == "nonsaturating")
    assert ssgan.session_state["_run_ssgan"] is run, "the generator's loss is live: same model"
    ssgan.button(key="ssgan_pause").click().run()
    ssgan.selectbox(key="n_labels").set_value("50").run()
    fresh = ssgan.session_state["_run_ssgan"]
    assert fresh is not run and fresh.trainers[0].n_labels == 50
    run.stop()
    assert not ssgan.exception


def test_ssgan_bad_url_value_keeps_defaults_with_a_message():
    at = page_test("pages/ssgan.py")
    at.query_params["n_labels"] = "7"
    at.query_params["d_width"] = "32"
    at.run()
    assert not at.exception, at.exception
    assert any("n_labels" in w.value for w in at.warning)
    assert at.session_state["_run_ssgan"].trainers[0].n_labels == 100
    at.session_state["_run_ssgan"].stop()


@pytest.fixture
def classifier():
    at = page_test("pages/classifier.py")
    at.query_params["width"] = "4"
    at.query_params["batch_size"] = "16"
    at.run()
    assert not at.exception, at.exception
    at.session_state["_run_classifier"].trainers[0].eval_every = 1  # evaluate at every step (the default is 200)
    yield at
    at.session_state["_run_classifier"].stop()


def test_classifier_renders_schedule_steps_and_evaluates(classifier):
    run = classifier.session_state["_run_classifier"]
    assert run.trainers[0].config.width == 4
    charts = [c.proto.spec or "" for c in classifier.get("plotly_chart")]
    assert any("Learning-rate schedule" in c for c in charts)
    for step in (1, 2):
        classifier.button(key="classifier_step_both").click().run()
        run.wait_until(lambda s, n=step: s.step == n and s.status == "paused")
    classifier.run()
    assert not classifier.exception, classifier.exception
    assert {"Test error", "ECE", "Test NLL"} <= {m.label for m in classifier.metric}
    charts = [c.proto.spec or "" for c in classifier.get("plotly_chart")]
    assert any("Reliability diagram" in c for c in charts)
    assert any("gets wrong most confidently" in c for c in image_captions(classifier)) or any(
        "No held-out image" in c.value for c in classifier.caption)


def test_classifier_schedule_knobs_live_tricks_and_distillation_phase(classifier):
    run = classifier.session_state["_run_classifier"]
    classifier.selectbox(key="schedule").set_value("constant").run()
    fresh = classifier.session_state["_run_classifier"]
    assert fresh is not run and fresh.trainers[0].config.schedule == "constant", "the schedule starts a new run"
    run.stop()
    run = fresh
    classifier.button(key="classifier_play").click().run()
    run.wait_until(lambda s: s.step > 2)
    classifier.slider(key="label_smoothing").set_value(0.1).run()
    run.wait_until(lambda s: s.members[0].config.label_smoothing == 0.1)
    assert classifier.session_state["_run_classifier"] is run, "label smoothing is live: same model"
    classifier.button(key="classifier_pause").click().run()
    classifier.slider(key="distillation").set_value(0.5).run()
    distilled = classifier.session_state["_run_classifier"]
    assert distilled is not run and distilled.trainers[0].phase == "teacher"
    run.stop()
    classifier.button(key="classifier_step_both").click().run()
    distilled.wait_until(lambda s: s.step == 1 and s.status == "paused")
    classifier.run()
    assert any("Training the teacher first" in i.value for i in classifier.info)
    assert not classifier.exception, classifier.exception
