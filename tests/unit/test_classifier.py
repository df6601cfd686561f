"""The `classifier` family: the ResNet's shapes and stochastic depth, each trick against its paper's equation on hand
examples, augmentations keep shape and range and replay from a seed, calibration on a hand example, and the trainer
learns, distils in two phases, resumes exactly and refuses bad input naming the key."""

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from engine.config import ConfigError
from engine.data import ImageDataset
from engine.families.classifier.augment import POLICIES, auto_augment, pad_crop, random_flip, tta_logits
from engine.families.classifier.networks import ResidualBlock, ResidualCNN
from engine.metrics.calibration import mistakes_grid, reliability
from engine.registry import build_trainer, make_config
from engine.tricks.cutout import cutout
from engine.tricks.distillation import distillation_loss
from engine.tricks.lr_schedule import learning_rate, lr_curve, scaled_lr
from engine.tricks.mixup import mixup
from engine.tricks.no_bias_decay import parameter_groups
from engine.tricks.soft_targets import smooth_labels, soft_cross_entropy

FAST = {"dataset": "digits", "batch_size": 16, "width": 4, "teacher_width": 4, "total_steps": 200}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """One torch thread, as runs use (engine/runs.py torch_threads): on a shared 2-core machine two OpenMP threads
    per tiny convolution are many times slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def trainer(**values):
    return build_trainer("classifier", {**FAST, **values})


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ------------------------------------------------------------------ the network
@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32), (3, 8, 8)])
def test_residual_cnn_shapes_for_every_size(shape):
    model = ResidualCNN(shape[0], 10, width=4, blocks=2, aux_head=True)
    x = torch.randn(3, *shape)
    assert model(x).shape == (3, 10) and model.features(x).shape == (3, 16)
    logits, aux = model.forward_with_aux(x)
    assert logits.shape == (3, 10) and aux.shape == (3, 10)
    assert ResidualCNN(shape[0], 7, width=4).forward_with_aux(x)[1] is None


def test_drop_path_is_the_identity_in_eval_and_drops_whole_rows_in_training():
    block = ResidualBlock(4, 4, drop_path=0.5)
    x = torch.randn(64, 4, 5, 5)
    branch = lambda: block.bn2(block.conv2(F.relu(block.bn1(block.conv1(x))))).detach()  # noqa: E731
    block.eval()
    torch.testing.assert_close(block(x).detach(), F.relu(branch() + x))
    block.train()
    torch.manual_seed(0)
    out, b = block(x).detach(), branch()
    kept = F.relu(x + b / 0.5)  # survivors are scaled by 1 / (1 - p)
    dropped = F.relu(x)
    rows_kept = [(o == k).all().item() for o, k in zip(out, kept)]
    rows_dropped = [(o == d).all().item() for o, d in zip(out, dropped)]
    assert all(k or d for k, d in zip(rows_kept, rows_dropped)), "each example keeps or drops its whole branch"
    assert 15 < sum(rows_dropped) < 49, "about half the rows dropped"


def test_drop_path_rate_grows_linearly_with_depth():
    model = ResidualCNN(1, 10, width=4, blocks=2, drop_path=0.3)
    rates = [m.drop_path for m in model.modules() if isinstance(m, ResidualBlock)]
    assert rates == pytest.approx([0.05, 0.1, 0.15, 0.2, 0.25, 0.3])


# ------------------------------------------------------------------ schedule
def test_warm_up_then_cosine_at_its_key_steps():
    lr = lambda t, schedule="cosine": learning_rate(t, base_lr=0.1, total_steps=110, warmup_steps=10,  # noqa: E731
                                                    schedule=schedule)
    assert lr(0) == pytest.approx(0.01), "warm-up starts at base / w"
    assert lr(4) == pytest.approx(0.05), "half way through the warm-up"
    assert lr(9) == pytest.approx(0.1) and lr(10) == pytest.approx(0.1), "end of the warm-up: the base rate"
    assert lr(60) == pytest.approx(0.05), "half way through the cosine: base / 2"
    assert lr(110) == 0.0 and lr(500) == 0.0, "0 at T and after"
    assert lr(4, "constant") == pytest.approx(0.05) and lr(500, "constant") == pytest.approx(0.1)
    assert learning_rate(0, base_lr=0.1, total_steps=100) == pytest.approx(0.1), "no warm-up"
    curve = lr_curve(base_lr=0.1, total_steps=110, warmup_steps=10)
    assert curve.shape == (111,) and curve[60] == pytest.approx(0.05) and curve[-1] == 0.0
    assert np.all(np.diff(curve[10:]) <= 0), "cosine decays monotonically"


def test_linear_scaling_rule():
    assert scaled_lr(0.1, 256) == pytest.approx(0.1) and scaled_lr(0.1, 1024) == pytest.approx(0.4)
    t = trainer(lr=0.2, linear_scaling=True, schedule="constant")
    assert t.current_lr() == pytest.approx(0.2 * 16 / 256)
    assert t.step()["lr"] == pytest.approx(0.2 * 16 / 256)


# ------------------------------------------------------------------ losses
@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3])
def test_soft_cross_entropy_with_smoothed_one_hot_targets_is_torch_label_smoothing(eps):
    logits, y = torch.randn(6, 5) * 3, torch.tensor([0, 1, 2, 3, 4, 0])
    q = smooth_labels(F.one_hot(y, 5).float(), eps)
    torch.testing.assert_close(q.sum(1), torch.ones(6))
    torch.testing.assert_close(soft_cross_entropy(logits, q), F.cross_entropy(logits, y, label_smoothing=eps))


def test_distillation_loss_against_a_hand_computation():
    s, t, temp = torch.tensor([[1.0, 2.0, 0.5]]), torch.tensor([[3.0, 0.0, 1.0]]), 2.0
    ps = [math.exp(v / temp) for v in s[0].tolist()]
    pt = [math.exp(v / temp) for v in t[0].tolist()]
    ps, pt = [v / sum(ps) for v in ps], [v / sum(pt) for v in pt]
    expected = temp**2 * sum(b * math.log(b / a) for a, b in zip(ps, pt))
    assert distillation_loss(s, t, temp).item() == pytest.approx(expected, rel=1e-5)
    same = torch.randn(4, 10)
    assert distillation_loss(same, same.clone(), 4.0).item() == pytest.approx(0.0, abs=1e-6)
    student, teacher = torch.randn(4, 10, requires_grad=True), torch.randn(4, 10, requires_grad=True)
    distillation_loss(student, teacher, 3.0).backward()
    assert student.grad is not None and teacher.grad is None, "only the student learns"


def test_no_bn_decay_parameter_groups():
    model = ResidualCNN(1, 10, width=4, aux_head=True)
    decay, no_decay = parameter_groups(model, 5e-4, no_bn_decay=True)
    assert decay["weight_decay"] == 5e-4 and no_decay["weight_decay"] == 0.0
    ids = lambda ps: {id(p) for p in ps}  # noqa: E731
    bn = ids(p for m in model.modules() if isinstance(m, nn.BatchNorm2d) for p in m.parameters())
    biases = ids([model.head.bias, model.aux.bias])
    weights = ids(m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))
    assert ids(no_decay["params"]) == bn | biases and ids(decay["params"]) == weights
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))
    (one,) = parameter_groups(model, 5e-4, no_bn_decay=False)
    assert len(one["params"]) == len(list(model.parameters()))
    assert [g["weight_decay"] for g in trainer(no_bn_decay=True).opt.param_groups] == [5e-4, 0.0]


# ------------------------------------------------------------------ mixup and cutout
def test_mixup_mixes_images_and_targets_with_the_same_lambda():
    n = 12
    x = torch.arange(n, dtype=torch.float32).view(n, 1, 1, 1).expand(n, 1, 3, 3)  # image i is the constant i
    q = torch.eye(n)
    mixed_x, mixed_q, lam = mixup(x, q, 0.4, gen(3))
    assert 0.0 <= lam <= 1.0
    torch.testing.assert_close(mixed_q.sum(1), torch.ones(n))
    assert torch.all(mixed_q.diagonal() >= lam - 1e-6), "each example keeps at least lambda of its own label"
    torch.testing.assert_close(mixed_x[:, 0, 0, 0], mixed_q @ torch.arange(n, dtype=torch.float32))
    again = mixup(x, q, 0.4, gen(3))
    assert again[2] == lam and torch.equal(again[1], mixed_q)
    assert mixup(x, q, 0.4, gen(4))[2] != lam


def test_mixup_lambda_follows_beta():
    g, x, q = gen(0), torch.zeros(2, 1, 1, 1), torch.eye(2)
    lams = np.array([mixup(x, q, 1.0, g)[2] for _ in range(2000)])
    assert abs(lams.mean() - 0.5) < 0.03 and abs(lams.var() - 1 / 12) < 0.01, "Beta(1, 1) is uniform"
    lams = np.array([mixup(x, q, 0.2, g)[2] for _ in range(2000)])
    assert np.mean((lams < 0.1) | (lams > 0.9)) > 0.5, "Beta(0.2, 0.2) piles up near 0 and 1"


def test_cutout_sets_one_clipped_square_per_image_to_zero():
    x = torch.full((200, 3, 8, 8), 0.5)
    out = cutout(x, 4, gen(0))
    assert out.shape == x.shape and out.min() >= -1 and out.max() <= 1
    changed = out != x
    assert torch.all(changed == changed[:, :1]), "the same square in every channel"
    clipped = 0
    for mask in changed[:, 0]:
        rows, cols = mask.any(1).nonzero().flatten(), mask.any(0).nonzero().flatten()
        assert torch.equal(mask, mask.any(1)[:, None] & mask.any(0)[None, :]), "a rectangle"
        assert torch.equal(rows, torch.arange(rows[0], rows[-1] + 1)), "contiguous rows"
        for idx in (rows, cols):
            touches = idx[0] == 0 or idx[-1] == 7
            assert len(idx) == 4 or (touches and 2 <= len(idx) < 4), "size 4, or clipped at a border"
            clipped += len(idx) < 4
    assert clipped > 0, "centres near a border give clipped squares"
    assert torch.all(out[changed] == 0)
    assert torch.equal(cutout(x, 0, gen(0)), x)
    assert torch.equal(cutout(x, 4, gen(1)), cutout(x, 4, gen(1)))


# ------------------------------------------------------------------ augmentations
def images(shape=(1, 8, 8), n=8, seed=0):
    return torch.rand((n, *shape), generator=gen(seed)) * 2 - 1


AUGMENTATIONS = {
    "flip": lambda x, g: random_flip(x, g),
    "pad_crop": lambda x, g: pad_crop(x, 2, g),
    "pad_crop_reflect": lambda x, g: pad_crop(x, 2, g, mode="reflect"),
    "cutout": lambda x, g: cutout(x, 3, g),
    **{p: (lambda x, g, p=p: auto_augment(x, p, g)) for p in POLICIES},
}


@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 32, 32)])
@pytest.mark.parametrize("name", list(AUGMENTATIONS))
def test_each_augmentation_keeps_shape_and_range_and_replays_from_a_seed(name, shape):
    x = images(shape)
    rng = torch.get_rng_state()
    a, b = AUGMENTATIONS[name](x, gen(5)), AUGMENTATIONS[name](x, gen(5))
    assert torch.equal(torch.get_rng_state(), rng), "the global generator is untouched"
    assert a.shape == x.shape and a.dtype == x.dtype and a.min() >= -1 and a.max() <= 1
    assert torch.equal(a, b)
    if name != "none":
        assert not torch.equal(a, x)


def test_flip_mirrors_about_half_the_images():
    x = images(n=64)
    out = random_flip(x, gen(0))
    flipped = [torch.equal(o, i.flip(-1)) for o, i in zip(out, x)]
    assert all(f or torch.equal(o, i) for f, o, i in zip(flipped, out, x))
    assert 16 < sum(flipped) < 48


def test_pad_crop_is_a_shifted_window_of_the_padded_image():
    x = images(n=16)
    out = pad_crop(x, 2, gen(0))
    padded = F.pad(x, (2, 2, 2, 2), value=-1.0)
    offsets = set()
    for o, p in zip(out, padded):
        match = [(dy, dx) for dy in range(5) for dx in range(5) if torch.equal(o, p[:, dy:dy + 8, dx:dx + 8])]
        assert match, "every crop is a window of the padded image"
        offsets.add(match[0])
    assert len(offsets) > 3


@pytest.mark.parametrize("channels", [1, 3])
def test_pad_crop_returns_the_standard_memory_layout(channels):
    # one channel once kept the permute's channels-last strides, which made convolutions in a run's thread
    # corrupt the heap
    out = pad_crop(torch.rand(4, channels, 8, 8) * 2 - 1, 1, gen(0))
    assert out.stride() == torch.empty(out.shape).stride()


class MeanPixel(nn.Module):
    """Logits that depend only on the sum of the pixels above black: unchanged by shifts that keep the drawing
    inside the frame, and by mirroring."""

    def forward(self, x):
        mass = (x + 1).sum((1, 2, 3))
        return torch.stack([mass / 10, -mass / 10, torch.zeros_like(mass)], 1)


def test_tta_none_is_log_softmax_and_crops_of_an_invariant_model_change_nothing():
    model = ResidualCNN(1, 10, width=4).eval()
    x = images()
    torch.testing.assert_close(tta_logits(model, x, "none"), F.log_softmax(model(x), 1))
    ten = tta_logits(model, x, "ten_crop", padding=1)
    torch.testing.assert_close(ten.exp().sum(1), torch.ones(len(x)))
    drawings = F.pad(images(shape=(1, 6, 6)), (2, 2, 2, 2), value=-1.0)  # 10x10, a black frame of 2 pixels
    plain = tta_logits(MeanPixel(), drawings, "none")
    for mode in ("five_crop", "ten_crop"):
        torch.testing.assert_close(tta_logits(MeanPixel(), drawings, mode, padding=2), plain)


def test_ten_crop_averages_the_probabilities_of_each_image_over_its_own_views():
    from torchvision.transforms.v2 import functional as TF

    model = ResidualCNN(1, 10, width=4).eval()  # depends on where the strokes are: each view gives other logits
    x = images(n=3)
    padded = F.pad(x, (1, 1, 1, 1), value=-1.0)
    with torch.no_grad():
        views = [F.softmax(model(view), 1) for view in TF.ten_crop(padded, [8, 8])]  # each (N, K)
        expected = torch.stack(views).mean(0).log()
        torch.testing.assert_close(tta_logits(model, x, "ten_crop", padding=1), expected)
        assert not torch.allclose(views[0], views[4]), "the views differ, so the test can tell them apart"


def test_the_preview_grid_of_mistakes_is_empty_when_nothing_is_wrong():
    x, labels = images(n=4), torch.tensor([0, 1, 2, 1])
    right = F.one_hot(labels, 3).float()
    view = mistakes_grid(x, right, labels, 32)
    assert view["misclassified"].shape == (0, 0, 1) and view["misclassified_labels"] == []
    wrong = right.roll(1, dims=1) * 0.9 + 0.05
    view = mistakes_grid(x, wrong, labels, 2)
    assert view["misclassified"].dtype == np.uint8 and len(view["misclassified_labels"]) == 2
    assert all(t != p for t, p, _ in view["misclassified_labels"])


def test_the_schedule_plot_spreads_at_most_its_points_over_a_long_schedule():
    t = build_trainer("classifier", {**FAST, "total_steps": 10**6, "warmup_steps": 1000})
    steps, rates = t.lr_plot(points=500)
    assert len(steps) <= 500 and steps[0] == 0 and steps[-1] == 10**6
    assert rates[0] == pytest.approx(t.base_lr / 1000) and rates[-1] == 0.0


# ------------------------------------------------------------------ calibration
def test_ece_on_a_hand_example():
    probs = torch.tensor([[0.95, 0.05], [0.75, 0.25], [0.35, 0.65], [0.55, 0.45]])
    labels = torch.tensor([0, 1, 1, 0])  # right, wrong, right, right
    r = reliability(probs, labels, bins=5)
    assert r["count"].tolist() == [0, 0, 1, 2, 1]
    np.testing.assert_allclose(r["confidence"], [0, 0, 0.55, 0.70, 0.95])
    np.testing.assert_allclose(r["accuracy"], [0, 0, 1.0, 0.5, 1.0])
    np.testing.assert_allclose(r["edges"], [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert r["ece"] == pytest.approx((1 * 0.45 + 2 * 0.20 + 1 * 0.05) / 4)
    perfect = reliability(np.eye(3)[[0, 1, 2]], np.array([0, 1, 2]))
    assert perfect["ece"] == 0.0 and perfect["count"].sum() == 3 and perfect["count"][-1] == 3


# ------------------------------------------------------------------ the trainer
def test_the_trainer_learns_digits_and_reports_its_metrics():
    t = trainer(width=8, total_steps=100)
    first = t.evaluate()["test_error"]
    losses = [t.step()["loss"] for _ in range(100)]
    m = t.evaluate()
    assert set(m) == {"test_error", "ece", "test_nll"}
    assert first > 0.6 and m["test_error"] < 0.3, (first, m)
    assert np.mean(losses[-10:]) < np.mean(losses[:10])
    p = t.preview()
    assert {"step", "phase", "lr", "reliability", "misclassified", "misclassified_labels"} <= set(p)
    assert p["phase"] == "student" and p["step"] == 100 and p["lr"] == 0.0, "the cosine has reached 0"
    assert p["reliability"]["count"].sum() == len(t.heldout_x)
    grid, labels = p["misclassified"], p["misclassified_labels"]
    assert grid.dtype == np.uint8 and grid.ndim == 3 and 1 <= len(labels) <= 32
    assert all(true != predicted and 0 < conf <= 1 for true, predicted, conf in labels)
    assert [c for _, _, c in labels] == sorted((c for _, _, c in labels), reverse=True), "most confident first"
    assert t.lr_curve().shape == (101,)


def test_preview_reuses_the_held_out_pass_of_the_same_step_and_within_its_time_budget(monkeypatch):
    import engine.trainer as family  # where HeldoutPass reads PREVIEW_SHARE

    t = trainer()
    t.step()
    seen = []
    t.student.register_forward_hook(lambda module, args, out: seen.append(len(args[0])))
    t.preview()
    t.evaluate()
    t.preview()
    assert sum(seen) == 300, "one pass over the 300 held-out digits"
    t.set_knobs(tta="five_crop")
    t.evaluate()
    assert sum(seen) == 300 + 5 * 300, "a new test-time augmentation is a new pass"
    t.set_knobs(tta="none")
    t.step()
    monkeypatch.setattr(family, "PREVIEW_SHARE", 1e-9)  # any earlier pass is recent enough
    p = t.preview()
    assert sum(seen) == 1800 and p["predictions_step"] == 1 and p["step"] == 2
    t.evaluate()
    assert sum(seen) == 2100, "evaluate always passes over the current step"
    t.step()
    monkeypatch.setattr(family, "PREVIEW_SHARE", 1e9)  # no earlier pass is recent enough
    assert t.preview()["predictions_step"] == 3 and sum(seen) == 2400


def test_every_trick_at_once_trains_and_reports_its_losses():
    t = trainer(aux_weight=0.3, label_smoothing=0.1, mixup=0.2, cutout=3, flip=True, crop_padding=2,
                autoaugment="trivialaugment", dropout=0.2, drop_path=0.2, warmup_steps=5, no_bn_decay=True,
                tta="ten_crop")
    out = t.step()
    assert {"loss", "lr", "train_error", "aux_loss"} <= set(out) and "distill_loss" not in out
    assert all(math.isfinite(v) for v in out.values())
    assert out["lr"] == pytest.approx(0.1 / 5)
    assert set(t.evaluate()) == {"test_error", "ece", "test_nll"}


def test_distillation_trains_the_teacher_first_then_the_student():
    t = trainer(distillation=0.5, teacher_steps=3, total_steps=50)
    assert "teacher_test_error" not in t.evaluate()
    before = {k: v.clone() for k, v in t.student.state_dict().items()}
    outs = [t.step() for _ in range(3)]
    assert all(set(o) == {"teacher_loss", "lr"} for o in outs) and t.phase == "student"
    assert all(torch.equal(v, t.student.state_dict()[k]) for k, v in before.items()), "the student waited"
    assert t.student_step == 0 and t.current_lr() == pytest.approx(0.1), "the student's schedule starts now"
    out = t.step()
    assert {"loss", "lr", "train_error", "distill_loss"} <= set(out) and out["lr"] == pytest.approx(0.1)
    assert t.student_step == 1 and t.step_count == 4
    assert "teacher_test_error" in t.evaluate()
    assert t.preview()["phase"] == "student"


def test_a_saved_run_is_the_teacher(tmp_path):
    from engine.persistence import save_member

    teacher = trainer()
    teacher.step()
    save_member(teacher, [], tmp_path / "teacher", 1.0)
    t = trainer(distillation=0.7, teacher_run=str(tmp_path / "teacher"), width=4)
    assert t.phase == "student" and t.teacher_opt is None
    for k, v in teacher.student.state_dict().items():
        torch.testing.assert_close(t.teacher.state_dict()[k], v)
    assert "distill_loss" in t.step() and "teacher_test_error" in t.evaluate()
    with pytest.raises(ConfigError) as err:
        trainer(distillation=0.7, teacher_run=str(tmp_path / "missing"))
    assert err.value.key == "teacher_run"


def test_the_command_line_trains_a_classifier(tmp_path, capsys):
    from engine.__main__ import main

    out = tmp_path / "run"
    assert main(["train", "classifier", "--steps", "3", "--no-progress", "--set", "width=4", "--set",
                 "batch_size=16", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert {"test_error", "ece", "test_nll", "family"} <= set(summary) and summary["family"] == "classifier"
    assert (out / "samples.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["sample", str(out), "--n", "5", "--out", str(tmp_path / "wrong.npz")]) == 0
    wrong = np.load(tmp_path / "wrong.npz")
    assert wrong["images"].dtype == np.uint8 and wrong["images"].shape[1:] == (1, 8, 8)
    assert len(wrong["images"]) == len(wrong["labels"]) <= 5


@pytest.mark.parametrize("values, key", [({"warmup_steps": 200}, "warmup_steps"), ({"schedule": "step"}, "schedule"),
                                         ({"tta": "twelve_crop"}, "tta"), ({"autoaugment": "cifar"}, "autoaugment"),
                                         ({"distillation": 1.5}, "distillation"), ({"lr": 0}, "lr"),
                                         ({"distillation": 0.5, "teacher_steps": 0}, "teacher_steps"),
                                         ({"mixup": -1}, "mixup"), ({"label_smoothing": 1.0}, "label_smoothing")])
def test_bad_values_are_refused_with_the_key_named(values, key):
    with pytest.raises(ConfigError) as err:
        make_config("classifier", {**FAST, **values})
    assert err.value.key == key


def test_a_cutout_larger_than_the_image_is_refused_at_build_and_as_a_knob():
    with pytest.raises(ConfigError) as err:
        trainer(cutout=9)
    assert err.value.key == "cutout"
    t = trainer(cutout=8)
    with pytest.raises(ConfigError) as err:
        t.set_knobs(cutout=20)
    assert err.value.key == "cutout" and t.config.cutout == 8


def test_2d_and_unlabelled_datasets_are_refused():
    with pytest.raises(ConfigError) as err:
        build_trainer("classifier", {**FAST, "dataset": "ring8"})
    assert err.value.key == "dataset" and "2D" in str(err.value)
    x = torch.rand(40, 1, 8, 8) * 2 - 1
    data = ImageDataset("folder:x", x[:30], None, x[30:], None)
    with pytest.raises(ConfigError, match="needs labels"):
        build_trainer("classifier", {**FAST, "dataset": "folder:x"}, data=data)
