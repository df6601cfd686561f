"""A lesson drawn over the page it opens: the step list in the sidebar (step n of m, back, next, follow the room),
the step's text above the page with its controls highlighted, the question asked before the run starts (Play waits
for the answer), the check evaluated on the student's own run, and what is revealed after.

In a room the step comes from the workshop store: a fragment reads it every FOLLOW_SECONDS and moves a following
page to the room's step; the answers go to the store while the vote is open; the student's run is published to the
board's gallery (a thumbnail from the run's preview, its step, its changed settings, the step's metric) at most
every PUBLISH_SECONDS. app/main.py calls `before_page` once per run, before the page runs.
"""

from __future__ import annotations

import time
from dataclasses import replace

import plotly.graph_objects as go
import streamlit as st

from app.ui import lesson_nav, lesson_room, session
from app.ui.run_controls import PLAY_HELD
from engine.config import specs
from engine.lessons import ablation, checks, peer, pictures
from engine.lessons.export import student_record
from engine.lessons.format import Question, Step
from engine.lessons.pages import PAGES
from engine.lessons.store import FIRST, OPEN, REVOTE, LessonStore, StoredAnswer, VoteClosed

FOLLOW_SECONDS = 1.0
PUBLISH_SECONDS = 2.0
CHECK_SECONDS = 1.5
HIGHLIGHT = "#E69F00"  # Okabe-Ito orange
RIGHT, OTHER = "#009E73", "#0072B2"  # Okabe-Ito bluish green and blue


def before_page(current_url: str) -> None:
    """Everything the lesson adds to this run of the app, before the page's own script."""
    st.session_state[PLAY_HELD] = None
    problem = lesson_nav.restore_from_url(current_url)
    if problem:
        st.warning(problem, icon=":material/school:")
    pos = lesson_nav.position()
    if pos is None:
        return
    if lesson_nav.lesson() is None:
        st.warning(f"The lesson '{pos.lesson}' is no longer on this server (its file was removed or broken).",
                   icon=":material/school:")
        lesson_nav.set_position(None)
        return
    store = lesson_room.store(quiet=True) if pos.room else None
    student = None
    if pos.room:
        student = store.student(pos.student) if store is not None and pos.student else None
        room = store.room(pos.room) if store is not None else None
        if student is None or student.room != pos.room or room is None:
            st.warning(f"This link's place in room {pos.room} is not known here: join the room again on the "
                       "Workshop page.", icon=":material/group_off:")
            lesson_nav.set_position(replace(pos, room="", student=""))
            pos, student = lesson_nav.position(), None
        elif not room.open:
            st.info(f"The room {pos.room} is closed: the lesson goes on here on your own.", icon=":material/school:")
            lesson_nav.set_position(replace(pos, room="", student=""))
            pos, student = lesson_nav.position(), None
        elif pos.follow and room.step != pos.step:  # a student who joins mid-lesson lands on the room's step
            lesson_nav.go(replace(pos, step=room.step, moves=room.moves))
    lesson_nav.follow_through(current_url)
    step = lesson_nav.step()
    lesson_nav.apply_preset(current_url, _room_extra(step, student))
    _sidebar(current_url, store, student)
    if step is not None and step.page == current_url:
        _banner(step, store, student)


def _room_extra(step: Step | None, student) -> dict:
    """In a room, an experiment's step gives each student a seed (their number: each run is a seed) and, with
    `assign`, a variant in turn."""
    if step is None or student is None or step.experiment is None:
        return {}
    page = PAGES[step.page]
    extra: dict = {}
    if page.config is not None and "seed" in specs(page.config) and "seed" not in step.preset:
        extra["seed"] = student.number
    exp = step.experiment
    if exp.assign and exp.variants:
        name = list(exp.variants)[(student.number - 1) % len(exp.variants)]
        extra.update(exp.variants[name])
        st.session_state["_lesson_variant"] = name
    return extra


# ---------------------------------------------------------------------------------------------------- sidebar
def _sidebar(current_url: str, store: LessonStore | None, student) -> None:
    pos, lesson = lesson_nav.position(), lesson_nav.lesson()
    with st.sidebar:
        st.subheader(f":material/school: {lesson.title}")
        st.caption(f"Step {pos.step + 1} of {len(lesson.steps)} · about {lesson.minutes} min")
        st.markdown("\n".join(f"{i + 1}. " + (f"**{s.title}**" if i == pos.step else s.title)
                              for i, s in enumerate(lesson.steps)))
        if pos.room:
            st.caption(f"Room **{pos.room}** · you are **{student.name if student else '?'}**")
            if "lesson_follow" not in st.session_state:
                st.session_state["lesson_follow"] = pos.follow
            st.toggle("Follow the room", key="lesson_follow", on_change=_follow_changed,
                      help="The room moves you to each step the instructor opens; turn off to explore, turn on to "
                           "come back to the room's step.")
        if not pos.room or not pos.follow:
            back, forward = st.columns(2)
            back.button(":material/arrow_back: Back", key="lesson_back", disabled=pos.step == 0,
                        on_click=lesson_nav.go, args=(replace(pos, step=pos.step - 1),), width="stretch")
            forward.button("Next :material/arrow_forward:", key="lesson_next",
                           disabled=pos.step >= len(lesson.steps) - 1, type="primary",
                           on_click=lesson_nav.go, args=(replace(pos, step=pos.step + 1),), width="stretch")
        step = lesson.steps[pos.step]
        if step.page != current_url:
            st.button(f"Open step {pos.step + 1}'s page", key="lesson_open", on_click=lesson_nav.go, args=(pos,),
                      width="stretch", icon=":material/open_in_new:")
        record = _record_text(store, student)
        st.download_button("My lesson record", record, f"{lesson.id}-record.md", "text/markdown",
                           key="lesson_record", icon=":material/download:", on_click="ignore")
        st.button("Leave the lesson", key="lesson_leave", on_click=lesson_nav.set_position, args=(None,),
                  type="tertiary")
        if pos.room and pos.follow and store is not None:
            _follow(store, pos.room)


def _follow_changed() -> None:
    pos = lesson_nav.position()
    if pos is not None:
        follow = bool(st.session_state.get("lesson_follow"))
        lesson_nav.set_position(replace(pos, follow=follow))
        if follow:
            lesson_nav.go(replace(pos, follow=True, moves=-1))  # back to the room's step (before_page reads it)


@st.fragment(run_every=FOLLOW_SECONDS)
def _follow(store: LessonStore, code: str) -> None:
    """Every FOLLOW_SECONDS: the room moved, this page follows (the whole app reruns on the new step)."""
    pos = lesson_nav.position()
    if pos is None or not pos.follow or pos.room != code:
        return
    room = store.room(code)
    if room is None:
        return
    if room.step != pos.step or not room.open:
        lesson_nav.go(replace(pos, step=room.step, moves=room.moves))
        st.rerun(scope="app")
    if pos.moves != room.moves:  # a vote opened or closed: the question area shows it on its next tick
        lesson_nav.set_position(replace(pos, moves=room.moves))


def _record_text(store: LessonStore | None, student) -> str:
    pos, lesson = lesson_nav.position(), lesson_nav.lesson()
    if store is not None and student is not None:
        answers = [a for a in store.answers(pos.room) if a.student == student.token]
        name = student.name
    else:
        answers = [StoredAnswer(i, FIRST, "me", given, lesson.steps[i].question.is_right(given), at)
                   for (lid, i), (given, at) in st.session_state.get("_lesson_answers", {}).items()
                   if lid == lesson.id]
        name = "Me"
    checks_seen = {i: text for (lid, i), text in st.session_state.get("_lesson_checks", {}).items()
                   if lid == lesson.id}
    return student_record(lesson, name, answers, checks_seen, pos.room)


# ---------------------------------------------------------------------------------------------------- banner
def _banner(step: Step, store: LessonStore | None, student) -> None:
    pos, lesson = lesson_nav.position(), lesson_nav.lesson()
    page = PAGES[step.page]
    _highlight(step.highlight)
    with st.container(border=True, key="lesson_banner"):
        st.markdown(f"##### :material/school: Step {pos.step + 1} of {len(lesson.steps)}: {step.title}")
        st.markdown(step.say)
        if step.highlight:
            st.caption("Look at: " + ", ".join(f"**{_label(page, k)}**" for k in step.highlight)
                       + " (highlighted on the page)")
        variant = st.session_state.get("_lesson_variant") if step.experiment and step.experiment.assign else None
        if variant and student is not None:
            st.info(f"The room gave you the variant **{variant}** (seed {student.number}): your run is one seed "
                    "of the room's experiment.", icon=":material/science:")
        if step.question is not None:
            if store is not None and student is not None:
                _room_question(step, store, student)
            else:
                _own_question(step)
        elif step.reveal and step.check is None:
            st.markdown(step.reveal)
        if page.slot and (step.check is not None or (store is not None and student is not None)):
            _watch(step, store, student)


def _label(page, key: str) -> str:
    name = key[len(page.prefix):] if page.prefix and key.startswith(page.prefix) else key
    if page.config is not None and name in specs(page.config):
        return specs(page.config)[name].label
    if page.slot and key.startswith(page.slot + "_"):
        return key[len(page.slot) + 1:].replace("_", " ").capitalize()
    return key.replace("_", " ")


def _highlight(keys: tuple[str, ...]) -> None:
    """Keyed widgets carry the class st-key-<key>: outline the step's controls."""
    if not keys:
        return
    selectors = ", ".join(f".st-key-{k}" for k in keys)
    st.markdown(f"<style>{selectors} {{ outline: 3px solid {HIGHLIGHT}; outline-offset: 4px; border-radius: 6px; "
                f"box-shadow: 0 0 0 8px rgba(230, 159, 0, 0.18); }}</style>", unsafe_allow_html=True)


def _answer_input(question: Question, key: str, disabled: bool = False):
    """The answer widgets; returns the answer (in its stored form) on the run it is sent, else None. A single
    choice is one button per choice (a tap sends it); several choices are boxes and a Send button; a number a
    box and a Send button."""
    st.markdown(f"**{question.text}**")
    if question.kind == "single":
        cols = st.columns(min(len(question.choices), 4))
        for i, choice in enumerate(question.choices):
            if cols[i % len(cols)].button(choice.text, key=f"{key}_c{i}", width="stretch", disabled=disabled):
                return [i]
        return None
    if question.kind == "multiple":
        picked = [i for i, c in enumerate(question.choices) if st.checkbox(c.text, key=f"{key}_c{i}",
                                                                         disabled=disabled)]
        sent = st.button("Send", key=f"{key}_send", type="primary", disabled=disabled)
        if sent and not picked:
            st.warning("Tick at least one choice first.", icon=":material/edit:")
        return picked if sent and picked else None
    number = st.number_input(question.unit or "Your answer", value=None, key=f"{key}_n", disabled=disabled)
    sent = st.button("Send", key=f"{key}_send", type="primary", disabled=disabled)
    if sent and number is None:
        st.warning("Type a number first.", icon=":material/edit:")
    return number if sent and number is not None else None


def _own_question(step: Step) -> None:
    """Self-paced: answer, then the feedback; Play waits for the answer."""
    pos = lesson_nav.position()
    answers = st.session_state.setdefault("_lesson_answers", {})
    mine = answers.get((pos.lesson, step.index))
    if mine is None:
        st.session_state[PLAY_HELD] = "Answer the lesson's question first: predict, then watch."
        given = _answer_input(step.question, f"lq_{step.index}")
        if given is not None:
            answers[(pos.lesson, step.index)] = (step.question.normalise(given), time.time())
            st.rerun()
        return
    given = mine[0]
    _feedback(step.question, given)
    passed = (pos.lesson, step.index) in st.session_state.get("_lesson_passed", set())
    if step.reveal and (step.check is None or passed):
        st.markdown(step.reveal)


def _feedback(question: Question, given) -> None:
    right = question.is_right(given)
    text = f"Your answer: **{question.label(given)}**. " + (question.feedback(given) or "")
    if right:
        st.success(text, icon=":material/check_circle:")
    else:
        st.warning(f"{text} The right answer: **{question.right_answer()}**.", icon=":material/info:")


def _room_question(step: Step, store: LessonStore, student) -> None:
    @st.fragment(run_every=CHECK_SECONDS)
    def area():
        pos = lesson_nav.position()
        if pos is None:
            return
        second = store.vote(pos.room, step.index, REVOTE)
        vote = second or store.vote(pos.room, step.index, FIRST)
        mine = {a.round: a for a in store.answers(pos.room, step.index) if a.student == student.token}
        if vote is None:
            st.info(step.question.text + "  \nThe vote opens when the instructor opens this step.",
                    icon=":material/how_to_vote:")
            return
        if vote.state == OPEN:
            label = "Vote again after discussing with your neighbour" if vote.round == REVOTE else "Your prediction"
            st.caption(label + (" · your answer is in; you may change it until the vote closes"
                                if vote.round in mine else ""))
            if FIRST not in mine and vote.round == FIRST:
                st.session_state[PLAY_HELD] = "Answer the room's question first: predict, then watch."
            given = _answer_input(step.question, f"rq_{step.index}_{vote.round}")
            if given is not None:
                try:
                    store.answer(pos.room, step.index, vote.round, student.token, step.question.normalise(given),
                                 step.question.is_right(given))
                except VoteClosed as err:
                    st.error(str(err), icon=":material/block:")
                else:
                    st.toast("Answer saved. The room's answers show when the instructor closes the vote.",
                             icon=":material/how_to_vote:")
                    st.rerun(scope="app")  # Play is no longer held
            return
        tally = peer.tally(step.question, [a.answer for a in store.answers(pos.room, step.index, vote.round)])
        st.plotly_chart(tally_figure(tally, height=180), key=f"rq_tally_{step.index}_{vote.round}")
        st.caption(tally.sentence())
        if vote.round in mine or FIRST in mine:
            _feedback(step.question, (mine.get(vote.round) or mine[FIRST]).answer)
        else:
            st.caption("You did not answer this vote.")
        if step.reveal:
            st.markdown(step.reveal)

    area()


def tally_figure(tally: peer.Tally, height: int = 260, font: int = 14) -> go.Figure:
    """The vote as bars, the right answers in green (Okabe-Ito: safe for colour-blind readers)."""
    labels = list(tally.counts)
    fig = go.Figure(go.Bar(x=[tally.counts[k] for k in labels], y=labels, orientation="h",
                           marker_color=[RIGHT if k in tally.right_labels else OTHER for k in labels],
                           text=[tally.counts[k] for k in labels], textposition="auto"))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), font=dict(size=font),
                      yaxis=dict(autorange="reversed"), xaxis=dict(title="answers", dtick=1))
    return fig


# ---------------------------------------------------------------------------------------------------- the run
def _watch(step: Step, store: LessonStore | None, student) -> None:
    """The check on the student's own run, and in a room the run published to the board; both every
    CHECK_SECONDS."""
    page = PAGES[step.page]

    @st.fragment(run_every=CHECK_SECONDS)
    def area():
        pos = lesson_nav.position()
        run = session.get_run(page.slot)
        if pos is None or run is None:
            return
        snap = run.snapshot()
        records = snap.members[0].records
        if step.check is not None:
            said = st.session_state.setdefault("_lesson_checks", {})  # (lesson, step) -> what the check said
            results = st.session_state.setdefault("_lesson_results", {})  # (lesson, step, run) -> its Result
            before = results.get((pos.lesson, step.index, snap.run_id))
            result = checks.evaluate(step.check, records, snap.preview, snap.step, snap.preview_step, before)
            results[(pos.lesson, step.index, snap.run_id)] = result
            said[(pos.lesson, step.index)] = result.text
            passed = st.session_state.setdefault("_lesson_passed", set())
            if result.passed and (pos.lesson, step.index) not in passed:
                passed.add((pos.lesson, step.index))
                if step.reveal and step.question is not None and store is None:
                    st.rerun(scope="app")  # the reveal under the question
            show = {"passed": st.success, "missed": st.warning}.get(result.state, st.info)
            icon = {"passed": ":material/check_circle:", "missed": ":material/info:"}.get(result.state,
                                                                                         ":material/pending:")
            show(f"**Check: {step.check.describe()}.** {result.text}", icon=icon)
            if result.passed and step.reveal and step.question is None:
                st.markdown(step.reveal)
        if store is not None and student is not None:
            _publish(step, store, student, run, snap)

    area()


def _publish(step: Step, store: LessonStore, student, run, snap) -> None:
    """The run as the board shows it, at most every PUBLISH_SECONDS and only when the run changed."""
    pos = lesson_nav.position()
    mark = (pos.room, step.index, snap.run_id, snap.version)
    last = st.session_state.get("_lesson_published")
    if last is not None and (last[0] == mark or time.monotonic() - last[1] < PUBLISH_SECONDS):
        return
    st.session_state["_lesson_published"] = (mark, time.monotonic())
    page = PAGES[step.page]
    bounds = getattr(getattr(run.trainers[0], "data", None), "bounds", None)
    metric_name = step.metric
    value = checks.value_at(metric_name, snap.members[0].records,
                            step.experiment.at_step if step.experiment else None) if metric_name else None
    try:
        changes = ablation.changed(page.family, step.preset, snap.members[0].config)
    except Exception:  # noqa: BLE001 - a config the preset cannot be compared with: shown as unknown changes
        changes = {"?": "?"}
    store.publish(pos.room, step.index, student.token, run_id=snap.run_id, status=snap.status, at_step=snap.step,
                  changes=changes, metric=value[0] if value else None, metric_step=value[1] if value else None,
                  picture=pictures.thumbnail(snap.preview, bounds))
