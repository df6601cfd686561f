"""The workshop's pages in AppTest: a lesson followed on one's own (the preset applied, the question before Play,
back and next, the link), joining a room (an unknown code said in words, a student who joins mid-lesson lands on
the room's step), the instructor's room control behind the password, the board (the vote hidden until closed, the
gallery and the room's ablation), and a malformed lesson file named with its line while the others load."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine.lessons.pictures import scatter
from engine.lessons.store import FIRST, make_store
from engine.game.store import default_url

ROOT = Path(__file__).resolve().parents[2]
LESSON = "gan_mode_collapse"


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / ("app/main.py" if page is None else f"pages/{page}")), default_timeout=120)
    at.secrets["genlab"] = {"instructor_password": "tutor"}
    return at


@pytest.fixture
def store():
    return make_store(default_url())  # the runs folder of this test (tests/conftest.py): the app's default


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    parts += [w.value for w in at.warning] + [i.value for i in at.info] + [s.value for s in at.success]
    return "\n".join(map(str, parts))


def _lesson_over(page_file: str, url: str) -> None:
    """What app/main.py runs for one page, without st.navigation (under it AppTest loses the format functions of
    a page's select sliders, and a click fails): the lesson over the page, then the page."""
    import runpy
    import sys

    from tests.app.test_workshop_apptest import ROOT

    sys.path.insert(0, str(ROOT))
    from app.ui.lesson_panel import before_page

    before_page(url)
    runpy.run_path(str(ROOT / "pages" / page_file), run_name="__main__")


def on_page(page: str, **params: str) -> AppTest:
    """A step's page opened from a link holding `params`."""
    url = {"gan_2d.py": "gan-2d"}[page]
    at = AppTest.from_function(_lesson_over, args=(page, url), default_timeout=120)
    at.secrets["genlab"] = {"instructor_password": "tutor"}
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def test_starting_a_lesson_from_home_opens_its_first_step():
    at = app().run()
    assert not at.exception, at.exception
    at.button(key=f"home_start_{LESSON}").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "2D GAN playground" and "Step 1 of 5" in texts(at)
    assert at.query_params["lesson"] == LESSON and at.query_params["lesson_step"] == "1", "the step in the URL"
    assert at.session_state["batch_size"] == 64, "the step's preset"


def test_a_lesson_on_ones_own_asks_before_play_then_moves_step_by_step():
    at = on_page("gan_2d.py", lesson=LESSON, lesson_step="1")
    assert not at.exception, at.exception
    assert at.session_state["batch_size"] == 64 and "Step 1 of 5" in texts(at)
    assert ".st-key-z_dim" in texts(at), "the step's controls are outlined"
    play = next(b for b in at.button if b.key == "gan2d_play")
    assert play.disabled, "Play waits for the answer"
    at.button(key="lq_0_c0").click().run()
    assert not at.exception, at.exception
    assert "Your answer: **All 8**" in texts(at)
    assert not next(b for b in at.button if b.key == "gan2d_play").disabled
    at.button(key="lesson_next").click().run()
    assert not at.exception, at.exception
    assert at.session_state["z_dim"] == 1 and at.session_state["batch_size"] == 128, "step 2's preset"
    assert "Step 2 of 5" in texts(at) and at.query_params["lesson_step"] == "2"
    at.button(key="lesson_back").click().run()
    assert at.session_state["z_dim"] == 2 and at.session_state["batch_size"] == 64, "back: step 1's preset again"


def test_a_link_opens_the_same_step():  # noqa: F811
    at = on_page("gan_2d.py", lesson=LESSON, lesson_step="3")
    assert not at.exception, at.exception
    assert "Step 3 of 5: Fix 1: minibatch discrimination" in texts(at) and at.session_state["z_dim"] == 1
    at = app()
    at.query_params["lesson"] = LESSON
    at.query_params["lesson_step"] = "3"
    at.run()  # a link to another page moves to the step's page
    assert at.title[0].value == "2D GAN playground" and "Step 3 of 5" in texts(at)


def test_joining_an_unknown_room_is_said_and_a_late_student_lands_on_the_rooms_step(store):
    room = store.open_room(LESSON, "Mode collapse")
    store.move(room.code, 0, 2, question=True)  # the room is at step 3 already
    at = app().run()
    at.switch_page("../pages/workshop.py").run()
    assert not at.exception, at.exception
    at.text_input(key="join_code").set_value("QQQQ").run()
    at.text_input(key="join_name").set_value("Ada").run()
    at.button(key="join_room").click().run()
    assert "No room has the code QQQQ" in texts(at)
    at.text_input(key="join_code").set_value(room.code.lower()).run()
    at.button(key="join_room").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "2D GAN playground" and "Step 3 of 5" in texts(at)
    assert "you are **Ada**" in texts(at) and at.query_params["room"] == room.code
    [ada] = store.students(room.code)
    assert ada.name == "Ada" and at.session_state["seed"] == ada.number, "each student's run is a seed"
    assert not at.session_state["minibatch_discrimination"], "student 1 gets the first variant (plain)"
    at = on_page("gan_2d.py", lesson=LESSON, lesson_step="3", room=room.code, student=ada.token)
    assert not at.exception, at.exception
    assert next(b for b in at.button if b.key == "gan2d_play").disabled, "Play waits for the room's question"
    at.button(key="rq_2_1_c1").click().run()
    assert [a.answer for a in store.answers(room.code, 2, FIRST)] == [[1]]


def test_the_room_control_is_behind_the_password_and_moves_the_room(store):
    at = app("room.py").run()
    assert "Instructor password" in [t.label for t in at.text_input]
    at.text_input(key="room_password").set_value("tutor").run()
    assert not at.exception, at.exception
    at.selectbox(key="room_new_lesson").set_value(LESSON).run()
    at.button(key="room_open").click().run()
    assert not at.exception, at.exception
    [room] = store.rooms()
    assert f"Room **{room.code}**" in texts(at)
    at.button(key="room_next").click().run()
    assert store.room(room.code).step == 1 and store.vote(room.code, 1).state == "open"
    ada = store.join(room.code, "Ada")
    store.answer(room.code, 1, FIRST, ada.token, 3.0, True)
    at.run()
    assert any(m.value == "1 of 1" for m in at.metric), "answers in, the histogram hidden"
    at.button(key="room_close_1").click().run()
    assert store.vote(room.code, 1).state == "closed" and "1 of 1 right (100%)" in texts(at)
    store.move(room.code, 1, 2, question=True)  # another instructor moved it meanwhile
    at.button(key="room_next").click().run()
    assert "another instructor moved the room" in texts(at).lower() and store.room(room.code).step == 2


def test_the_board_hides_the_vote_until_closed_and_shows_the_gallery_and_the_ablation(store):
    room = store.open_room(LESSON, "Mode collapse")
    store.move(room.code, 0, 2, question=True)
    png = scatter(np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32), None, None)
    students = [store.join(room.code, f"S{i}") for i in range(6)]
    for i, s in enumerate(students):
        store.answer(room.code, 2, FIRST, s.token, [i % 3], i % 3 == 1)
        changes = {} if i % 2 == 0 else {"minibatch_discrimination": True}
        store.publish(room.code, 2, s.token, run_id=f"r{i}", status="running", at_step=3100, changes=changes,
                      metric=float(3 + i % 2 * 3 + i % 3), metric_step=3000, picture=png)
    at = app("board.py")
    at.query_params["room"] = room.code
    at.run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert room.code in shown and "6 of 6 answered" in shown and "right (" not in shown, "hidden while open"
    assert len(at.image) >= 7, "the QR code and six thumbnails"
    frame = at.dataframe[0].value
    assert list(frame["variant"]) == ["plain", "minibatch discrimination"] and list(frame["runs"]) == [3, 3]
    store.close_vote(room.code, 2)
    at.run()
    assert "right (33%)" in texts(at) and "ask students to convince their neighbour" not in texts(at)
    assert "explain the idea again" in texts(at).lower()
    at.button(key=f"board_zoom_{students[0].token}").click().run()
    assert "Back to the gallery" in [b.label for b in at.button]


def test_a_malformed_lesson_is_named_with_its_line_and_the_others_load(tmp_path, monkeypatch):
    for name in ("gan_mode_collapse.toml", "vae_from_autoencoder.toml"):
        shutil.copy(ROOT / "lessons" / name, tmp_path / name)
    (tmp_path / "broken.toml").write_text('title = "Broken"\nminutes = 10\ntopics = ["gan-2d"]\n[[steps]]\n'
                                          'title = "x"\npage = "nowhere"\nsay = "y"\n')
    monkeypatch.setenv("GENLAB_LESSONS_DIR", str(tmp_path))
    at = app("workshop.py").run()
    assert not at.exception, at.exception
    assert "broken.toml:6: step 1: no page 'nowhere'" in texts(at)
    assert [b.key for b in at.button if str(b.key).startswith("ws_start_")] == [
        "ws_start_gan_mode_collapse", "ws_start_vae_from_autoencoder"]
