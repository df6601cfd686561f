"""A browser session's runs: registered with the process-wide manager under a token that lives in session_state,
so when Streamlit drops the session the token is garbage-collected and the session's runs are released."""

from __future__ import annotations

import streamlit as st

from engine.runs import Run, manager


class SessionToken:
    """Owner of a session's runs (only its identity and lifetime matter)."""


def owner() -> SessionToken:
    if "_genlab_owner" not in st.session_state:
        st.session_state["_genlab_owner"] = SessionToken()
    return st.session_state["_genlab_owner"]


def get_run(slot: str) -> Run | None:
    return st.session_state.get(f"_run_{slot}")


def put_run(slot: str, run: Run) -> Run:
    """Keep `run` as this session's run for `slot` (a page), replacing and releasing the previous one."""
    old = get_run(slot)
    if old is not None and old is not run:
        manager().forget(old)
    st.session_state[f"_run_{slot}"] = manager().submit(run, owner())
    return run
