"""DCGAN models at every size, and virtual batch normalisation against its equation."""

import pytest
import torch

from engine.families.gan.dcgan import ConvDiscriminator, ConvGenerator
from engine.models.conv_paths import resolutions
from engine.tricks.virtual_batchnorm import VirtualBatchNorm

SHAPES = [(1, 8, 8), (1, 28, 28), (3, 64, 64)]  # the small special case, an odd path, colour down to 4x4


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("g_norm", ["batch", "virtual_batch", "none"])
def test_generator_makes_images_of_the_data_shape_in_range(shape, g_norm):
    G = ConvGenerator(16, shape, width=8, norm=g_norm)
    z = torch.randn(5, 16)
    if g_norm == "virtual_batch":
        with VirtualBatchNorm.reference_pass(G):
            G(torch.randn(7, 16))
    x = G(z)
    assert x.shape == (5, *shape)
    assert x.min() >= -1 and x.max() <= 1


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("d_norm", ["none", "batch", "layer", "spectral"])
def test_discriminator_gives_one_logit_and_features(shape, d_norm):
    D = ConvDiscriminator(shape, width=8, norm=d_norm, dropout=0.2, mbd_kernels=5, mbd_dim=3)
    logits, features = D(torch.randn(6, *shape))
    assert logits.shape == (6,)
    assert features.shape == (6, D.feature_size)


def test_conditional_models_use_the_labels():
    G = ConvGenerator(4, (1, 8, 8), width=8, norm="none", num_classes=10)
    D = ConvDiscriminator((1, 8, 8), width=8, num_classes=10)
    z = torch.randn(3, 4)
    a, b = G(z, torch.tensor([0, 1, 2])), G(z, torch.tensor([3, 4, 5]))
    assert not torch.allclose(a, b)
    x = torch.randn(3, 1, 8, 8)
    assert not torch.allclose(D(x, torch.tensor([0, 1, 2]))[0], D(x, torch.tensor([3, 4, 5]))[0])
    with pytest.raises(ValueError, match="labels"):
        G(z)


def test_sizes_that_cannot_be_halved_are_refused():
    assert resolutions(28) == [28, 14, 7]
    assert resolutions(64)[-1] == 4
    with pytest.raises(ValueError, match="too small or odd"):
        resolutions(7)


# ------------------------------------------------------------------ virtual batch norm
def _vbn_with_reference(ref: torch.Tensor) -> VirtualBatchNorm:
    vbn = VirtualBatchNorm(ref.shape[1])
    with torch.no_grad():
        vbn.weight.copy_(torch.linspace(0.5, 2.0, ref.shape[1]))
        vbn.bias.copy_(torch.linspace(-1.0, 1.0, ref.shape[1]))
    with VirtualBatchNorm.reference_pass(vbn):
        vbn(ref)
    return vbn


@pytest.mark.parametrize("shape", [(4,), (3, 5, 5)])
def test_one_examples_output_does_not_depend_on_the_rest_of_its_batch(shape):
    torch.manual_seed(0)
    vbn = _vbn_with_reference(torch.randn(16, *shape) * 2 + 1)
    x = torch.randn(1, *shape)
    alone = vbn(x)
    with_others = vbn(torch.cat([x, torch.randn(9, *shape) * 5 - 3]))[:1]
    with_other_others = vbn(torch.cat([x, torch.randn(2, *shape)]))[:1]
    torch.testing.assert_close(alone, with_others)
    torch.testing.assert_close(alone, with_other_others)


def test_vbn_equals_the_papers_combination_of_reference_and_own_statistics():
    torch.manual_seed(1)
    N, C, H, W = 10, 3, 4, 4
    ref = torch.randn(N, C, H, W) * 3 + 2
    vbn = _vbn_with_reference(ref)
    x = torch.randn(2, C, H, W)
    out = vbn(x)
    for i in range(2):
        for c in range(C):
            ref_mean, ref_sq = ref[:, c].mean(), (ref[:, c] ** 2).mean()  # over N examples and positions
            own_mean, own_sq = x[i, c].mean(), (x[i, c] ** 2).mean()  # over this example's positions
            mean = own_mean / (N + 1) + ref_mean * N / (N + 1)
            sq = own_sq / (N + 1) + ref_sq * N / (N + 1)
            expected = (x[i, c] - mean) / torch.sqrt(sq - mean**2 + vbn.eps) * vbn.weight[c] + vbn.bias[c]
            torch.testing.assert_close(out[i, c], expected)


def test_the_reference_batch_itself_is_normalised_by_its_own_statistics():
    torch.manual_seed(2)
    ref = torch.randn(32, 6) * 4 - 1
    vbn = VirtualBatchNorm(6)
    with VirtualBatchNorm.reference_pass(vbn):
        out = vbn(ref)
    torch.testing.assert_close(out.mean(0), torch.zeros(6), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.std(0, unbiased=False), torch.ones(6), atol=1e-3, rtol=0)


def test_vbn_refuses_to_run_without_a_reference():
    with pytest.raises(RuntimeError, match="reference pass"):
        VirtualBatchNorm(3)(torch.randn(2, 3))


def test_reference_statistics_follow_the_weights_and_carry_gradients():
    G = ConvGenerator(8, (1, 8, 8), width=4, norm="virtual_batch")
    ref_z = torch.randn(12, 8)
    with VirtualBatchNorm.reference_pass(G):
        G(ref_z)
    G(torch.randn(3, 8)).sum().backward()
    assert G.project.weight.grad is not None and G.project.weight.grad.abs().sum() > 0
