"""The instructor's view: locked without the password, then every run of the room with pause, stop and the cap."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

from engine.manager import manager
from engine.runs import Run
from tests.unit.test_runs import toy

ROOT = Path(__file__).resolve().parents[2]


def page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "instructor.py"), default_timeout=60)


def test_without_a_password_the_page_says_how_to_set_one():
    at = page().run()
    assert not at.exception and any("instructor_password" in i.value for i in at.info)
    assert not at.dataframe


def test_with_the_password_every_run_shows_and_can_be_paused_and_the_cap_changed():
    run = manager().submit(Run(lambda: toy(sleep=0.002)), "a-student-session", page="gan2d", family="toy").start()
    run.wait_until(lambda s: s.status == "running")
    at = page()
    at.secrets["genlab"] = {"instructor_password": "tutor"}
    at.run()
    at.text_input(key="instructor_password").set_value("wrong").run()
    assert any("not the instructor password" in e.value for e in at.error)
    at.text_input(key="instructor_password").set_value("tutor").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert run.run_id in table.index and table.loc[run.run_id, "page"] == "gan2d"
    at.selectbox(key="inst_run").set_value(run.run_id).run()
    at.button(key="inst_pause").click().run()
    snap = run.wait_until(lambda s: s.status == "paused")
    assert "instructor" in snap.message
    load = {m.label: m.value for m in at.metric}
    assert load["server memory"].endswith("GB") and "server CPU" in load
    at.run()  # the next reading: the CPU the server's tree used since the last one
    cores = float(next(m.value for m in at.metric if m.label == "server CPU").split()[0])
    assert 0 < cores <= os.cpu_count(), "the toy run trains in this process: it shows as CPU used"
    cap = manager().cap
    at.slider(key="inst_cap").set_value(cap + 3).run()
    assert manager().cap == cap + 3
    manager().set_cap(cap)
