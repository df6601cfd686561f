"""The diffusion page in Chromium: tiny 2D settings from the URL, Play, the step count advances, Pause; the 2D
picture and the loss curves are drawn."""

import pytest

from tests.e2e.helpers import play_see_steps_then_pause, wait_count

pytestmark = pytest.mark.e2e


def test_diffusion_trains_in_the_browser(page, app_url):
    play_see_steps_then_pause(page, f"{app_url}/diffusion?width=16&timesteps=50&diff_t=25", "Diffusion models")
    wait_count(page, ".js-plotly-plot", 2, "the 2D picture (data, samples, score, paths) and the loss curves")
    page.get_by_text("Score at step t").first.wait_for()
