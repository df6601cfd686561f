"""The `vae` family: shapes for every size, the KL term and the importance-weighted bound against independent
computations, the reparameterisation trick's gradients, each model trains, knobs apply, bad input is refused."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from engine.config import ConfigError
from engine.data import ImageDataset
from engine.data.images import binarize
from engine.families.vae.bounds import active_units, gaussian_kl, importance_weighted_bound, log_likelihood
from engine.families.vae.networks import ConvDecoder, ConvEncoder
from engine.families.vae.trainer import corrupt
from engine.latent import interpolate
from engine.pictures.images import to_uint8
from engine.registry import build_trainer, make_config
from engine.tricks.reparameterization import reparameterize

FAST = {"dataset": "digits", "batch_size": 16, "width": 4, "latent_dim": 4, "iw_samples": 5}


def trainer(**values):
    return build_trainer("vae", {**FAST, **values})


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32), (3, 64, 64)])
@pytest.mark.parametrize("variational", [True, False])
def test_encoder_and_decoder_shapes_for_every_size(shape, variational):
    enc, dec = ConvEncoder(shape, 6, width=4, variational=variational), ConvDecoder(6, shape, width=4)
    mu, logvar = enc(torch.randn(3, *shape))
    assert mu.shape == (3, 6) and (logvar.shape == (3, 6) if variational else logvar is None)
    assert dec(mu).shape == (3, *shape)


def test_kl_term_equals_the_closed_form_of_torch_distributions():
    mu, logvar = torch.randn(5, 7) * 2, torch.randn(5, 7)
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    expected = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0))
    torch.testing.assert_close(gaussian_kl(mu, logvar), expected)
    assert torch.all(gaussian_kl(torch.zeros(3), torch.zeros(3)) == 0), "q = prior: no KL"


def test_reparameterisation_has_the_right_moments_and_gradients():
    mu, logvar = torch.tensor([1.5, -2.0], requires_grad=True), torch.tensor([0.0, math.log(4.0)], requires_grad=True)
    g = torch.Generator().manual_seed(0)
    z = reparameterize(mu, logvar, g, samples=20000)
    torch.testing.assert_close(z.mean(0), mu.detach(), atol=0.05, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([1.0, 2.0]), atol=0.05, rtol=0)
    z = reparameterize(mu, logvar, torch.Generator().manual_seed(1))
    eps = torch.randn(2, generator=torch.Generator().manual_seed(1))
    z.sum().backward()
    torch.testing.assert_close(mu.grad, torch.ones(2)), "dz/dmu = 1"
    torch.testing.assert_close(logvar.grad, 0.5 * (0.5 * logvar.detach()).exp() * eps), "dz/dlogvar = sigma eps / 2"


class TinyEncoder(nn.Module):
    """A fixed proposal q(z|x) = N(0.3 x_0, 1.2^2) of a one-dimensional latent (wider than the prior, so the
    importance weights are bounded and the bound converges fast)."""

    def forward(self, x):
        return 0.3 * x.flatten(1)[:, :1], torch.full((len(x), 1), math.log(1.44))


class TinyBernoulliDecoder(nn.Module):
    """p(x|z): 3 pixels with logits a * tanh(z) + b, a non-linear model whose evidence has no closed form."""

    def __init__(self):
        super().__init__()
        self.a, self.b = torch.tensor([2.0, -1.5, 3.0]), torch.tensor([0.1, 0.5, -0.7])
        self.log_sigma = None

    def forward(self, z):
        return (torch.tanh(z) * self.a + self.b).view(-1, 1, 1, 3)


def brute_force_log_evidence(decoder, x):
    """log p(x) = log of the integral of p(x|z) N(z; 0, 1) dz, by the trapezoid rule on a fine grid."""
    z = torch.linspace(-10, 10, 20001).unsqueeze(1)
    log_joint = log_likelihood(x, decoder(z).unsqueeze(1), "bernoulli") - 0.5 * z**2 - 0.5 * math.log(2 * math.pi)
    dz = float(z[1] - z[0])
    return torch.logsumexp(log_joint, 0) + math.log(dz)


def test_importance_weighted_bound_approaches_the_brute_force_evidence_from_below():
    x = torch.tensor([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]]).view(2, 1, 1, 3)  # binary images in [-1, 1]
    enc, dec = TinyEncoder(), TinyBernoulliDecoder()
    exact = brute_force_log_evidence(dec, x)
    bounds = {k: torch.stack([importance_weighted_bound(enc, dec, x, k, "bernoulli", torch.Generator().manual_seed(s))
                              for s in range(20)]).mean(0) for k in (1, 10, 2000)}
    assert torch.all(bounds[1] < bounds[10] + 0.01) and torch.all(bounds[10] < bounds[2000] + 0.01), "tighter with k"
    assert torch.all(bounds[1] < exact - 0.5), "k = 1 is the ELBO, well below the evidence with this proposal"
    torch.testing.assert_close(bounds[2000], exact, atol=0.01, rtol=0)


def test_gaussian_likelihood_is_the_normal_density():
    x, mean = torch.randn(2, 1, 2, 2), torch.randn(2, 1, 2, 2)
    log_sigma = torch.tensor(0.3)
    expected = torch.distributions.Normal(mean, log_sigma.exp()).log_prob(x).flatten(1).sum(1)
    torch.testing.assert_close(log_likelihood(x, mean, "gaussian", log_sigma), expected)


def test_active_units_count_dimensions_whose_posterior_mean_varies():
    mu = torch.cat([torch.randn(500, 2), torch.randn(500, 3) * 0.01], 1)
    assert active_units(mu) == 2


@pytest.mark.parametrize("model", ["ae", "dae", "vae"])
def test_each_model_trains_and_its_loss_falls(model):
    t = trainer(model=model, lr=3e-3)
    first = np.mean([t.step()["loss"] for _ in range(5)])
    for _ in range(60):
        t.step()
    last = np.mean([t.step()["loss"] for _ in range(5)])
    assert last < first
    p = t.preview()
    assert p["reconstructions"].dtype == np.uint8 and p["samples"].dtype == np.uint8
    assert p["kl_per_dim"].shape == (4,)
    m = t.evaluate()
    assert "reconstruction" in m and "judge_score" in m
    if model == "vae":
        assert {"elbo", "kl", "nll_iw", "nll_iw_k", "bits_per_dim", "active_units"} <= set(m)
        assert m["nll_iw"] <= -m["elbo"] + 0.5, "the importance-weighted bound is tighter than the ELBO"
    else:
        assert "kl" not in m and not p["kl_per_dim"].any()


def test_vae_loss_is_reconstruction_plus_beta_kl_and_beta_is_live():
    t = trainer()
    t.step()
    t.set_knobs(beta=4.0)
    x = t.train_x[:8]
    out = t.losses(x, torch.Generator().manual_seed(0))
    torch.testing.assert_close(out["loss"], out["reconstruction"] + 4.0 * out["kl"])
    torch.testing.assert_close(out["elbo"], -(out["reconstruction"] + out["kl"]))


def test_corruptions_of_the_denoising_autoencoder():
    x = torch.zeros(1, 1, 100, 100)
    g = torch.Generator().manual_seed(0)
    masked = corrupt(x, "masking", 0.3, g)
    assert abs(float((masked == -1).float().mean()) - 0.3) < 0.02
    salted = corrupt(x, "salt_pepper", 0.2, g)
    assert abs(float((salted != 0).float().mean()) - 0.2) < 0.02 and (salted == 1).any() and (salted == -1).any()
    noisy = corrupt(x, "gaussian", 0.5, g)
    assert abs(float(noisy.std()) - 0.5) < 0.02
    assert torch.equal(corrupt(x, "gaussian", 0.0, g), x)


def test_binarisation_keeps_intensity_on_average():
    x = torch.full((200, 1, 10, 10), 0.5)  # intensity 0.75
    b = binarize(x, torch.Generator().manual_seed(0))
    assert set(b.unique().tolist()) == {-1.0, 1.0}
    assert abs(float(((b + 1) / 2).mean()) - 0.75) < 0.01


def test_interpolation_ends_at_the_encoded_images():
    t = trainer()
    t.step()
    z = t.encode(t.heldout_x[:2])
    for mode in ("linear", "spherical"):
        path = interpolate(z[0], z[1], 7, mode)
        torch.testing.assert_close(path[0], z[0])
        torch.testing.assert_close(path[-1], z[1])


@pytest.mark.parametrize("values, key", [({"latent_dim": 1}, "latent_dim"), ({"latent_dim": 65}, "latent_dim"),
                                         ({"beta": -1}, "beta"), ({"model": "gan"}, "model"),
                                         ({"binarize": True, "likelihood": "gaussian"}, "likelihood")])
def test_bad_values_are_refused_with_the_key_named(values, key):
    with pytest.raises(ConfigError) as err:
        make_config("vae", {**FAST, **values})
    assert err.value.key == key


def test_a_2d_dataset_is_refused():
    with pytest.raises(ConfigError, match="trains on images"):
        build_trainer("vae", {**FAST, "dataset": "ring8"})


def test_a_batch_larger_than_the_data_is_refused():
    x = torch.rand(30, 1, 8, 8) * 2 - 1
    data = ImageDataset("folder:x", x[:20], None, x[20:], None)
    with pytest.raises(ConfigError, match="larger than the 20 training images"):
        build_trainer("vae", {**FAST, "dataset": "folder:x", "batch_size": 64}, data=data)


def test_the_denoising_autoencoder_sees_noisy_inputs_and_is_scored_against_clean_ones(monkeypatch):
    t = trainer(model="dae", noise="masking", noise_level=0.5)
    seen = []
    forward = t.encoder.forward
    monkeypatch.setattr(t.encoder, "forward", lambda x: seen.append(x.clone()) or forward(x))
    x = t.train_x[:8]
    t.losses(x, torch.Generator().manual_seed(0))
    masked = float((seen[-1] != x).float().mean())
    assert 0.2 < masked < 0.5, "about half the pixels masked (those already black do not change)"
    t.set_knobs(noise_level=0.0)
    t.losses(x, torch.Generator().manual_seed(0))
    assert torch.equal(seen[-1], x), "the noise level is a live knob"


def test_page_views_are_encode_and_decode():
    from engine.families.vae import pictures

    trainer = build_trainer("vae", {**FAST, "latent_dim": 2})
    trainer.step()
    found = pictures.code_map(trainer)
    assert found["points"].shape == (len(trainer.heldout_x[:pictures.MAP_IMAGES]), 2) and found["dims"] == 2
    assert found["manifold"].shape[2] == 3 or found["manifold"].ndim == 3
    frames = pictures.walk(trainer, trainer.heldout_x[0], trainer.heldout_x[1], 5, "linear")
    assert frames.shape == (5, 1, 8, 8) and frames.dtype.name == "uint8"
    ends = to_uint8(trainer.decode(trainer.encode(trainer.heldout_x[:2])))
    assert (frames[[0, -1]] == ends).all(), "the end frames are the two reconstructions"
    assert pictures.corners(trainer, [0, 1, 2, 3], 3).ndim == 3
    assert pictures.decoded(trainer, torch.zeros(2)).ndim == 3
