"""Room control for the instructor (password): open a room for a lesson, move it step by step, run the votes,
export the room's answers and report."""

import streamlit as st

from app.ui import instructor, lesson_nav, lesson_room, room_views

st.title("Room control")
st.caption("Open a room for a lesson; students join with its code. Move the room step by step: every following "
           "student's page goes to the new step. Close each vote to show the room's answers.")
if not instructor.unlocked("room"):
    st.stop()
store = lesson_room.store()
if store is None:
    st.stop()
room = room_views.pick_room(store)
if room is None:
    st.stop()
lesson = lesson_nav.lessons().get(room.lesson)
if lesson is None:
    st.error(f"The room follows the lesson '{room.lesson}', which this server no longer has.", icon=":material/error:")
    st.stop()
room_views.header(room, lesson)
room_views.steps(store, room, lesson)
room_views.votes(store, room, lesson)
room_views.exports(store, room, lesson)
