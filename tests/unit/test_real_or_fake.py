"""The real-or-fake game's engine: the error rate and its interval on synthetic answers with known results, the
staircase against Levitt's convergence points, rounds (same seed, same images; reals never repeated), the models to
play against, the answer store (no lost writes under 20 concurrent writers; a missing or corrupt file gives a note
and a fresh store) and the leaderboard."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from engine.config import ConfigError
from engine.data.images import ImageDataset
from engine.game import opponents, pictures
from engine.game.hype import bootstrap_interval, error_rates
from engine.game.leaderboard import leaderboard
from engine.game.rounds import FAKE, REAL, Answer, Model, Play, RoundSpec, draw_round
from engine.game.staircase import Staircase, threshold_ms
from engine.game.store import AnswerStore, StoreError, default_url, make_engine

MODEL = Model("test:model", "a test model", "gan", {"loss": "hinge"})
HELDOUT = np.arange(40 * 64, dtype=np.int64).reshape(40, 1, 8, 8).astype(np.uint8)  # 40 distinct-ish images


def fake_sample(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed + 10_000).integers(0, 256, size=(n, 1, 8, 8), dtype=np.uint8)


def a_round(**spec) -> "Play":
    return Play(draw_round(RoundSpec(**spec), MODEL, "toy", HELDOUT, fake_sample), "p1")


# --------------------------------------------------------------------------- the error rate
def test_error_rates_count_each_kind_of_mistake():
    is_fake = [True, True, True, False, False]
    judged_fake = [True, False, False, True, False]  # 2 fakes judged real, 1 real judged fake
    rates = error_rates(is_fake, judged_fake)
    assert (rates.n, rates.n_fake, rates.n_real) == (5, 3, 2)
    assert rates.error == pytest.approx(3 / 5)
    assert rates.fake_error == pytest.approx(2 / 3) and rates.real_error == pytest.approx(1 / 2)
    assert np.isnan(error_rates([False], [False]).fake_error), "no fakes: nothing to count"
    with pytest.raises(ValueError):
        error_rates([True], [True, False])


@pytest.mark.parametrize("share", [0.2, 0.5, 0.75])
def test_an_always_real_player_errs_on_exactly_the_fakes(share):
    play = a_round(length=20, fake_share=share)
    while not play.done:
        play.answer(REAL)
    rates = play.rates()
    assert rates.error == pytest.approx(round(20 * share) / 20) and rates.fake_error == 1 and rates.real_error == 0


def test_a_random_player_errs_half_the_time():
    rng = np.random.default_rng(0)
    is_fake = rng.random(20_000) < 0.3  # whatever the share of fakes
    judged_fake = rng.random(20_000) < 0.5
    rates = error_rates(is_fake, judged_fake)
    assert abs(rates.error - 0.5) < 3 * np.sqrt(0.25 / 20_000)
    assert abs(rates.fake_error - 0.5) < 0.03 and abs(rates.real_error - 0.5) < 0.03


# --------------------------------------------------------------------------- the bootstrap interval
def test_the_interval_is_scipys_percentile_bootstrap_over_answers():
    wrong = np.random.default_rng(1).random(80) < 0.4
    reference = scipy.stats.bootstrap((wrong.astype(float),), np.mean, method="percentile", n_resamples=20_000,
                                      rng=np.random.default_rng(0)).confidence_interval
    low, high = bootstrap_interval(wrong, n_resamples=20_000)
    assert low == pytest.approx(reference.low, abs=0.015) and high == pytest.approx(reference.high, abs=0.015)
    one_player = bootstrap_interval(wrong, ["one player"] * 80, n_resamples=5000)
    assert one_player == bootstrap_interval(wrong, n_resamples=5000), "one player: the plain bootstrap over answers"
    assert all(np.isnan(bootstrap_interval([])))


def test_the_interval_covers_the_truth_at_its_nominal_rate():
    rng = np.random.default_rng(2)
    hits = 0
    for trial in range(300):
        low, high = bootstrap_interval(rng.random(100) < 0.3, n_resamples=1000, seed=trial)
        hits += low <= 0.3 <= high
    assert 0.92 <= hits / 300 <= 0.99, hits / 300


def test_a_rooms_interval_resamples_players_and_covers_where_answers_alone_do_not():
    """30 players of different skill (error ~ Beta, mean 0.3), 20 answers each: one player's answers are not
    independent, so resampling answers alone is far too sure of itself."""
    rng = np.random.default_rng(3)
    players = np.repeat(np.arange(30), 20)
    by_players = by_answers = 0
    for trial in range(300):
        skill = rng.beta(1.5, 3.5, size=30)
        wrong = rng.random(players.size) < skill[players]
        low, high = bootstrap_interval(wrong, players, n_resamples=1000, seed=trial)
        by_players += low <= 0.3 <= high
        low, high = bootstrap_interval(wrong, n_resamples=1000, seed=trial)
        by_answers += low <= 0.3 <= high
    assert by_players / 300 >= 0.93, by_players / 300
    assert by_answers / 300 < 0.85, by_answers / 300


# --------------------------------------------------------------------------- the staircase
def test_the_staircase_steps_down_when_right_up_when_wrong_and_stays_on_its_ladder():
    stairs = Staircase()
    assert stairs.exposure_ms == 500
    assert stairs.update(True) == 450 and stairs.update(False) == 500 and stairs.update(False) == 550
    for _ in range(40):
        stairs.update(True)
    assert stairs.exposure_ms == 100, "never below the ladder"
    for _ in range(40):
        stairs.update(False)
    assert stairs.exposure_ms == 1000 and stairs.trials[:3] == [(500, True), (450, False), (500, False)]


@pytest.mark.parametrize("down, target", [(1, 0.5), (2, 0.5 ** 0.5)])
def test_the_staircase_settles_where_levitt_says(down, target):
    """A simulated player right with probability p(t) = 1 / (1 + exp(-(t - 500) / 100)): a down-1 / up-1 staircase
    settles where p = 1/2 (500 ms), down-2 / up-1 where p^2 = 1/2 (588 ms)."""
    rng = np.random.default_rng(4)
    stairs = Staircase(down=down)
    for _ in range(4000):
        t = stairs.exposure_ms
        stairs.update(rng.random() < 1 / (1 + np.exp(-(t - 500) / 100)))
    settled = np.mean([e for e, _ in stairs.trials[500:]])
    expected = 500 + 100 * np.log(target / (1 - target))
    assert abs(settled - expected) < 40, (settled, expected)


def test_the_threshold_is_the_modal_exposure():
    assert threshold_ms([500, 450, 400, 450, 400, 450]) == 450
    assert threshold_ms([300, 350, 300, 350]) == 300, "ties: the shorter"
    assert np.isnan(threshold_ms([]))


# --------------------------------------------------------------------------- rounds
def test_the_same_round_shows_the_same_images_and_never_repeats_a_real_one():
    first, second = a_round(seed=5, length=30).round, a_round(seed=5, length=30).round
    assert first.key == second.key
    for a, b in zip(first.trials, second.trials):
        assert a[0].image_id == b[0].image_id and np.array_equal(a[0].image, b[0].image)
    reals = [t[0].image_id for t in first.trials if t[0].truth == REAL]
    assert len(reals) == 15 and len(set(reals)) == 15
    other = a_round(seed=6, length=30).round
    assert [t[0].image_id for t in other.trials] != [t[0].image_id for t in first.trials]
    another_model = draw_round(RoundSpec(seed=5, length=30), Model("other", "o", "vae"), "toy", HELDOUT, fake_sample)
    assert sorted(t[0].image_id for t in another_model.trials if t[0].truth == REAL) == sorted(reals), \
        "every model's round 5 shows the same real images"


def test_a_round_shows_the_share_of_fakes_asked_in_a_shuffled_order():
    trials = a_round(seed=1, length=20, fake_share=0.25).round.trials
    truths = [t[0].truth for t in trials]
    assert truths.count(FAKE) == 5 and truths != sorted(truths)


def test_pairs_hold_one_real_and_one_fake_on_either_side():
    trials = a_round(seed=2, length=16, paired=True).round.trials
    assert all(sorted(s.truth for s in t) == [FAKE, REAL] for t in trials)
    assert 0 < sum(t[0].truth == REAL for t in trials) < 16, "the real one is not always on the same side"


def test_rounds_that_cannot_be_drawn_are_refused_naming_the_setting():
    with pytest.raises(ConfigError, match="40 images") as err:
        a_round(length=100, fake_share=0.0)
    assert err.value.key == "length"
    with pytest.raises(ConfigError) as err:
        a_round(paired=True, timed=True)
    assert err.value.key == "timed"
    with pytest.raises(ConfigError) as err:
        a_round(fake_share=1.5)
    assert err.value.key == "fake_share"
    with pytest.raises(ValueError, match="not trained on toy"):
        draw_round(RoundSpec(), MODEL, "toy", HELDOUT, lambda n, s: np.zeros((n, 3, 32, 32), np.uint8))


def test_playing_records_each_answer_with_its_time_and_the_mistakes():
    play = a_round(seed=3, length=4)
    truths = [t[0].truth for t in play.round.trials]
    for i, truth in enumerate(truths):
        play.show(now=100.0 + 10 * i)
        play.show(now=999.0)  # only the first showing counts
        said = truth if i % 2 == 0 else (REAL if truth == FAKE else FAKE)
        made = play.answer(said, now=102.5 + 10 * i)
        assert made[0].seconds == pytest.approx(2.5) and made[0].truth == truth and made[0].answer == said
    assert play.done and play.rates().error == 0.5
    assert [shown.image_id for shown, _ in play.missed()] == [play.round.trials[i][0].image_id for i in (1, 3)]
    assert json.loads(play.answers[0].tricks) == {"loss": "hinge"} and play.answers[0].exposure_ms is None
    with pytest.raises(ValueError, match="over"):
        play.answer(REAL)


def test_a_pair_answer_is_one_answer_per_image_and_the_timed_mode_moves_the_staircase():
    play = a_round(seed=4, length=2, paired=True)
    with pytest.raises(ValueError, match="left, right"):
        play.answer(REAL)
    made = play.answer("left")
    assert [a.answer for a in made] == [REAL, FAKE] and all(a.shown == "pair" for a in made)
    timed = a_round(seed=4, length=3, timed=True)
    right = timed.round.trials[0][0].truth
    first = timed.answer(right)[0]
    assert first.exposure_ms == 500 and timed.exposure_ms == 450


def test_pictures_are_enlarged_by_whole_pixels():
    image = np.random.default_rng(0).integers(0, 256, size=(1, 8, 8), dtype=np.uint8)
    big = pictures.enlarge(image)
    assert big.shape == (280, 280, 1)
    assert np.array_equal(big[::35, ::35, 0], image[0]) and (big[:35, :35] == image[0, 0, 0]).all()
    assert pictures.enlarge(np.zeros((3, 28, 28), np.uint8)).shape == (280, 280, 3)
    assert pictures.png(image)[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- the models to play against
def test_the_shipped_models_are_opponents_with_their_tricks():
    choices = opponents.saved_choices()
    assert {"pretrained:gan-digits", "pretrained:vae-digits", "pretrained:ae-digits",
            "pretrained:pixelcnn-digits"} <= set(choices)
    folder, label = choices["pretrained:ae-digits"]
    opponent = opponents.load(folder, "pretrained:ae-digits", label)
    assert opponent.model.family == "vae" and opponent.model.tricks == {"model": "ae"}
    assert opponent.heldout.dtype == np.uint8 and opponent.heldout.shape[1:] == (1, 8, 8)
    images = opponent.sample(6, 1)
    assert images.shape == (6, 1, 8, 8) and images.dtype == np.uint8
    assert np.array_equal(images, opponent.sample(6, 1)), "a fixed seed, the same fakes"


def test_a_classifier_is_not_an_opponent():
    data = ImageDataset("digits", HELDOUT, None, HELDOUT, None)
    assert not opponents.plays_images(SimpleNamespace(family="classifier", data=data))
    assert opponents.plays_images(SimpleNamespace(family="vae", data=data))
    assert not opponents.plays_images(SimpleNamespace(family="gan", data=object()))


def test_a_live_run_is_played_as_it_is_now():
    from engine.registry import build_trainer
    from engine.runs import Run

    run = Run(lambda: build_trainer("vae", {"dataset": "digits", "latent_dim": 2, "width": 8, "batch_size": 16,
                                            "eval_every": 10_000}))
    run.step_once()
    run.wait_until(lambda s: s.step == 1)
    opponent = opponents.from_run(run, "vae")
    assert opponent.model.id == f"live:{run.run_id}@1" and "step 1" in opponent.model.label
    round_ = draw_round(RoundSpec(length=4), opponent.model, opponent.dataset, opponent.heldout, opponent.sample)
    assert sum(t[0].truth == FAKE for t in round_.trials) == 2
    run.stop()


# --------------------------------------------------------------------------- the answer store
def answer(player: str, image: str, truth=REAL, said=FAKE, model="m1", exposure=None, shown="single") -> Answer:
    return Answer(time.time(), player, "round 1", model, f"label of {model}", "gan", "{}", image, truth, said, 1.5,
                  exposure, shown)


@pytest.fixture
def store(tmp_path) -> AnswerStore:
    store = AnswerStore(make_engine(default_url(tmp_path)))
    assert "fresh" in store.open()
    return store


def _hammer(store: AnswerStore, threads: int = 20, answers: int = 50) -> float:
    def write(t):
        for k in range(answers):
            store.add([answer(f"player{t}", f"image{k}")])

    started = time.perf_counter()
    workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - started


def test_twenty_concurrent_writers_lose_no_answer(store):
    _hammer(store)
    frame = store.frame()
    assert store.version() == (1000, 1000) and len(frame) == 1000
    assert set(zip(frame["player"], frame["image"])) == {(f"player{t}", f"image{k}") for t in range(20)
                                                         for k in range(50)}
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_writers_that_find_the_database_locked_retry_until_stored(tmp_path):
    store = AnswerStore(make_engine(default_url(tmp_path)), busy_timeout_ms=1, retries=40)
    store.open()
    _hammer(store)
    assert store.version()[0] == 1000 and store.retried > 0, "the 1 ms busy timeout forces retries"


def test_a_missing_file_is_started_afresh_with_a_note(store):
    store.add([answer("p", "i")])
    store.path.unlink()
    note = store.check()
    assert "missing" in note and str(store.path) in note
    assert store.version() == (0, 0) and store.check() is None
    store.add([answer("p", "i")])
    assert store.version()[0] == 1


@pytest.mark.parametrize("damage", ["not a database", "malformed"])
def test_a_corrupt_file_is_moved_aside_and_a_fresh_one_started(tmp_path, damage):
    url = default_url(tmp_path)
    path = tmp_path / "real_or_fake.sqlite"
    if damage == "not a database":
        path.write_bytes(b"these are not the answers you are looking for" * 100)
    else:
        first = AnswerStore(make_engine(url))
        first.open()
        first.add([answer("p", f"i{k}") for k in range(2000)])
        first.engine.dispose()
        with sqlite3.connect(path) as raw:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        data = bytearray(path.read_bytes())
        data[4096:len(data) - 4096] = b"\xff" * (len(data) - 8192)  # every page but the first and the last
        path.write_bytes(bytes(data))
    store = AnswerStore(make_engine(url))
    note = store.open()
    assert "could not be read" in note and "moved to" in note and "fresh" in note
    assert store.version() == (0, 0)
    assert [p.name for p in tmp_path.glob("real_or_fake.sqlite.corrupt-*")], "the damaged file is kept aside"


def test_a_database_that_cannot_be_opened_says_why(tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot"):
        AnswerStore(make_engine(default_url(blocker))).open()  # its folder would be inside a file


def test_reset_and_csv(store):
    store.add([answer("p", "i1"), answer("q", "i2", exposure=450)])
    lines = store.to_csv().decode().splitlines()
    assert lines[0].startswith("at,player,round,model") and len(lines) == 3
    assert store.reset() == 2 and store.version()[0] == 0


# --------------------------------------------------------------------------- the leaderboard
def test_the_leaderboard_scores_each_model_from_its_answers():
    rows = [answer("p1", "a", FAKE, REAL, "good"), answer("p1", "b", REAL, REAL, "good"),
            answer("p2", "c", FAKE, FAKE, "good"), answer("p2", "d", REAL, FAKE, "good"),
            answer("p1", "e", FAKE, FAKE, "poor"), answer("p1", "f", REAL, REAL, "poor"),
            answer("p3", "g", REAL, FAKE, "poor", shown="pair"), answer("p3", "h", FAKE, REAL, "poor", shown="pair"),
            answer("p4", "i", FAKE, FAKE, "poor", exposure=500), answer("p4", "j", FAKE, REAL, "poor", exposure=450),
            answer("p4", "k", FAKE, FAKE, "poor", exposure=500)]
    board = leaderboard(pd.DataFrame([r.__dict__ for r in rows]))
    assert list(board["model"]) == ["good", "poor"], "the most fooling first"
    good, poor = board.iloc[0], board.iloc[1]
    assert good["error"] == 0.5 and good["fakes_judged_real"] == 0.5 and good["reals_judged_fake"] == 0.5
    assert good["answers"] == 4 and good["players"] == 2 and good["low"] <= 0.5 <= good["high"]
    assert poor["error"] == 0 and poor["answers"] == 2, "pairs and timed answers are not HYPE-infinity's"
    assert poor["pairs"] == 1 and poor["pair_error"] == 1.0
    assert poor["timed_players"] == 1 and poor["threshold_ms"] == 500
    assert good["tricks"] == "family defaults"
    assert leaderboard(pd.DataFrame()).empty
