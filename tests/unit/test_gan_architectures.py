"""The image GAN's architecture keys (issue 16): every combination builds at every size, each layer against its
equation or a brute-force reference (spectral norm, weight clipping, pixel norm, minibatch stddev, modulated
convolutions, self-attention, conditional batch norm, the EMA), truncation, progressive growing's fade-in, the
spectrum metric, the trainer's keys, the lessons, and the shipped checkpoint's layers unchanged."""

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.config import ConfigError
from engine.families.gan import image_lessons
from engine.families.gan.config import IMAGE_ONLY_KEYS
from engine.families.gan.dcgan import ConvDiscriminator, ConvGenerator
from engine.families.gan.style_gan import ModulatedConv, StyleGenerator
from engine.metrics.spectrum import high_frequency_energy, high_frequency_gap, power_spectrum
from engine.models.attention import SelfAttention
from engine.models.conv_paths import resolutions
from engine.models.gan_layers import D_NORMS, G_NORMS, Context, KeptDropout, ModulatedBatchNorm, PixelNorm, SubPixelConv
from engine.pictures.images import to_uint8
from engine.registry import build_trainer
from engine.tricks.minibatch_stddev import MinibatchStdDev
from engine.tricks.progressive_growing import schedule, shrink
from engine.tricks.weight_clipping import clip_weights

# The paths that differ: one up-sampling to 8x8 (its extra 3x3 layer), 28 -> 14 -> 7 (an odd smallest map), and a
# colour power of two down to 4x4; 64x64 is 32x32 with one more layer, and 1 vs 3 channels change only the ends.
SHAPES = [(1, 8, 8), (1, 28, 28), (3, 32, 32)]
NORM_SHAPE = (3, 28, 28)  # a normalisation does not depend on the size: every one is built once, on an odd path
FAST = {"dataset": "digits", "batch_size": 16, "g_width": 8, "d_width": 8, "z_dim": 8}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks: one thread is much faster than two competing for a loaded CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def trainer(**values):
    return build_trainer("gan", {**FAST, **values})


def below_full(side: int) -> int:
    return resolutions(side)[1]


# ------------------------------------------------------------------ every combination builds
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("generator, upsample, blocks", list(itertools.product(
    ("dcgan", "style"), ("convt", "nearest", "pixelshuffle"), ("plain", "resnet"))))
def test_generators_build_at_every_size_stage_and_way(shape, generator, upsample, blocks):
    common = dict(upsample=upsample, blocks=blocks, dropout=0.2, attention=below_full(shape[1]), progressive=True)
    G = (StyleGenerator(8, shape, 4, **common, slope=0.2) if generator == "style"
         else ConvGenerator(8, shape, 4, "batch", **common))
    z = torch.randn(2, 8)
    x = G(z)
    assert x.shape == (2, *shape) and x.abs().max() <= 1
    for stage, side in enumerate(resolutions(shape[1])[::-1]):
        for alpha in (0.0, 0.5):
            assert G(z, stage=stage, alpha=alpha).shape == (2, shape[0], side, side)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("downsample, blocks", list(itertools.product(("stride", "avgpool"), ("plain", "resnet"))))
def test_discriminators_build_at_every_size_stage_and_way(shape, downsample, blocks):
    D = ConvDiscriminator(shape, 4, "batch", 0.1, 3, 2, num_classes=10, downsample=downsample, blocks=blocks,
                          attention=below_full(shape[1]), minibatch_stddev=True, progressive=True)
    labels = torch.tensor([1, 7])
    logits, features = D(torch.randn(2, *shape), labels)
    assert logits.shape == (2,) and features.shape == (2, D.feature_size)
    for stage, side in enumerate(resolutions(shape[1])[::-1]):
        logits, small = D(torch.randn(2, shape[0], side, side), labels, stage=stage, alpha=0.5)
        assert logits.shape == (2,) and small.shape == features.shape


@pytest.mark.parametrize("norm", G_NORMS)
def test_every_generator_norm_builds(norm):
    from engine.tricks.virtual_batchnorm import VirtualBatchNorm

    shape = NORM_SHAPE
    G = ConvGenerator(8, shape, 4, norm, num_classes=10)
    z, labels = torch.randn(3, 8), torch.tensor([0, 4, 9])
    if norm == "virtual_batch":
        with VirtualBatchNorm.reference_pass(G):
            G(torch.randn(5, 8), torch.arange(5))
    assert G(z, labels).shape == (3, *shape)


@pytest.mark.parametrize("norm", D_NORMS)
def test_every_discriminator_norm_builds(norm):
    from engine.tricks.virtual_batchnorm import VirtualBatchNorm

    shape = NORM_SHAPE
    D = ConvDiscriminator(shape, 4, norm, blocks="resnet")
    if norm == "virtual_batch":
        with VirtualBatchNorm.reference_pass(D):
            D.body(torch.randn(5, *shape))
    assert D(torch.randn(3, *shape))[0].shape == (3,)


@pytest.mark.parametrize("generator, blocks, progressive", list(itertools.product(
    ("dcgan", "style"), ("plain", "resnet"), (False, True))))
def test_each_generator_kind_trains_and_samples_on_digits(generator, blocks, progressive):
    t = trainer(generator=generator, blocks=blocks, progressive=progressive, progressive_steps=1, g_ema=10,
                g_dropout=0.2, self_attention=4, minibatch_stddev=True, downsample="avgpool")
    for _ in range(3):
        losses = t.step()
    assert all(np.isfinite(v) for v in losses.values()) and losses["grad_norm_g"] > 0
    assert t.sample(5, seed=1)["images"].shape == (5, 1, 8, 8)
    assert t.preview()["grid"].dtype == np.uint8


def test_default_keys_build_the_shipped_dcgan_layer_for_layer():
    from engine.files import read_checkpoint

    folder = Path(__file__).resolve().parents[2] / "assets" / "pretrained" / "gan-digits"
    saved = read_checkpoint(folder / "checkpoint.pt")["models"]
    t = trainer(g_width=32, d_width=32, z_dim=64, conditional=True)
    for name, model in (("G", t.G), ("D", t.D)):
        mine = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        assert mine == {k: tuple(v.shape) for k, v in saved[name].items()}, name


# ------------------------------------------------------------------ layers against their equations
def test_spectral_norm_makes_every_largest_singular_value_about_one():
    t = trainer(spectral_norm=True, g_spectral_norm=True, loss="hinge", self_attention=4)
    for _ in range(15):  # one power iteration per forward pass
        t.step()
    checked = 0
    for model in (t.G, t.D):
        for module in model.modules():
            if hasattr(module, "parametrizations") and "weight" in module.parametrizations:
                dim = module.parametrizations.weight[0].dim
                w = module.weight.detach().movedim(dim, 0).flatten(1)  # (out, in * k * k)
                assert torch.linalg.matrix_norm(w, ord=2) == pytest.approx(1.0, abs=0.1)
                checked += 1
    assert checked > 10


def test_weight_clipping_keeps_every_critic_weight_in_the_box():
    t = trainer(loss="wgan_gp", gp_weight=0.0, weight_clip=0.01, optimizer="rmsprop", lr_d=5e-3, d_steps=3)
    assert isinstance(t.opt_d, torch.optim.RMSprop)
    for _ in range(3):
        t.step()
    weights = torch.cat([p.detach().flatten() for p in t.D.parameters()])
    assert weights.abs().max() <= 0.01 and (weights.abs() == 0.01).any(), "clipped, and the clip is active"
    net = torch.nn.Linear(3, 2)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[0.5, -0.2, 0.001], [-3.0, 0.0, 0.02]]))
    clip_weights(net, 0.02)
    torch.testing.assert_close(net.weight, torch.tensor([[0.02, -0.02, 0.001], [-0.02, 0.0, 0.02]]))


def test_weight_clipping_and_rmsprop_also_train_on_2d_points():
    t = build_trainer("gan", {"dataset": "ring8", "loss": "wgan_gp", "gp_weight": 0.0, "weight_clip": 0.05,
                              "optimizer": "rmsprop", "batch_size": 32})
    t.step()
    assert max(p.abs().max() for p in t.D.parameters()) <= 0.05


def test_pixel_norm_gives_unit_mean_square_per_pixel():
    a = torch.randn(4, 6, 5, 5) * torch.linspace(0.1, 10, 6)[None, :, None, None]
    b = PixelNorm()(a)
    torch.testing.assert_close(b.pow(2).mean(1), torch.ones(4, 5, 5), atol=1e-5, rtol=0)
    torch.testing.assert_close(b / b.norm(dim=1, keepdim=True), a / a.norm(dim=1, keepdim=True))


def test_minibatch_stddev_adds_one_channel_with_the_batch_mean_std():
    a = torch.randn(6, 3, 4, 4) * 2 + 1
    out = MinibatchStdDev()(a)
    assert out.shape == (6, 4, 4, 4)
    torch.testing.assert_close(out[:, :3], a)
    x = a.numpy().astype(np.float64)
    s = np.mean([np.sqrt(np.var(x[:, c, i, j]) + 1e-8) for c in range(3) for i in range(4) for j in range(4)])
    torch.testing.assert_close(out[:, 3], torch.full((6, 4, 4), float(s)), atol=1e-5, rtol=0)
    same = MinibatchStdDev()(a[:1].repeat(6, 1, 1, 1))
    assert same[:, 3].max() < 1e-3, "a collapsed batch: no spread"


@pytest.mark.parametrize("up", [None, "nearest", "convt", "pixelshuffle"])
def test_modulated_convolution_equals_a_convolution_per_example(up):
    torch.manual_seed(0)
    conv = ModulatedConv(3, 4, 3, w_dim=5, up=up)
    x, w = torch.randn(2, 3, 6, 6), torch.randn(2, 5)
    y = conv(x, w)
    for n in range(2):
        s = conv.affine(w[n])  # (C_in,)
        weight = conv.scale * conv.weight * s[None, :, None, None]
        weight = weight / torch.sqrt(weight.pow(2).sum((1, 2, 3), keepdim=True) + 1e-8)  # demodulation, Eq. 3
        xn = x[n:n + 1]
        if up == "nearest":
            expected = F.conv2d(F.interpolate(xn, scale_factor=2), weight, padding=1)
        elif up == "convt":
            expected = F.conv_transpose2d(xn, weight.transpose(0, 1), stride=2, padding=1)
        elif up == "pixelshuffle":
            expected = F.pixel_shuffle(F.conv2d(xn, weight, padding=1), 2)
        else:
            expected = F.conv2d(xn, weight, padding=1)
        torch.testing.assert_close(y[n:n + 1], expected, atol=1e-5, rtol=1e-4)
    assert y.shape[-1] == (12 if up else 6)


def test_demodulation_keeps_unit_variance_whatever_the_style():
    torch.manual_seed(1)
    conv = ModulatedConv(16, 8, 3, w_dim=4)
    y = conv(torch.randn(8, 16, 12, 12), torch.randn(8, 4) * 5)
    assert y[:, :, 1:-1, 1:-1].std().item() == pytest.approx(1.0, abs=0.1)  # interior: no zero padding


def test_sub_pixel_convolution_starts_as_nearest_resize_then_convolution():
    torch.manual_seed(2)
    up = SubPixelConv(3, 5)
    x = torch.randn(2, 3, 4, 4)
    conv = up[0]
    once = F.conv2d(x, conv.weight[::4], conv.bias[::4], padding=1)  # sub-pixel 0 of every output
    torch.testing.assert_close(up(x), F.interpolate(once, scale_factor=2, mode="nearest"))


def test_self_attention_against_a_loop_over_positions():
    torch.manual_seed(3)
    att = SelfAttention(16)
    x = torch.randn(2, 16, 3, 3)
    torch.testing.assert_close(att(x), x, msg="gamma starts at 0: the identity")
    with torch.no_grad():
        att.gamma.fill_(0.7)
    y = att(x)
    f, g, h = (m(x).flatten(2) for m in (att.f, att.g, att.h))  # (N, C', 9)
    for n in range(2):
        for j in range(9):
            weights = torch.softmax(torch.stack([f[n, :, i] @ g[n, :, j] for i in range(9)]), 0)
            o = sum(weights[i] * h[n, :, i] for i in range(9))
            expected = 0.7 * (att.v.weight[:, :, 0, 0] @ o) + x[n].flatten(1)[:, j]
            torch.testing.assert_close(y[n].flatten(1)[:, j], expected, atol=1e-5, rtol=1e-4)


def test_conditional_batch_norm_follows_its_equation():
    torch.manual_seed(4)
    cbn = ModulatedBatchNorm(3, cond_dim=2)
    with torch.no_grad():
        cbn.gamma.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0], [0.5, 0.5]]))
        cbn.beta.weight.copy_(torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]))
    x, c = torch.randn(4, 3, 2, 2), torch.randn(4, 2)
    y = cbn(x, Context(cond=c))
    mu, var = x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), unbiased=False, keepdim=True)
    x_hat = (x - mu) / torch.sqrt(var + cbn.bn.eps)
    gamma, beta = c @ cbn.gamma.weight.T, c @ cbn.beta.weight.T
    torch.testing.assert_close(y, (1 + gamma[:, :, None, None]) * x_hat + beta[:, :, None, None])
    G = ConvGenerator(4, (1, 8, 8), 8, "conditional_batch", num_classes=10).eval()
    z = torch.randn(1, 4).repeat(2, 1)
    with torch.no_grad():
        for m in G.modules():
            if isinstance(m, ModulatedBatchNorm):
                m.gamma.weight.normal_()
        a, b = G(z, torch.tensor([2, 8]))
    assert not torch.allclose(a, b), "the class reaches the image through the shared embedding"


def test_the_generator_ema_is_what_samples_come_from():
    t = trainer(g_ema=100)
    for _ in range(3):
        t.step()
    assert t.sampler is t.G_ema and not any(p.requires_grad for p in t.G_ema.parameters())
    z = t.view_z[:4]
    with torch.no_grad():
        from_average = t._generate(z, t.view_labels[:4], t.G_ema.eval(), torch.Generator().manual_seed(0))
    torch.testing.assert_close(t.generate(z, t.view_labels[:4]), from_average)
    assert not torch.allclose(from_average, t.G.eval()(z, t.view_labels[:4])), "the average is not G itself"


def test_dropout_is_kept_at_sampling_and_fixed_by_the_seed():
    drop = KeptDropout(0.5).eval()
    x = torch.ones(2000)
    y = drop(x, Context(rng=torch.Generator().manual_seed(0)))
    assert set(y.unique().tolist()) == {0.0, 2.0} and (y == 0).float().mean() == pytest.approx(0.5, abs=0.05)
    t = trainer(g_dropout=0.5)
    t.step()
    a, b, c = t.sample(6, seed=1)["images"], t.sample(6, seed=1)["images"], t.sample(6, seed=2)["images"]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    z = t.view_z[:1].repeat(2, 1)
    assert not torch.equal(*t.generate(z, t.view_labels[:1].repeat(2), rng=torch.Generator().manual_seed(3))), \
        "the same z twice: two dropout masks"


# ------------------------------------------------------------------ truncation and the style generator
def test_truncation_psi_zero_gives_the_mean_style_for_every_z():
    G = StyleGenerator(8, (1, 8, 8), 4, num_classes=10)
    for _ in range(3):
        G.styles(torch.randn(16, 8) * 3, torch.randint(0, 10, (16,)))  # training passes move w_avg
    G.eval()
    assert G.w_avg.abs().sum() > 0
    z, labels = torch.randn(5, 8), torch.arange(5)
    ws = G.styles(z, labels, psi=0.0)
    torch.testing.assert_close(ws, G.w_avg.expand(5, G.num_styles, -1))
    images = G(z, labels, psi=0.0, noise=False)
    torch.testing.assert_close(images, images[:1].expand_as(images))
    half = G.styles(z, labels, psi=0.5)
    torch.testing.assert_close(half, 0.5 * G.styles(z, labels) + 0.5 * G.w_avg)
    dcgan = trainer(truncation=0.0, conditional=False)
    samples = dcgan.sample(4, seed=0)["images"]
    assert (samples == samples[:1]).all(), "psi = 0 on the DCGAN: z' = 0 for every z"


def test_w_avg_is_the_running_mean_of_w():
    G = StyleGenerator(8, (1, 8, 8), 4)
    z = torch.randn(32, 8)
    G.styles(z)
    with torch.no_grad():
        w = G.mapping(z)
    torch.testing.assert_close(G.w_avg, 0.005 * w.mean(0))


def test_noise_inputs_off_is_deterministic_and_on_changes_the_image():
    G = StyleGenerator(8, (1, 8, 8), 4).eval()
    with torch.no_grad():
        for m in G.modules():
            if hasattr(m, "strength"):
                m.strength.fill_(0.5)
    z = torch.randn(2, 8)
    off = [G(z, rng=torch.Generator().manual_seed(s), noise=False) for s in (0, 1)]
    on = [G(z, rng=torch.Generator().manual_seed(s)) for s in (0, 1)]
    torch.testing.assert_close(off[0], off[1])
    assert not torch.allclose(on[0], on[1])


def test_style_mixing_takes_the_coarse_layers_from_a_and_the_rest_from_b():
    t = trainer(generator="style")
    t.step()
    sides = image_lessons.style_layers(t)
    assert sides == [4, 8, 8] and len(sides) == t.G.num_styles
    every = image_lessons.style_mixing(t, [1, 2], [3, 4, 5], crossover=len(sides))
    assert every["mixed"].shape == (2, 3, 1, 8, 8)
    for j in range(3):
        np.testing.assert_array_equal(every["mixed"][:, j], every["a"]), "every layer from a: a's images"
    some = image_lessons.style_mixing(t, [1, 2], [3, 4, 5], crossover=1)
    assert not np.array_equal(some["mixed"][0, 0], some["a"][0])
    assert some["picture"].shape == (3 * 9 + 1, 4 * 9 + 1), "rows: a and a header; columns: b and a header"
    effect = image_lessons.noise_effect(t, seed=3)
    assert effect["with_noise"].shape == (6, 1, 8, 8) and effect["std"].dtype == np.uint8
    with pytest.raises(ValueError, match="style generator"):
        image_lessons.style_layers(trainer())


# ------------------------------------------------------------------ progressive growing
def test_growing_schedule_goes_side_by_side_with_fade_ins():
    stages = [schedule(s, 10, 3) for s in (0, 9, 10, 15, 20, 29, 30, 35, 40, 10**6)]
    assert stages == [(0, 1.0), (0, 1.0), (1, 0.0), (1, 0.5), (1, 1.0), (1, 1.0), (2, 0.0), (2, 0.5), (2, 1.0),
                      (2, 1.0)]


@pytest.mark.parametrize("kind", ["dcgan", "resnet", "style"])
def test_fade_in_at_alpha_zero_equals_the_lower_resolution_output_upsampled(kind):
    shape = (1, 28, 28)
    G = (StyleGenerator(8, shape, 4, progressive=True) if kind == "style"
         else ConvGenerator(8, shape, 4, "batch", blocks="resnet" if kind == "resnet" else "plain",
                            progressive=True)).eval()
    z = torch.randn(3, 8)
    for stage in (1, 2):
        low = G(z, stage=stage - 1, alpha=1.0, noise=False) if kind == "style" else G(z, stage=stage - 1)
        faded = G(z, stage=stage, alpha=0.0, noise=False) if kind == "style" else G(z, stage=stage, alpha=0.0)
        torch.testing.assert_close(faded, F.interpolate(low, scale_factor=2, mode="nearest"))
    D = ConvDiscriminator(shape, 4, "none", progressive=True)
    x = torch.randn(3, 1, 14, 14)
    torch.testing.assert_close(D(x, stage=1, alpha=0.0)[0], D(F.avg_pool2d(x, 2), stage=0)[0])
    real = torch.randn(3, 1, 28, 28)
    torch.testing.assert_close(shrink(real, 14, 0.0), F.interpolate(F.avg_pool2d(real, 4), scale_factor=2))


def test_progressive_training_shows_the_growing_side_and_alpha():
    t = trainer(progressive=True, progressive_steps=2, conditional=False)
    grown = []
    for _ in range(5):
        p = t.preview()
        grown.append((p["growth"]["side"], p["growth"]["alpha"], p["grid"].shape[0]))
        t.step()
    assert grown == [(4, 1.0, 8 * 5 + 1), (4, 1.0, 8 * 5 + 1), (8, 0.0, 8 * 9 + 1), (8, 0.5, 8 * 9 + 1),
                     (8, 1.0, 8 * 9 + 1)], "the grid grows from 4x4 to 8x8 samples"
    assert t.sample(3)["images"].shape == (3, 1, 8, 8), "samples always at the data's size"


# ------------------------------------------------------------------ the spectrum metric and the lessons
def test_high_frequency_energy_of_a_checkerboard_and_of_a_smooth_ramp():
    i, j = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    checker = ((i + j) % 2 * 2 - 1.0)[None, None]
    ramp = np.cos(2 * np.pi * i / 8)[None, None]  # 1/8 cycle per pixel
    assert high_frequency_energy(checker) == pytest.approx(1.0)
    assert high_frequency_energy(ramp) == pytest.approx(0.0, abs=1e-12)
    power = power_spectrum(checker)
    assert power[0, 0] == pytest.approx(power.sum()), "all the power at (-1/2, -1/2) cycles per pixel"
    assert high_frequency_gap(0.2, 0.2) == 0 and high_frequency_gap(0.4, 0.2) == pytest.approx(math.log(2))
    as_uint8 = to_uint8(torch.as_tensor(checker))
    assert high_frequency_energy(as_uint8) == pytest.approx(1.0)


def test_evaluate_reports_the_high_frequency_energy(monkeypatch, tmp_path):
    import engine.metrics.judge as judge_module

    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path))
    real_train = judge_module.train_judge
    monkeypatch.setattr(judge_module, "train_judge", lambda data, **kw: real_train(data, **{**kw, "epochs": 2}))
    t = trainer(upsample="nearest")
    m = t.evaluate()
    assert 0 < m["high_frequency_energy"] < 1
    assert m["high_frequency_gap"] == pytest.approx(high_frequency_gap(m["high_frequency_energy"],
                                                                       high_frequency_energy(t.data.heldout)))
    curve = image_lessons.truncation_curve(t, psis=(0.0, 1.0), n=100)
    assert curve["rows"].shape == (2, 8, 1, 8, 8) and len(curve["judge_score"]) == 2
    assert curve["judge_score"][0] == pytest.approx(1.0, abs=0.05), "psi = 0: one image, one class"
    board = image_lessons.checkerboard(t, n=100)
    assert board["spectrum_samples"].shape == (8, 8) and board["crop"].shape == (32, 32)


# ------------------------------------------------------------------ keys: refused with a message, saved, resumed
@pytest.mark.parametrize("values, key", [
    ({"self_attention": 8}, "self_attention"),
    ({"self_attention": 3}, "self_attention"),
    ({"g_norm": "conditional_batch", "conditional": False}, "g_norm"),
    ({"generator": "style", "g_norm": "pixel"}, "g_norm"),
    ({"generator": "style", "virtual_batchnorm": True}, "virtual_batchnorm"),
    ({"progressive": True, "replay_buffer": 10}, "replay_buffer"),
    ({"progressive": True, "d_norm": "virtual_batch"}, "d_norm"),
    ({"upsample": "bilinear"}, "upsample"),
])
def test_meaningless_combinations_are_refused_naming_the_key(values, key):
    with pytest.raises(ConfigError) as info:
        trainer(**values)
    assert info.value.key == key


NEW_IMAGE_KEYS = {"generator": "style", "upsample": "nearest", "downsample": "avgpool", "blocks": "resnet",
                  "g_spectral_norm": True, "g_leaky_slope": 0.2, "d_leaky_slope": 0.1, "self_attention": 4,
                  "minibatch_stddev": True, "g_dropout": 0.5, "g_ema": 100, "progressive": True,
                  "progressive_steps": 10, "truncation": 0.7}


@pytest.mark.parametrize("key", list(NEW_IMAGE_KEYS))
def test_the_new_keys_are_image_only(key):
    assert key in IMAGE_ONLY_KEYS
    with pytest.raises(ConfigError) as info:
        build_trainer("gan", {"dataset": "ring8", key: NEW_IMAGE_KEYS[key]})
    assert info.value.key == key and "2D" in str(info.value)


