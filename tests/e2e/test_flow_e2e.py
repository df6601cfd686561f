"""The flow page in Chromium: a tiny Real NVP on ring8 trains, its layer view and charts render, and the layer
slider's value travels in the URL."""

import pytest

from tests.e2e.helpers import play_see_steps_then_pause, wait_count

pytestmark = pytest.mark.e2e


def test_flow_trains_in_the_browser_and_draws_the_layer_view(page, app_url):
    play_see_steps_then_pause(page, f"{app_url}/flow?width=8&depth=2&flow_layer=1", "Normalizing flows")
    wait_count(page, ".js-plotly-plot", 5, "the layer view, log-determinants, the NLL curve and both densities")
    page.get_by_text("after layer 1 ·").first.wait_for()
