"""Mode metrics on hand examples (docs/ARCHITECTURE.md, Metrics: covered = >= 1% of samples within 3 sd; high
quality = within 3 sd of the nearest centre; mode KL = KL(q || p) over the modes of the high-quality samples)."""

import math

import numpy as np
import pytest

from engine.data import load_dataset
from engine.metrics.modes2d import mode_metrics

RING = load_dataset("ring8")


def test_a_generator_stuck_on_one_mode():
    points = np.repeat(RING.centres[:1], 500, axis=0)
    m = mode_metrics(points, RING.centres, RING.std)
    assert m["modes_covered"] == 1 and m["modes_total"] == 8
    assert m["high_quality_fraction"] == 1.0
    assert m["mode_kl"] == pytest.approx(math.log(8))
    assert m["mode_histogram"][0] == 1.0 and sum(m["mode_histogram"][1:]) == 0


def test_samples_far_from_every_mode():
    m = mode_metrics(np.full((100, 2), 10.0), RING.centres, RING.std)
    assert m["modes_covered"] == 0 and m["high_quality_fraction"] == 0.0
    assert m["mode_kl"] == pytest.approx(math.log(8))  # reported as the single-mode value


def test_even_spread_has_zero_kl():
    points = np.repeat(RING.centres, 10, axis=0)
    m = mode_metrics(points, RING.centres, RING.std)
    assert m["modes_covered"] == 8 and m["mode_kl"] == pytest.approx(0.0, abs=1e-12)


def test_the_one_percent_threshold_and_the_three_sd_radius():
    far = np.full((98, 2), 10.0)
    near = RING.centres[:1] + [[3 * RING.std * 0.99, 0.0]]  # just inside 3 sd
    outside = RING.centres[1:2] + [[0.0, 3 * RING.std * 1.01]]  # just outside
    m = mode_metrics(np.concatenate([far, near, outside]), RING.centres, RING.std)
    assert m["modes_covered"] == 1  # 1 of 100 samples = exactly 1%: covered; the other is outside 3 sd
    assert m["high_quality_fraction"] == pytest.approx(0.01)
    m = mode_metrics(np.concatenate([np.full((99, 2), 10.0), near]), RING.centres, RING.std)
    assert m["modes_covered"] == 1
    m = mode_metrics(np.concatenate([np.full((101, 2), 10.0), near]), RING.centres, RING.std)
    assert m["modes_covered"] == 0  # 1 of 102 is below 1%


def test_kl_uses_the_true_weights():
    centres = np.array([[0.0, 0.0], [5.0, 0.0]])
    points = np.array([[0.0, 0.0]] * 3 + [[5.0, 0.0]])
    m = mode_metrics(points, centres, 0.1, weights=np.array([0.75, 0.25]))
    assert m["mode_kl"] == pytest.approx(0.0, abs=1e-12)
    m = mode_metrics(points, centres, 0.1)
    assert m["mode_kl"] == pytest.approx(0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5))
