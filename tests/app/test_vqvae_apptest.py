"""AppTest of the VQ-VAE page: it renders the reconstructions (beside the VAE's), code maps and codebook charts;
Step, Play and Pause train; a live knob keeps the model; Train the prior switches to stage 2 and the prior's panels
paint, complete and decode; the swap and every-code panels decode; a saved run loads; bad URL values are reported."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
TINY = {"width": "4", "code_dim": "4", "codebook_size": "16", "batch_size": "16", "prior_width": "8",
        "prior_layers": "1"}


def captions(at: AppTest) -> str:
    """Every caption on the page: st.caption's and the images'."""
    return " ".join([c.value for c in at.caption] + [i.caption for e in at.get("image") for i in e.proto.imgs])


def vqvae_page(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "vqvae.py"), default_timeout=60)
    for key, value in {**TINY, **params}.items():
        at.query_params[key] = value
    return at.run()


def test_page_renders_steps_and_a_live_knob_keeps_the_model():
    at = vqvae_page()
    assert not at.exception, at.exception
    run = at.session_state["_run_vqvae"]
    t = run.trainers[0]
    assert t.config.codebook_size == 16 and t.vae is not None, "the page trains a VAE beside it"
    at.button(key="vqvae_step_both").click().run()
    run.wait_until(lambda s: s.step == 1)
    at.run()
    assert not at.exception, at.exception
    shown = captions(at)
    assert "VAE (same batches)" in shown and "Code maps" in shown and "Uniformly drawn codes" in shown
    assert len(at.get("plotly_chart")) >= 4, "histogram, codebook use, losses, prior"
    at.button(key="vqvae_play").click().run()
    run.wait_until(lambda s: s.step > 3)
    at.toggle(key="dead_code_restart").set_value(True).run()
    run.wait_until(lambda s: s.members[0].config.dead_code_restart)
    assert at.session_state["_run_vqvae"] is run, "a live knob: the same model"
    at.button(key="vqvae_pause").click().run()
    assert run.snapshot().status == "paused"
    at.slider(key="codebook_size").set_value(32).run()
    assert at.session_state["_run_vqvae"] is not run and not at.exception, "a model key: a new model"
    at.session_state["_run_vqvae"].stop()


def test_swap_and_every_code_panels_decode():
    at = vqvae_page(beside_vae="false")
    at.button(key="vqvae_step_both").click().run()
    at.session_state["vqvae_open_swap_panel"] = True
    at.session_state["vqvae_open_every_code_panel"] = True
    at.run()
    assert not at.exception, at.exception
    shown = captions(at)
    assert "one code swapped" in shown and "The 16 codes decoded" in shown
    at.number_input(key="vqvae_swap_code").set_value(5).run()
    assert not at.exception and any("Code 5 at" in str(c.proto) for c in at.get("plotly_chart"))
    at.session_state["_run_vqvae"].stop()


def test_train_the_prior_then_paint_complete_and_save(tmp_path):
    at = vqvae_page(beside_vae="false")
    run = at.session_state["_run_vqvae"]
    at.button(key="vqvae_step_both").click().run()
    at.button(key="vqvae_to_prior").click().run()
    assert at.selectbox(key="stage").value == "prior" and at.session_state["_run_vqvae"] is run, "a live switch"
    for _ in range(3):
        at.button(key="vqvae_step_both").click().run()
    run.wait_until(lambda s: s.step == 4)
    trainer = run.trainers[0]
    assert trainer.stage == "prior" and trainer.prior_steps == 3 and trainer.vq_steps == 1
    at.session_state["vqvae_open_watch_panel"] = True
    at.session_state["vqvae_open_completion_panel"] = True
    at.run()
    assert not at.exception, at.exception
    at.button(key="vqvae_watch_start").click().run()
    at.button(key="vqvae_watch_finish").click().run()
    assert not at.exception, at.exception
    shown = captions(at)
    assert "Code maps from the prior" in shown and "completions drawn by the prior" in shown
    assert "Painting (GIF)" in [b.label for b in at.get("download_button")]
    at.button(key="vqvae_save").click().run()
    assert run.saved_to, "saved"
    at.session_state["vqvae_open_saved"] = True
    at.run()
    at.button(key="vqvae_load").click().run()
    loaded = at.session_state["_run_vqvae"]
    assert not at.exception and loaded is not run and loaded.trainers[0].prior_steps == 3
    loaded.stop()


def pictures(n: int = 12) -> list[tuple[str, bytes, str]]:
    """n small random greyscale pictures to upload."""
    rng, out = np.random.default_rng(0), []
    for i in range(n):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (20, 20), dtype=np.uint8)).save(buf, format="PNG")
        out.append((f"{i}.png", buf.getvalue(), "image/png"))
    return out


def test_two_levels_on_uploaded_32x32_pictures_show_each_level_alone():
    at = vqvae_page(beside_vae="false", batch_size="4", levels="2")
    at.selectbox(key="vqvae_dataset").set_value("upload").run()
    at.file_uploader(key="vqvae_upload").set_value(pictures()).run()
    at.selectbox(key="vqvae_upload_size").set_value(32).run()
    assert not at.exception, at.exception
    run = at.session_state["_run_vqvae"]
    assert run.trainers[0].sides == (8, 4)
    at.button(key="vqvae_step_both").click().run()
    run.wait_until(lambda s: s.step == 1)
    at.run()
    shown = captions(at)
    assert "the top level alone" in shown and "Code maps top (shape)" in shown, shown
    assert "vqvae_to_prior" not in [b.key for b in at.button], "no prior for two levels"
    run.stop()


def test_bad_url_values_and_a_folder_in_the_url_are_reported():
    at = vqvae_page(codebook_size="5000", codebook="kmeans", vqvae_run="/etc")
    assert not at.exception, at.exception
    warned = " ".join(w.value for w in at.warning)
    assert "codebook_size" in warned and "codebook" in warned and "vqvae_run" in warned
    at.slider(key="levels").set_value(2).run()
    assert any("levels=2 needs images of side 16, 32 or 64" in e.value for e in at.error), [e.value for e in at.error]
    at.session_state["_run_vqvae"].stop()
