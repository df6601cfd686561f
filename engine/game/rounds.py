"""A round of real or fake: its images, drawn once from the round's seed, and the answers as they come.

The same seed gives the same round: the real images are the held-out images at indices drawn from the seed without
replacement (never repeated within a round, and the same for every model of that dataset), the fakes are
`sample(n, seed)` of the model, and the order comes from the seed. So two players of the same round see the same
images, and their answers are comparable. A single image is judged real or fake; in a pair (one real, one fake, sides
drawn from the seed) the player picks the real one, which is one answer for each image of the pair.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from engine.config import ConfigError, param, parse_value, specs
from engine.game.hype import Rates, error_rates
from engine.game.staircase import Staircase

REAL, FAKE = "real", "fake"
LEFT, RIGHT = "left", "right"
MAX_LENGTH = 100


@dataclass(frozen=True)
class RoundSpec:
    """What a round is; the page's controls and URL parameters (`rof_<key>`) are drawn from these declarations."""

    seed: int = param(1, "The round number. The same round shows the same images (reals drawn from the held-out "
                         "split by this seed, fakes sampled with it) to everyone, so the room's answers compare.",
                      low=1, high=100_000, label="Round")
    length: int = param(20, "Images in the round (pairs, in pair mode): the more, the surer your score.",
                        low=1, high=MAX_LENGTH, label="Images per round")
    fake_share: float = param(0.5, "Share of the single images that are the model's samples. With half fakes, "
                                   "answering at random or always 'real' both score 50% (chance).",
                              low=0.0, high=1.0, label="Share of fakes")
    paired: bool = param(False, "Show a real and a fake side by side and pick the real one (two-alternative forced "
                                "choice), instead of one image at a time.", label="Pairs")
    timed: bool = param(False, "HYPE-time (Zhou et al. 2019): each image is shown briefly, shorter after a right "
                               "answer and longer after a wrong one; your score is the exposure you settle at.",
                        label="Timed exposures")

    def counts(self) -> tuple[int, int]:
        """(reals, fakes) the round shows."""
        if self.paired:
            return self.length, self.length
        fakes = int(round(self.length * self.fake_share))
        return self.length - fakes, fakes

    def check(self) -> None:
        for spec in specs(RoundSpec).values():
            parse_value(spec, getattr(self, spec.name))  # ConfigError naming the key
        if self.paired and self.timed:
            raise ConfigError("timed", "the timed mode shows single images: turn pairs off to time the exposures")


@dataclass(frozen=True)
class Model:
    """The model a round plays against, as its answers record it: a stable id, a label, its family and its tricks
    (the settings it changed from the family's defaults)."""

    id: str
    label: str
    family: str
    tricks: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Shown:
    """One image of a round: its id (which held-out image, or which sample of which model), the truth, the pixels
    (uint8 (C, H, W))."""

    image_id: str
    truth: str
    image: np.ndarray


@dataclass(frozen=True)
class Round:
    """A round's identity (`key`: the same for every player of it), its model, its spec, and its trials: each a
    tuple of one image, or of two (left, right)."""

    key: str
    model: Model
    spec: RoundSpec
    trials: tuple[tuple[Shown, ...], ...]


def round_key(model_id: str, spec: RoundSpec) -> str:
    what = f"{spec.length} pairs" if spec.paired else f"{spec.length} images, {spec.fake_share:.0%} fake"
    return f"{model_id} · round {spec.seed} · {what}" + (" · timed" if spec.timed else "")


def draw_round(spec: RoundSpec, model: Model, dataset: str, heldout: np.ndarray,
               sample: Callable[[int, int], np.ndarray]) -> Round:
    """The round `spec` against `model`: reals from `heldout` (uint8 (N, C, H, W), the held-out split of `dataset`),
    fakes from `sample(n, seed)` (uint8 (n, C, H, W)), in an order drawn from the seed."""
    spec.check()
    n_real, n_fake = spec.counts()
    if n_real > len(heldout):
        raise ConfigError("length", f"the held-out split of {dataset} has {len(heldout)} images and this round "
                                    f"needs {n_real} different ones: play a shorter round")
    rng = np.random.default_rng(spec.seed)
    real_index = rng.choice(len(heldout), size=n_real, replace=False)
    fakes = np.asarray(sample(n_fake, spec.seed)) if n_fake else heldout[:0]
    if fakes.dtype != np.uint8 or fakes.shape != (n_fake, *heldout.shape[1:]):
        raise ValueError(f"the model's samples are {fakes.dtype} {fakes.shape[1:]}, the real images uint8 "
                         f"{tuple(heldout.shape[1:])}: this model was not trained on {dataset}")
    reals = [Shown(f"{dataset}:heldout:{i}", REAL, heldout[i]) for i in real_index]
    fake_shown = [Shown(f"{model.id}:seed{spec.seed}:{k}", FAKE, fakes[k]) for k in range(n_fake)]
    if spec.paired:
        left_real = rng.random(spec.length) < 0.5
        trials = tuple((r, f) if left else (f, r) for r, f, left in zip(reals, fake_shown, left_real))
    else:
        every = reals + fake_shown
        trials = tuple((every[i],) for i in rng.permutation(len(every)))
    return Round(round_key(model.id, spec), model, spec, trials)


@dataclass(frozen=True)
class Answer:
    """One stored answer (a row of the answer store): who, which round and model, which image, the truth, the
    answer, how long it took, the exposure in the timed mode, and whether it was shown alone or in a pair."""

    at: float
    player: str
    round: str
    model: str
    model_label: str
    family: str
    tricks: str  # JSON of the model's tricks
    image: str
    truth: str
    answer: str
    seconds: float
    exposure_ms: int | None
    shown: str  # "single" or "pair"


@dataclass
class Play:
    """One player's way through a round: the current trial, the answers given, the staircase in the timed mode."""

    round: Round
    player: str
    position: int = 0
    answers: list[Answer] = field(default_factory=list)
    shown_at: float | None = None
    staircase: Staircase | None = None

    def __post_init__(self):
        if self.round.spec.timed and self.staircase is None:
            self.staircase = Staircase()

    @property
    def done(self) -> bool:
        return self.position >= len(self.round.trials)

    @property
    def trial(self) -> tuple[Shown, ...] | None:
        return None if self.done else self.round.trials[self.position]

    @property
    def exposure_ms(self) -> int | None:
        return self.staircase.exposure_ms if self.staircase else None

    def show(self, now: float | None = None) -> None:
        """The current trial is on screen from `now` on (the first call counts)."""
        if self.shown_at is None:
            self.shown_at = time.time() if now is None else now

    def answer(self, choice: str, now: float | None = None) -> list[Answer]:
        """Answer the current trial: "real" / "fake" for a single image, "left" / "right" (the real one) for a
        pair. Returns the answers made (one per image), for the store; the round moves to the next trial."""
        trial = self.trial
        if trial is None:
            raise ValueError("the round is over")
        allowed = (LEFT, RIGHT) if len(trial) == 2 else (REAL, FAKE)
        if choice not in allowed:
            raise ValueError(f"answer: one of {', '.join(allowed)}, not {choice!r}")
        now = time.time() if now is None else now
        seconds = now - (self.shown_at if self.shown_at is not None else now)
        if len(trial) == 2:
            judged = (REAL, FAKE) if choice == LEFT else (FAKE, REAL)
        else:
            judged = (choice,)
        model, exposure = self.round.model, self.exposure_ms
        made = [Answer(now, self.player, self.round.key, model.id, model.label, model.family,
                       json.dumps(model.tricks, sort_keys=True), shown.image_id, shown.truth, said, round(seconds, 3),
                       exposure, "pair" if len(trial) == 2 else "single")
                for shown, said in zip(trial, judged)]
        if self.staircase is not None:
            self.staircase.update(made[0].truth == made[0].answer)
        self.answers.extend(made)
        self.position += 1
        self.shown_at = None
        return made

    def rates(self) -> Rates:
        return error_rates([a.truth == FAKE for a in self.answers], [a.answer == FAKE for a in self.answers])

    def missed(self) -> list[tuple[Shown, str]]:
        """The images judged wrong, each with the answer given."""
        shown = {s.image_id: s for trial in self.round.trials for s in trial}
        return [(shown[a.image], a.answer) for a in self.answers if a.answer != a.truth]
