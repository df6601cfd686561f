"""The `gan` family on 2D data: every loss and trick trains, parts step the right player, randomness is fair,
previews do not disturb training, divergence is caught before it spoils the model, checkpoints resume exactly."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from engine.config import ConfigError
from engine.registry import build_trainer, make_config
from engine.runs import Run
from engine.trainer import Diverged
from engine.tricks.losses import LOSSES

SMALL = {"batch_size": 32, "g_width": 16, "d_width": 16, "log_every": 1, "eval_every": 5}


def trainer(**values):
    return build_trainer("gan", {**SMALL, **values})


def params(module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def same(a, b) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("loss", LOSSES)
def test_every_loss_trains_and_samples(loss):
    t = trainer(loss=loss)
    for _ in range(3):
        out = t.step()
    assert np.isfinite(out["loss_d"]) and np.isfinite(out["loss_g"])
    assert ("gradient_penalty" in out) == (loss == "wgan_gp")
    assert t.sample(7, seed=0)["points"].shape == (7, 2)


@pytest.mark.parametrize("trick", [
    {"label_smoothing": 0.9}, {"label_smoothing": 0.9, "fake_label": 0.1}, {"minibatch_discrimination": True},
    {"feature_matching": True}, {"historical_averaging": 0.5}, {"instance_noise": 0.3}, {"spectral_norm": True},
    {"d_steps": 3, "g_steps": 2}, {"optimizer": "sgd"}, {"noise": "uniform", "z_dim": 5},
    {"g_depth": 4, "d_depth": 1},
])
def test_every_trick_trains(trick):
    t = trainer(**trick)
    for _ in range(3):
        out = t.step()
    assert all(np.isfinite(v) for v in out.values())
    assert t.step_count == 3


@pytest.mark.parametrize("dataset", ["ring8", "grid25", "spiral", "moons"])
def test_every_2d_dataset(dataset):
    t = trainer(dataset=dataset)
    t.step()
    metrics = t.evaluate()
    assert metrics["modes_total"] == len(t.data.centres)


def test_step_d_only_changes_only_the_discriminator():
    t = trainer()
    g0, d0 = params(t.G), params(t.D)
    t.step("d")
    assert same(params(t.G), g0) and not same(params(t.D), d0)
    g1, d1 = params(t.G), params(t.D)
    t.step("g")
    assert not same(params(t.G), g1) and same(params(t.D), d1)


def test_same_seed_same_run_different_seed_different_run():
    a, b, c = trainer(seed=1), trainer(seed=1), trainer(seed=2)
    for _ in range(5):
        a.step(), b.step(), c.step()
    assert same(params(a.G), params(b.G))
    assert not same(params(a.G), params(c.G))


@pytest.mark.parametrize("trick", [
    {"label_smoothing": 0.8}, {"feature_matching": True}, {"historical_averaging": 1.0}, {"instance_noise": 0.5},
    {"minibatch_discrimination": True}, {"spectral_norm": True}, {"loss": "wgan_gp"}, {"loss": "hinge"},
])
def test_a_trick_does_not_change_the_data_or_noise_the_models_see(trick):
    """Fairness of comparisons: identical real batches and identical z, whatever the trick."""
    plain, other = trainer(seed=4), trainer(seed=4, **trick)
    seen = {id(plain): [], id(other): []}
    for t in (plain, other):
        real_batch, draw_z = t._real_batch, t._draw_z

        def spy_real(t=t, real_batch=real_batch):
            x, labels = real_batch()
            seen[id(t)].append(("real", x.clone()))
            return x, labels

        def spy_z(n, g, t=t, draw_z=draw_z):
            z = draw_z(n, g)
            seen[id(t)].append(("z", z.clone()))
            return z

        t._real_batch, t._draw_z = spy_real, spy_z
        for _ in range(4):
            t.step()
    a, b = seen[id(plain)], seen[id(other)]
    assert len(a) == len(b)
    for (kind_a, xa), (kind_b, xb) in zip(a, b):
        assert kind_a == kind_b and torch.equal(xa, xb)


def test_preview_has_gan_lab_views_and_does_not_disturb_training():
    t = trainer(minibatch_discrimination=True)
    t.step()
    reference = copy.deepcopy(t.state_dict())
    view = t.preview()
    for key in ("real", "fake", "d_field", "density", "manifold", "arrows_from", "arrows_dir", "grid_x", "metrics"):
        assert key in view
    assert view["d_field"].shape == (len(view["grid_y"]), len(view["grid_x"]))
    assert view["manifold"].shape[-1] == 2 and view["arrows_dir"].shape == view["arrows_from"].shape
    assert 0 <= view["d_field"].min() and view["d_field"].max() <= 1  # nonsaturating: a probability
    after = t.state_dict()
    assert same(list(reference["models"]["G"].values()), list(after["models"]["G"].values()))
    for name in ("data", "noise", "tricks"):
        assert torch.equal(reference["rng"][name], after["rng"][name])


def test_gradient_arrows_point_towards_real_for_a_discriminator_that_likes_the_origin():
    t = trainer()
    with torch.no_grad():  # D(x) = -||x||: "real" is the origin; the generator should be pulled inwards
        for p in t.D.parameters():
            p.zero_()
    t.D.forward = lambda x: (-(x ** 2).sum(1), x)
    view = t.preview()
    inward = -(view["arrows_from"] * view["arrows_dir"]).sum(1)
    assert (inward > 0).all()


def test_divergence_is_caught_before_the_update_and_named():
    t = trainer(optimizer="sgd", lr_d=10.0, lr_g=10.0, loss="least_squares")
    with pytest.raises(Diverged) as info:
        for _ in range(500):
            t.step()
    assert info.value.loss_name in ("loss_d", "loss_g")
    assert t.parameters_finite()


def test_diverging_run_reports_the_loss_and_step_and_keeps_a_good_state():
    run = Run(lambda: trainer(optimizer="sgd", lr_d=10.0, lr_g=10.0, loss="least_squares"))
    run.start()
    snap = run.wait_until(lambda s: s.status not in ("running", "idle"), timeout=60)
    assert snap.status == "diverged"
    assert "at step" in snap.message and ("loss_d" in snap.message or "loss_g" in snap.message)
    assert run.trainers[0].parameters_finite()


def test_live_knobs_change_the_optimizer():
    t = trainer()
    t.set_knobs(lr_d=5e-4, lr_g=2e-4)
    assert t.opt_d.param_groups[0]["lr"] == 5e-4 and t.opt_g.param_groups[0]["lr"] == 2e-4


def test_two_sided_smoothing_must_stay_below_the_real_target():
    with pytest.raises(ConfigError) as info:
        make_config("gan", {"label_smoothing": 0.5, "fake_label": 0.5})
    assert "fake_label" in str(info.value)


@pytest.mark.parametrize("key,value", [("conditional", True), ("ada", True), ("replay_buffer", 100),
                                       ("g_norm", "none"), ("d_norm", "spectral"), ("virtual_batchnorm", True),
                                       ("d_dropout", 0.3), ("precision", "bf16"), ("vbn_reference", 32),
                                       ("replay_fraction", 0.3), ("ada_target", 0.5)])
def test_image_only_keys_are_refused_on_2d_points(key, value):
    from engine.families.gan.config import IMAGE_ONLY_KEYS

    assert key in IMAGE_ONLY_KEYS
    with pytest.raises(ConfigError) as info:
        build_trainer("gan", {"dataset": "ring8", key: value})
    assert info.value.key == key and "2D" in str(info.value)
    build_trainer("gan", {"dataset": "digits", key: value, "batch_size": 32})  # on images it is a setting
