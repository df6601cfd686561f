"""Where this browser session is in a lesson, kept in the session and in the URL (`lesson`, `lesson_step`, and in a
room `room` and `student`), so a link opens the same step; moving to a step opens its page with the step's preset
applied to the page's widgets (the page's other settings back to their defaults).

The lessons come from engine/lessons/library.py (loaded again when a file changes); the room's state from the
workshop store (app/ui/lesson_room.py). Nothing here draws the lesson: app/ui/lesson_panel.py does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from app.ui import nav
from engine.config import parse_value, specs
from engine.lessons import library
from engine.lessons.format import Lesson, Step
from engine.lessons.pages import PAGES, SPEED, LessonPage

STATE = "_lesson_position"
APPLIED = "_lesson_applied"  # (lesson, step, page, room moves) whose preset this session's widgets hold
PENDING = "_lesson_pending"  # a move asked for by a button or by the room, done by the next full run
MOVED = "_lesson_moved"  # set by a move: the step's preset wins over the URL (opened from a link, the URL wins)


@dataclass(frozen=True)
class Position:
    lesson: str
    step: int  # 0-based
    room: str = ""  # a room's code, when the session follows one
    student: str = ""  # the student's token in that room
    follow: bool = True  # follow the room's step (a student may leave it to explore)
    moves: int = -1  # the room's move counter when this position was taken


@st.cache_resource(show_spinner=False, max_entries=4)
def _library(signature: tuple) -> library.Library:
    return library.load()


def lessons() -> library.Library:
    """Every lesson of the lessons folder (a malformed file is in `.problems`, the others load)."""
    return _library(library.signature())


def position() -> Position | None:
    return st.session_state.get(STATE)


def lesson() -> Lesson | None:
    pos = position()
    return lessons().get(pos.lesson) if pos else None


def step() -> Step | None:
    pos, current = position(), lesson()
    if pos is None or current is None or not 0 <= pos.step < len(current.steps):
        return None
    return current.steps[pos.step]


def url_params(pos: Position) -> dict[str, str]:
    params = {"lesson": pos.lesson, "lesson_step": str(pos.step + 1)}
    if pos.room:
        params["room"] = pos.room
    if pos.student:
        params["student"] = pos.student
    return params


def set_position(pos: Position | None) -> None:
    if pos is None:
        st.session_state.pop(STATE, None)
        st.session_state.pop(APPLIED, None)
        return
    st.session_state[STATE] = pos


def restore_from_url(current_url: str) -> str | None:
    """A session opened from a link (?lesson=...&lesson_step=...) starts at that step (on the step's page: a link
    to another page moves there); a problem with the link is returned in words (an unknown lesson)."""
    if position() is not None or "lesson" not in st.query_params:
        return None
    lesson_id = st.query_params.get("lesson", "")
    found = lessons().get(lesson_id)
    if found is None:
        return f"The link names a lesson '{lesson_id}' that this server does not have."
    try:
        number = int(st.query_params.get("lesson_step", "1"))
    except ValueError:
        number = 1
    if not 1 <= number <= len(found.steps):
        number = 1
    set_position(Position(lesson_id, number - 1, st.query_params.get("room", ""),
                          st.query_params.get("student", "")))
    if found.steps[number - 1].page != current_url:
        st.session_state[PENDING] = True
    return None


def go(pos: Position) -> None:
    """Move to `pos` on the next full run (from a callback or a fragment, where switching pages is not allowed)."""
    set_position(pos)
    st.session_state[PENDING] = True


def target_page(pos: Position) -> LessonPage | None:
    found = lessons().get(pos.lesson)
    if found is None or not 0 <= pos.step < len(found.steps):
        return None
    return PAGES.get(found.steps[pos.step].page)


def follow_through(current_url: str) -> None:
    """Called once per full run before the page runs: a pending move switches to the step's page (its URL holding
    only the lesson's place: the preset is then applied by `apply_preset`)."""
    if not st.session_state.pop(PENDING, False):
        return
    pos = position()
    page = target_page(pos) if pos else None
    if page is None:
        return
    st.session_state.pop(APPLIED, None)
    st.session_state[MOVED] = True  # the preset is applied whole: the URL's values were the step before's
    if page.url == current_url:  # the same page: this run applies the new step's preset (one rerun, not two)
        for key, value in url_params(pos).items():
            st.query_params[key] = value
        return
    st.switch_page(nav.page(page.file), query_params=url_params(pos))


def preset_values(lesson_step: Step, extra: dict | None = None) -> dict[str, object]:
    """The step's preset (plus `extra`: a room's assigned variant and seed) as the page's session keys and typed
    widget values."""
    page = PAGES[lesson_step.page]
    table = specs(page.config) if page.config is not None else {}
    out: dict[str, object] = {}
    for key, value in {**lesson_step.preset, **(extra or {})}.items():
        session_key = page.url_key(key)
        if key == SPEED:
            out[session_key] = int(value)
        elif key in table and key != "dataset":
            out[session_key] = parse_value(table[key], value)
        else:
            out[session_key] = value
    return out


def apply_preset(current_url: str, extra: dict | None = None) -> None:
    """On the step's own page, once per step: the preset's values into the widgets' session keys (a value the URL
    holds wins when the page was opened from a link), and the page's other settings back to their defaults."""
    pos, lesson_step = position(), step()
    if pos is None or lesson_step is None or lesson_step.page != current_url:
        return
    mark = (pos.lesson, pos.step, current_url, pos.room)
    if st.session_state.get(APPLIED) == mark:
        return
    st.session_state[APPLIED] = mark
    page = PAGES[current_url]
    values = preset_values(lesson_step, extra)
    moved = st.session_state.pop(MOVED, False)
    from_link = set() if moved else {k for k in st.query_params.keys() if k not in url_params(pos)}
    for key in page.controls():
        if key in values or key in from_link or key.endswith(("_play", "_pause", "_step_both", "_step_d",
                                                                "_step_g", "_reset", "_save")):
            continue
        st.session_state.pop(key, None)  # back to the page's default
    for key, value in values.items():
        if key not in from_link:
            st.session_state[key] = value
    if page.slot:
        st.session_state.pop(f"_{page.slot}_identity", None)  # a new step: a fresh run of its preset


def with_step(pos: Position, number: int) -> Position:
    return replace(pos, step=number)
