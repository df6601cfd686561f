"""The instructor's control of a room (behind the instructor password): open a room for a lesson (its code, join
link and QR code), move it step by step, open and close the votes (the revote apart), Peer Instruction's advice once
a vote is closed, the exports, and closing the room. Everything is read from and written to the workshop store, so
a closed tab loses nothing (reopening the page takes the room back) and two instructors see each other's moves."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from app.ui import lesson_nav, nav
from app.ui.lesson_panel import tally_figure
from engine.lessons import export, peer, pictures
from engine.lessons.format import Lesson
from engine.lessons.store import CLOSED, FIRST, OPEN, REVOTE, LessonStore, Moved, Room, UnknownRoom

CONTROL_SECONDS = 2.0


def join_link(code: str) -> str:
    """The address students open: this server's workshop page with the room's code."""
    url = st.context.url or ""
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return f"{base}/workshop?room={code}"


def pick_room(store: LessonStore) -> Room | None:
    """An open room to control (the URL's `room`, one chosen, or one just opened)."""
    lib = lesson_nav.lessons()
    rooms = store.rooms()
    asked = st.query_params.get("room", "")
    if asked and "room_code" not in st.session_state and any(r.code == asked for r in rooms):
        st.session_state["room_code"] = asked
    with st.expander("Open a new room", expanded=not rooms, icon=":material/add:"):
        if not lib.lessons:
            st.caption("No lessons to open a room for.")
        else:
            lesson_id = st.selectbox("Lesson", list(lib.lessons), key="room_new_lesson",
                                     format_func=lambda i: lib.lessons[i].title)
            if st.button("Open the room", key="room_open", type="primary", icon=":material/meeting_room:"):
                chosen = lib.lessons[lesson_id]
                room = store.open_room(lesson_id, chosen.title, question=chosen.steps[0].question is not None)
                st.session_state["room_code"] = room.code
                st.query_params["room"] = room.code
                st.rerun()
    rooms = store.rooms()
    if not rooms:
        st.info("No open room: open one above.", icon=":material/meeting_room:")
        return None
    codes = [r.code for r in rooms]
    if st.session_state.get("room_code") not in codes:
        st.session_state["room_code"] = codes[0]
    titles = {r.code: f"{r.code} · {r.title} · step {r.step + 1}" for r in rooms}
    code = st.selectbox("Room", codes, key="room_code", format_func=titles.get,
                        help="Every open room on this server; a room goes on while no instructor's tab is open.")
    st.query_params["room"] = code
    return store.room(code)


def header(room: Room, lesson: Lesson) -> None:
    link = join_link(room.code)
    left, right = st.columns([3, 1])
    with left:
        st.markdown(f"## Room **{room.code}** · {lesson.title}")
        st.markdown(f"Students open **{link}** (or the Workshop page) and type the code **{room.code}**.")
        st.page_link(nav.page("board.py"), label="Open the board for the projector", icon=":material/co_present:",
                     query_params={"room": room.code})
    with right:
        try:
            st.image(pictures.qr_png(link, scale=5), caption="Join link", width=160)
        except pictures.QrUnavailable as err:
            st.caption(str(err))


def _move(store: LessonStore, room: Room, to: int, lesson: Lesson) -> None:
    try:
        store.move(room.code, room.step, to, question=lesson.steps[to].question is not None)
    except Moved as err:
        st.session_state["_room_moved"] = str(err)
    except UnknownRoom as err:
        st.session_state["_room_moved"] = str(err)


def steps(store: LessonStore, room: Room, lesson: Lesson) -> None:
    if moved := st.session_state.pop("_room_moved", None):
        st.warning(f"{moved.capitalize()}: the controls below show it.", icon=":material/group:")
    step = lesson.steps[room.step]
    st.markdown(f"### Step {room.step + 1} of {len(lesson.steps)}: {step.title}")
    back, forward, _ = st.columns([1, 1, 3])
    back.button(":material/arrow_back: Back", key="room_back", disabled=room.step == 0, width="stretch",
                on_click=_move, args=(store, room, room.step - 1, lesson))
    forward.button("Next step :material/arrow_forward:", key="room_next", type="primary", width="stretch",
                   disabled=room.step >= len(lesson.steps) - 1, on_click=_move,
                   args=(store, room, room.step + 1, lesson))
    with st.expander("What to say", expanded=True, icon=":material/record_voice_over:"):
        st.markdown(step.say)
        if step.reveal:
            st.caption("After the vote / the runs:")
            st.markdown(step.reveal)
    st.caption(" → ".join((f"**{i + 1}. {s.title}**" if i == room.step else f"{i + 1}. {s.title}")
                          for i, s in enumerate(lesson.steps)))


def votes(store: LessonStore, room: Room, lesson: Lesson) -> None:
    """The current step's vote, redrawn every CONTROL_SECONDS: answers in so far (the histogram stays hidden until
    the vote is closed), then the tally and Peer Instruction's advice, the revote."""

    @st.fragment(run_every=CONTROL_SECONDS)
    def area():
        now = store.room(room.code)
        if now is None or now.step != room.step:
            st.rerun(scope="app")
        step = lesson.steps[room.step]
        if step.question is None:
            st.caption("This step asks no question.")
            return
        q = step.question
        students = len(store.students(room.code))
        st.markdown(f"**Question:** {q.text}  \nRight answer: **{q.right_answer()}**")
        cols = st.columns(2)
        for col, rnd, name in ((cols[0], FIRST, "First vote"), (cols[1], REVOTE, "Revote")):
            vote = store.vote(room.code, room.step, rnd)
            with col:
                st.markdown(f"**{name}**")
                if vote is None:
                    if rnd == FIRST:
                        st.button("Open the vote", key="room_vote_open", on_click=store.open_vote,
                                  args=(room.code, room.step, FIRST))
                    else:
                        first = store.vote(room.code, room.step, FIRST)
                        st.button("Open a revote", key="room_revote_open", disabled=not first or
                                  first.state != CLOSED, on_click=store.open_vote, args=(room.code, room.step, REVOTE),
                                  help="After discussion in pairs: the answers are recorded apart from the first vote.")
                    continue
                count = store.answer_count(room.code, room.step, rnd)
                if vote.state == OPEN:
                    st.metric("Answers in", f"{count} of {students}")
                    st.caption("The room's answers stay hidden until you close the vote.")
                    st.button("Close the vote", key=f"room_close_{rnd}", type="primary",
                              on_click=store.close_vote, args=(room.code, room.step, rnd))
                else:
                    tally = peer.tally(q, [a.answer for a in store.answers(room.code, room.step, rnd)])
                    st.plotly_chart(tally_figure(tally, height=200), key=f"room_tally_{rnd}")
                    st.markdown(f"**{tally.sentence()}**" if rnd == FIRST else tally.sentence())

    area()


def exports(store: LessonStore, room: Room, lesson: Lesson) -> None:
    a, b, c = st.columns(3)
    a.download_button("Answers (CSV)", lambda: export.answers_csv(export.gather(store, lesson, room.code)),
                      f"{room.code}-{lesson.id}-answers.csv", "text/csv", key="room_csv", on_click="ignore",
                      icon=":material/download:")
    b.download_button("Report (HTML, opens offline)",
                      lambda: export.report_html(export.gather(store, lesson, room.code)),
                      f"{room.code}-{lesson.id}-report.html", "text/html", key="room_html", on_click="ignore",
                      icon=":material/download:")
    with c.popover("Close the room", icon=":material/door_front:"):
        st.caption("Students' pages stop following it; the answers stay in the database and in the exports.")
        st.button("Close it", key="room_close", type="primary", on_click=store.close_room, args=(room.code,))
