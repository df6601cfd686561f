"""Panels whose contents cost something to draw (decoding, sampling): drawn only while open."""

from __future__ import annotations

from typing import Callable

import streamlit as st


def lazy_panel(title: str, icon: str, key: str, draw: Callable, *args) -> None:
    """An expander that calls `draw(*args)` only while it is open; opening or closing it reruns the page."""
    panel = st.expander(title, icon=icon, key=key, on_change="rerun")
    with panel:
        if panel.open:
            draw(*args)
