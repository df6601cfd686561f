"""AppTest of the KDE page: renders on 2D and on digits, steps, plays and pauses, the bandwidth is a live knob,
both panels draw, bad URL values are reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "kde.py"), default_timeout=60)


@pytest.fixture
def kde():
    at = page()
    at.query_params["kernels"] = "400"
    at.run()
    assert not at.exception, at.exception
    yield at
    at.session_state["_run_kde"].stop()


def test_kde_renders_steps_and_marks_the_rules(kde):
    run = kde.session_state["_run_kde"]
    assert run.trainers[0].config.kernels == 400 and run.snapshot().step == 0
    assert len(kde.get("plotly_chart")) == 2, "the density and the likelihood curves"
    assert any("Scott" in c.value and "leave-one-out" in c.value for c in kde.caption)
    kde.button(key="kde_step_both").click().run()
    run.wait_until(lambda s: s.step == 1)
    assert run.trainers[0].count == 100 and not kde.exception


def test_kde_play_live_bandwidth_pause_and_a_new_estimate(kde):
    run = kde.session_state["_run_kde"]
    kde.button(key="kde_play").click().run()
    run.wait_until(lambda s: s.step > 2)
    kde.selectbox(key="bandwidth_rule").set_value("manual").run()
    kde.select_slider(key="bandwidth").set_value(0.05).run()
    run.wait_until(lambda s: s.members[0].config.bandwidth == 0.05 and s.members[0].config.bandwidth_rule == "manual")
    assert kde.session_state["_run_kde"] is run, "the bandwidth is live: the same estimate"
    kde.button(key="kde_pause").click().run()
    assert run.snapshot().status in ("paused", "finished")
    kde.number_input(key="kernels").set_value(300).run()
    fresh = kde.session_state["_run_kde"]
    assert fresh is not run and fresh.trainers[0].config.kernels == 300
    assert not kde.exception


def test_kde_bandwidth_panel_and_the_curse_lesson_on_digits(kde):
    kde.session_state["kde_open_bandwidth"] = True
    kde.run()
    assert not kde.exception and len(kde.get("plotly_chart")) == 3
    kde.selectbox(key="kde_dataset").set_value("digits").run()
    run = kde.session_state["_run_kde"]
    assert run.trainers[0].data_kind == "images" and run.trainers[0].config.kernels == 60_000, "image defaults"
    assert len(kde.get("image")) == 2, "samples and the training images they came from"
    kde.session_state["kde_open_curse"] = True
    kde.run()
    assert not kde.exception, kde.exception
    assert len(kde.get("image")) == 4 and len(kde.get("dataframe")) == 1, "samples at 4x4 and 8x8, the table"
    run.stop()


def test_kde_bad_url_values_are_reported_and_the_page_stays():
    at = page()
    at.query_params["bandwidth_rule"] = "guess"
    at.query_params["nope"] = "1"
    at.run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "bandwidth_rule" in warnings and "nope" in warnings
    at.session_state["_run_kde"].stop()
