"""The instructor's password: `[genlab] instructor_password` in .streamlit/secrets.toml. Pages that act on the whole
room (the instructor's view, resetting the game's scores) ask for it once per browser session."""

from __future__ import annotations

import hmac

import streamlit as st


def password() -> str | None:
    try:
        return str(st.secrets["genlab"]["instructor_password"]) or None
    except (KeyError, FileNotFoundError, AttributeError, TypeError):
        return None
    except Exception:  # noqa: BLE001 - a secrets file that does not parse: as if no password were set
        return None


def unlocked(key: str = "instructor") -> bool:
    """True once this session gave the password; draws the password box (or says how to set one) otherwise."""
    expected = password()
    if expected is None:
        st.info("Set an instructor password to use this: `[genlab]` `instructor_password = \"...\"` in "
                ".streamlit/secrets.toml, then reload.", icon=":material/lock:")
        return False
    if st.session_state.get("_instructor_ok"):
        return True
    given = st.text_input("Instructor password", type="password", key=f"{key}_password")
    if given and hmac.compare_digest(given.encode(), expected.encode()):
        st.session_state["_instructor_ok"] = True
        st.rerun()
    if given:
        st.error("That is not the instructor password.", icon=":material/lock:")
    return False
