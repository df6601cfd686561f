"""Shared test set-up: the project root on sys.path, runs written to a temporary folder, no network."""

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("GENLAB_OFFLINE", "1")  # tests never download
OWN_CACHE = None  # judges trained by tests stay out of the user's cache, in a folder removed at the end
if "GENLAB_CACHE_DIR" not in os.environ:  # pytest-xdist's workers start after this and inherit it: one judge
    import tempfile  # training per test run

    OWN_CACHE = os.environ["GENLAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="genlab-test-cache-")

import torch  # noqa: E402

torch.set_num_threads(1)  # as a run's thread does (engine/runs.py): two workers share two cores without fighting


def pytest_unconfigure(config):
    if OWN_CACHE:
        shutil.rmtree(OWN_CACHE, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups (it did not see them without this)
def pytest_collection_modifyitems(items):
    """Browser tests run one after another in one worker (they share a server), beside the other tests."""
    for item in items:
        if item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.xdist_group("browser"))


RAY = pytest.param("ray", marks=pytest.mark.xdist_group("ray"))  # one worker holds the local Ray cluster


@pytest.fixture(params=["threads", RAY])
def backend(request, monkeypatch):
    """Run the test on both backends (engine/backends/ray_actors.py): threads in this process, or Ray actors."""
    monkeypatch.setenv("GENLAB_BACKEND", request.param)
    if request.param == "ray":
        ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -r requirements-test.txt)")
        for name, module in list(sys.modules.items()):  # test modules are not importable by the workers: their
            if module is not None and name.startswith(("tests.", "test_")):  # trainers travel by value
                ray.cloudpickle.register_pickle_by_value(module)
    return request.param


@pytest.fixture(autouse=True)
def _runs_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GENLAB_RUNS_DIR", str(tmp_path / "runs"))


@pytest.fixture(autouse=True)
def _judges_wait(monkeypatch):
    """Evaluations wait for the judge, as on the command line; the dashboard's app/main.py (run by the home page's
    AppTest in this process) switches background judges on, and that must not leak into other tests."""
    import engine.metrics.judge

    monkeypatch.setattr(engine.metrics.judge, "BACKGROUND", False)


def mnist_dir() -> Path | None:
    path = Path(os.environ.get("GENLAB_MNIST_DIR", ROOT.parent / "shared" / "data" / "mnist"))
    return path if (path / "t10k-images-idx3-ubyte.gz").exists() else None
