"""Saved runs on a model page: a picker of the family's saved runs and a Load button. The loaded run (paused at its
step) waits in the session until the page builds its run (`model_run.page_run(loaded=take_loaded(slot))`); the
page's `on_loaded(run)` first puts the run's settings into its widgets."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from engine.persistence import list_saved_runs
from engine.runs import Run, load_run


def _load(slot: str, path: str, on_loaded: Callable[[Run], None]) -> None:
    try:
        run = load_run(path)
    except (ValueError, OSError, KeyError) as err:
        st.session_state[f"_{slot}_load_error"] = f"Could not load {path}: {err}"
        return
    on_loaded(run)
    st.session_state[f"_{slot}_loaded"] = run


def take_loaded(slot: str) -> Run | None:
    """The run the Load button loaded since the page last ran, once."""
    return st.session_state.pop(f"_{slot}_loaded", None)


def saved_runs_panel(slot: str, family: str, *, on_loaded: Callable[[Run], None], empty: str,
                     help: str = "Replaces the current run with the saved one, paused at its step.",
                     points: bool | None = None) -> None:
    """The picker and the Load button (keys `{slot}_saved`, `{slot}_load`), or `empty` when nothing is saved; a
    load that failed says why here."""
    saved = list_saved_runs(family=family, points=points)
    if error := st.session_state.pop(f"_{slot}_load_error", None):
        st.error(error)
    if not saved:
        st.caption(empty)
        return
    pick = st.selectbox("Saved run", saved, format_func=lambda r: r["label"], key=f"{slot}_saved")
    st.button("Load", key=f"{slot}_load", on_click=_load, args=(slot, pick["path"], on_loaded), help=help)
