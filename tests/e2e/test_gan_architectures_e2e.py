"""The Image GANs page in Chromium with the architecture keys in its address: a style generator growing
progressively trains, the fade-in shows, and the truncation panel draws."""

import re

import pytest

from tests.e2e.helpers import play_see_steps_then_pause, wait_count, wait_ready

pytestmark = pytest.mark.e2e


def test_a_growing_style_generator_trains_in_the_browser(page, app_url):
    url = (f"{app_url}/gan-images?g_width=8&d_width=8&z_dim=8&batch_size=16&generator=style&progressive=true"
           "&progressive_steps=20")
    play_see_steps_then_pause(page, url, "Image GANs")
    page.get_by_text(re.compile(r"Progressive growing: \d+x\d+ of 8x8")).first.wait_for()
    wait_count(page, "img", 1, "the sample grid")
    page.locator("summary").filter(has_text="Truncation: diversity vs quality").click()
    page.get_by_text("rows: psi = 0, 0.25, 0.5, 0.75, 1").first.wait_for(timeout=60_000)
    wait_ready(page)
    wait_count(page, "img", 2, "the grid and the truncation rows")
