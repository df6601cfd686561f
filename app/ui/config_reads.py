"""Streamlit's configuration read without its lock, for a room of sessions.

Streamlit reads options (`config.get_option`) for every message a script sends, each time under one process-wide
`RLock`. Twenty script threads drawing at once (a room pressing Play together) queue on that lock: in py-spy a third
of the server's samples waited there, and twenty clicks at the same moment took 3.0 s at p95 (2.35 s without it;
bench/classroom.py). Once the options are parsed, Streamlit replaces the whole table when it parses again and sets
an option by assigning its value, so reading `table[key].value` without the lock sees either the old value or the
new one, never half of one: the read the lock was meant to protect against a reparse, done with the table held.
"""

from __future__ import annotations

from streamlit import config

_locked_get_option = config.get_option


def get_option(key: str):
    """`config.get_option(key)`, without the lock once the options are parsed (before that: Streamlit's own)."""
    table = getattr(config, "_config_options", None)
    if not table:
        return _locked_get_option(key)
    option = table.get(key)
    if option is None:
        return _locked_get_option(key)  # Streamlit's own error for a key that is not an option
    return option.value


def install() -> None:
    """Make every `config.get_option` call of Streamlit's (they look it up on the module) read without the lock."""
    config.get_option = get_option
