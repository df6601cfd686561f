"""The workshop page's views: the lessons to follow on your own, and joining a room with its code and a display
name (anonymous by default). Both move the session to a step through app/ui/lesson_nav.py."""

from __future__ import annotations

import streamlit as st

from app.ui import lesson_nav, lesson_room
from engine.lessons.format import TOPICS
from engine.lessons.store import StoreError, UnknownRoom


def library_problems() -> None:
    """Lesson files that could not be loaded: each with its file, line and reason (the others still load)."""
    for err in lesson_nav.lessons().problems:
        st.error(f"A lesson file could not be loaded, the other lessons are here:\n\n```\n{err}\n```",
                 icon=":material/error:")


def lesson_list(key: str = "ws") -> None:
    lib = lesson_nav.lessons()
    if not lib.lessons:
        st.info("No lessons in the lessons folder yet.", icon=":material/school:")
    for lesson in lib.lessons.values():
        with st.container(border=True):
            left, right = st.columns([5, 1])
            left.markdown(f"**{lesson.title}** · {len(lesson.steps)} steps · about {lesson.minutes} min  \n"
                          + " · ".join(TOPICS.get(t, t) for t in lesson.topics))
            if lesson.summary:
                left.caption(lesson.summary.strip())
            right.button("Start", key=f"{key}_start_{lesson.id}", type="primary", width="stretch",
                         on_click=lesson_nav.go, args=(lesson_nav.Position(lesson.id, 0),),
                         icon=":material/play_arrow:")


def join_form() -> None:
    """A room's code and a display name; an unknown code or a closed room is said in words."""
    if "join_code" not in st.session_state and st.query_params.get("room") and not lesson_nav.position():
        st.session_state["join_code"] = st.query_params.get("room")
    with st.container(border=True):
        st.markdown("**Join the room**")
        a, b, c = st.columns([2, 2, 1], vertical_alignment="bottom")
        a.text_input("Room code", key="join_code", max_chars=8, placeholder="ABCD",
                     help="The letters on the board.")
        b.text_input("Display name (optional)", key="join_name", max_chars=40, placeholder="anonymous",
                     help="Shown on the board beside your run. Left empty, you are 'Student N'.")
        joined = c.button("Join", key="join_room", type="primary", icon=":material/login:", width="stretch")
    if joined:
        join(st.session_state.get("join_code", ""), st.session_state.get("join_name", ""))


def join(code: str, name: str) -> None:
    store = lesson_room.store()
    if store is None:
        return
    try:
        room = store.find(code)
        lesson = lesson_nav.lessons().get(room.lesson)
        if lesson is None:
            st.error(f"The room {room.code} follows the lesson '{room.lesson}', which this server does not have "
                     "(its file was removed or is broken).", icon=":material/error:")
            return
        student = store.join(room.code, name)
    except UnknownRoom as err:
        st.error(str(err), icon=":material/error:")
        return
    except StoreError as err:
        st.error(f"{err}. Try again in a moment.", icon=":material/database:")
        return
    st.session_state.pop("lesson_follow", None)
    lesson_nav.go(lesson_nav.Position(room.lesson, room.step, room.code, student.token, True, room.moves))
    st.rerun()
