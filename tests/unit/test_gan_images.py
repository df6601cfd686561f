"""The `gan` family on images: every trick trains, every size builds, tricks match their definitions, bad input is
refused with a clear message, and save / load resumes exactly."""


import numpy as np
import pytest
import torch

from engine.config import ConfigError
from engine.data import ImageDataset, load_dataset
from engine.families.gan.images import ImageGanTrainer
from engine.metrics.images import class_histogram, confident_fraction, frechet_distance, judge_score
from engine.pictures.images import to_uint8
from engine.registry import build_trainer, make_config
from engine.tricks.adaptive_augmentation import AdaptiveAugmentation, augment
from engine.tricks.replay_buffer import ReplayBuffer

FAST = {"dataset": "digits", "batch_size": 16, "g_width": 8, "d_width": 8, "z_dim": 8, "conditional": False}


def fake_images(n, shape, labelled=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, *shape, generator=g) * 2 - 1
    y = torch.randint(0, 10, (n,), generator=g) if labelled else None
    return ImageDataset("synthetic", x[: n - 20], None if y is None else y[: n - 20], x[n - 20:],
                        None if y is None else y[n - 20:], 10 if labelled else 0)


def trainer(**values):
    return build_trainer("gan", {**FAST, **values})


def test_image_datasets_get_image_defaults_unless_set():
    assert make_config("gan", {"dataset": "digits"}).label_smoothing == 0.9
    assert make_config("gan", {"dataset": "digits", "label_smoothing": 1.0}).label_smoothing == 1.0
    assert make_config("gan", {"dataset": "ring8"}).label_smoothing == 1.0
    assert make_config("gan", {"dataset": "digits"}).g_width == 32 != make_config("gan", {"dataset": "ring8"}).g_width


def test_models_are_class_conditional_by_default_only_where_the_dataset_is_known_to_have_labels():
    assert make_config("gan", {"dataset": "mnist"}).conditional
    assert not make_config("gan", {"dataset": "mnist", "conditional": False}).conditional
    assert not make_config("gan", {"dataset": "folder:/some/where"}).conditional
    assert not make_config("gan", {"dataset": "ring8"}).conditional
    t = build_trainer("gan", {k: v for k, v in FAST.items() if k != "conditional"})
    assert t.num_classes == 10
    assert t.preview()["grid"].shape[:2] == (7 * 9 + 1, 10 * 9 + 1), "70 samples: 7 rows, one column per class"


TRICKS = {
    "plain": {},
    "feature_matching": {"feature_matching": True},
    "minibatch_discrimination": {"minibatch_discrimination": True},
    "historical_averaging": {"historical_averaging": 0.01},
    "label_smoothing": {"label_smoothing": 0.9},
    "virtual_batchnorm": {"virtual_batchnorm": True},
    "instance_noise": {"instance_noise": 0.1},
    "spectral_norm": {"spectral_norm": True},
    "replay_buffer": {"replay_buffer": 50},
    "ada": {"ada": True},
    "conditional": {"conditional": True},
    "d_norm_layer": {"d_norm": "layer", "d_dropout": 0.3},
    "d_norm_spectral": {"d_norm": "spectral", "spectral_norm": True},
    "d_norm_virtual_batch": {"d_norm": "virtual_batch", "vbn_reference": 32},
    "g_norm_none": {"g_norm": "none"},
    "two_time_scale_d_steps": {"lr_d": 4e-4, "lr_g": 1e-4, "d_steps": 2},
    **{f"loss_{loss}": {"loss": loss} for loss in ("minimax", "least_squares", "hinge", "wgan_gp")},
}


@pytest.mark.parametrize("name", list(TRICKS))
def test_each_trick_trains_on_digits(name):
    t = trainer(**TRICKS[name])
    assert isinstance(t, ImageGanTrainer)
    for _ in range(3):
        losses = t.step()
    assert all(np.isfinite(v) for v in losses.values())
    assert losses["grad_norm_d"] > 0 and losses["grad_norm_g"] > 0
    p = t.preview()
    assert p["grid"].dtype == np.uint8 and p["grid"].ndim == 3
    assert len(p["d_real"]) == 16


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (3, 64, 64)])
def test_every_image_size_trains_and_samples(shape):
    t = build_trainer("gan", {**FAST, "dataset": "folder:x"}, data=fake_images(60, shape))
    t.step()
    images = t.sample(5)["images"]
    assert images.shape == (5, *shape) and images.dtype == np.uint8


def test_parts_step_only_their_player():
    t = trainer()
    g_before = [p.clone() for p in t.G.parameters()]
    d_before = [p.clone() for p in t.D.parameters()]
    t.step("d")
    assert all(torch.equal(a, b) for a, b in zip(g_before, t.G.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(d_before, t.D.parameters()))


def test_virtual_batchnorm_sample_does_not_depend_on_its_batch():
    t = trainer(virtual_batchnorm=True)
    t.step()
    z = torch.randn(6, 8)
    with torch.no_grad():
        together = t._generate(z)
        alone = t._generate(z[:1])
        t.G.train()
        in_training_mode = t._generate(torch.cat([z[:1], torch.randn(30, 8) * 3]))[:1]
    torch.testing.assert_close(together[:1], alone)
    torch.testing.assert_close(in_training_mode, alone)


def test_discriminator_vbn_uses_a_fixed_batch_of_real_images_and_never_the_current_batch():
    t = trainer(d_norm="virtual_batch", vbn_reference=20, conditional=True)
    ref = t.ref_x.clone()
    assert len(ref) == 20 and len({tuple(r.flatten().tolist()) for r in ref}) == 20, "20 different real images"
    train = t.data.train.flatten(1)
    assert all(bool((train == r.flatten()).all(1).any()) for r in ref), "each one a training image"
    for _ in range(2):
        t.step()
    assert torch.equal(t.ref_x, ref), "fixed when training starts"
    x, y = t.data.train[:1], t.data.train_labels[:1]
    others, other_labels = t.data.train[100:130], t.data.train_labels[100:130]
    with torch.no_grad():
        alone = t._discriminate(x, y)[0]
        with_others = t._discriminate(torch.cat([x, others]), torch.cat([y, other_labels]))[0][:1]
        t.ref_x = t.ref_x.flip(0)[:10]  # another reference batch changes the output: it is what D normalises by
        other_reference = t._discriminate(x, y)[0]
    torch.testing.assert_close(alone, with_others)
    assert not torch.allclose(alone, other_reference)


def test_a_discriminator_vbn_reference_larger_than_the_data_is_refused():
    with pytest.raises(ConfigError, match="reference batch \\(64 real images\\) is larger than the 40 training"):
        build_trainer("gan", {**FAST, "dataset": "folder:x", "d_norm": "virtual_batch", "vbn_reference": 64},
                      data=fake_images(60, (1, 8, 8)))


def test_batchnorm_sample_does_depend_on_its_batch():
    t = trainer(g_norm="batch")
    z = torch.randn(6, 8)
    with torch.no_grad():
        a = t._generate(z)[:1]
        b = t._generate(torch.cat([z[:1], torch.randn(30, 8) * 3]))[:1]
    assert not torch.allclose(a, b), "the contrast VBN removes"


def test_historical_average_is_the_mean_of_every_past_parameter_value():
    t = trainer(historical_averaging=0.01)
    history = []
    for _ in range(4):
        t.step()
        history.append([p.detach().clone() for p in t.G.parameters()])
    for i, (name, _) in enumerate(t.G.named_parameters()):
        mean = torch.stack([h[i] for h in history]).mean(0)
        torch.testing.assert_close(getattr(t.avg_g, "avg__" + name.replace(".", "__")), mean)


def test_conditional_samples_follow_the_asked_class():
    t = trainer(conditional=True)
    t.step()
    a = t.sample(4, seed=1, labels=torch.tensor([0, 0, 0, 0]))["images"]
    b = t.sample(4, seed=1, labels=torch.tensor([5, 5, 5, 5]))["images"]
    assert not np.array_equal(a, b)


def test_conditional_on_unlabelled_data_is_refused():
    with pytest.raises(ConfigError, match="no class labels"):
        build_trainer("gan", {**FAST, "dataset": "folder:x", "conditional": True},
                      data=fake_images(60, (1, 8, 8), labelled=False))


def test_a_batch_larger_than_the_data_is_refused():
    with pytest.raises(ConfigError, match="larger than the 40 training images"):
        build_trainer("gan", {**FAST, "dataset": "folder:x", "batch_size": 64}, data=fake_images(60, (1, 8, 8)))


# ------------------------------------------------------------------ replay buffer and ADA
def test_replay_buffer_mixes_past_fakes_in_the_asked_share():
    buf = ReplayBuffer(size=8, fraction=0.5)
    g = torch.Generator().manual_seed(0)
    first = torch.zeros(4, 1, 2, 2)
    out, _ = buf.mix(first, g)
    torch.testing.assert_close(out, first)  # empty buffer: the batch as it is
    second = torch.ones(4, 1, 2, 2)
    out, _ = buf.mix(second, g)
    assert (out[:2] == 1).all() and (out[2:] == 0).all()  # half from the past
    for _ in range(5):
        buf.mix(torch.full((4, 1, 2, 2), 2.0), g)
    assert buf.count == 8 and (buf.items == 2).float().mean() > 0.5  # full, old entries replaced at random


def test_augment_is_identity_at_p0_and_differentiable():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(5, 1, 8, 8, requires_grad=True)
    assert augment(x, 0.0, g) is x
    y = augment(x, 1.0, g)
    assert y.shape == x.shape
    y.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_ada_probability_follows_the_overfitting_signal():
    ada = AdaptiveAugmentation(target=0.6, interval=2, speed_images=100)
    confident = torch.full((10,), 3.0)  # D says "real" to every real image: sign = +1 > target
    for _ in range(4):
        ada.observe(confident)
    assert ada.p == pytest.approx(0.4)  # two adjustments of 2 * 10 / 100
    for _ in range(2):
        ada.observe(-confident)
    assert ada.p == pytest.approx(0.2)
    for _ in range(20):
        ada.observe(-confident)
    assert ada.p == 0.0


# ------------------------------------------------------------------ judge metrics
def test_judge_score_between_one_and_the_number_of_classes():
    uniform = torch.full((100, 10), 0.1)
    assert judge_score(uniform) == pytest.approx(1.0)
    one_hot = torch.eye(10).repeat(10, 1)
    assert judge_score(one_hot) == pytest.approx(10.0, rel=1e-6)
    all_one_class = torch.eye(10)[torch.zeros(100, dtype=torch.long)]
    assert judge_score(all_one_class) == pytest.approx(1.0)


def test_frechet_distance_of_shifted_gaussians():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4000, 3))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shift = np.array([1.0, 2.0, 0.0])
    assert frechet_distance(a, a + shift) == pytest.approx(5.0, rel=1e-6)  # ||mu1 - mu2||^2, same covariance
    b = a * 2  # covariance 4I vs I: trace(I + 4I - 2 * 2I) = 3 per the formula
    assert frechet_distance(a, b) == pytest.approx(np.trace(np.cov(a, rowvar=False)), rel=1e-3)


def test_confident_fraction_and_histogram():
    probs = torch.tensor([[0.95, 0.05], [0.6, 0.4], [0.05, 0.95]])
    assert confident_fraction(probs) == pytest.approx(2 / 3)
    assert class_histogram(probs, 3) == [2, 1, 0]


def test_evaluate_reports_the_judge_metrics_and_the_judge_is_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path))
    import engine.metrics.judge as judge_module

    calls = []
    real_train = judge_module.train_judge

    def counting(data, **kw):
        calls.append(data.name)
        return real_train(data, epochs=2, **kw)

    monkeypatch.setattr(judge_module, "train_judge", counting)
    t = trainer()
    m = t.evaluate()
    assert set(m) >= {"judge_score", "frechet_distance", "confident_fraction", "class_histogram"}
    assert sum(m["class_histogram"]) == 1000
    again = judge_module.load_or_train_judge(load_dataset("digits"))
    assert calls == ["digits"], "the second judge comes from the disk cache"
    assert again.heldout_accuracy == t.judge().heldout_accuracy


def test_on_the_dashboard_evaluations_never_wait_for_the_judge(monkeypatch, tmp_path):
    import threading

    import engine.metrics.judge as judge_module

    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(judge_module, "BACKGROUND", True)
    release, real_load = threading.Event(), judge_module.load_or_train_judge
    started = []

    def slow(data, device="cpu"):
        started.append(data.name)
        release.wait(30)
        return real_load(data, device)

    monkeypatch.setattr(judge_module, "load_or_train_judge", slow)
    monkeypatch.setattr(judge_module, "train_judge", lambda data, **kw: judge_module.Judge(
        judge_module.SmallCNN(1, 10, width=4).eval(), 0.5, data.name))
    import time

    t = trainer()
    deadline = time.monotonic() + 10
    while not started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert started == ["digits"], "the judge starts training as soon as the trainer is built"
    t.step()
    assert t.evaluate() == {}, "no metrics yet, and no waiting"
    release.set()
    t.judge(wait=True)
    assert "judge_score" in t.evaluate()


def test_latent_walk_goes_from_one_seed_to_the_other():
    trainer = build_trainer("gan", {"dataset": "digits", "batch_size": 16})
    trainer.step()
    frames = trainer.latent_walk(1, 2, 6, "linear", 1.0, label=3)
    assert frames.shape == (6, 1, 8, 8) and frames.dtype.name == "uint8"
    z = [torch.randn(trainer.config.z_dim, generator=torch.Generator().manual_seed(s)) for s in (1, 2)]
    labels = torch.tensor([3, 3])
    ends = to_uint8(trainer.generate(torch.stack(z), labels))
    assert (frames[[0, -1]] == ends).all()
