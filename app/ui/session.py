"""A browser session's runs: registered with the process-wide manager (engine/manager.py) under the session's id.

The id comes from a session-scoped resource whose `on_release` Streamlit calls as soon as the session disconnects
(a tab closed or reloaded): its runs pause at once and give their slots back, and unless the session comes back
within GENLAB_SESSION_GRACE seconds they are closed and their memory freed. Nothing here waits for the garbage
collector or for Streamlit to drop the session object."""

from __future__ import annotations

import uuid

import streamlit as st

from engine.manager import manager
from engine.runs import Run


class SessionToken:
    """Stands for one browser session (its key is what the manager files the session's runs under)."""

    def __init__(self):
        self.key = uuid.uuid4().hex


def _released(token: SessionToken) -> None:
    manager().release_owner(token.key)


@st.cache_resource(scope="session", on_release=_released, show_spinner=False)
def _token() -> SessionToken:
    return SessionToken()


def owner() -> str:
    """This session's key (the same on every rerun; a session that reconnects keeps its runs)."""
    token = st.session_state.get("_genlab_owner")
    if token is None:
        token = st.session_state["_genlab_owner"] = _token()
    elif _token() is not token:  # the session came back after a disconnect released its resource
        st.session_state["_genlab_owner"] = _token()
        _reattach(token.key, st.session_state["_genlab_owner"].key)
        token = st.session_state["_genlab_owner"]
    manager().touch(token.key)
    return token.key


def _reattach(old: str, new: str) -> None:
    """Runs of this session filed under its key before the disconnect: filed under the new key, not closed."""
    for run in manager().runs(old):
        manager().submit(run, new, **manager().info(run))
    manager().touch(old)


def get_run(slot: str) -> Run | None:
    run = st.session_state.get(f"_run_{slot}")
    return None if run is None or run.closed else run


def put_run(slot: str, run: Run) -> Run:
    """Keep `run` as this session's run for `slot` (a page), replacing and releasing the previous one."""
    old = st.session_state.get(f"_run_{slot}")
    if old is not None and old is not run:
        manager().forget(old)
    st.session_state[f"_run_{slot}"] = manager().submit(run, owner(), page=slot,
                                                        family=run.trainers[0].family)
    return run
