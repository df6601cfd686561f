"""AppTest of the flow page: 2D points (the layer view, the step and play buttons, a live knob, a new model, the
panels, the direction timing) and images (samples, exact reconstructions, interpolation, temperatures); bad URL
values are reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
TINY = {"width": "8", "depth": "2"}


def flow_page(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "flow.py"), default_timeout=60)
    for key, value in {**TINY, **params}.items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture
def points():
    at = flow_page()
    assert not at.exception, at.exception
    yield at
    at.session_state["_run_flow"].stop()


def test_points_page_draws_the_layer_view_and_steps(points):
    run = points.session_state["_run_flow"]
    assert run.trainers[0].config.width == 8 and run.snapshot().step == 0
    assert points.slider(key="flow_layer").value == 2, "opens on the code space, after the 2 couplings"
    points.button(key="flow_step_both").click().run()
    run.wait_until(lambda s: s.step == 1)
    points.slider(key="flow_layer").set_value(1).run()
    assert not points.exception, points.exception
    assert len(points.get("plotly_chart")) >= 5, "layers, log-dets, NLL curve, learned and true densities"
    assert any("after layer 1" in c.value for c in points.caption)


def test_points_play_live_temperature_pause_and_new_model(points):
    run = points.session_state["_run_flow"]
    points.button(key="flow_play").click().run()
    run.wait_until(lambda s: s.step > 3)
    points.slider(key="temperature").set_value(0.5).run()
    run.wait_until(lambda s: s.members[0].config.temperature == 0.5)
    assert points.session_state["_run_flow"] is run, "temperature is live: same model"
    points.button(key="flow_pause").click().run()
    assert run.snapshot().status == "paused"
    points.selectbox(key="model").set_value("maf").run()
    fresh = points.session_state["_run_flow"]
    assert fresh is not run and fresh.trainers[0].config.model == "maf"
    assert not points.exception, points.exception


def test_points_panels_bridge_and_the_direction_timing(points):
    points.session_state["flow_open_bridge"] = True
    points.session_state["flow_open_direction"] = True
    points.run()
    assert not points.exception, points.exception
    assert any("bridge" in c.value for c in points.caption)
    points.button(key="flow_direction_time").click().run()
    assert not points.exception, points.exception
    assert any("IAF scores" in c.value for c in points.caption)


def test_images_page_samples_reconstructs_exactly_and_interpolates():
    at = flow_page(flow_dataset="digits", model="glow", depth="1")
    assert not at.exception, at.exception
    run = at.session_state["_run_flow"]
    assert run.trainers[0].config.dataset == "digits" and len(at.get("image")) == 1
    at.button(key="flow_step_both").click().run()
    run.wait_until(lambda s: s.step == 1)
    for panel in ("reconstructions", "interpolation", "temperatures"):
        at.session_state[f"flow_open_{panel}"] = True
    at.run()
    assert not at.exception, at.exception
    assert any("Exact" in s.value for s in at.success), "not one pixel value differs"
    assert len(at.get("image")) == 4, "samples, reconstructions, the walk, temperatures"
    assert "Walk (GIF)" in [b.label for b in at.get("download_button")]
    run.stop()


def test_bad_url_values_and_settings_say_so_and_keep_the_page():
    at = flow_page(depth="999", model="glowing")
    assert not at.exception, at.exception
    warned = " ".join(w.value for w in at.warning)
    assert "depth" in warned and "model" in warned
    at.selectbox(key="flow_dataset").set_value("digits").run()
    at.slider(key="levels").set_value(5).run()
    at.selectbox(key="model").set_value("glow").run()
    assert not at.exception, at.exception
    assert any("levels" in e.value for e in at.error), [e.value for e in at.error]
    at.session_state["_run_flow"].stop()
