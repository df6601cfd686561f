"""AppTest set-up: every run a page test started is stopped after the test, so no training thread outlives its test
and shares the cores with the tests after it (the browser tests' server among them)."""

import pytest


@pytest.fixture(autouse=True)
def _stop_runs_after_each_test():
    yield
    from engine.manager import manager

    for run in manager().runs():
        manager().forget(run)
