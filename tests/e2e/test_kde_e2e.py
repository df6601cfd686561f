"""The KDE page in Chromium: it trains (kernels are added), pauses, and draws the density."""

import re

import pytest

from tests.e2e.helpers import play_see_steps_then_pause, wait_count

pytestmark = pytest.mark.e2e


def test_kde_trains_in_the_browser(page, app_url):
    # batch_size 1 and 5,000 kernels: the kernel set keeps growing for the whole test (one step adds one point)
    play_see_steps_then_pause(page, f"{app_url}/kde?kernels=5000&batch_size=1&bandwidth_rule=scott",
                              "Kernel density estimation")
    wait_count(page, ".js-plotly-plot", 2, "the density and the likelihood curves")
    page.get_by_text(re.compile(r"in use, [\d,]+ kernels")).first.wait_for()  # the rules' h beside it
