"""Open each page in Chromium, start training, see the step count advance."""

import re

import pytest

from tests.e2e.helpers import (
    play_see_steps_then_pause,
    read_step,
    wait_count,
    wait_ready,
    wait_step_above,
)

pytestmark = pytest.mark.e2e


def test_home_opens(page, app_url):
    page.goto(app_url)
    page.get_by_role("heading", name="GenLab").first.wait_for()
    page.get_by_text("2D GAN playground").first.wait_for()
    page.get_by_text("fashion_mnist").first.wait_for()
    page.get_by_text("Training runs on").wait_for()


def test_gan2d_trains_in_the_browser(page, app_url):
    page.goto(f"{app_url}/gan-2d")
    page.get_by_role("heading", name="2D GAN playground").wait_for()
    page.get_by_text(re.compile(r"step 0 ·")).first.wait_for()
    page.get_by_role("button", name=re.compile("Play")).click()
    page.get_by_role("button", name=re.compile("Pause")).wait_for()
    page.wait_for_function(
        "() => /step [1-9][\\d,]* ·/.test(document.body.innerText)", timeout=60_000)
    wait_step_above(page, read_step(page), timeout=30_000)  # and again: it keeps training
    page.get_by_role("button", name=re.compile("Pause")).click()
    page.get_by_role("button", name=re.compile("Play")).wait_for()
    page.get_by_text(re.compile(r"paused · step")).first.wait_for()
    paused = read_step(page)
    page.wait_for_timeout(1500)
    assert read_step(page) == paused, "a paused run must not step"
    wait_count(page, ".js-plotly-plot", 1, "the 2D plot")


def test_image_gan_trains_in_the_browser(page, app_url):
    play_see_steps_then_pause(page, f"{app_url}/gan-images?g_width=8&d_width=8", "Image GANs")
    wait_count(page, "img", 1, "the sample grid")


def test_vae_trains_in_the_browser(page, app_url):
    play_see_steps_then_pause(page, f"{app_url}/vae?width=8&latent_dim=4", "Autoencoders and VAEs")
    wait_count(page, "img", 2, "reconstructions and samples")


def test_ssgan_trains_in_the_browser(page, app_url):
    play_see_steps_then_pause(page, f"{app_url}/ssgan?d_width=32&g_width=16", "Semi-supervised GAN")
    wait_count(page, "img", 1, "the generated images")
    wait_count(page, ".js-plotly-plot", 3, "error curves, losses, D on real and generated")


def test_classifier_trains_in_the_browser(page, app_url):
    play_see_steps_then_pause(page, f"{app_url}/classifier?width=4&batch_size=16&mixup=0.2", "Classifier tricks")
    page.get_by_text("Learning-rate schedule").first.wait_for()
    wait_count(page, ".js-plotly-plot", 3, "the error curves, the schedule and the reliability diagram")


def test_pixelcnn_trains_and_draws_value_by_value_in_the_browser(page, app_url):
    url = f"{app_url}/pixelcnn?width=8&layers=2"
    play_see_steps_then_pause(page, url, "PixelCNN")
    # The movie on a fresh page: twice in CI runs (never in 11 local ones, loaded or not) the page that came back
    # from Pause lost its panels below the live area (a fragment rerun racing the full rerun in Streamlit's
    # frontend); what is tested here is the movie, so it starts from a page no fragment is rerunning.
    page.goto(url)
    page.get_by_role("heading", name="PixelCNN").wait_for()
    wait_ready(page)
    panel = page.locator("summary").filter(has_text="Watch a sample being drawn")
    panel.wait_for(timeout=30_000)
    panel.click()
    page.get_by_text("to watch the model paint").wait_for()  # the panel's own rerun has finished
    wait_ready(page)
    drawing = page.get_by_text(re.compile(r"[\d,]+ of 64 values drawn"))
    for attempt in range(2):  # a click lost under load (seen once in CI) is clicked again: it only starts a movie
        page.get_by_role("button", name=re.compile("Draw new images")).click()
        try:
            drawing.wait_for(timeout=20_000)
            break
        except Exception:  # noqa: BLE001 - playwright's timeout
            if attempt:
                raise

    def drawn() -> int:
        text = page.get_by_text(re.compile(r"[\d,]+ of 64 values drawn")).first.inner_text()
        return int(re.search(r"([\d,]+) of", text).group(1).replace(",", ""))

    first = drawn()
    page.wait_for_function("() => { const m = /([\\d,]+) of 64 values drawn/.exec(document.body.innerText); "
                           f"return m && parseInt(m[1].replace(/,/g, '')) > {first}; }}", timeout=30_000)
    wait_count(page, ".js-plotly-plot", 2, "the curve and the pixel's distribution")


def test_compare_trains_the_group_in_the_browser(page, app_url):
    play_see_steps_then_pause(page, f"{app_url}/compare?cmp_preset=label_smoothing", "Compare tricks")
    page.get_by_text("One-sided vs two-sided label smoothing").first.wait_for()  # the preset from the URL
    page.get_by_text("one-sided (0.9)").first.wait_for()
    wait_count(page, ".js-plotly-plot", 3, "a plot per variant and the curves")

