"""The EBM page in Chromium: it trains, pauses, and draws the energy landscape with its chains."""

import pytest

from tests.e2e.helpers import play_see_steps_then_pause, wait_count

pytestmark = pytest.mark.e2e


def test_ebm_trains_in_the_browser(page, app_url):
    play_see_steps_then_pause(page, f"{app_url}/ebm?width=16&depth=2&batch_size=32&langevin_steps=5&sample_steps=10",
                              "Energy-based models")
    wait_count(page, ".js-plotly-plot", 3, "the landscape, the energies and the loss")
