"""Play / pause / step / reset / speed / save for a run, the status line, and the live area that polls snapshots."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

import streamlit as st

from app.ui import controls
from engine.manager import manager
from engine.runs import Run, Snapshot

SPEEDS = [1, 2, 5, 10, 30, 100, 0]  # group steps per second; 0 = full speed
PLAY_HELD = "_play_held"  # session key: a reason to keep Play disabled on this rerun (set by app/ui/lesson_panel.py)
STEP_LABELS = {"d": "Step D", "g": "Step G", "both": "Step"}
STEP_HELP = {
    "d": "One discriminator update (d_steps of them), generator frozen.",
    "g": "One generator update (g_steps of them), discriminator frozen.",
    "both": "One full training step: discriminator, then generator.",
}
ICONS = {
    "idle": ":material/radio_button_unchecked:",
    "queued": ":material/hourglass_top:",
    "running": ":material/play_circle:",
    "paused": ":material/pause_circle:",
    "finished": ":material/check_circle:",
    "stopped": ":material/stop_circle:",
    "diverged": ":material/warning:",
    "failed": ":material/error:",
}


def _speed_label(v: int) -> str:
    return "full speed" if v == 0 else f"{v} steps/s"


def run_controls(run: Run, *, key: str, on_reset: Callable[[], None] | None = None) -> None:
    """The control row. Buttons act through callbacks, so the page rerun that follows already shows the result."""
    snap = run.snapshot()
    parts = run.trainers[0].parts  # a class attribute: safe to read while training
    playing = snap.status in ("running", "queued")
    ended = snap.status in ("finished", "diverged", "failed")
    cols = st.columns([1.2] + [1] * len(parts) + [1, 1, 2.4])
    # Play and Pause are two buttons (two keys) shown in turn, never one toggle: Streamlit can deliver a click twice
    # when it lands during a fragment rerun, and a toggle would then undo itself; start and pause are idempotent.
    if playing:
        cols[0].button(":material/pause: Pause", key=f"{key}_pause", type="primary", on_click=run.pause,
                       help="Pause between steps.", width="stretch")
    else:
        held = st.session_state.get(PLAY_HELD)  # a lesson's question waits for its answer before the run starts
        cols[0].button(":material/play_arrow: Play", key=f"{key}_play", type="primary", on_click=run.start,
                       disabled=ended or bool(held), help=held or "Train continuously.", width="stretch")
    for col, part in zip(cols[1:], sorted(parts, key=["d", "g", "both"].index)):
        col.button(
            STEP_LABELS[part],
            key=f"{key}_step_{part}",
            on_click=run.step_once,
            args=(part,),
            disabled=ended,
            help=STEP_HELP[part],
            width="stretch",
        )
    n = len(parts) + 1
    cols[n].button(
        ":material/restart_alt: Reset",
        key=f"{key}_reset",
        on_click=on_reset or run.reset,
        help="Back to step 0: fresh weights from the same seed.",
        width="stretch",
    )
    cols[n + 1].button(
        ":material/save: Save",
        key=f"{key}_save",
        on_click=_save,
        args=(run,),
        help="Write runs/<id>/ (config, metrics, checkpoint, samples) to load and resume later.",
        width="stretch",
    )
    controls.url_choice(f"{key}_speed", SPEEDS, _speed_label)
    initial = {} if f"{key}_speed" in st.session_state else {"value": 0}
    speed = cols[n + 2].select_slider(
        "Speed",
        SPEEDS,
        **initial,
        format_func=_speed_label,
        key=f"{key}_speed",
        label_visibility="collapsed",
        help="Slow motion to watch each step, or full speed.",
        bind="query-params",
    )
    run.set_speed(speed)


def _save(run: Run) -> None:
    """Save the run as a folder of its own (a run loaded from a folder, a shipped model's included, never writes
    over it; another session's run is never overwritten)."""
    try:
        path = run.save()
    except OSError as err:
        st.toast(f"Could not save: {err}", icon=":material/error:")
        return
    st.toast(f"Saved to {path}", icon=":material/save:")


def saved_downloads(run: Run, *, key: str) -> None:
    """Download buttons for the files of the run's last save, or of the folder it was loaded from (checkpoint,
    samples picture, metrics)."""
    if not (run.saved_to or run.loaded_from):
        return
    folder = Path(run.saved_to or run.loaded_from)
    cols = st.columns(4)
    cols[0].caption(f"Saved in `{folder}`" if run.saved_to else f"Loaded from `{folder}`")
    for col, (name, mime) in zip(
        cols[1:],
        [("checkpoint.pt", "application/octet-stream"), ("samples.png", "image/png"), ("metrics.csv", "text/csv")],
    ):
        path = folder / name
        if path.exists():
            col.download_button(
                name,
                path.read_bytes(),
                f"{folder.name}-{name}",
                mime,
                key=f"{key}_dl_{name}",
                icon=":material/download:",
            )


_status_drawn_apart = threading.local()  # set while a queued run's page draws: its status line ticks on its own


def status_line(snap: Snapshot) -> None:
    """The run's status, step, time and speed (and, queued, its place and wait). Inside a queued run's live area
    it draws nothing: `live` draws it apart, in the only part of that page that changes."""
    if getattr(_status_drawn_apart, "on", False):
        return
    rate = snap.steps_per_second
    text = f"{ICONS.get(snap.status, '')} **{snap.status}** · step {snap.step:,} · {snap.elapsed:.1f} s"
    if rate:
        text += f" · {rate:,.0f} steps/s"
    if snap.status == "queued":
        position, wait = manager().place(snap.run_id)
        text += (f" · waiting for a training slot: number {position} in the queue" if position else
                 " · waiting for a free training slot") + (f", about {wait:.0f} s" if wait is not None else "")
        text += f" (the server trains {manager().cap} runs at a time)"
    if snap.message and snap.status in ("diverged", "failed"):
        st.error(f"{text}  \n{snap.message}")
    elif snap.message and snap.status == "finished":
        st.success(f"{text} · {snap.message}")
    elif snap.message and snap.status in ("paused", "closed"):
        st.info(f"{text}  \n{snap.message}", icon=":material/info:")
    else:
        st.markdown(text)


_watchers: dict[str, float] = {}  # page run id -> when its live area last redrew (every session of the server)
_watchers_lock = threading.Lock()
WATCHERS_PER_HALF_SECOND = 4  # live areas redrawn twice a second before the interval stretches
SLOWEST = 1.5  # a training run's page redraws at least this often (seconds), whatever the load
QUEUED_EVERY = 1.0  # a queued run's status line (its place and wait: nothing else on its page changes)


def refresh_interval(every: float = 0.5) -> float:
    """`every`, stretched when many training runs' pages are live at once (they share one process and its
    interpreter lock): the pages slow down together rather than freeze, and never below one redraw per SLOWEST
    seconds."""
    now = time.monotonic()
    with _watchers_lock:
        for key in [k for k, t in _watchers.items() if now - t > 2 * SLOWEST]:
            del _watchers[key]
        live_now = len(_watchers)
    return min(SLOWEST, max(every, every * live_now / WATCHERS_PER_HALF_SECOND))


def live(run: Run, render: Callable[[Snapshot], None], every: float = 0.5) -> None:
    """Draw `render(snapshot)` now and, while the run trains, again every `refresh_interval(every)` seconds (a
    fragment, so the rest of the page is not rerun). A queued run's model does not change: its area is drawn once
    and only its status line ticks (every QUEUED_EVERY s, a few milliseconds a tick, where the whole area's
    figures cost tens). When training stops, or the run leaves the queue, the whole page reruns once to refresh
    the controls and the pace."""
    snap = run.snapshot()
    if snap.status == "queued":
        @st.fragment(run_every=QUEUED_EVERY)
        def _queued_status():
            now = run.snapshot()
            status_line(now)
            if now.status != "queued":
                st.rerun()

        _queued_status()
        _status_drawn_apart.on = True
        try:
            render(snap)
        finally:
            _status_drawn_apart.on = False
        return

    active = snap.active
    interval = refresh_interval(every)

    @st.fragment(run_every=interval if active else None)
    def _area():
        snap = run.snapshot()
        with _watchers_lock:
            _watchers[run.run_id] = time.monotonic()
        render(snap)
        if active and not snap.active or snap.status == "queued":
            st.rerun()  # stopped (the controls change), or its turn ended (a queued page draws less)

    _area()
