"""The player's side of the real-or-fake page: the models to play against, the round's settings, one trial at a time
with its buttons and keys (R and F; arrows for pairs), right or wrong after each answer, and the round's result.
Every number and picture comes from engine/game; nothing here touches a model. The room's side (the answer store,
the leaderboard, export and reset) is app/ui/real_or_fake_room.py."""

from __future__ import annotations

import base64
import os
import statistics
import uuid

import plotly.graph_objects as go
import streamlit as st

from app.ui import controls
from engine.config import ConfigError, apply_overrides, specs
from engine.data import DataUnavailable
from engine.game import opponents, pictures
from engine.game.leaderboard import tricks_text
from engine.game.rounds import FAKE, LEFT, REAL, RIGHT, Play, Round, RoundSpec, draw_round
from engine.game.staircase import threshold_ms
from engine.game.store import AnswerStore, StoreError
from engine.runs import Run

PREFIX = "rof_"  # the round's settings are rof_seed, rof_length, ... in the session and the URL
MODEL_KEY = "rof_model"
PLAY = "_rof_play"
DEFAULT_MODEL = "pretrained:gan-digits"

# Streamlit keeps the R key for itself (it reruns the app) and refuses it as a button shortcut. This listener,
# registered before Streamlit's on the capture phase, turns R into a click of the Real button instead (F is a
# plain `shortcut="f"`). One listener at a time, whatever the reruns; keys typed into a text box are left alone.
KEYS_JS = """
export default function ({ data }) {
  const onKey = (event) => {
    if (event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
    const key = data[event.key.toLowerCase()];
    const button = key && document.querySelector(`.st-key-${key} button`);
    if (!button || button.disabled) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    button.click();
  };
  if (window.__genlabRealOrFakeKeys) window.removeEventListener("keydown", window.__genlabRealOrFakeKeys, true);
  window.__genlabRealOrFakeKeys = onKey;
  window.addEventListener("keydown", onKey, true);
  return () => {
    if (window.__genlabRealOrFakeKeys === onKey) {
      window.removeEventListener("keydown", onKey, true);
      delete window.__genlabRealOrFakeKeys;
    }
  };
}
"""
_KEYS = st.components.v2.component("genlab_real_or_fake_keys", js=KEYS_JS)


# ---------------------------------------------------------------------------------------------- the models
def player() -> str:
    """This browser session's anonymous player id."""
    return st.session_state.setdefault("_rof_player", uuid.uuid4().hex[:8])


def live_runs() -> dict[str, Run]:
    """This session's live runs of image models, by choice id ("live:<page slot>")."""
    out = {}
    for key in list(st.session_state.keys()):
        run = st.session_state[key] if str(key).startswith("_run_") else None
        if isinstance(run, Run) and len(run.members) == 1 and opponents.plays_images(run.trainers[0]):
            out[f"live:{str(key)[len('_run_'):]}"] = run
    return out


@st.cache_data(ttl=5, show_spinner=False)
def _saved_in(root: str) -> dict[str, tuple[str, str, float]]:
    """choice id -> (folder, label, modified time) of the shipped models and the saved runs under `root`."""
    return {key: (str(folder), label, (folder / "checkpoint.pt").stat().st_mtime)
            for key, (folder, label) in opponents.saved_choices(root).items() if (folder / "checkpoint.pt").exists()}


def _saved() -> dict[str, tuple[str, str, float]]:
    return _saved_in(os.environ.get("GENLAB_RUNS_DIR", "runs"))


def model_picker() -> str | None:
    """The model to play against (a choice id, URL-bound as rof_model), with its label under it."""
    labels = {key: f"{key[len('live:'):]} · this session's run, step {run.peek().step:,}"
              for key, run in live_runs().items()}
    labels.update({key: label for key, (_, label, _) in _saved().items()})
    asked = st.query_params.get(MODEL_KEY)
    if asked is not None and asked not in labels:
        st.warning(f"Ignored URL parameter `{MODEL_KEY}={asked}`: no such model here. The shipped models, saved "
                   "runs and this session's live runs are listed in the sidebar.")
    if st.session_state.get(MODEL_KEY) not in labels:
        st.session_state.pop(MODEL_KEY, None)
    options = list(labels)
    if not options:
        st.sidebar.info("No model to play against: train an image model on its page, or save one.")
        return None
    index = options.index(DEFAULT_MODEL) if DEFAULT_MODEL in options else 0
    initial = {} if MODEL_KEY in st.session_state else {"index": index}
    choice = st.sidebar.selectbox("Model", options, **initial, key=MODEL_KEY, bind="query-params",
                                  help="Play against a shipped pretrained model, a saved run (runs/), or the model "
                                       "training live on another page of this session (its samples are drawn "
                                       "between two training steps, once per round).")
    st.sidebar.caption(labels[choice])
    return choice


def round_spec() -> RoundSpec | None:
    """The round's settings from the sidebar (drawn from RoundSpec's declarations); None with the reason shown."""
    table = specs(RoundSpec)
    with st.sidebar:
        paired = controls.widget(table["paired"], key_prefix=PREFIX)
        controls.widget(table["seed"], key_prefix=PREFIX)
        controls.widget(table["length"], key_prefix=PREFIX)
        controls.widget(table["fake_share"], key_prefix=PREFIX, disabled=paired)
        controls.widget(table["timed"], key_prefix=PREFIX, disabled=paired)
    values = {name: st.session_state.get(PREFIX + name, spec.default) for name, spec in table.items()}
    try:
        return apply_overrides(RoundSpec(), values)
    except ConfigError as err:
        st.error(str(err), icon=":material/error:")
        return None


@st.cache_resource(max_entries=8, show_spinner=False)
def _saved_opponent(choice: str, folder: str, label: str, modified: float) -> opponents.Opponent:
    return opponents.load(folder, choice, label)


@st.cache_resource(max_entries=32, show_spinner=False)
def _saved_round(choice: str, folder: str, label: str, modified: float, spec: RoundSpec) -> Round:
    """A round of a saved model, drawn once for every player of it."""
    opponent = _saved_opponent(choice, folder, label, modified)
    return draw_round(spec, opponent.model, opponent.dataset, opponent.heldout, opponent.sample)


def _draw(choice: str, spec: RoundSpec) -> Round:
    if choice.startswith("live:"):
        opponent = opponents.from_run(live_runs()[choice], choice[len("live:"):])  # the live model as it is now
        return draw_round(spec, opponent.model, opponent.dataset, opponent.heldout, opponent.sample)
    folder, label, modified = _saved()[choice]
    return _saved_round(choice, folder, label, modified, spec)


def start(choice: str | None, spec: RoundSpec | None) -> Play | None:
    """This session's play of the round the sidebar describes: the same one while nothing changes, a new one (its
    images drawn now) when the model or a setting changed or the round was restarted."""
    if choice is None or spec is None:
        return None
    identity = (choice, spec, st.session_state.get("_rof_restarts", 0))
    play = st.session_state.get(PLAY)
    if play is not None and st.session_state.get("_rof_identity") == identity:
        return play
    try:
        with st.spinner("Drawing the round's images..."):
            play = Play(_draw(choice, spec), player())
    except (ConfigError, ValueError, DataUnavailable) as err:  # a round too long, a saved run that cannot load
        st.error(str(err), icon=":material/error:")
        return None
    st.session_state.update({PLAY: play, "_rof_identity": identity, "_rof_last": None})
    return play


def round_caption(play: Play | None) -> None:
    if play is not None:
        model = play.round.model
        st.caption(f"You are player `{play.player}` (anonymous), against **{model.label}** ({model.family}; tricks: "
                   f"{tricks_text(model.tricks)}). Everyone who plays round {play.round.spec.seed} of this "
                   "model sees the same images.")


# ---------------------------------------------------------------------------------------------- playing
def _answer(store: AnswerStore | None, choice: str, position: int) -> None:
    play: Play = st.session_state[PLAY]
    if play.done or play.position != position:  # a click delivered twice, or on an image already answered
        return
    made = play.answer(choice)
    st.session_state["_rof_last"] = made
    if store is None:
        return
    unsaved = st.session_state.setdefault("_rof_unsaved", [])  # answers a failed write left, tried again now
    unsaved.extend(made)
    try:
        store.add(unsaved)
        unsaved.clear()
        st.session_state.pop("_rof_store_problem", None)
    except StoreError as err:
        st.session_state["_rof_store_problem"] = f"{err}. {len(unsaved)} answer(s) kept to store with the next one."


def _feedback() -> None:
    made = st.session_state.get("_rof_last")
    if made:
        right = made[0].answer == made[0].truth
        if len(made) == 2:
            side = LEFT if made[0].truth == REAL else RIGHT
            what = f"the real one was on the {side}"
        else:
            what = f"that one was {made[0].truth}"
        text = f"**{'Right' if right else 'Wrong'}**: {what} ({made[0].seconds:.1f} s)."
        st.markdown(f":{'green' if right else 'red'}[{':material/check_circle:' if right else ':material/cancel:'}"
                    f" {text}]")
    problem = st.session_state.get("_rof_store_problem")
    if problem:
        st.warning(problem, icon=":material/database:")


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode()


def _timed_picture(play: Play) -> None:
    """The image for the staircase's exposure, then a noise mask in its place (a CSS animation: no round trip)."""
    shown, exposure = play.trial[0], play.exposure_ms
    size = pictures.enlarge(shown.image).shape[0]
    uid = f"{play.round.spec.seed}-{play.position}"
    mask = _b64(pictures.mask(shown.image.shape, play.position))
    st.html(f"""<style>@keyframes rof-hide-{uid} {{ to {{ visibility: hidden; }} }}</style>
<div style="position:relative;width:{size}px;height:{size}px;margin:0 auto" data-exposure-ms="{exposure}">
<img src="data:image/png;base64,{mask}" style="position:absolute;inset:0;width:100%;height:100%" alt="mask">
<img src="data:image/png;base64,{_b64(pictures.png(shown.image))}" alt="the image"
 style="position:absolute;inset:0;width:100%;height:100%;animation:rof-hide-{uid} 1ms linear {exposure}ms forwards">
</div>""")
    st.caption(f"Shown for {exposure} ms, then noise.")


def _single(store: AnswerStore | None, play: Play) -> None:
    if play.staircase is not None:
        _timed_picture(play)
    else:
        _, middle, _ = st.columns([1, 2, 1])
        middle.image(pictures.png(play.trial[0].image), width=pictures.SIZE)
    left, right = st.columns(2)
    left.button(":material/check: Real · R", key="rof_real", on_click=_answer, args=(store, REAL, play.position),
                width="stretch", help="This is one of the held-out real images (key R).")
    right.button(":material/auto_awesome: Fake", key="rof_fake", shortcut="f", on_click=_answer,
                 args=(store, FAKE, play.position), width="stretch", help="The model made this one (key F).")
    _KEYS(key="rof_keys", data={"r": "rof_real"})


def _pair(store: AnswerStore | None, play: Play) -> None:
    for column, shown, side, arrow in zip(st.columns(2), play.trial, (LEFT, RIGHT), ("Left", "Right")):
        column.image(pictures.png(shown.image), width=pictures.SIZE)
        column.button(f"This one is real · {arrow}", key=f"rof_{side}", shortcut=arrow, on_click=_answer,
                      args=(store, side, play.position), width="stretch",
                      help=f"The {side} image is the real one, the other the model's (key {arrow} arrow).")


@st.fragment
def play_area(store: AnswerStore | None) -> None:
    """The round: the current image(s) and the answer buttons, or the round's result. Only this part reruns on an
    answer, so the next image is there at once."""
    play: Play | None = st.session_state.get(PLAY)
    if play is None:
        return
    if st.session_state.pop("_rof_rerun", False):
        st.rerun()  # a new round was asked for: the sidebar and the round are redrawn
    _feedback()
    if play.done:
        summary(play)
        return
    total = len(play.round.trials)
    st.progress(play.position / total, text=f"Image {play.position + 1} of {total}" if len(play.trial) == 1
                else f"Pair {play.position + 1} of {total}: which one is real?")
    (_pair if len(play.trial) == 2 else _single)(store, play)
    play.show()


def _next_round(spec: RoundSpec) -> None:
    st.session_state[PREFIX + "seed"] = spec.seed % int(specs(RoundSpec)["seed"].high) + 1
    st.session_state["_rof_rerun"] = True


def _again() -> None:
    st.session_state["_rof_restarts"] = st.session_state.get("_rof_restarts", 0) + 1
    st.session_state["_rof_rerun"] = True


def summary(play: Play) -> None:
    """The end of a round: the error rate, split into fakes judged real and reals judged fake, the staircase's
    threshold in the timed mode, and the images judged wrong."""
    rates = play.rates()
    st.subheader(f"Round {play.round.spec.seed} done: {rates.error:.0%} error")
    cols = st.columns(4)
    cols[0].metric("Your error rate", f"{rates.error:.0%}", help="HYPE-infinity: wrong answers over all answers. "
                   "50% is chance: you could not tell the model's images from real ones.")
    cols[1].metric("Fakes you judged real", f"{rates.fake_error:.0%}" if rates.n_fake else "–",
                   help=f"Of {rates.n_fake} fakes.")
    cols[2].metric("Reals you judged fake", f"{rates.real_error:.0%}" if rates.n_real else "–",
                   help=f"Of {rates.n_real} real images.")
    median = statistics.median(a.seconds for a in play.answers)
    cols[3].metric("Time per answer", f"{median:.1f} s", help="The median, from the server sending the image to "
                   "the answer reaching it.")
    if play.staircase is not None:
        exposures = [e for e, _ in play.staircase.trials]
        st.metric("Your threshold (HYPE-time)", f"{threshold_ms(exposures):.0f} ms",
                  help="The exposure the staircase settled at (its mode): below it you no longer tell them apart.")
        st.plotly_chart(staircase_figure(play.staircase.trials), key="rof_staircase")
    missed = play.missed()
    if missed:
        st.markdown(f"**The {len(missed)} image(s) you got wrong**")
        cols = st.columns(6)
        for i, (shown, said) in enumerate(missed):
            cols[i % 6].image(pictures.png(shown.image, 112), caption=f"{shown.truth}: you said {said}")
    else:
        st.success("Not one wrong: this model did not fool you.", icon=":material/military_tech:")
    a, b = st.columns(2)
    a.button(":material/skip_next: Next round", key="rof_next", type="primary", on_click=_next_round,
             args=(play.round.spec,), width="stretch", help="The next round number: new images, for everyone.")
    b.button(":material/replay: Play this round again", key="rof_again", on_click=_again, width="stretch")


def staircase_figure(trials: list[tuple[int, bool]]) -> go.Figure:
    fig = go.Figure(go.Scatter(x=list(range(1, len(trials) + 1)), y=[e for e, _ in trials], mode="lines+markers",
                               marker=dict(color=["#2a9d3f" if right else "#d62728" for _, right in trials], size=9),
                               line=dict(color="#bbb"), hovertemplate="image %{x}: %{y} ms<extra></extra>"))
    fig.update_layout(height=220, margin=dict(l=10, r=10, t=30, b=10), title="Exposure per image (green: right)",
                      xaxis_title="image", yaxis_title="ms")
    return fig
