"""The `ssgan` family: the K+1 loss against its equations on a hand example, the balanced labelled subset, the
paper's networks (noise layers, data-dependent initialisation), the baseline's fairness, learning, resuming, and
bad input."""

import copy
import json
import math

import pytest
import torch

from engine.config import ConfigError
from engine.data import ImageDataset
from engine.families.ssgan.networks import GaussianNoise, MlpClassifierD, MlpGenerator
from engine.families.ssgan.trainer import balanced_subset
from engine.registry import build_trainer, make_config
from engine.tricks.semi_supervised import real_probability, supervised_loss, unsupervised_loss

FAST = {"dataset": "digits", "d_width": 64, "g_width": 32, "z_dim": 8, "batch_size": 20}


def trainer(**values):
    return build_trainer("ssgan", {**FAST, **values})


def test_k_plus_1_loss_matches_its_equations_on_a_hand_example():
    # K = 2 class logits; the "generated" logit is fixed at 0, so Z = e^l1 + e^l2 and D = Z / (Z + 1)
    labelled = torch.tensor([[0.0, math.log(3.0)]])  # Z = 4: p(y=2 | x, y<3) = 3/4
    real = torch.tensor([[math.log(2.0), math.log(2.0)]])  # Z = 4: D = 4/5
    fake = torch.tensor([[0.0, 0.0]])  # Z = 2: 1 - D = 1/3
    assert supervised_loss(labelled, torch.tensor([1])).item() == pytest.approx(-math.log(3 / 4))
    assert real_probability(real).item() == pytest.approx(4 / 5)
    expected = 0.5 * -math.log(4 / 5) + 0.5 * -math.log(1 / 3)
    assert unsupervised_loss(real, fake).item() == pytest.approx(expected)


def test_k_plus_1_loss_equals_the_explicit_k_plus_1_softmax():
    torch.manual_seed(0)
    logits, fake_logits, y = torch.randn(6, 4) * 3, torch.randn(5, 4) * 3, torch.randint(0, 4, (6,))
    full = torch.log_softmax(torch.cat([logits, torch.zeros(6, 1)], 1), 1)  # K+1 outputs, "generated" last
    fake_full = torch.log_softmax(torch.cat([fake_logits, torch.zeros(5, 1)], 1), 1)
    log_not_generated = torch.log1p(-full[:, -1].exp())
    expected_sup = -(full[torch.arange(6), y] - log_not_generated).mean()  # -log p(y | x, y < K+1)
    torch.testing.assert_close(supervised_loss(logits, y), expected_sup)
    expected_unsup = 0.5 * -log_not_generated.mean() + 0.5 * -fake_full[:, -1].mean()
    torch.testing.assert_close(unsupervised_loss(logits, fake_logits), expected_unsup)


def test_the_unsupervised_loss_is_finite_for_extreme_logits():
    real, fake = torch.tensor([[500.0, -500.0]]), torch.tensor([[-500.0, -500.0]])
    assert unsupervised_loss(real, fake).item() == pytest.approx(0.0, abs=1e-6), "both judged right: no loss"
    wrong = unsupervised_loss(fake, real)  # both judged wrong: 1/2 (500 - log 2) + 1/2 500
    assert torch.isfinite(wrong) and wrong.item() == pytest.approx(500 - 0.5 * math.log(2), rel=1e-4)


def test_balanced_subset_takes_the_same_count_of_every_class_and_follows_the_seed():
    labels = torch.arange(10).repeat(30)
    picked = balanced_subset(labels, 50, 10, torch.Generator().manual_seed(0))
    assert torch.bincount(labels[picked], minlength=10).tolist() == [5] * 10 and len(set(picked.tolist())) == 50
    again = balanced_subset(labels, 50, 10, torch.Generator().manual_seed(0))
    other = balanced_subset(labels, 50, 10, torch.Generator().manual_seed(1))
    assert torch.equal(picked, again) and not torch.equal(picked, other)
    with pytest.raises(ConfigError, match="multiple"):
        balanced_subset(labels, 15, 10, torch.Generator())
    with pytest.raises(ConfigError, match="fewer"):
        balanced_subset(labels, 400, 10, torch.Generator())


def test_gaussian_noise_has_its_std_in_training_and_none_at_evaluation():
    layer = GaussianNoise(0.5)
    layer.generator = torch.Generator().manual_seed(0)
    x = torch.zeros(20000)
    assert layer(x).std().item() == pytest.approx(0.5, rel=0.03)
    layer.generator = torch.Generator().manual_seed(0)
    first = layer(x)
    layer.generator = torch.Generator().manual_seed(0)
    assert torch.equal(first, layer(x)), "the seeded stream makes it reproducible"
    assert torch.equal(layer.eval()(x), x)


def test_data_dependent_initialisation_standardises_every_layer_and_freezes_hidden_scales():
    torch.manual_seed(0)
    d = MlpClassifierD((1, 8, 8), 10, width=64)
    x = torch.rand(300, 1, 8, 8) * 2 - 1
    d.use_generator(torch.Generator().manual_seed(5))
    d.initialise_from(x)  # with its noise layers on, as in the released code
    d.use_generator(torch.Generator().manual_seed(5))  # replay the same noise
    h, linears = x, 0
    for module in list(d.body) + list(d.out):
        if isinstance(module, torch.nn.Linear):
            pre = module(h)
            torch.testing.assert_close(pre.mean(0), torch.zeros(pre.shape[1]), atol=1e-4, rtol=0)
            torch.testing.assert_close(pre.std(0), torch.ones(pre.shape[1]), atol=1e-3, rtol=0)
            linears += 1
        h = module(h)
    assert linears == 6
    scales = [m.parametrizations.weight.original0 for m in d.modules() if isinstance(m, torch.nn.Linear)]
    assert [g.requires_grad for g in scales] == [False] * 5 + [True], "only the output layer's scale learns"


def test_networks_have_the_papers_shapes():
    d, g = MlpClassifierD((1, 28, 28), 10), MlpGenerator(100, (1, 28, 28))
    sizes = [m.out_features for m in d.modules() if isinstance(m, torch.nn.Linear)]
    assert sizes == [1000, 500, 250, 250, 250, 10] and d.feature_size == 250
    images = g(torch.randn(4, 100))
    assert images.shape == (4, 1, 28, 28) and images.abs().max() <= 1
    assert d(images).shape == (4, 10) and d.features(images).shape == (4, 250)


def test_baseline_starts_from_the_same_weights_and_sees_the_same_labelled_batches():
    # without noise and without the unsupervised term both classifiers follow exactly the same updates
    t = trainer(input_noise=0.0, hidden_noise=0.0, unsupervised_weight=0.0)
    for a, b in zip(t.d.state_dict().values(), t.baseline.state_dict().values()):
        assert torch.equal(a, b)
    for _ in range(3):
        out = t.step()
    assert out["supervised"] == pytest.approx(out["baseline_loss"], rel=1e-5)
    for a, b in zip(t.d.state_dict().values(), t.baseline.state_dict().values()):
        torch.testing.assert_close(a, b)
    # with the unsupervised term they part ways
    t = trainer(input_noise=0.0, hidden_noise=0.0)
    for _ in range(3):
        t.step()
    assert not torch.allclose(t.d.out[1].parametrizations.weight.original1,
                              t.baseline.out[1].parametrizations.weight.original1)


def test_labelled_images_are_balanced_and_all_means_every_image():
    t = trainer(n_labels="50")
    assert t.n_labels == 50 and torch.bincount(t.labelled_y, minlength=10).tolist() == [5] * 10
    assert trainer(n_labels="all").n_labels == len(t.data.train)
    assert t.labelled_grid().dtype.name == "uint8"


def test_it_learns_evaluates_previews_and_samples():
    t = trainer(d_width=128, n_labels="100", eval_every=50)
    before = t.evaluate()
    for _ in range(120):
        out = t.step()
    assert {"loss_d", "supervised", "unsupervised", "loss_g", "baseline_loss", "d_real", "d_fake"} <= set(out)
    after = t.evaluate()
    assert {"test_error", "baseline_test_error", "n_labels", "ece", "baseline_ece"} <= set(after)
    assert after["n_labels"] == 100
    assert after["test_error"] < 0.5 < before["test_error"] and after["baseline_test_error"] < 0.5
    preview = t.preview()
    assert preview["samples"].dtype.name == "uint8" and preview["samples"].ndim == 3
    assert 0 <= preview["reliability"]["ece"] <= 1 and len(preview["misclassified_labels"]) <= 32
    for true, predicted, confidence in preview["misclassified_labels"]:
        assert true != predicted and 0 < confidence <= 1
    assert t.sample(5, seed=1)["images"].shape == (5, 1, 8, 8)
    assert t.sample_png()[:4] == b"\x89PNG"


def test_resuming_gives_the_same_next_steps():
    a = trainer()
    for _ in range(3):
        a.step()
    b = trainer()
    b.load_state_dict(copy.deepcopy(a.state_dict()))  # a state dict holds the live optimiser tensors
    for _ in range(2):
        assert a.step() == b.step()
    assert a.evaluate() == b.evaluate()


def test_live_knobs_reach_the_optimisers():
    t = trainer()
    t.set_knobs(lr=1e-4, g_loss="nonsaturating")
    assert all(group["lr"] == 1e-4 for opt in t.opts.values() for group in opt.param_groups)
    assert "loss_g" in t.step()


@pytest.mark.parametrize("values, key", [({"n_labels": "30"}, "n_labels"), ({"g_loss": "wasserstein"}, "g_loss"),
                                         ({"average": 1.0}, "average"), ({"input_noise": -1}, "input_noise")])
def test_bad_values_are_refused_with_the_key_named(values, key):
    with pytest.raises(ConfigError) as err:
        make_config("ssgan", {**FAST, **values})
    assert err.value.key == key


def test_too_many_labels_2d_and_unlabelled_datasets_are_refused():
    x = torch.rand(60, 1, 8, 8) * 2 - 1
    small = ImageDataset("folder:x", x[:50], torch.arange(50) % 10, x[50:], torch.arange(10) % 10, 10)
    with pytest.raises(ConfigError) as err:
        build_trainer("ssgan", {**FAST, "n_labels": "100"}, data=small)
    assert err.value.key == "n_labels"
    with pytest.raises(ConfigError) as err:
        build_trainer("ssgan", {**FAST, "dataset": "ring8"})
    assert err.value.key == "dataset"
    unlabelled = ImageDataset("folder:x", x[:50], None, x[50:], None)
    with pytest.raises(ConfigError, match="no labels"):
        build_trainer("ssgan", {**FAST, "dataset": "folder:x"}, data=unlabelled)


def test_the_command_line_writes_the_summary_keys(tmp_path):
    from engine.__main__ import main

    out = tmp_path / "run"
    assert main(["train", "ssgan", "--steps", "3", "--no-progress", "--set", "d_width=32", "--set", "g_width=16",
                 "--set", "n_labels=20", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert {"test_error", "baseline_test_error", "n_labels", "family"} <= set(summary)
    assert summary["n_labels"] == 20 and summary["family"] == "ssgan"
    assert (out / "samples.png").read_bytes()[:4] == b"\x89PNG"


def test_a_checkpoint_with_torchs_averaged_models_still_loads():
    """Before the shared EMA, the classifiers' averages were torch's AveragedModel: keys "module.<name>" beside
    "n_averaged". Such a checkpoint loads into today's trainer with the same averaged weights."""
    t = trainer()
    t.step()
    state = t.state_dict()
    for name in ("average_ssgan", "average_baseline"):
        state["models"][name] = {**{f"module.{k}": v for k, v in state["models"][name].items()},
                                 "n_averaged": torch.tensor(1)}
    again = trainer()
    again.load_state_dict(state)
    for name in ("ssgan", "baseline"):
        for a, b in zip(t.averages[name].state_dict().values(), again.averages[name].state_dict().values()):
            assert torch.equal(a, b)
