"""The workshop: follow a lesson on your own, or join the room's with its code."""

import streamlit as st

from app.ui import workshop_views

st.title("Workshop")
st.caption("A lesson strings the pages into a path: each step opens a page with its settings, points at the controls "
           "that matter, asks you to predict before you press Play, and checks your own run. In a room, the "
           "instructor moves everyone step by step, the votes stay hidden until the vote closes, and the board shows "
           "everyone's runs as one experiment.")
workshop_views.library_problems()
workshop_views.join_form()
st.subheader("Lessons to follow on your own")
workshop_views.lesson_list()
