"""AppTest of the EBM page: renders on 2D and on digits, steps, plays and pauses, a live Langevin knob, the runaway
lesson ends as diverged with the plain-language warning, bad URL values are reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"width": "16", "depth": "2", "batch_size": "32", "langevin_steps": "5", "sample_steps": "10"}


def page(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "ebm.py"), default_timeout=60)
    for key, value in {**SMALL, **params}.items():
        at.query_params[key] = value
    return at


@pytest.fixture
def ebm():
    at = page().run()
    assert not at.exception, at.exception
    yield at
    at.session_state["_run_ebm"].stop()


def test_ebm_renders_the_landscape_and_steps(ebm):
    run = ebm.session_state["_run_ebm"]
    assert run.trainers[0].config.width == 16 and run.snapshot().step == 0
    assert len(ebm.get("plotly_chart")) == 3, "the landscape, the energies and the loss"
    ebm.button(key="ebm_step_both").click().run()
    run.wait_until(lambda s: s.step == 1)
    assert run.snapshot().preview["trace"].shape == (6, 24, 2) and not ebm.exception


def test_ebm_play_live_step_size_pause_and_a_new_model(ebm):
    run = ebm.session_state["_run_ebm"]
    ebm.button(key="ebm_play").click().run()
    run.wait_until(lambda s: s.step > 3)
    ebm.select_slider(key="step_size").set_value(0.05).run()
    run.wait_until(lambda s: s.members[0].config.step_size == 0.05)
    assert ebm.session_state["_run_ebm"] is run, "the step size is live: the same model"
    ebm.button(key="ebm_pause").click().run()
    assert run.snapshot().status == "paused"
    ebm.toggle(key="spectral_norm").set_value(True).run()
    fresh = ebm.session_state["_run_ebm"]
    assert fresh is not run and fresh.trainers[0].config.spectral_norm
    assert not ebm.exception


def test_ebm_runaway_lesson_diverges_with_the_plain_warning(ebm):
    run = ebm.session_state["_run_ebm"]
    ebm.button(key="ebm_runaway").click().run()
    ebm.button(key="ebm_play").click().run()
    snap = run.wait_until(lambda s: s.status != "running", timeout=60)
    assert snap.status == "diverged" and "energies ran away" in snap.message
    ebm.run()
    assert any("energies ran away" in w.value for w in ebm.warning)
    assert any("diverged" in e.value for e in ebm.error), "the status line reports it"


def test_ebm_on_digits_films_chains_from_noise():
    at = page(ebm_dataset="digits", width="4", langevin_steps="2", sample_steps="8").run()
    assert not at.exception, at.exception
    run = at.session_state["_run_ebm"]
    assert run.trainers[0].data_kind == "images" and run.trainers[0].config.step_size == 20.0, "image defaults"
    at.button(key="ebm_step_both").click().run()
    run.wait_until(lambda s: s.step == 1)
    at.run()
    assert len(at.get("image")) == 2, "the film and the last step's chains"
    run.stop()


def test_ebm_bad_url_values_are_reported_and_the_page_stays():
    at = page(noise="-3", energy_l2="lots").run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "noise" in warnings and "energy_l2" in warnings
    at.session_state["_run_ebm"].stop()
