"""The real-or-fake page in Chromium: a round played by keyboard (R and F), its result, and the room's scores."""

import re

import pytest

from tests.e2e.helpers import wait_ready

pytestmark = pytest.mark.e2e


def test_a_round_played_by_keyboard(page, app_url):
    page.goto(f"{app_url}/real-or-fake?rof_model=pretrained:gan-digits&rof_length=4&rof_seed=7")
    page.get_by_role("heading", name="Real or fake?").wait_for()
    wait_ready(page)
    done = page.get_by_role("heading", name=re.compile(r"Round 7 done: \d+% error"))
    for position, key in enumerate("rfrf", start=1):
        page.get_by_text(f"Image {position} of 4").wait_for()
        page.locator("[data-testid='stImage'] img").first.wait_for()
        wait_ready(page)
        # R is this page's own listener (a component whose script loads after the image): a key pressed before it is
        # there is Streamlit's "rerun", not an answer, so the test waits for it as a person would see the buttons.
        page.wait_for_function(
            "() => window.__genlabRealOrFakeKeys && document.querySelector('.st-key-rof_fake button')")
        page.keyboard.press(key)
        (page.get_by_text(f"Image {position + 1} of 4") if position < 4 else done).wait_for()
        page.get_by_text(re.compile(r"(Right|Wrong): that one was (real|fake)")).first.wait_for()
    page.get_by_text("Fakes you judged real").wait_for()
    page.get_by_text("Reals you judged fake").wait_for()
    page.get_by_text(re.compile("HYPE-infinity per model")).first.wait_for(timeout=30_000)  # the leaderboard's chart
