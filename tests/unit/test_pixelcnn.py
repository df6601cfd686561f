"""PixelCNN: masks, causality through gradients, the blind spot, the two samplers, the output distributions,
completion, the trainer and its bad input."""

import math

import pytest
import torch

from engine.config import ConfigError
from engine.families.pixelcnn.likelihoods import log_prob, log_probs_all, params_per_channel, probabilities, to_input
from engine.families.pixelcnn.receptive_field import receptive_field
from engine.families.pixelcnn.sampler import draw, lower_half, raster_scan, sample
from engine.models.masked_conv import causal_mask
from engine.models.pixelcnn import build_pixelcnn
from engine.registry import build_trainer, make_config

CASES = [(1, "binary"), (1, "categorical"), (3, "logistic_mixture"), (3, "categorical")]


def small(variant, colours, output, classes=0, width=12, layers=2, first_kernel=5):
    torch.manual_seed(0)
    return build_pixelcnn(variant, colours, params_per_channel(output, 2), width, layers, first_kernel, classes)


def test_masks_match_their_drawings():
    a = causal_mask(1, 1, (5, 5), "A", 1)[0, 0]
    b = causal_mask(1, 1, (5, 5), "B", 1)[0, 0]
    v = causal_mask(1, 1, (5, 5), "vertical", 1)[0, 0]
    past = torch.tensor([[1] * 5, [1] * 5, [1, 1, 0, 0, 0]], dtype=torch.float)  # rows below are not stored
    assert torch.equal(a, past)
    centre = torch.zeros(3, 5)
    centre[2, 2] = 1
    assert torch.equal(b, past + centre)
    assert torch.equal(v, torch.ones(3, 5))
    assert causal_mask(1, 1, (1, 5), "A", 1)[0, 0].tolist() == [[1, 1, 0]]  # one-row kernels keep the left half
    assert causal_mask(1, 1, (1, 5), "B", 1)[0, 0].tolist() == [[1, 1, 1]]
    # colours: output group g (channel % 3) sees input group h at the centre iff h < g (A) or h <= g (B)
    rgb_a = causal_mask(6, 3, (3, 3), "A", 3)[:, :, -1, 1]
    rgb_b = causal_mask(6, 3, (3, 3), "B", 3)[:, :, -1, 1]
    for o in range(6):
        for i in range(3):
            assert rgb_a[o, i] == float(i < o % 3) and rgb_b[o, i] == float(i <= o % 3)


def _raster_gradients(model, colours, size, labels):
    """For every output (i, j, c): the input gradient flattened in generation order (pixel, then colour)."""
    x = torch.randn(len(labels), colours, size, size, requires_grad=True)
    out = model(x, labels)  # (B, C, P, H, W)
    for i in range(size):
        for j in range(size):
            for c in range(colours):  # images do not interact, so one backward serves the whole batch
                (g,) = torch.autograd.grad(out[:, c, :, i, j].sum(), x, retain_graph=True)
                yield i, j, c, g.abs().sum(0).permute(1, 2, 0).reshape(-1)  # (H*W*C,) raster order, colours inner


@pytest.mark.parametrize("variant", ["pixelcnn", "gated"])
@pytest.mark.parametrize("colours,output", CASES)
def test_every_output_depends_only_on_earlier_values(variant, colours, output):
    size = 6
    model = small(variant, colours, output, classes=3, width=8 * colours)  # few features per colour can all be 0
    reached_past = 0
    for i, j, c, grad in _raster_gradients(model, colours, size, torch.tensor([0, 2, 1, 1])):
        index = (i * size + j) * colours + c
        assert grad[index:].abs().max() == 0, f"output ({i}, {j}, colour {c}) sees the present or the future"
        # not vacuous: each output uses the value drawn just before it (the one above, at a row's start)
        before = index - 1 if (j, c) != (0, 0) else index - size * colours
        reached_past += int(index > 0 and grad[before] != 0)
    assert reached_past == size * size * colours - 1


def test_the_blind_spot_is_in_plain_pixelcnn_and_not_in_gated():
    size, i, j = 12, 8, 4
    plain = small("pixelcnn", 1, "binary", layers=6, first_kernel=3)
    gated = small("gated", 1, "binary", layers=6, first_kernel=3)
    field_plain = receptive_field(plain, (1, size, size), i, j)
    field_gated = receptive_field(gated, (1, size, size), i, j)
    # stacked 3x3 masks only move up-and-right one column per row: (i - 1, j + 2) is never reached
    assert field_plain[i - 1, j + 2] == 0 and field_plain[i - 2, j + 3] == 0
    assert field_plain[i - 1, j + 1] > 0 and field_plain[i, j - 1] > 0
    # gated: every earlier pixel within reach of 7 layers is seen, the blind spot included
    for r in range(i - 4, i + 1):
        for col in range(max(0, j - 4), min(size, j + 5)):
            if (r, col) < (i, j):
                assert field_gated[r, col] > 0, (r, col)
    assert (field_gated[i, j:] == 0).all() and (field_gated[i + 1:] == 0).all()


def test_receptive_field_refuses_a_pixel_outside_the_image():
    with pytest.raises(ValueError, match="outside"):
        receptive_field(small("gated", 1, "binary"), (1, 6, 6), 6, 0)


@pytest.mark.parametrize("variant", ["pixelcnn", "gated"])
@pytest.mark.parametrize("colours,output", CASES)
@pytest.mark.parametrize("first_kernel,size", [(5, (7, 6)), (7, (3, 4))])  # a kernel larger than the image too
def test_naive_and_cached_samplers_give_the_same_images(variant, colours, output, first_kernel, size):
    model = small(variant, colours, output, classes=2, first_kernel=first_kernel)
    runs = {}
    for sampler in ("naive", "cached"):
        params, values = [], None
        for event in raster_scan(model, output, (colours, *size), 3, sampler=sampler, temperature=0.9,
                                 generator=torch.Generator().manual_seed(4), labels=torch.tensor([0, 1, 1])):
            params.append(event.params.clone())
            values = event.values
        runs[sampler] = (torch.stack(params), values.clone())
    assert (runs["naive"][0] - runs["cached"][0]).abs().max() < 1e-4
    assert torch.equal(runs["naive"][1], runs["cached"][1])
    assert len(runs["naive"][0]) == size[0] * size[1] * colours


@pytest.mark.parametrize("variant", ["pixelcnn", "gated"])
def test_completion_keeps_the_known_pixels_and_both_samplers_agree(variant):
    model = small(variant, 3, "categorical")
    known = torch.randint(0, 256, (2, 3, 6, 6), generator=torch.Generator().manual_seed(1))
    region = torch.zeros(6, 6, dtype=torch.bool)
    region[2:5, 1:4] = True  # a hole in the middle: later known pixels must still feed the cache
    out = {s: sample(model, "categorical", (3, 6, 6), 2, sampler=s, known=known, region=region,
                     generator=torch.Generator().manual_seed(2)) for s in ("naive", "cached")}
    assert torch.equal(out["naive"], out["cached"])
    assert torch.equal(out["cached"][:, :, ~region], known[:, :, ~region])
    assert not torch.equal(out["cached"][:, :, region], known[:, :, region])


def test_completion_region_errors_are_clear():
    model = small("gated", 1, "binary")
    known = torch.zeros(1, 1, 4, 4, dtype=torch.long)
    with pytest.raises(ValueError, match="covers the whole image"):
        sample(model, "binary", (1, 4, 4), 1, known=known, region=torch.ones(4, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="empty"):
        sample(model, "binary", (1, 4, 4), 1, known=known, region=torch.zeros(4, 4, dtype=torch.bool))
    assert lower_half(4, 4)[2:].all() and not lower_half(4, 4)[:2].any()


@pytest.mark.parametrize("temperature", [0, -1.0])
def test_temperature_must_be_positive(temperature):
    with pytest.raises(ValueError, match="temperature must be greater than 0"):
        sample(small("gated", 1, "binary"), "binary", (1, 4, 4), 1, temperature=temperature)
    trainer = build_trainer("pixelcnn", {"width": 6, "layers": 1, "batch_size": 8})
    with pytest.raises(ValueError, match="temperature must be greater than 0"):
        trainer.sample_values(2, temperature=temperature)
    with pytest.raises(ConfigError, match="temperature"):
        make_config("pixelcnn", {"temperature": temperature})


def test_logistic_mixture_sums_to_one_and_matches_its_equation():
    torch.manual_seed(0)
    params = torch.randn(50, 3 * 4) * 3  # mixture logits, means, log-scales
    params[:5, 8:] = -9.0  # tiny scales (clamped at -7) stress the edge bins
    all_values = log_probs_all(params, "logistic_mixture")  # (50, 256)
    assert torch.allclose(all_values.exp().sum(1), torch.ones(50), atol=1e-5)
    # one component by hand: P(v) = sigmoid((x + 1/255 - mu) / s) - sigmoid((x - 1/255 - mu) / s)
    one = torch.tensor([[0.0, 0.1, math.log(0.05)]])
    x = 100 / 127.5 - 1
    expected = torch.sigmoid(torch.tensor((x + 1 / 255 - 0.1) / 0.05)) - torch.sigmoid(
        torch.tensor((x - 1 / 255 - 0.1) / 0.05))
    assert torch.allclose(log_probs_all(one, "logistic_mixture")[0, 100].exp(), expected, rtol=1e-4)
    # the training path (a gather over the observed values) equals the full table
    values = torch.randint(0, 256, (50,))
    per_pixel = log_prob(params[:, None, :, None, None], values[:, None, None, None], "logistic_mixture")
    assert torch.allclose(per_pixel.flatten(), all_values[torch.arange(50), values], atol=1e-5)


def test_logistic_mixture_gradients_stay_finite_at_extreme_scales():
    params = torch.zeros(4, 3 * 2)
    params[:, 4:] = torch.tensor([[120.0, -120.0], [-120.0, 120.0], [50.0, 50.0], [-50.0, -50.0]])  # log-scales
    params.requires_grad_(True)
    values = torch.tensor([0, 255, 128, 3])
    log_p = log_prob(params[:, None, :, None, None], values[:, None, None, None], "logistic_mixture")
    log_p.sum().backward()
    assert torch.isfinite(log_p).all() and torch.isfinite(params.grad).all()


@pytest.mark.parametrize("output,levels", [("binary", 2), ("categorical", 256)])
def test_other_outputs_are_distributions_and_temperature_sharpens(output, levels):
    params = torch.randn(10, params_per_channel(output))
    p = probabilities(params, output)
    assert p.shape == (10, levels) and torch.allclose(p.sum(1), torch.ones(10))
    cold = probabilities(params, output, temperature=0.5)
    assert torch.allclose(cold, p**2 / (p**2).sum(1, keepdim=True), atol=1e-6)  # p^(1/T), renormalised
    values = torch.randint(0, levels, (10,))
    per_pixel = log_prob(params[:, None, :, None, None], values[:, None, None, None], output)
    assert torch.allclose(per_pixel.flatten(), p.log()[torch.arange(10), values], atol=1e-5)


def test_inverse_cdf_draw():
    probs = torch.tensor([[0.2, 0.0, 0.5, 0.3]] * 4)
    assert draw(probs, torch.tensor([0.0, 0.19, 0.21, 0.69])).tolist() == [0, 0, 2, 2]
    assert draw(probs, torch.tensor([0.7001, 0.99, 1.0, 0.5])).tolist() == [3, 3, 3, 2]
    assert to_input(torch.tensor([0, 255]), "categorical").tolist() == [-1.0, 1.0]


# --------------------------------------------------------------------------- the trainer
def test_trainer_learns_evaluates_and_samples():
    trainer = build_trainer("pixelcnn", {"variant": "gated", "width": 12, "layers": 2, "batch_size": 32, "lr": 3e-3})
    first = trainer.step()["loss"]
    for _ in range(40):
        last = trainer.step()["loss"]
    assert last < first * 0.7
    metrics = trainer.evaluate()
    assert metrics["bits_per_dim"] == pytest.approx(metrics["nll_nats"] / (64 * math.log(2)))
    assert 0 < metrics["nll_nats"] < first
    images = trainer.sample(5, seed=1)["images"]
    assert images.shape == (5, 1, 8, 8) and images.dtype.name == "uint8"
    assert trainer.preview()["samples"].shape[2] == 3


@pytest.mark.parametrize("output", ["binary", "logistic_mixture"])
def test_conditional_trainer_samples_the_asked_classes(output):
    trainer = build_trainer("pixelcnn", {"variant": "pixelcnn", "output": output, "conditional": True,
                                         "width": 10, "layers": 1, "n_mix": 2, "batch_size": 16})
    trainer.step()
    assert trainer.labels_for(12).tolist() == list(range(10)) + [0, 1]
    values = trainer.sample_values(3, seed=0)
    assert values.max() <= (1 if output == "binary" else 255)
    if output == "binary":
        assert set(trainer.train_v.unique().tolist()) == {0, 1}


def test_sampler_key_chooses_the_sampler_with_the_same_result():
    trainer = build_trainer("pixelcnn", {"width": 9, "layers": 1, "batch_size": 8})
    trainer.step()
    naive = trainer.sample_values(3, seed=2, sampler="naive")
    trainer.set_knobs(sampler="naive")
    assert torch.equal(trainer.sample_values(3, seed=2), naive)
    assert torch.equal(trainer.sample_values(3, seed=2, sampler="cached"), naive)


@pytest.mark.parametrize("values,key", [
    ({"first_kernel": 4}, "first_kernel"),
    ({"variant": "wavenet"}, "variant"),
    ({"output": "gaussian"}, "output"),
    ({"width": 2}, "width"),
    ({"dataset": "ring8"}, "dataset"),
    ({"batch_size": 5000}, "batch_size"),
])
def test_bad_configurations_name_the_key(values, key):
    with pytest.raises(ConfigError) as err:
        build_trainer("pixelcnn", values)
    assert err.value.key == key


def test_gated_model_refuses_a_width_that_splits_the_colours():
    with pytest.raises(ValueError, match="multiple of the 3 colours"):
        build_pixelcnn("gated", 3, 2, width=4, layers=1)


def test_colour_images_need_a_width_divisible_by_three():
    from engine.data.images import ImageDataset

    x = torch.rand(20, 3, 4, 4) * 2 - 1
    data = ImageDataset("tiny-rgb", x[:16], None, x[16:], None)
    with pytest.raises(ConfigError, match="multiple of 3"):
        build_trainer("pixelcnn", {"width": 16, "batch_size": 4}, data=data)
    with pytest.raises(ConfigError, match="no class labels"):
        build_trainer("pixelcnn", {"width": 12, "conditional": True, "batch_size": 4}, data=data)
    trainer = build_trainer("pixelcnn", {"width": 12, "layers": 1, "batch_size": 4, "output": "logistic_mixture"},
                            data=data)
    trainer.step()
    assert trainer.sample(2)["images"].shape == (2, 3, 4, 4)


def test_sampling_movie_advances_value_by_value_and_ends_with_the_sampled_images():
    from engine.families.pixelcnn.sampler import SamplingMovie

    model = small("gated", 1, "categorical")
    movie = SamplingMovie(model, "categorical", (1, 5, 4), 2, frames=5, generator=torch.Generator().manual_seed(7))
    assert movie.values().abs().sum() == 0 and movie.last is None
    event = movie.advance(3)
    assert (event.i, event.j, event.drawn, event.total) == (0, 2, 3, 20) and not movie.done
    movie.advance(10**6)
    assert movie.done and movie.last.drawn == 20 and len(movie.frames) == 5
    assert [drawn for drawn, _ in movie.frames] == [4, 8, 12, 16, 20]
    whole = sample(model, "categorical", (1, 5, 4), 2, generator=torch.Generator().manual_seed(7))
    assert torch.equal(movie.values(), whole)


def test_samplers_agree_on_a_trained_network():
    """Trained weights make the two paths' float32 rounding differ enough to flip a draw now and then (1 value in
    12,544 on MNIST); both sample from a float64 copy, where they agree to ~1e-15."""
    trainer = build_trainer("pixelcnn", {"variant": "gated", "width": 16, "layers": 3, "batch_size": 32, "lr": 3e-3})
    for _ in range(60):
        trainer.step()
    runs = {}
    for sampler in ("naive", "cached"):
        params, dtypes = [], set()
        for event in raster_scan(trainer.model, "categorical", trainer.shape, 32, sampler=sampler,
                                 generator=torch.Generator().manual_seed(3)):
            params.append(event.params.clone())
            dtypes.add(event.probs.dtype)
        runs[sampler] = torch.stack(params), event.values.clone(), dtypes
    assert runs["naive"][2] == runs["cached"][2] == {torch.float64}
    assert (runs["naive"][0] - runs["cached"][0]).abs().max() < 1e-9
    assert torch.equal(runs["naive"][1], runs["cached"][1])
    assert next(trainer.model.parameters()).dtype == torch.float32, "the trained network itself stays float32"


# --------------------------------------------------------------------------- the page's lessons
def test_frozen_copy_samples_while_the_trainer_moves_on():
    from engine.families.pixelcnn.lessons import FrozenPixelCnn

    trainer = build_trainer("pixelcnn", {"width": 9, "layers": 1, "batch_size": 8, "conditional": True})
    trainer.step()
    frozen = FrozenPixelCnn.of(trainer)
    before = frozen.movie(3, seed=4, label=2)
    before.advance(10**9)
    for _ in range(3):
        trainer.step()
    again = frozen.movie(3, seed=4, label=2)
    again.advance(10**9)
    assert frozen.step == 1 and torch.equal(before.values(), again.values()), "the copy does not train"
    assert frozen.labels(4, label=2).tolist() == [2, 2, 2, 2] and frozen.labels(3).tolist() == [0, 1, 2]
    known = trainer.heldout_v[:1].cpu()
    region = torch.zeros(8, 8, dtype=torch.bool)
    region[4:] = True
    out = frozen.complete(known, region, 3, seed=1, labels=torch.tensor([0, 0, 0]))
    assert out.shape == (3, 1, 8, 8) and torch.equal(out[:, :, :4], known[:, :, :4].expand(3, -1, -1, -1))


def test_completion_regions():
    from engine.families.pixelcnn.lessons import REGIONS, completion_region

    assert torch.equal(completion_region("lower half", 4, 4), lower_half(4, 4))
    right = completion_region("right half", 4, 6)
    assert right[:, 3:].all() and not right[:, :3].any()
    centre = completion_region("centre square", 8, 8)
    assert centre[2:6, 2:6].all() and int(centre.sum()) == 16
    block = completion_region("rows and columns", 5, 5, rows=(1, 2), cols=(0, 3))
    assert int(block.sum()) == 8 and block[1:3, :4].all()
    assert len(REGIONS) == 4
    with pytest.raises(ValueError, match="unknown region"):
        completion_region("top", 4, 4)


def test_blind_spot_lesson_finds_the_wedge_only_in_plain_pixelcnn():
    from engine.families.pixelcnn.lessons import blind_spot_of, field_picture, receptive_fields

    fields = receptive_fields(9, 3, 3, 6, 4)
    blind = blind_spot_of(fields["pixelcnn"], fields["gated"], 6, 4)
    assert blind.any() and not blind_spot_of(fields["gated"], fields["gated"], 6, 4).any()
    assert all(i < 6 and j > 4 for i, j in zip(*blind.nonzero())), "the wedge is above and to the right"
    picture = field_picture(fields["pixelcnn"], fields["gated"], 6, 4, size=90)
    assert picture.shape == (90, 90, 3) and picture.dtype.name == "uint8"


def test_canvas_pictures_mark_pending_and_current_pixels():
    from engine.families.pixelcnn.lessons import CURRENT, UNDRAWN, canvas_picture, pending_pixels

    values = torch.full((2, 1, 4, 4), 255)
    region = torch.ones(4, 4, dtype=torch.bool)
    pending = pending_pixels((1, 4, 4), region, (1, 2))
    assert pending.sum() == 16 - 7 and not pending[1, 2] and pending[1, 3]
    picture = canvas_picture(values, "categorical", pending=pending, current=(1, 2), tile_size=40, per_row=2)
    f, pad = 10, 3
    assert picture.shape == (4 * f + 2 * pad, 2 * (4 * f) + 3 * pad, 3)
    assert (picture[pad + 3 * f + 5, pad + 5] == UNDRAWN).all()  # pixel (3, 0): not drawn yet
    assert (picture[pad + 0 + 5, pad + 5] == 255).all()  # pixel (0, 0): drawn white
    assert (picture[pad + 1 * f, pad + 2 * f + 5] == CURRENT).all()  # the frame of pixel (1, 2)
