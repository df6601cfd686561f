"""The `flow` family: every bijection inverts to 1e-5 and its log|det J| equals the log-determinant of the Jacobian
torch.autograd computes; every model inverts; MADE's outputs read only earlier dimensions; dequantisation scores a
uniform density at 8 bits per dimension; checkpoints give back the same likelihoods; encodings are exact; the views
and the direction timing; bad settings are refused with the key named."""

import math

import numpy as np
import pytest
import torch

from engine.config import ConfigError
from engine.families.flow import pictures, pictures2d
from engine.families.flow.actnorm import ActNorm
from engine.families.flow.autoregressive import MaskedAffineAutoregressive
from engine.families.flow.base import Compose, Flatten
from engine.families.flow.conditioners import conv_net, mlp
from engine.families.flow.config import FlowConfig
from engine.families.flow.coupling import (
    AdditiveCoupling,
    AffineCoupling,
    DiagonalScaling,
    alternating_mask,
    channel_mask,
    checkerboard_mask,
    half_mask,
)
from engine.families.flow.dequantization import bin_centres, dequantize, discrete_nll, quantize, to_images, to_values
from engine.families.flow.direction_cost import direction_cost
from engine.families.flow.mixing import Invertible1x1, Permutation
from engine.families.flow.models import build_flow
from engine.families.flow.multiscale import MultiScale, Squeeze, level_shapes
from engine.pictures import points2d
from engine.registry import build_trainer, make_config


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """One intra-op thread, as in a Run (engine.runs.torch_threads): on this shared 2-core machine two threads made
    a Glow step on 2D points 50 times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class FakeJudge:
    """Stands in for the digits judge (trained once per test session by the CLI tests): fixed random outputs."""

    def probabilities_and_features(self, images):
        g = torch.Generator().manual_seed(len(images))
        return torch.softmax(torch.randn(len(images), 10, generator=g), 1), torch.randn(len(images), 6, generator=g)


POINTS = {"dataset": "ring8", "width": 16, "depth": 2, "batch_size": 64}
IMAGES = {"dataset": "digits", "width": 8, "depth": 1, "batch_size": 16}
MODELS = ("nice", "realnvp", "glow", "maf", "iaf")


def perturbed(module: torch.nn.Module, scale: float = 0.3, seed: int = 0) -> torch.nn.Module:
    """Every parameter moved off its (often identity) initial value, so the tests see a non-trivial map."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=g) * scale)
    return module


def vector_bijections(d: int = 4) -> dict[str, torch.nn.Module]:
    return {
        "additive coupling": AdditiveCoupling(alternating_mask(d, 0), mlp(d, 8, d)),
        "diagonal scaling": DiagonalScaling((d,)),
        "affine coupling (alternating)": AffineCoupling(alternating_mask(d, 1), mlp(d, 8, 2 * d), (d,)),
        "affine coupling (halves)": AffineCoupling(half_mask(d, first=False), mlp(d, 8, 2 * d), (d,)),
        "actnorm": ActNorm(d, image=False),
        "1x1 convolution": Invertible1x1(d, lu=False),
        "1x1 convolution (LU)": Invertible1x1(d, lu=True),
        "reverse": Permutation.reverse(d),
        "shuffle": Permutation.shuffle(d),
        "MAF layer": MaskedAffineAutoregressive(d, 12, iaf=False),
        "IAF layer": MaskedAffineAutoregressive(d, 12, iaf=True),
    }


def image_bijections(c: int = 2, h: int = 4) -> dict[str, torch.nn.Module]:
    level = Compose([AffineCoupling(checkerboard_mask(h, h, 0), conv_net(c, 4, 2 * c), (c, 1, 1)), Squeeze(),
                     AffineCoupling(channel_mask(4 * c, first=True), conv_net(4 * c, 4, 8 * c), (4 * c, 1, 1))])
    last = Compose([Squeeze(), ActNorm(8 * c, image=True), Invertible1x1(8 * c, lu=True)])
    return {
        "affine coupling (checkerboard)": AffineCoupling(checkerboard_mask(h, h, 1), conv_net(c, 4, 2 * c),
                                                         (c, 1, 1)),
        "affine coupling (channels)": AffineCoupling(channel_mask(c, first=False), conv_net(c, 4, 2 * c),
                                                     (c, 1, 1)),
        "additive coupling (checkerboard)": AdditiveCoupling(checkerboard_mask(h, h, 0), conv_net(c, 4, c)),
        "actnorm": ActNorm(c, image=True),
        "1x1 convolution": Invertible1x1(c, lu=False),
        "1x1 convolution (LU)": Invertible1x1(c, lu=True),
        "squeeze": Squeeze(),
        "flatten": Flatten((c, h, h)),
        "multi-scale (2 levels)": MultiScale((c, h, h), [level, last]),
    }


def all_bijections():
    torch.manual_seed(0)
    cases = [(f"vector {name}", layer, (5, 4)) for name, layer in vector_bijections().items()]
    cases += [(f"image {name}", layer, (5, 2, 4, 4)) for name, layer in image_bijections().items()]
    return cases


CASES = all_bijections()


@pytest.mark.parametrize("name, layer, shape", CASES, ids=[c[0] for c in CASES])
def test_every_bijection_inverts_and_its_log_det_is_the_jacobians(name, layer, shape):
    layer = perturbed(layer)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(1)) * 0.5
    layer(x)  # actnorm initialises itself on this first batch; the checks below see the initialised layer
    perturbed(layer, 0.1, seed=2)
    with torch.no_grad():
        z, log_det = layer(x)
        torch.testing.assert_close(layer.inverse(z), x, atol=1e-5, rtol=0)
    assert log_det.shape == (len(x),)
    double = layer.double()
    for example in x.double()[:2]:
        jacobian = torch.autograd.functional.jacobian(lambda v: double(v[None])[0].flatten(), example)
        jacobian = jacobian.reshape(example.numel(), example.numel())  # (D_out, *shape) -> (D, D)
        expected = torch.linalg.slogdet(jacobian)[1]
        torch.testing.assert_close(double(example[None])[1][0], expected, atol=1e-8, rtol=1e-8)
    layer.float()


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("shape", [(2,), (1, 8, 8), (3, 4, 4)], ids=["points", "digits", "colour"])
def test_every_model_inverts_to_1e5(model, shape):
    config = FlowConfig(model=model, depth=3, width=16, levels=2, lu=model == "glow")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        flow = build_flow(config, shape)
    x = torch.rand((6, *shape), generator=torch.Generator().manual_seed(1)) - 0.5
    flow.log_prob(x)  # actnorm's initialisation
    perturbed(flow, 0.05)
    with torch.no_grad():
        z, log_det = flow.transform(x)
        assert z.shape == (6, math.prod(shape)) and torch.isfinite(log_det).all()
        torch.testing.assert_close(flow.decode(z), x, atol=1e-5, rtol=0)


@pytest.mark.parametrize("iaf", [False, True], ids=["MAF", "IAF"])
def test_made_outputs_for_dimension_i_depend_only_on_dimensions_before_it(iaf):
    d = 5
    layer = perturbed(MaskedAffineAutoregressive(d, 16, iaf=iaf), 0.5)
    h = torch.randn(1, d, dtype=torch.float64)
    layer.double()
    for k, part in enumerate(("mu", "alpha")):
        jacobian = torch.autograd.functional.jacobian(lambda v: layer.shift_and_log_scale(v)[k][0], h)[:, 0]
        assert torch.all(torch.triu(jacobian) == 0), f"{part}_i reads only h_<i"
        assert torch.all(torch.tril(jacobian, -1).abs().sum(1)[1:] > 0), f"{part}_i reads every h_<i"
    if iaf:  # IAF's cheap direction, code -> data, is the autoregressive one: x_i reads u_<=i
        jacobian = torch.autograd.functional.jacobian(lambda u: layer.inverse(u)[0], h)[:, 0]
    else:  # MAF's: data -> code, u_i reads x_<=i
        jacobian = torch.autograd.functional.jacobian(lambda x: layer(x)[0][0], h)[:, 0]
    assert torch.all(torch.triu(jacobian, 1) == 0) and torch.all(jacobian.diagonal() > 0)


def test_actnorm_starts_with_zero_mean_unit_variance_per_channel():
    x = torch.randn(64, 3, 5, 5) * torch.tensor([0.2, 3.0, 1.0]).view(1, 3, 1, 1) + 4.0
    layer = ActNorm(3, image=True)
    z, _ = layer(x)
    torch.testing.assert_close(z.mean((0, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(z.std((0, 2, 3), unbiased=False), torch.ones(3), atol=1e-4, rtol=0)
    assert bool(layer.initialized)
    again, _ = layer(x * 2)  # initialised once: afterwards an ordinary affine map
    torch.testing.assert_close(again - z, x * layer.log_s.exp(), atol=1e-4, rtol=1e-4)


def test_the_multiscale_code_has_as_many_dimensions_as_the_image():
    for shape, levels in (((1, 8, 8), 3), ((1, 28, 28), 2), ((3, 32, 32), 4)):
        assert sum(math.prod(p) for p in level_shapes(shape, levels)) == math.prod(shape)
    assert level_shapes((1, 8, 8), 2) == [(2, 4, 4), (8, 2, 2)]


def test_dequantisation_keeps_each_value_in_its_bin_and_a_uniform_density_scores_8_bits():
    values = torch.randint(0, 256, (50, 1, 4, 4), dtype=torch.uint8)
    x = dequantize(values, torch.Generator().manual_seed(0))
    assert x.min() >= -0.5 and x.max() < 0.5
    assert torch.equal(quantize(x), values) and torch.equal(quantize(bin_centres(values)), values)
    assert torch.equal(to_values(to_images(values)), values)
    dims = 16
    nats = discrete_nll(torch.zeros(50), dims)  # log p = 0: uniform over the unit cube [-1/2, 1/2)^D
    torch.testing.assert_close(nats / (dims * math.log(2)), torch.full((50,), 8.0))


def test_a_model_exactly_uniform_over_pixel_values_scores_8_bits_per_dimension(monkeypatch):
    t = build_trainer("flow", IMAGES)
    monkeypatch.setattr(t.flow, "log_prob", lambda x: torch.zeros(len(x)))  # uniform on [-1/2, 1/2)^D
    m = t.likelihood_metrics()
    assert m["bits_per_dim"] == pytest.approx(8.0, abs=1e-5)  # float32 sums
    assert m["nll_nats"] == pytest.approx(64 * math.log(256), rel=1e-6)


def test_the_training_loss_is_the_negative_log_likelihood_by_change_of_variables():
    t = build_trainer("flow", POINTS)
    perturbed(t.flow, 0.2)
    x = t.heldout[:7]
    z, log_det = t.flow.transform(x)
    expected = -(torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1) + log_det)
    torch.testing.assert_close(t.nll(x), expected)


@pytest.mark.parametrize("values, models", [(POINTS, MODELS), (IMAGES, ("realnvp", "glow", "maf"))],
                         ids=["points", "images"])
def test_each_model_trains_and_its_loss_falls(values, models):
    for model in models:
        t = build_trainer("flow", {**values, "model": model, "lr": 3e-3})
        first = np.mean([t.step()["loss"] for _ in range(3)])
        for _ in range(20):
            t.step()
        last = np.mean([t.step()["loss"] for _ in range(3)])
        assert last < first, model


def test_evaluations_report_the_shared_metrics(monkeypatch):
    points = build_trainer("flow", POINTS)
    m = points.evaluate()
    assert {"nll_nats", "bits_per_dim", "modes_covered", "modes_total", "high_quality_fraction", "grid_js"} <= set(m)
    assert m["bits_per_dim"] == pytest.approx(m["nll_nats"] / (2 * math.log(2)))
    images = build_trainer("flow", IMAGES)
    monkeypatch.setattr(images, "judge", lambda wait=None: FakeJudge())
    images.step()
    m = images.evaluate()
    assert {"nll_nats", "bits_per_dim", "judge_score", "frechet_distance"} <= set(m)
    assert 7 < m["bits_per_dim"] < 12, "about the base Gaussian's score before training"


def test_image_encoding_is_exact_and_samples_follow_the_temperature():
    t = build_trainer("flow", {**IMAGES, "model": "realnvp"})
    for _ in range(3):
        t.step()
    found = pictures.reconstructions(t, n=8)
    assert found["max_pixel_error"] == 0 and found["max_error"] < 1e-4
    frames = pictures.walk(t, t.data.heldout[0], t.data.heldout[5], 6, "spherical")
    assert frames.shape == (6, 1, 8, 8) and frames.dtype == np.uint8
    assert np.array_equal(frames[[0, -1]], to_values(t.data.heldout[[0, 5]]).numpy()), "the ends are the images"
    t.set_knobs(temperature=0.0)
    cold = t.sample(4, seed=3)["images"]
    assert (cold == cold[0]).all(), "T = 0: every sample is the image of z = 0"
    t.set_knobs(temperature=1.0)
    assert not (t.sample(4, seed=3)["images"] == cold).all()
    assert pictures.temperature_rows(t).shape[2] == 3
    assert t.preview()["temperature"] == 1.0


def test_the_layer_view_traces_the_same_points_the_flow_maps():
    t = build_trainer("flow", {**POINTS, "model": "maf", "depth": 3})
    perturbed(t.flow, 0.1)
    p = pictures2d.flow_views(t)
    layers = len(t.flow.transform.layers)
    assert len(p["layer_names"]) == layers == 5 and "swaps x and y" in p["layer_names"][1]
    assert p["trace_data"].shape == (layers + 1, points2d.POINTS, 2)
    assert p["trace_grid"].shape == (layers + 1, 2 * pictures2d.GRID_LINES, pictures2d.LINE_POINTS, 2)
    np.testing.assert_allclose(p["trace_data"][-1], t.flow.encode(t.view_x).detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(p["trace_samples"][0], t.decode(t.view_z).numpy(), atol=1e-5)
    with torch.no_grad():
        log_det = t.flow.transform(t.view_x)[1].mean()
    assert float(p["layer_log_det"].sum()) == pytest.approx(float(log_det), abs=1e-4)
    assert p["log_density"].shape == p["true_density"].shape == (pictures2d.FIELD_RES, pictures2d.FIELD_RES)
    bridge = pictures2d.bridge_profile(t)
    assert len(bridge["centres_at"]) == 8 and bridge["true_dip"] < -50, "ring8's true density vanishes between"
    assert np.isfinite(bridge["learned"]).all()


def test_maf_scores_in_one_pass_and_iaf_samples_in_one_pass():
    found = direction_cost(build_trainer("flow", IMAGES), batch=64, repeats=1)
    assert found["dims"] == 64
    assert found["iaf"]["density_ms"] > 3 * found["maf"]["density_ms"], "IAF scores in 64 passes"
    assert found["maf"]["sample_ms"] > 3 * found["iaf"]["sample_ms"], "MAF samples in 64 passes"


def test_drawn_data_travels_in_the_checkpoint(tmp_path):
    from engine.data import toy_from_clicks
    from engine.persistence import load_trainer, save_member

    data = toy_from_clicks(np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 1.0]], np.float32), std=0.1)
    t = build_trainer("flow", {**POINTS, "dataset": "custom"}, data=data)
    t.step()
    save_member(t, [], tmp_path / "run", 1.0)
    loaded = load_trainer(tmp_path / "run")
    np.testing.assert_allclose(loaded.data.centres, data.centres)
    assert loaded.heldout_nll() == pytest.approx(t.heldout_nll(), abs=1e-5)


@pytest.mark.parametrize("values, key", [
    ({"model": "flowy"}, "model"), ({"depth": 0}, "depth"), ({"width": 2}, "width"),
    ({"model": "realnvp", "mixing": "shuffle"}, "mixing"), ({"model": "maf", "actnorm": False}, "actnorm"),
    ({"model": "nice", "lu": True}, "lu"), ({"model": "glow", "mixing": "reverse", "lu": True}, "lu"),
    ({"temperature": -0.5}, "temperature"),
])
def test_bad_values_are_refused_with_the_key_named(values, key):
    with pytest.raises(ConfigError) as err:
        make_config("flow", {**POINTS, **values})
    assert err.value.key == key


def test_too_many_levels_for_the_image_size_are_refused_with_the_key_named():
    with pytest.raises(ConfigError, match="halve exactly only 3 time") as err:
        build_trainer("flow", {**IMAGES, "model": "glow", "levels": 4})
    assert err.value.key == "levels"
    build_trainer("flow", {**IMAGES, "model": "maf", "levels": 4})  # levels mean nothing to a flat flow


def test_image_defaults_apply_on_images_only():
    assert make_config("flow", {"dataset": "digits"}).depth == 4
    assert make_config("flow", {"dataset": "ring8"}).depth == 8
    assert make_config("flow", {"dataset": "digits", "depth": 2}).depth == 2
