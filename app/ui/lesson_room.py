"""The workshop's store (engine/lessons/store.py) through the real-or-fake game's `st.connection` (the same
database: an embedded SQLite file under the runs folder by default, any SQLAlchemy URL from .streamlit/secrets.toml),
opened once per process; a failure is shown in words and the lesson goes on without the room."""

from __future__ import annotations

import logging

import streamlit as st

from app.ui import real_or_fake_room as game
from engine.game.store import StoreError, default_url
from engine.lessons.store import LessonStore

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def _open(url: str | None) -> LessonStore:
    conn = (st.connection(game.CONNECTION, type="sql") if url is None
            else st.connection(game.CONNECTION, type="sql", url=url))
    store = LessonStore(conn.engine)
    store.open()
    return store


def store(quiet: bool = False) -> LessonStore | None:
    """The process's workshop store; None, with the reason shown (unless `quiet`), when it cannot be used."""
    try:
        section = game._configured()
        found = _open(section.get("url") or (None if "dialect" in section else default_url()))
        found.check()
        return found
    except StoreError as err:
        if not quiet:
            st.error(f"{err}. Rooms need the workshop database; lessons on your own still work.",
                     icon=":material/database:")
    except Exception as err:  # noqa: BLE001 - a URL or driver in secrets.toml that SQLAlchemy cannot use
        log.exception("opening the workshop database failed")
        if not quiet:
            st.error(f"The database in .streamlit/secrets.toml ([connections.{game.CONNECTION}]) cannot be used: "
                     f"{type(err).__name__}: {err}. Lessons on your own still work.", icon=":material/database:")
    return None
