"""The room's side of the real-or-fake page: the answer store through `st.connection` (an embedded SQLite file by
default, any SQLAlchemy URL from .streamlit/secrets.toml), the leaderboard redrawn while people play, the CSV of every
answer, and the instructor's reset behind the password (app/ui/instructor.py). The numbers come from engine/game."""

from __future__ import annotations

import logging
import time

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from app.ui import instructor
from engine.game.leaderboard import leaderboard
from engine.game.store import AnswerStore, StoreError, default_url

log = logging.getLogger(__name__)

CONNECTION = "genlab_game"  # st.connection's name: [connections.genlab_game] in .streamlit/secrets.toml
LEADERBOARD_SECONDS = 3.0


def _configured() -> dict:
    """[connections.genlab_game] of .streamlit/secrets.toml ({} when there is none)."""
    try:
        return dict(st.secrets.get("connections", {}).get(CONNECTION, {}))
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return {}


@st.cache_resource(show_spinner=False)
def _open(url: str | None) -> tuple[AnswerStore, list[tuple[float, str]]]:
    """The process's store for `url` (None: the database the secrets describe by dialect, host, ...) and its notes
    (time, text); a failure is not kept, so the next run tries again."""
    conn = st.connection(CONNECTION, type="sql") if url is None else st.connection(CONNECTION, type="sql", url=url)
    store = AnswerStore(conn.engine)
    note = store.open()
    return store, [(time.time(), note)] if note else []


def answer_store() -> AnswerStore | None:
    """The room's store; a note of this session's time (a database started afresh) is shown once. None, with the
    reason shown, when it cannot be used: the game is still played, its answers are not kept."""
    since = st.session_state.setdefault("_rof_since", time.time())
    try:
        section = _configured()
        store, notes = _open(section.get("url") or (None if "dialect" in section else default_url()))
        note = store.check()
        if note:
            notes.append((time.time(), note))
    except StoreError as err:
        st.error(f"{err}. You can still play: your answers are not being stored.", icon=":material/database:")
        return None
    except Exception as err:  # noqa: BLE001 - a URL or driver in secrets.toml that SQLAlchemy cannot use
        log.exception("opening the answer database failed")
        st.error(f"The answer database in .streamlit/secrets.toml ([connections.{CONNECTION}]) cannot be used: "
                 f"{type(err).__name__}: {err}. You can still play: your answers are not being stored.",
                 icon=":material/database:")
        return None
    seen = st.session_state.setdefault("_rof_notes_seen", set())
    for at, text in notes:
        if at >= since - 1 and text not in seen:
            seen.add(text)
            st.warning(text, icon=":material/database:")
    return store


@st.cache_data(max_entries=8, show_spinner=False)
def _board(where: str, version: tuple[int, int], _store: AnswerStore) -> pd.DataFrame:
    """The leaderboard for one state of the store (`version`), computed once for every session."""
    return leaderboard(_store.frame())


def leaderboard_figure(board: pd.DataFrame) -> go.Figure:
    scored = board.dropna(subset=["error"]).iloc[::-1]  # the most fooling model on top
    fig = go.Figure(go.Bar(
        x=scored["error"] * 100, y=scored["model"], orientation="h", marker_color="#e6701a",
        error_x=dict(type="data", symmetric=False, array=(scored["high"] - scored["error"]) * 100,
                     arrayminus=(scored["error"] - scored["low"]) * 100, color="#444"),
        customdata=scored[["answers", "players"]], hovertemplate="%{y}: %{x:.0f}% error, %{customdata[0]} answers "
                                                                 "from %{customdata[1]} players<extra></extra>"))
    fig.add_vline(x=50, line_dash="dash", line_color="#888", annotation_text="chance")
    fig.update_layout(height=120 + 40 * len(scored), margin=dict(l=10, r=10, t=30, b=10), xaxis=dict(
        range=[0, 100], title="human error rate, % (95% bootstrap interval)"), title="HYPE-infinity per model")
    return fig


@st.fragment(run_every=LEADERBOARD_SECONDS)
def leaderboard_area(store: AnswerStore | None) -> None:
    """The room's scores per model (chart and table), redrawn every few seconds while people play."""
    if store is None:
        st.caption("No answer database: the room's scores are not available.")
        return
    try:
        board = _board(store.where, store.version(), store)
    except StoreError as err:
        st.warning(str(err), icon=":material/database:")
        return
    if board.empty:
        st.caption("No answers yet: play a round, and the room's scores appear here.")
        return
    if board["error"].notna().any():
        st.plotly_chart(leaderboard_figure(board), key="rof_board_chart")
    table = board.assign(
        error=board["error"] * 100, low=board["low"] * 100, high=board["high"] * 100,
        fakes_judged_real=board["fakes_judged_real"] * 100, reals_judged_fake=board["reals_judged_fake"] * 100,
        pair_error=board["pair_error"] * 100)
    percent = "%.0f%%"
    st.dataframe(table.drop(columns=["model_label"]), hide_index=True, key="rof_board", column_config={
        "model": st.column_config.TextColumn("Model", help="shipped, saved or live (with its step)"),
        "family": "Family", "tricks": st.column_config.TextColumn("Tricks", help="Settings changed from the "
                                                                                  "family's defaults."),
        "answers": st.column_config.NumberColumn("Answers", help="Untimed single images."),
        "players": "Players",
        "error": st.column_config.NumberColumn("HYPE∞ error", format=percent, help="50% = chance."),
        "low": st.column_config.NumberColumn("95% low", format=percent),
        "high": st.column_config.NumberColumn("95% high", format=percent),
        "fakes_judged_real": st.column_config.NumberColumn("Fakes judged real", format=percent),
        "reals_judged_fake": st.column_config.NumberColumn("Reals judged fake", format=percent),
        "pairs": "Pairs", "pair_error": st.column_config.NumberColumn("Pair error", format=percent),
        "timed_players": st.column_config.NumberColumn("Timed players"),
        "threshold_ms": st.column_config.NumberColumn("HYPE-time (ms)", format="%.0f",
                                                      help="Mean of the players' staircase thresholds."),
    })
    st.caption("HYPE∞ counts untimed single images; the interval resamples the players, then each player's "
               "answers (2,000 times). Pairs and timed answers are scored in their own columns.")


def export_and_reset(store: AnswerStore | None) -> None:
    """Every answer as CSV (for anyone: answers are anonymous); the reset, for the instructor (password)."""
    if store is None:
        return
    st.download_button("Export every answer (CSV)", lambda: store.to_csv(), "real_or_fake_answers.csv", "text/csv",
                       key="rof_export", icon=":material/download:", on_click="ignore")
    with st.expander("Instructor: reset the room's scores", icon=":material/lock:"):
        if not instructor.unlocked("rof"):
            if instructor.password() is None:
                st.caption("Without an instructor password the reset is not offered.")
            return
        sure = st.checkbox("Delete every stored answer (export them first: this cannot be undone)",
                           key="rof_reset_sure")
        st.button("Reset the scores", key="rof_reset", disabled=not sure, type="primary", on_click=_reset,
                  args=(store,))


def _reset(store: AnswerStore) -> None:
    st.session_state["rof_reset_sure"] = False
    try:
        removed = store.reset()
    except StoreError as err:
        st.toast(str(err), icon=":material/error:")
        return
    st.toast(f"Removed {removed:,} answers: the leaderboard starts again.", icon=":material/restart_alt:")
