"""The VQ-VAE page in Chromium: a tiny VQ-VAE on digits trains and pauses, its reconstructions, code maps and
codebook charts render, and Train the prior switches the run to stage 2."""

import re

import pytest

from tests.e2e.helpers import play_see_steps_then_pause, wait_count

pytestmark = pytest.mark.e2e
TINY = "width=4&code_dim=4&codebook_size=16&batch_size=16&prior_width=8&prior_layers=1&beside_vae=false"


def test_vqvae_trains_in_the_browser_then_its_prior(page, app_url):
    play_see_steps_then_pause(page, f"{app_url}/vqvae?{TINY}", "VQ-VAE")
    wait_count(page, ".js-plotly-plot", 4, "the codebook histogram, its use over time, the losses and the prior")
    wait_count(page, "[data-testid='stImage']", 3, "reconstructions, samples and code maps")
    page.get_by_role("button", name=re.compile("Train the prior")).click()
    page.get_by_text("Stage 2 starts at the next step").first.wait_for()
    page.get_by_role("button", name=re.compile("Play")).click()
    page.get_by_text("Stage 2: the prior trains on the code maps").first.wait_for()
    page.get_by_role("button", name=re.compile("Pause")).click()
