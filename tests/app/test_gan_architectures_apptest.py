"""AppTest of the Image GANs page's architecture keys (issue 16): a style generator growing progressively renders
and steps, the fade-in shows, truncation is a live knob, the lessons' panels draw, a bad URL value is reported, and
an architecture key in the URL opens a fresh model instead of the shipped DCGAN."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
TINY = {"g_width": "8", "d_width": "8", "z_dim": "8", "batch_size": "16"}


@pytest.fixture(autouse=True)
def quick_judge(monkeypatch, tmp_path):
    """A judge trained for 2 epochs in a cache of this test's own (the panels score samples)."""
    import engine.metrics.judge as judge_module

    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path))
    real_train = judge_module.train_judge
    monkeypatch.setattr(judge_module, "train_judge", lambda data, **kw: real_train(data, **{**kw, "epochs": 2}))


def page(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "gan_images.py"), default_timeout=60)
    for key, value in {**TINY, **params}.items():
        at.query_params[key] = value
    return at.run()


def test_style_generator_grows_fades_in_and_takes_a_live_truncation():
    at = page(generator="style", progressive="true", progressive_steps="2", g_leaky_slope="0.2")
    assert not at.exception, at.exception
    run = at.session_state["_run_gan_images"]
    trainer = run.trainers[0]
    assert trainer.config.generator == "style" and trainer.config.progressive
    assert any("4x4 of 8x8" in p.text for p in at.get("progress")), "growing starts at the smallest side"
    for step in (1, 2, 3):
        at.button(key="gan_images_step_both").click().run()
        run.wait_until(lambda s, n=step: s.step == n and s.status == "paused")
    at.run()
    assert any("8x8 of 8x8" in p.text and "alpha = 0.50" in p.text for p in at.get("progress")), \
        "step 3: the 8x8 side half faded in"
    at.slider(key="truncation").set_value(0.5).run()
    at.button(key="gan_images_step_both").click().run()  # a paused run applies knobs before its next step
    run.wait_until(lambda s: s.step == 4 and s.members[0].config.truncation == 0.5)
    assert at.session_state["_run_gan_images"] is run, "truncation is a live knob: no new model"
    assert not at.exception


@pytest.mark.parametrize("panel", ["trunc_open", "mix_open", "noise_open", "checker_open"])
def test_the_lesson_panels_draw(panel):
    at = page(generator="style")
    at.button(key="gan_images_step_both").click().run()
    at.session_state[panel] = True
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("image")) >= 2, "the grid and the panel's pictures"
    if panel == "trunc_open":
        assert len(at.get("plotly_chart")) >= 4, "the quality-vs-diversity curve beside the page's three charts"


def test_style_panels_only_for_the_style_generator():
    at = page()
    at.session_state["mix_open"] = True
    at.run()
    assert not at.exception
    labels = [e.label for e in at.get("expander")]
    assert not any("Style mixing" in label for label in labels)
    assert any("Checkerboard" in label for label in labels) and any("Truncation" in label for label in labels)


def test_bad_architecture_values_in_the_url_are_reported():
    at = page(upsample="bilinear", self_attention="3")
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "upsample" in warnings and "convt" in warnings
    errors = " ".join(e.value for e in at.error)
    assert "self_attention" in errors and "4" in errors, "8x8 digits: self-attention only at the 4x4 map"


def test_an_architecture_key_opens_a_fresh_model_not_the_shipped_dcgan():
    at = AppTest.from_file(str(ROOT / "pages" / "gan_images.py"), default_timeout=60)
    at.query_params["upsample"] = "nearest"
    at.run()
    assert not at.exception, at.exception
    run = at.session_state["_run_gan_images"]
    assert run.snapshot().step == 0 and run.trainers[0].config.upsample == "nearest"
    assert not any("pretrained" in i.value for i in at.info)
