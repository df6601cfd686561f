"""Browser tests: a real `streamlit run app/main.py` on a free localhost port, driven by Playwright in Debian's
Chromium (headless). Skipped, with the reason, where no Chromium is installed. Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port() -> int:
    """A TCP port nothing on this machine listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        pytest.skip("no Chromium on PATH: install Debian's package (apt-get install -y chromium) to run browser tests")
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.skip("playwright is not installed (pip install -r requirements-test.txt)")
    return path


class Server:
    """A `streamlit run app/main.py` on a free localhost port (its pid, url and log), stopped by `stop()`."""

    def __init__(self, folder: Path, flags: tuple[str, ...] = (), **env: str):
        self.port = free_port()
        environment = dict(os.environ, GENLAB_RUNS_DIR=str(folder / "runs"), GENLAB_OFFLINE="1",
                           STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", **env)
        self.log = open(folder / "streamlit.log", "w")  # noqa: SIM115 - open for the server's lifetime
        self.proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"),
                                      "--server.port", str(self.port), "--server.address", "127.0.0.1",
                                      "--server.headless", "true", "--server.fileWatcherType", "none", *flags],
                                     cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"streamlit did not start; see {self.log.name}")
            time.sleep(0.5)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(autouse=True)
def _one_browser_test_at_a_time():
    """Browser tests never overlap, whichever xdist worker runs them: two servers and two Chromiums on two cores
    were behind the browser flakes (the xdist group alone did not keep them on one worker in CI)."""
    import fcntl
    import tempfile

    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "single")
    with open(Path(tempfile.gettempdir()) / f"genlab-browser-{run}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
        fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def app_url(chromium_path, tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("server"))
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
