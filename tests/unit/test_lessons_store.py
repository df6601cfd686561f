"""The room's state in the database: rooms, students, votes, answers and the gallery survive a restart (a new store
on the same file), an answer after the vote closed is refused with a message, a second tab of the same student is
counted once, two instructors move the room one step, and the exports open with no server."""

from __future__ import annotations

import re
import threading

import pytest

from engine.lessons import export
from engine.lessons.format import parse
from engine.lessons.store import FIRST, REVOTE, Moved, UnknownRoom, VoteClosed, make_store
from tests.unit.test_lessons import GOOD


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'room.sqlite'}"


def test_a_room_and_its_answers_survive_a_restart(url):
    store = make_store(url)
    room = store.open_room("mode", "Mode collapse")
    assert re.fullmatch(r"[A-HJ-NP-Z]{4}", room.code) and room.step == 0
    students = [store.join(room.code, name) for name in ("Ada", "", "Alan")]
    assert [s.number for s in students] == [1, 2, 3] and students[1].name == "Student 2"
    store.move(room.code, 0, 1, question=True)
    for s, choice in zip(students, (0, 0, 1)):
        store.answer(room.code, 1, FIRST, s.token, [choice], choice == 0)
    store.publish(room.code, 1, students[0].token, run_id="r1", status="running", at_step=1200,
                  changes={"minibatch_discrimination": True}, metric=7.0, metric_step=1000, picture=b"\x89PNG")
    store.engine.dispose()
    del store

    again = make_store(url)  # the server started afresh: nothing was in memory
    room = again.room(room.code)
    assert room.step == 1 and room.open
    assert [s.name for s in again.students(room.code)] == ["Ada", "Student 2", "Alan"]
    assert [a.answer for a in again.answers(room.code, 1, FIRST)] == [[0], [0], [1]]
    assert again.vote(room.code, 1).state == "open"
    [entry] = again.gallery(room.code, 1)
    assert entry.metric == 7.0 and entry.changes == {"minibatch_discrimination": True} and entry.picture == b"\x89PNG"


def test_an_answer_after_the_vote_closed_is_refused_with_a_message(url):
    store = make_store(url)
    code = store.open_room("mode", "Mode collapse").code
    store.move(code, 0, 1, question=True)
    ada = store.join(code, "Ada")
    store.answer(code, 1, FIRST, ada.token, [0], True)
    assert store.close_vote(code, 1) and not store.close_vote(code, 1)  # closing twice: the second does nothing
    with pytest.raises(VoteClosed, match="the vote is closed|The vote is closed"):
        store.answer(code, 1, FIRST, ada.token, [1], False)
    assert [a.answer for a in store.answers(code, 1, FIRST)] == [[0]], "the earlier answer is kept"
    with pytest.raises(VoteClosed, match="has not been opened"):
        store.answer(code, 1, REVOTE, ada.token, [1], False)
    store.open_vote(code, 1, REVOTE)
    store.answer(code, 1, REVOTE, ada.token, [1], False)
    assert [(a.round, a.answer) for a in store.answers(code, 1)] == [(1, [0]), (2, [1])], "the revote apart"


def test_a_second_tab_of_the_same_student_does_not_double_count(url):
    store = make_store(url)
    code = store.open_room("mode", "Mode collapse").code
    store.move(code, 0, 1, question=True)
    ada = store.join(code, "Ada")
    barrier = threading.Barrier(2)

    def tab(choice):
        barrier.wait()
        store.answer(code, 1, FIRST, ada.token, [choice], choice == 0)

    threads = [threading.Thread(target=tab, args=(c,)) for c in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.answer_count(code, 1, FIRST) == 1
    store.answer(code, 1, FIRST, ada.token, [1], False)  # a change of mind replaces the answer
    assert [a.answer for a in store.answers(code, 1, FIRST)] == [[1]]


def test_thirty_students_answering_at_once_are_all_stored(url):
    store = make_store(url)
    code = store.open_room("mode", "Mode collapse").code
    store.move(code, 0, 1, question=True)
    students = [store.join(code) for _ in range(30)]
    threads = [threading.Thread(target=store.answer, args=(code, 1, FIRST, s.token, [i % 2], i % 2 == 0))
               for i, s in enumerate(students)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.answer_count(code, 1, FIRST) == 30
    assert sorted(s.number for s in store.students(code)) == list(range(1, 31))


def test_two_instructors_move_the_room_one_step_and_the_second_is_told(url):
    store = make_store(url)
    code = store.open_room("mode", "Mode collapse").code
    assert store.move(code, 0, 1, question=False).step == 1
    with pytest.raises(Moved, match="at step 2 now") as moved:
        store.move(code, 0, 1, question=False)  # the second instructor still saw step 0
    assert moved.value.room.step == 1 and store.room(code).step == 1


def test_an_unknown_or_closed_room_is_said_in_words(url):
    store = make_store(url)
    with pytest.raises(UnknownRoom, match="No room has the code ZZZZ"):
        store.join("zz-zz")
    with pytest.raises(UnknownRoom, match="Type the room's code"):
        store.find("  ")
    code = store.open_room("mode", "Mode collapse").code
    assert store.find(code.lower()).code == code
    store.close_room(code)
    with pytest.raises(UnknownRoom, match="is closed"):
        store.join(code, "Late")
    assert store.rooms() == [] and [r.code for r in store.rooms(open_only=False)] == [code]


def test_a_move_back_keeps_a_closed_vote_closed(url):
    store = make_store(url)
    code = store.open_room("mode", "Mode collapse").code
    store.move(code, 0, 1, question=True)
    store.close_vote(code, 1)
    store.move(code, 1, 0, question=False)
    store.move(code, 0, 1, question=True)
    assert store.vote(code, 1).state == "closed"


def test_the_exports_are_self_contained(url, tmp_path):
    lesson = parse(GOOD, "mode.toml", "mode")
    store = make_store(url)
    code = store.open_room("mode", lesson.title).code
    students = [store.join(code, f"S{i}") for i in range(6)]
    store.move(code, 0, 1, question=True)
    for i, s in enumerate(students):
        store.answer(code, 1, FIRST, s.token, [i % 2], i % 2 == 0)
    store.close_vote(code, 1)
    store.open_vote(code, 1, REVOTE)
    for s in students:
        store.answer(code, 1, REVOTE, s.token, [0], True)
    from engine.lessons.pictures import scatter
    import numpy as np

    png = scatter(np.zeros((10, 2), np.float32), None, ((-1, 1), (-1, 1)))
    for i, s in enumerate(students):
        variant = {} if i < 3 else {"minibatch_discrimination": True}
        store.publish(code, 1, s.token, run_id=f"r{i}", status="running", at_step=2100, changes=variant,
                      metric=float(3 + i) if i < 3 else float(7 + i % 2), metric_step=2000, picture=png)
    record = export.gather(store, lesson, code)
    page = export.report_html(record)
    assert "<script" not in page.lower()
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", page, re.I) and "url(" not in page
    assert page.count("data:image/png;base64,") == 6
    assert "3 of 6 right (50%)" in page and "6 of 6 right (100%)" in page, "the first vote and the revote apart"
    assert "The room's ablation" in page and "Welch" in page
    (tmp_path / "report.html").write_text(page)
    rows = export.answers_csv(record).decode().splitlines()
    assert len(rows) == 1 + 12 and "first vote" in rows[1] and "revote" in rows[-1]
    mine = export.student_record(lesson, "S0", [a for a in record.answers if a.student == students[0].token],
                                 {1: "Your run got there at step 1,500."}, code)
    assert "first vote: Yes: right" in mine and "revote: Yes: right" in mine and "Your run got there" in mine
