"""The sampling movie of the autoregressive pages (PixelCNN's values, the VQ-VAE prior's codes): its controls (how
many, seed, class, speed), start / pause / next / finish, and the area that advances the movie a few values per
frame and draws it. The movie itself is the PixelCNN family's raster scan on a frozen copy of the network
(engine/families/pixelcnn/sampler.py), so training goes on meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import streamlit as st

from app.ui import controls
from engine.runs import Run

FINISH = 10**9  # "advance to" this many values: to the end


@dataclass(frozen=True)
class MovieText:
    """What a page's movie calls things: its start button and help, the next-value button, the note before the
    first movie."""

    start: str
    start_help: str
    step: str
    empty: str


def movie_controls(prefix: str, trainer, what: str, most: int, count: int, speeds: list[int], speed: int,
                   unit: str) -> tuple[int, int, int | None, int]:
    """How many `what` (1 to `most`), the seed, the class on labelled data (None: one of each) and the speed in
    `unit` per second (0: all at once, bound to the URL as `{prefix}_watch_speed`)."""
    cols = st.columns([1, 1, 1.2, 2])
    n = int(cols[0].slider(what, 1, most, count, key=f"{prefix}_watch_n"))
    seed = int(cols[1].number_input("Seed", 0, 10**6, 0, key=f"{prefix}_watch_seed"))
    label = None
    if trainer.num_classes:
        names = trainer.data.class_names or [str(k) for k in range(trainer.num_classes)]
        choice = cols[2].selectbox("Class", ["one of each"] + names, key=f"{prefix}_watch_class")
        label = None if choice == "one of each" else names.index(choice)

    def speed_label(v: int) -> str:
        return "all at once" if v == 0 else f"{v}/s"

    key = f"{prefix}_watch_speed"
    controls.url_choice(key, speeds, speed_label)
    initial = {} if key in st.session_state else {"value": speed}
    chosen = cols[3].select_slider(f"Speed ({unit} per second)", speeds, **initial, key=key,
                                   format_func=speed_label, bind="query-params")
    return n, seed, label, chosen


def _start(prefix: str, run: Run, start: Callable[..., dict[str, Any]], n: int, seed: int, label: int | None) -> None:
    st.session_state[f"{prefix}_movie"] = {**start(run, n, seed, label), "seed": seed, "run_id": run.run_id}
    st.session_state[f"{prefix}_playing"] = True


def _set_playing(prefix: str, playing: bool) -> None:
    st.session_state[f"{prefix}_playing"] = playing


def _advance_to(prefix: str, drawn: int) -> None:
    """A button's callback: idempotent, because Streamlit may deliver one click twice during a fragment rerun."""
    state = st.session_state.get(f"{prefix}_movie")
    if state is not None:
        state["movie"].advance_to(drawn)


def movie_player(prefix: str, run: Run, *, start: Callable[..., dict[str, Any]], draw: Callable[[dict], None],
                 text: MovieText, what: str, most: int, count: int, speeds: list[int], speed: int, unit: str,
                 tick: float, pausable: bool = True) -> None:
    """The whole panel. `start(run, n, seed, label)` makes a movie from the live run (a dict holding "movie", a
    `SamplingMovie`, and what `draw` needs); `draw(state)` draws it. The movie lives in the session as
    `{prefix}_movie` and plays while `{prefix}_playing`; a new model drops its predecessor's movie."""
    n, seed, label, chosen_speed = movie_controls(prefix, run.trainers[0], what, most, count, speeds, speed, unit)
    key = f"{prefix}_movie"
    state = st.session_state.get(key)
    if state is not None and state["run_id"] != run.run_id:
        state = st.session_state[key] = None
    done = state is None or state["movie"].done
    playing = bool(st.session_state.get(f"{prefix}_playing")) and not done
    buttons = st.columns(4 if pausable else 3)
    buttons[0].button(text.start, key=f"{prefix}_watch_start", type="primary", on_click=_start,
                      args=(prefix, run, start, n, seed, label), width="stretch", help=text.start_help)
    rest = buttons[1:]
    if pausable:
        if playing:
            rest[0].button(":material/pause: Pause", key=f"{prefix}_watch_pause", on_click=_set_playing,
                           args=(prefix, False), width="stretch")
        else:
            rest[0].button(":material/play_arrow: Resume", key=f"{prefix}_watch_resume", on_click=_set_playing,
                           args=(prefix, True), disabled=done, width="stretch")
        rest = rest[1:]
    drawn = 0 if state is None or state["movie"].last is None else state["movie"].last.drawn
    rest[0].button(text.step, key=f"{prefix}_watch_step", on_click=_advance_to, args=(prefix, drawn + 1),
                   width="stretch", disabled=done or playing)
    rest[1].button("Finish", key=f"{prefix}_watch_finish", on_click=_advance_to, args=(prefix, FINISH),
                   width="stretch", disabled=done)
    if state is None:
        st.caption(text.empty)
        return
    per_tick = FINISH if chosen_speed == 0 else max(1, round(chosen_speed * tick))

    @st.fragment(run_every=tick if playing else None)
    def _movie_area():
        movie = state["movie"]
        if playing and st.session_state.get(f"{prefix}_playing") and not movie.done:
            movie.advance(per_tick)
        draw(state)
        if playing and movie.done:
            st.session_state[f"{prefix}_playing"] = False
            st.rerun()

    _movie_area()
