r"""The human error rate of HYPE-infinity (Zhou et al. 2019, "HYPE: A Benchmark for Human eYe Perceptual Evaluation of
Generative Models", https://arxiv.org/abs/1904.01121) and its bootstrap interval.

    HYPE_inf = (fakes judged real + reals judged fake) / (fakes + reals)

50% is chance (the player cannot tell the model's samples from real images), 0% means every image was seen through.
Salimans et al. 2016 ("Improved Techniques for Training GANs", https://arxiv.org/abs/1606.03498) report 21.3% on
their CIFAR-10 samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Rates:
    """A set of answers scored: `error` is HYPE_inf; `fake_error` = fakes judged real / fakes, `real_error` = reals
    judged fake / reals (NaN where there is nothing to count)."""

    n: int
    n_fake: int
    n_real: int
    error: float
    fake_error: float
    real_error: float


def _share(count: int, total: int) -> float:
    return count / total if total else float("nan")


def error_rates(is_fake, judged_fake) -> Rates:
    """HYPE_inf and its two halves from the truth and the answers (two boolean arrays of the same length)."""
    is_fake, judged_fake = np.asarray(is_fake, bool), np.asarray(judged_fake, bool)
    if is_fake.shape != judged_fake.shape:
        raise ValueError(f"{is_fake.shape[0]} truths for {judged_fake.shape[0]} answers")
    fooled = int((is_fake & ~judged_fake).sum())  # fakes judged real
    doubted = int((~is_fake & judged_fake).sum())  # reals judged fake
    n, n_fake = is_fake.size, int(is_fake.sum())
    return Rates(n, n_fake, n - n_fake, _share(fooled + doubted, n), _share(fooled, n_fake),
                 _share(doubted, n - n_fake))


def bootstrap_interval(wrong, players=None, confidence: float = 0.95, n_resamples: int = 2000,
                       seed: int = 0) -> tuple[float, float]:
    r"""Percentile bootstrap interval of the error rate (Efron & Tibshirani 1993, ch. 13): resample the answers
    `n_resamples` times, score each resample, report the (1 - c)/2 and (1 + c)/2 quantiles of the scores.

    `wrong`: one boolean per answer; `players`: who gave each (None: one player). The resample is two-stage: draw
    the players with replacement, then each drawn player's answers with replacement. One player's answers share
    that player's skill, so resampling answers alone would call a room's score far surer than it is (tested); with a
    single player the first stage does nothing and this is the plain bootstrap over answers.

    A player j with n_j answers of which k_j are wrong contributes, in a resample of their answers, a number of
    errors that is exactly Binomial(n_j, k_j / n_j) (each draw is wrong with probability k_j / n_j): that is how the
    second stage is drawn, in O(players) per resample instead of O(answers). Tested against scipy.stats.bootstrap.
    """
    wrong = np.asarray(wrong, bool)
    if wrong.size == 0:
        return float("nan"), float("nan")
    groups = np.zeros(wrong.size, int) if players is None else np.unique(np.asarray(players), return_inverse=True)[1]
    n_j = np.bincount(groups)  # (P,) answers per player
    k_j = np.bincount(groups, weights=wrong)  # (P,) wrong answers per player
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n_j.size, size=(n_resamples, n_j.size))  # (B, P) players drawn with replacement
    errors = rng.binomial(n_j[picks], k_j[picks] / n_j[picks])  # (B, P) their answers resampled
    rates = errors.sum(axis=1) / n_j[picks].sum(axis=1)  # (B,)
    low, high = np.quantile(rates, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)
