"""AppTest of the real-or-fake page: a round played with the buttons (single images, pairs, timed), every answer in
the database and on the leaderboard, the next round, a live run as the opponent, bad URL values reported, the
instructor's reset behind the password, and a database that is corrupt or cannot be opened."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.game.store import AnswerStore, default_url, make_engine

ROOT = Path(__file__).resolve().parents[2]


def page(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "real_or_fake.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def stored() -> AnswerStore:
    store = AnswerStore(make_engine(default_url()))
    store.open()
    return store


def play_round(at: AppTest, key_of) -> None:
    """Answer every trial of the round with the button `key_of(trial)` names."""
    play = at.session_state["_rof_play"]
    while not play.done:
        at.button(key=key_of(play.trial)).click().run()
        assert not at.exception, at.exception


def test_a_round_is_played_stored_scored_and_followed_by_the_next():
    at = page(rof_length="4").run()
    assert not at.exception, at.exception
    play = at.session_state["_rof_play"]
    assert play.round.model.id == "pretrained:gan-digits" and len(play.round.trials) == 4
    assert {"rof_real", "rof_fake"} <= {b.key for b in at.button}
    assert len(at.get("image")) == 1, "one image on screen"
    play_round(at, lambda trial: "rof_real")  # always "real": wrong exactly on the fakes
    assert at.subheader[0].value == "Round 1 done: 50% error"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Your error rate"] == "50%" and metrics["Fakes you judged real"] == "100%"
    assert metrics["Reals you judged fake"] == "0%"
    frame = stored().frame()
    assert len(frame) == 4 and set(frame["answer"]) == {"real"} and frame["model"].unique().tolist() == [
        "pretrained:gan-digits"]
    assert frame["player"].nunique() == 1 and (frame["seconds"] >= 0).all()
    at.run()  # the leaderboard fragment reads the store
    board = at.dataframe[0].value
    assert board.loc[0, "model"] == "pretrained:gan-digits" and board.loc[0, "answers"] == 4
    assert board.loc[0, "error"] == pytest.approx(50)
    at.button(key="rof_next").click().run()
    at.run()
    assert at.session_state["rof_seed"] == 2 and at.session_state["_rof_play"].round.spec.seed == 2
    assert at.session_state["_rof_play"].position == 0 and not at.exception
    at.button(key="rof_fake").click().run()
    at.number_input(key="rof_seed").set_value(9).run()  # a setting changed mid-round: a new round
    play = at.session_state["_rof_play"]
    assert play.round.spec.seed == 9 and play.position == 0 and not at.exception


def test_two_players_of_the_same_round_see_the_same_images():
    first, second = page(rof_length="6", rof_seed="3").run(), page(rof_length="6", rof_seed="3").run()
    a, b = first.session_state["_rof_play"], second.session_state["_rof_play"]
    assert a.player != b.player
    assert [t[0].image_id for t in a.round.trials] == [t[0].image_id for t in b.round.trials]


def test_pairs_and_the_timed_mode():
    at = page(rof_length="2", rof_paired="true", rof_model="pretrained:vae-digits").run()
    assert not at.exception and {"rof_left", "rof_right"} <= {b.key for b in at.button}
    play_round(at, lambda trial: "rof_left" if trial[0].truth == "real" else "rof_right")  # always right
    assert {m.label: m.value for m in at.metric}["Your error rate"] == "0%"
    at = page(rof_length="3", rof_timed="true").run()
    assert at.get("html"), "the timed image is drawn with its exposure"
    play_round(at, lambda trial: "rof_fake")
    assert "Your threshold (HYPE-time)" in {m.label for m in at.metric}
    timed = stored().frame().dropna(subset=["exposure_ms"])
    assert len(timed) == 3 and timed["exposure_ms"].iloc[0] == 500


def test_a_live_run_of_this_session_is_an_opponent():
    from engine.registry import build_trainer
    from engine.runs import Run

    at = page(rof_length="2")
    at.session_state["_run_vae"] = Run(lambda: build_trainer("vae", {"dataset": "digits", "latent_dim": 2,
                                                                     "width": 8, "batch_size": 16}))
    at.run()
    assert "live:vae" in at.selectbox(key="rof_model").options
    at.selectbox(key="rof_model").set_value("live:vae").run()
    play = at.session_state["_rof_play"]
    assert play.round.model.id.startswith("live:") and play.round.model.id.endswith("@0")
    play_round(at, lambda trial: "rof_fake")
    assert stored().frame()["family"].tolist() == ["vae", "vae"]


def test_bad_url_values_are_reported():
    at = page(rof_length="many", rof_model="pretrained:nothing", rof_colour="blue").run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "rof_length" in text and "rof_model=pretrained:nothing" in text and "rof_colour" in text
    assert at.session_state["_rof_play"].round.spec.length == 20, "the defaults are played instead"


def test_export_for_everyone_and_the_reset_behind_the_instructors_password():
    at = page(rof_length="2").run()
    play_round(at, lambda trial: "rof_real")
    assert at.get("download_button"), "the CSV export"
    assert any("instructor_password" in i.value for i in at.info), "no password set: the page says how"
    assert "rof_reset" not in {b.key for b in at.button}
    at = page(rof_length="2")
    at.secrets["genlab"] = {"instructor_password": "tutor"}
    at.run()
    at.text_input(key="rof_password").input("tutor").run()
    at.checkbox(key="rof_reset_sure").check().run()
    at.button(key="rof_reset").click().run()
    assert not at.exception and stored().version()[0] == 0


def test_a_corrupt_database_is_replaced_with_a_note_and_the_game_goes_on():
    path = Path(os.environ["GENLAB_RUNS_DIR"]) / "real_or_fake.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00garbage" * 500)
    at = page(rof_length="2").run()
    assert not at.exception
    assert any("could not be read" in w.value for w in at.warning)
    play_round(at, lambda trial: "rof_real")
    assert stored().version()[0] == 2


def test_a_database_that_cannot_be_opened_leaves_the_game_playable(tmp_path, monkeypatch):
    blocker = tmp_path / "not a folder"
    blocker.write_text("")
    monkeypatch.setenv("GENLAB_RUNS_DIR", str(blocker))
    at = page(rof_length="2").run()
    assert not at.exception
    assert any("not being stored" in e.value for e in at.error)
    play_round(at, lambda trial: "rof_fake")
    assert at.subheader[0].value.startswith("Round 1 done")


def test_any_sqlalchemy_url_from_the_secrets(tmp_path):
    url = f"sqlite:///{tmp_path / 'room.db'}"
    at = page(rof_length="2")
    at.secrets["connections"] = {"genlab_game": {"url": url}}
    at.run()
    play_round(at, lambda trial: "rof_real")
    store = AnswerStore(make_engine(url))
    assert store.version()[0] == 2, "the answers went to the configured database"
    assert not (Path(os.environ["GENLAB_RUNS_DIR"]) / "real_or_fake.sqlite").exists()
