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


def test_grid_js_is_zero_for_the_data_and_ln2_for_disjoint_samples():
    import torch

    from engine.data import load_dataset
    from engine.metrics.modes2d import grid_js, points_metrics

    ring = load_dataset("ring8")
    real = ring.sample(20000, torch.Generator().manual_seed(0)).numpy()
    assert grid_js(real, ring) < 0.01
    assert grid_js(real + 100.0, ring) == pytest.approx(math.log(2))  # all outside the grid
    one_mode = real[np.linalg.norm(real - ring.centres[0], axis=1) < 0.5]
    assert 0.3 < grid_js(one_mode, ring) < math.log(2)
    m = points_metrics(one_mode, ring)
    assert m["modes_covered"] == 1 and m["grid_js"] == pytest.approx(grid_js(one_mode, ring))


def test_grid_js_against_a_hand_computed_two_cell_case(monkeypatch):
    from engine.metrics import modes2d

    class Half:  # density 1 on the left half of [0, 2] x [0, 1], 0 on the right
        bounds = ((0.0, 2.0), (0.0, 1.0))

        def density(self, points):
            return (points[:, 0] < 1.0).astype(np.float32)

    monkeypatch.setattr(modes2d, "GRID", 2)  # 2 x 2 cells, in order (x0, y0), (x0, y1), (x1, y0), (x1, y1)
    samples = np.array([[0.5, 0.25]] * 3 + [[1.5, 0.25]])  # 3/4 in the left bottom cell, 1/4 in the right bottom
    p, q = np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.75, 0.0, 0.25, 0.0])
    m = (p + q) / 2

    def kl(a):
        return float((a[a > 0] * np.log(a[a > 0] / m[a > 0])).sum())

    expected = 0.5 * kl(p) + 0.5 * kl(q)
    assert modes2d.grid_js(samples, Half()) == pytest.approx(expected)
