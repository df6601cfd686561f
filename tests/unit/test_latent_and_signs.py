"""Latent interpolation end points and paths; the plain-language failure signs of GAN training."""

import numpy as np
import pandas as pd
import pytest
import torch

from engine.families.gan.failure_signs import gan_failure_signs, last_histogram
from engine.latent import interpolate


@pytest.mark.parametrize("mode", ["linear", "spherical"])
def test_interpolation_starts_and_ends_at_the_codes(mode):
    z0, z1 = torch.randn(16), torch.randn(16)
    path = interpolate(z0, z1, 7, mode)
    assert path.shape == (7, 16)
    torch.testing.assert_close(path[0], z0)
    torch.testing.assert_close(path[-1], z1)


def test_spherical_path_keeps_the_norm_of_equal_norm_codes_and_linear_does_not():
    z0 = torch.tensor([3.0, 0.0])
    z1 = torch.tensor([0.0, 3.0])
    sph = interpolate(z0, z1, 5, "spherical")
    torch.testing.assert_close(sph.norm(dim=1), torch.full((5,), 3.0))
    lin = interpolate(z0, z1, 5, "linear")
    assert lin[2].norm() < 2.2  # the straight line cuts through the middle


def test_interpolation_refuses_bad_arguments():
    with pytest.raises(ValueError, match="at least 2"):
        interpolate(torch.zeros(2), torch.ones(2), 1)
    with pytest.raises(ValueError, match="linear, spherical"):
        interpolate(torch.zeros(2), torch.ones(2), 3, "cubic")


def history(n=30, **cols):
    frame = pd.DataFrame({"step": np.arange(n) * 10, "loss_d": 1.0, "loss_g": 1.0, "d_real": 0.6, "d_fake": 0.4,
                          "grad_norm_d": 1.0, "grad_norm_g": 1.0})
    for k, v in cols.items():
        frame[k] = v
    return frame


def test_a_healthy_history_raises_no_sign():
    assert gan_failure_signs(history()) == []
    assert gan_failure_signs(history(n=5, d_real=1.0, d_fake=0.0)) == [], "too little history to judge"


def test_the_discriminator_winning_is_named():
    signs = gan_failure_signs(history(d_real=0.99, d_fake=0.01))
    assert len(signs) == 1 and "discriminator wins" in signs[0]


def test_exploding_and_vanishing_gradients_are_named():
    signs = gan_failure_signs(history(grad_norm_g=1e4, grad_norm_d=1e-6))
    assert any("generator's gradients are exploding" in s for s in signs)
    assert any("discriminator's gradients have vanished" in s for s in signs)


def test_mode_collapse_is_read_from_the_class_histogram():
    h = history()
    for i in range(10):
        h[f"class_histogram_{i}"] = np.nan
    h.loc[len(h) - 1, [f"class_histogram_{i}" for i in range(10)]] = [900, 20, 20, 20, 20, 20, 0, 0, 0, 0]
    assert last_histogram(h) == [900, 20, 20, 20, 20, 20, 0, 0, 0, 0]
    signs = gan_failure_signs(h, num_classes=10)
    assert any("Mode collapse" in s and "90%" in s for s in signs)
    h.loc[len(h) - 1, [f"class_histogram_{i}" for i in range(10)]] = [100] * 10
    assert gan_failure_signs(h, num_classes=10) == []


def test_loss_falling_while_samples_stay_garbage():
    h = history(n=60)
    h["loss_g"] = np.linspace(3.0, 0.5, 60)
    h["judge_score"] = np.nan
    h.loc[[20, 40, 59], "judge_score"] = [1.1, 1.1, 1.2]
    assert any("fooling a weak discriminator" in s for s in gan_failure_signs(h))


def test_bilinear_grid_has_the_corners_at_its_corners_and_blends_between():
    from engine.latent import bilinear_grid

    corners = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]) * 4
    grid = bilinear_grid(corners, 5).view(5, 5, 2)
    torch.testing.assert_close(torch.stack([grid[0, 0], grid[0, -1], grid[-1, 0], grid[-1, -1]]), corners)
    torch.testing.assert_close(grid[2, 2], corners.mean(0))
    torch.testing.assert_close(grid[0, 1], torch.tensor([1.0, 0.0]))


def test_manifold_grid_spans_the_extent_with_the_first_dimension_along_rows():
    from engine.latent import manifold_grid

    grid = manifold_grid(4, 3.0).view(4, 4, 2)
    assert grid[0, 0].tolist() == [-3.0, 3.0] and grid[-1, -1].tolist() == [3.0, -3.0]
    assert torch.all(grid[0, 1:, 0] > grid[0, :-1, 0]), "z1 grows left to right"


def test_project_2d_keeps_2d_codes_and_finds_the_main_axes_of_larger_ones():
    from engine.latent import project_2d

    codes = torch.randn(300, 2)
    assert torch.equal(project_2d(codes)[0], codes)
    wide = torch.cat([torch.randn(300, 1) * 10, torch.randn(300, 5) * 0.1], 1)
    points, explained = project_2d(wide)
    assert points.shape == (300, 2) and explained[0] > 0.95
