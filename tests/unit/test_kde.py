"""The `kde` family: the estimate against scipy's gaussian_kde, the rules of thumb against scipy's factors, the
leave-one-out bandwidth against a brute-force search, the 256-level likelihood against the exact bin probability,
sampling's moments, the trainer on 2D and digits (growing kernels, a live bandwidth, resuming), the curse of
dimensionality sweep."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from engine.families.kde import bandwidth as rules
from engine.families.kde.curse import downsample, gaussian_nll, sweep
from engine.families.kde.density import LEVEL, discrete_nll, log_density, sample
from engine.families.kde.pictures import bandwidth_curve
from engine.registry import build_trainer


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """One intra-op thread, as a run trains (engine/runs.py): on a busy 2-core machine two threads fight."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def whitened(n: int, dims: int, seed: int = 0) -> torch.Tensor:
    """n points whose sample mean is 0 and unbiased sample covariance exactly I, so that scipy's kernel covariance
    (factor^2 times the data's covariance) is our isotropic h^2 I with h = factor."""
    x = torch.randn(n, dims, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 3 + 1
    x = x - x.mean(0)
    chol = torch.linalg.cholesky(torch.cov(x.T).reshape(dims, dims))
    return torch.linalg.solve_triangular(chol, x.T, upper=False).T


@pytest.mark.parametrize("dims", [1, 2, 5])
@pytest.mark.parametrize("method", ["scott", "silverman", 0.3])
def test_log_density_and_the_rules_match_scipy_gaussian_kde(dims, method):
    points = whitened(40, dims)
    kde = stats.gaussian_kde(points.numpy().T, bw_method=method)
    if isinstance(method, str):
        assert rules.spread(points) == pytest.approx(1.0)
        assert rules.rule_of_thumb(points, method) == pytest.approx(kde.factor, rel=1e-12)
    queries = torch.randn(25, dims, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 2
    ours = log_density(queries, points, kde.factor)
    np.testing.assert_allclose(ours.numpy(), kde.logpdf(queries.numpy().T), rtol=1e-10, atol=1e-10)


def test_log_density_is_the_mean_of_the_kernels_far_from_every_point_too():
    points = torch.tensor([[0.0, 0.0], [1.0, 2.0], [-1.0, 0.5]], dtype=torch.float64)
    x = torch.tensor([[0.3, -0.2], [40.0, 40.0]], dtype=torch.float64)
    h = 0.7
    kernel = h * h * torch.eye(2, dtype=torch.float64)
    brute = torch.stack([torch.distributions.MultivariateNormal(p, kernel).log_prob(x) for p in points])
    expected = torch.logsumexp(brute, 0) - math.log(3)
    torch.testing.assert_close(log_density(x, points, h), expected)
    assert torch.isfinite(log_density(x, points, h)).all(), "log-sum-exp: no underflow to -inf far away"


def test_the_256_level_likelihood_is_the_bin_probability_when_kernels_are_wide():
    """One kernel in 1D: P(bin of x) = Phi((x + D/2 - mu) / h) - Phi((x - D/2 - mu) / h) with D one grey level."""
    mu, h, x = 0.1, 0.2, torch.tensor([[0.25]], dtype=torch.float64)
    exact = stats.norm.cdf((0.25 + LEVEL / 2 - mu) / h) - stats.norm.cdf((0.25 - LEVEL / 2 - mu) / h)
    ours = discrete_nll(log_density(x, torch.tensor([[mu]], dtype=torch.float64), h), 1)
    assert float(ours) == pytest.approx(-math.log(exact), rel=1e-5)


def test_samples_have_the_mixture_moments():
    points = torch.tensor([[0.0, 0.0], [4.0, -2.0]])
    x = sample(points, 0.5, 40_000, torch.Generator().manual_seed(0))
    torch.testing.assert_close(x.mean(0), points.mean(0), atol=0.05, rtol=0)
    expected_var = points.var(0, unbiased=False) + 0.25  # between-kernel spread + h^2
    torch.testing.assert_close(x.var(0), expected_var, atol=0.08, rtol=0)


def test_leave_one_out_bandwidth_matches_a_brute_force_search():
    points = torch.randn(30, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    points[15:] += 4.0  # two clusters

    def loo(h):  # the mean over points of log p_h(x_q) from every other point, one point at a time
        return np.mean([float(log_density(points[q:q + 1], torch.cat([points[:q], points[q + 1:]]), h))
                        for q in range(len(points))])

    grid = np.geomspace(0.05, 3.0, 200)
    brute = grid[int(np.argmax([loo(h) for h in grid]))]
    assert rules.leave_one_out(points) == pytest.approx(brute, rel=0.15)
    assert rules.leave_one_out(points, floor=5.0) == pytest.approx(5.0, rel=0.05), "the floor bounds the search"


def test_the_gaussian_of_the_curse_lesson_matches_scipy():
    train = torch.randn(200, 3, generator=torch.Generator().manual_seed(0))
    held = torch.randn(5, 3, generator=torch.Generator().manual_seed(1))
    centred = (train - train.mean(0)).double()
    cov = (centred.T @ centred / 200 + LEVEL**2 * torch.eye(3, dtype=torch.float64)).numpy()
    expected = -stats.multivariate_normal(train.double().mean(0).numpy(), cov).logpdf(held.double().numpy())
    np.testing.assert_allclose(gaussian_nll(train, held).numpy(), expected - 3 * math.log(LEVEL), rtol=1e-5)


def test_downsample_averages_the_pixels_each_output_pixel_covers():
    image = torch.arange(16.0).view(1, 1, 4, 4)
    torch.testing.assert_close(downsample(image, 2), torch.tensor([[[[2.5, 4.5], [10.5, 12.5]]]]))


# ------------------------------------------------------------------ the trainer
FAST = {"dataset": "ring8", "kernels": 800, "batch_size": 200}


def test_steps_grow_the_kernel_set_and_score_new_points_before_they_join():
    t = build_trainer("kde", FAST)
    assert t.count == 200 and t.parameter_count() == 400
    first = t.step()
    assert t.count == 400 and first["kernels"] == 400 and math.isfinite(first["nll_new"])
    for _ in range(5):
        last = t.step()
    assert t.count == 800 and "nll_new" not in last, "a full kernel set only counts steps"


def test_bandwidth_is_live_and_the_rules_tell_the_ring8_lesson():
    t = build_trainer("kde", FAST)
    for _ in range(3):
        t.step()
    marks = t.all_rules()
    assert marks["scott"] == pytest.approx(rules.spread(t.points) * 800 ** (-1 / 6))
    assert marks["silverman"] == pytest.approx(marks["scott"]), "in 2D Silverman's rule is Scott's"
    assert marks["loo"] < 0.05 < 0.3 < marks["scott"], "leave-one-out sees the sharp modes; the rules do not"
    loo = t.evaluate()
    assert loo["modes_covered"] == 8 and loo["high_quality_fraction"] > 0.8
    t.set_knobs(bandwidth_rule="scott")
    scott = t.evaluate()
    assert scott["modes_covered"] == 0 and scott["nll_nats"] > loo["nll_nats"] + 2
    t.set_knobs(bandwidth_rule="manual", bandwidth=0.05)
    assert t.h == 0.05 and t.step()["bandwidth"] == 0.05
    p = t.preview()
    assert p["log_density"].shape == (48, 48) and p["samples"].shape[1] == 2 and p["rules"]["loo"] == marks["loo"]
    curve = bandwidth_curve(t)
    best = curve["h"][int(np.argmin(curve["heldout"]))]
    assert marks["loo"] / 2 < best < marks["loo"] * 2, "held-out NLL is lowest near the leave-one-out h"


def test_digits_kde_likelihood_judge_samples_and_the_bandwidth_floor():
    t = build_trainer("kde", {"dataset": "digits", "batch_size": 500})
    assert len(t.pool) == 1497, "every training image is a kernel by default on images"
    for _ in range(3):
        t.step()
    m = t.evaluate()
    assert 0 < m["bits_per_dim"] < 8 and m["nll_nats"] == pytest.approx(m["bits_per_dim"] * 64 * math.log(2))
    assert {"judge_score", "frechet_distance", "confident_fraction", "class_histogram"} <= set(m)
    images = t.sample(6, seed=1)["images"]
    assert images.shape == (6, 1, 8, 8) and images.dtype == np.uint8
    p = t.preview()
    assert p["samples"].shape == p["nearest"].shape and p["dims"] == 64
    t.set_knobs(bandwidth_rule="manual", bandwidth=0.001)
    assert t.h == LEVEL, "never narrower than one grey level on images"


def test_curse_sweep_kde_falls_behind_as_the_dimension_grows():
    from engine.data import load_dataset

    rows = sweep(load_dataset("digits"), sides=(2, 4, 8, 16))
    assert [r["side"] for r in rows] == [2, 4, 8] and [r["dims"] for r in rows] == [4, 16, 64]
    gap = [r["kde_bits_per_dim"] - r["gaussian_bits_per_dim"] for r in rows]
    assert gap[0] < 0 < gap[-1], "the KDE beats the Gaussian in 4 dimensions and loses in 64"
    assert rows[-1]["samples"].dtype == np.uint8
