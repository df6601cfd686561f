"""The dashboard on the Ray backend, in Chromium: the home page says where training runs, a page trains in a Ray
actor and its steps advance, Pause holds, and the server's own process is not the one training."""

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, Server
from tests.e2e.helpers import play_see_steps_then_pause, wait_count

pytestmark = pytest.mark.e2e


def test_a_page_trains_on_ray_in_the_browser(browser, tmp_path):
    pytest.importorskip("ray", reason="Ray is not installed (pip install -r requirements-test.txt)")
    server = Server(tmp_path, GENLAB_BACKEND="ray")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(90_000)  # the server starts a local Ray on its first page
    try:
        page.goto(server.url)
        page.get_by_text(re.compile("a Ray cluster \\(local\\)")).first.wait_for()
        play_see_steps_then_pause(page, f"{server.url}/gan-2d", "2D GAN playground")
        wait_count(page, ".js-plotly-plot", 1, "the 2D plot")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ray_gan2d.png"), full_page=True)
        assert "training on Ray" in open(tmp_path / "streamlit.log").read()
    finally:
        context.close()
        server.stop()
