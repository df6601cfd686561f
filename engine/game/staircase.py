r"""The timed mode, HYPE-time's idea (Zhou et al. 2019, https://arxiv.org/abs/1904.01121): each image is shown for
an exposure time that an adaptive staircase sets, shorter after a right answer and longer after a wrong one, and the
player's score is the exposure the staircase settles at, the modal exposure (the paper's Figure 3). A staircase that
steps down after `down` right answers in a row and up after one wrong answer settles where

    p(right | exposure) ** down = 1/2          (Levitt 1971, "Transformed up-down methods in psychoacoustics")

so the plain 1-down / 1-up (HYPE's) settles at 50% right: the exposure below which the player no longer tells real
from fake.

NOTE: the ladder (100 ms to 1,000 ms in 50 ms steps) and the start (500 ms) are ours.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

LADDER_MS = tuple(range(100, 1001, 50))
START_MS = 500


@dataclass
class Staircase:
    """The exposure for the next image (`exposure_ms`) and every exposure shown with its answer (`trials`)."""

    ladder: tuple[int, ...] = LADDER_MS
    level: int = LADDER_MS.index(START_MS)
    down: int = 1
    streak: int = 0  # right answers in a row at this level
    trials: list[tuple[int, bool]] = field(default_factory=list)

    @property
    def exposure_ms(self) -> int:
        return self.ladder[self.level]

    def update(self, right: bool) -> int:
        """Record the answer given at the current exposure; returns the next exposure."""
        self.trials.append((self.exposure_ms, bool(right)))
        if not right:
            self.level, self.streak = min(self.level + 1, len(self.ladder) - 1), 0
        else:
            self.streak += 1
            if self.streak == self.down:
                self.level, self.streak = max(self.level - 1, 0), 0
        return self.exposure_ms


def threshold_ms(exposures) -> float:
    """The modal exposure of a staircase's trials (ties: the shortest of them); NaN for none."""
    counts = Counter(int(e) for e in exposures)
    if not counts:
        return float("nan")
    top = max(counts.values())
    return float(min(e for e, c in counts.items() if c == top))
