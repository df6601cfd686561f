"""AppTest of the diffusion page (no browser): 2D and images render, the buttons step and play, live knobs keep the
model and a structural key builds a new one, the panels draw, and bad URL values are reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
TINY_2D = {"width": "16", "timesteps": "50"}
TINY_IMAGES = {"diff_dataset": "digits", "width": "8", "timesteps": "40", "sample_steps": "5", "batch_size": "16"}


def page(query: dict[str, str], **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "diffusion.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


@pytest.fixture
def points():
    at = page(TINY_2D)
    assert not at.exception, at.exception
    yield at
    at.session_state["_run_diffusion"].stop()


def test_2d_renders_the_plot_and_metrics_and_steps(points):
    run = points.session_state["_run_diffusion"]
    trainer = run.trainers[0]
    assert trainer.config.width == 16 and trainer.config.timesteps == 50 and run.snapshot().step == 0
    assert [m.label for m in points.metric] == ["Modes covered", "High quality"]
    assert len(points.get("plotly_chart")) == 2, "the 2D picture and the loss curves"
    points.button(key="diffusion_step_both").click().run()
    run.wait_until(lambda s: s.step == 1)
    points.select_slider(key="diff_t").set_value(25).run()
    assert not points.exception, points.exception


def test_2d_play_live_sampler_and_learning_rate_pause_then_a_new_model(points):
    run = points.session_state["_run_diffusion"]
    points.button(key="diffusion_play").click().run()
    run.wait_until(lambda s: s.step > 3)
    points.selectbox(key="sampler").set_value("ddim").run()
    points.slider(key="sample_steps").set_value(5).run()
    points.select_slider(key="lr").set_value(5e-4).run()
    run.wait_until(lambda s: s.members[0].config.sample_steps == 5 and s.members[0].config.lr == 5e-4)
    run.wait_until(lambda s: len(s.preview["path_steps"]) == 6, timeout=30)
    assert points.session_state["_run_diffusion"] is run, "sampling keys and lr are live: same model"
    points.button(key="diffusion_pause").click().run()
    assert run.snapshot().status == "paused"
    points.selectbox(key="schedule").set_value("cosine").run()
    fresh = points.session_state["_run_diffusion"]
    assert fresh is not run and fresh.trainers[0].config.schedule == "cosine"
    fresh.stop()
    assert not points.exception, points.exception


def test_2d_forward_panel_draws_the_chain(points):
    points.session_state["diff_open_forward"] = True
    points.run()
    assert not points.exception, points.exception
    assert len(points.get("plotly_chart")) == 3
    assert any("t = 0, 2, 5, 12, 25, 50" in c.value for c in points.caption)


def test_images_render_step_panels_and_gif():
    at = page(TINY_IMAGES, diff_open_movie=True, diff_open_forward=True)
    assert not at.exception, at.exception
    run = at.session_state["_run_diffusion"]
    assert run.trainers[0].config.sampler == "ddim" and run.trainers[0].config.width == 8
    assert len(at.get("image")) == 5, "samples, reverse steps, guesses of x_0, the movie, the forward chain"
    assert "Reverse process (GIF)" in [b.label for b in at.get("download_button")]
    at.button(key="diffusion_step_both").click().run()
    run.wait_until(lambda s: s.step == 1)
    assert not at.exception, at.exception
    run.stop()


def test_moving_between_points_and_images_resets_the_sizes():
    at = page({"width": "16"})
    first = at.session_state["_run_diffusion"]
    at.selectbox(key="diff_dataset").set_value("digits").run()
    assert not at.exception, at.exception
    images = at.session_state["_run_diffusion"]
    assert images.trainers[0].config.width == 32 and images.trainers[0].config.sampler == "ddim"
    at.selectbox(key="diff_dataset").set_value("moons").run()
    back = at.session_state["_run_diffusion"]
    assert back.trainers[0].config.width == 128 and back.trainers[0].config.sampler == "ddpm"
    for run in (first, images, back):
        run.stop()


def test_bad_url_values_say_so_and_keep_the_defaults():
    at = page({**TINY_2D, "timesteps": "1", "sampler": "euler"})
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "timesteps" in warnings and "sampler" in warnings
    run = at.session_state["_run_diffusion"]
    assert run.trainers[0].config.timesteps == 1000 and run.trainers[0].config.sampler == "ddpm", "defaults kept"
    run.stop()
