"""The room's board for the projector: the step, the join code, the vote and everyone's runs."""

import streamlit as st

from app.ui import board_views, lesson_room

store = lesson_room.store()
if store is None:
    st.stop()
room = board_views.pick_room(store)
if room is None:
    st.stop()
board_views.board(store, room.code)
