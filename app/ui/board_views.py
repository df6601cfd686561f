"""The room's board for the projector: large type and a colour-blind-safe palette (Okabe-Ito); the step, the join
code and QR code, the vote (its histogram hidden until the instructor closes it), and a live gallery of every
joined student's run for the step, grouped by the setting it changed, with the room's ablation (engine/lessons/
ablation.py: mean ± sd per variant and Welch's verdict against the baseline, as the Compare page judges seeds).
The pictures are the thumbnails the students' pages published (their runs' preview arrays): the board never asks a
run for a figure. Clicking a run enlarges it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.ui import lesson_nav
from app.ui.lesson_panel import tally_figure
from app.ui.room_views import join_link
from engine.lessons import ablation, peer, pictures
from engine.lessons.pages import PAGES
from engine.lessons.store import FIRST, OPEN, REVOTE, GalleryEntry, LessonStore, Room

BOARD_SECONDS = 2.0
COLUMNS = 6
STYLE = """<style>
section.main .block-container, [data-testid="stMainBlockContainer"] { max-width: 100%; padding-top: 1rem; }
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li { font-size: 1.35rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 3.2rem; }
[data-testid="stMainBlockContainer"] h2 { font-size: 2.4rem; }
.st-key-board_code p { font-size: 3.6rem; font-weight: 800; letter-spacing: .15rem; white-space: nowrap; color: #0072B2; margin: 0; }
[data-testid="stCaptionContainer"] { font-size: 1.05rem; }
</style>"""


def pick_room(store: LessonStore) -> Room | None:
    rooms = store.rooms()
    asked = st.query_params.get("room", "")
    if asked and store.room(asked) is None:
        st.error(f"No room has the code {asked}: check the link, or pick an open room.", icon=":material/error:")
    if not rooms:
        st.info("No open room on this server: the instructor opens one on the Room control page.",
                icon=":material/meeting_room:")
        return None
    codes = [r.code for r in rooms]
    if asked in codes and "board_room" not in st.session_state:
        st.session_state["board_room"] = asked
    code = st.selectbox("Room", codes, key="board_room", label_visibility="collapsed",
                        format_func=lambda c: f"Room {c}")
    st.query_params["room"] = code
    return store.room(code)


def board(store: LessonStore, code: str) -> None:
    st.markdown(STYLE, unsafe_allow_html=True)

    @st.fragment(run_every=BOARD_SECONDS)
    def area():
        room = store.room(code)
        lesson = lesson_nav.lessons().get(room.lesson) if room else None
        if room is None or lesson is None:
            st.error("This room's lesson is not on this server.")
            return
        step = lesson.steps[room.step]
        main, side = st.columns([3, 1])
        with side:
            with st.container(key="board_code"):
                st.markdown(room.code)
            try:
                st.image(pictures.qr_png(join_link(room.code), scale=6), width=180)
            except pictures.QrUnavailable as err:
                st.caption(str(err))
            st.caption(join_link(room.code))
            st.caption(f"{len(store.students(room.code))} joined" + ("" if room.open else " · the room is closed"))
        with main:
            st.markdown(f"# {step.title}")
            st.caption(f"{lesson.title} · step {room.step + 1} of {len(lesson.steps)}")
            if step.question is not None:
                vote_area(store, room, step)
        entries = store.gallery(room.code, room.step)
        if step.experiment is not None:
            ablation_table(step, entries)
        gallery(store, room, step, entries)

    area()


def vote_area(store: LessonStore, room: Room, step) -> None:
    q = step.question
    st.markdown(f"## {q.text}")
    second = store.vote(room.code, room.step, REVOTE)
    vote = second or store.vote(room.code, room.step, FIRST)
    students = len(store.students(room.code))
    if vote is None:
        st.caption("The vote is not open yet.")
        return
    name = "Revote" if vote.round == REVOTE else "Vote"
    count = store.answer_count(room.code, room.step, vote.round)
    if vote.state == OPEN:
        st.markdown(f"**{name} open: {count} of {students} answered.** The answers appear when the vote closes.")
        return
    tally = peer.tally(q, [a.answer for a in store.answers(room.code, room.step, vote.round)])
    left, right = st.columns([3, 2])
    left.plotly_chart(tally_figure(tally, height=90 + 55 * len(tally.counts), font=22), key=f"board_tally_{vote.round}")
    with right:
        st.markdown(f"**{tally.sentence()}**")
        if vote.round == REVOTE:
            first = peer.tally(q, [a.answer for a in store.answers(room.code, room.step, FIRST)])
            st.caption(f"First vote: {first.n_right} of {first.n} right ({first.share_right:.0%}).")
        if step.reveal:
            st.markdown(step.reveal)


def _variant_names(step) -> dict:
    page = PAGES[step.page]
    if step.experiment is None:
        return {}
    return ablation.declared(page.family, step.preset, step.experiment)


def ablation_table(step, entries: list[GalleryEntry]) -> None:
    page = PAGES[step.page]
    exp = step.experiment
    rows = ablation.ablation(page.family, step.preset, exp,
                             [ablation.Entry(e.student, e.changes, e.metric) for e in entries])
    when = f"at step {exp.at_step:,}" if exp.at_step else "latest"
    st.markdown(f"## The room's experiment: {exp.metric} {when}")
    frame = pd.DataFrame([{
        "variant": r.variant, "settings": r.settings, "runs": r.n, "still training": r.training,
        f"{exp.metric} (mean ± sd)": "–" if r.mean is None else f"{r.mean:.3g} ± {r.sd:.2g}",
        "against the baseline (Welch's t-test)": r.verdict} for r in rows])
    st.dataframe(frame, hide_index=True, width="stretch", key="board_ablation")
    st.caption("Each student's run is one seed of its variant; a lead is clear only when Welch's t-test on the runs' "
               "values gives p < 0.05, as on the Compare page.")


def gallery(store: LessonStore, room: Room, step, entries: list[GalleryEntry]) -> None:
    names = {s.token: s.name for s in store.students(room.code)}
    zoom = st.session_state.get("_board_zoom")
    shown = [e for e in entries if e.picture]
    if zoom and (big := next((e for e in shown if e.student == zoom), None)) is not None:
        with st.container(border=True):
            left, right = st.columns([2, 1])
            left.image(big.picture, width=560)
            right.markdown(f"## {names.get(big.student, '?')}")
            right.markdown(_caption(big, step))
            right.button("Back to the gallery", key="board_unzoom", on_click=st.session_state.pop,
                         args=("_board_zoom", None))
    if not shown:
        st.caption("No runs yet on this step: they appear as students press Play.")
        return
    declared = _variant_names(step)
    groups: dict[str, list[GalleryEntry]] = {}
    for e in shown:
        groups.setdefault(ablation.variant_of(e.changes, declared), []).append(e)
    for variant, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        st.markdown(f"**{variant}** · {len(members)} run{'s' if len(members) != 1 else ''}")
        for start in range(0, len(members), COLUMNS):
            cols = st.columns(COLUMNS)
            for col, e in zip(cols, members[start:start + COLUMNS]):
                with col:
                    st.image(e.picture, width="stretch")
                    st.button(names.get(e.student, "?"), key=f"board_zoom_{e.student}", type="tertiary",
                              on_click=st.session_state.__setitem__, args=("_board_zoom", e.student),
                              help="Enlarge for the projector")
                    st.caption(_caption(e, step))


def _caption(e: GalleryEntry, step) -> str:
    metric = f" · {step.metric} {e.metric:.3g}" if e.metric is not None and step.metric else ""
    changed = ablation.label(e.changes)
    return f"step {e.at_step:,}{metric} · {e.status}  \n{'no change' if changed == 'preset' else changed}"
