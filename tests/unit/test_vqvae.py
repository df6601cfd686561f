"""The `vqvae` family: the quantiser against brute force, the straight-through gradient, the two losses' gradients,
the moving-average update on a hand example, k-means and the dead-code restart, one and two levels, the prior through
the PixelCNN family's sampler (naive and cached agree), both stages saved and loaded, stage 1 read from a saved run,
the VAE beside it on the same batches, the page's pictures, bad settings named."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.config import ConfigError
from engine.data import ImageDataset
from engine.data.images import digits
from engine.families.pixelcnn import sampler as pixel_sampler
from engine.families.vqvae import pictures
from engine.families.vqvae import prior as priors
from engine.families.vqvae import trainer as trainer_module
from engine.families.vqvae.kmeans import kmeans
from engine.families.vqvae.moving_average import ema_step, update
from engine.families.vqvae.networks import VqAutoencoder, code_sides
from engine.families.vqvae.quantizer import (
    VectorQuantizer,
    codebook_loss,
    commitment_loss,
    nearest,
    perplexity,
    straight_through,
)
from engine.families.vqvae.restart import dead_codes, restart_dead
from engine.persistence import load_trainer, save_member
from engine.pictures.images import to_uint8
from engine.registry import build_trainer, make_config

FAST = {"dataset": "digits", "batch_size": 16, "width": 4, "code_dim": 4, "codebook_size": 16, "prior_width": 8,
        "prior_layers": 1, "device": "cpu"}


def trainer(data=None, **values):
    return build_trainer("vqvae", {**FAST, **values}, data=data)


def digits32() -> ImageDataset:
    """The digits upscaled to 32x32 (nearest neighbour), unlabelled (no judge to train): images for two levels."""
    d = digits()
    return ImageDataset("digits", F.interpolate(d.train, scale_factor=4), None,
                        F.interpolate(d.heldout, scale_factor=4), None)


# --------------------------------------------------------------------------- the quantiser
def test_nearest_code_is_the_brute_force_argmin():
    g = torch.Generator().manual_seed(0)
    z, e = torch.randn(50, 3, generator=g), torch.randn(7, 3, generator=g)
    brute = torch.tensor([min(range(7), key=lambda j: float(((zi - e[j]) ** 2).sum())) for zi in z])
    assert torch.equal(nearest(z, e), brute)
    q = VectorQuantizer(7, 3, ema=False)
    q.embedding.data.copy_(e)
    maps = z[:48].view(2, 4, 6, 3).permute(0, 3, 1, 2)  # (2, 4, 6, 3) -> (B, D, h, w) = (2, 3, 4, 6)
    out = q(maps)
    assert torch.equal(out.k.flatten(), brute[:48]) and out.k.shape == (2, 4, 6)
    assert torch.equal(out.z_q, e[out.k].permute(0, 3, 1, 2)), "z_q = e_k at every position"


def test_straight_through_gradient_equals_the_gradient_at_z_q():
    g = torch.Generator().manual_seed(1)
    z_e, z_q = torch.randn(2, 3, 4, 4, generator=g, requires_grad=True), torch.randn(2, 3, 4, 4, generator=g)
    w = torch.randn(3, 3, 3, 3, generator=g)

    def decoder_loss(z):
        return torch.tanh(F.conv2d(z, w, padding=1)).pow(2).sum()

    st = straight_through(z_e, z_q)
    torch.testing.assert_close(st, z_q), "the forward pass sees z_q (up to rounding)"
    decoder_loss(st).backward()
    at_q = z_q.clone().requires_grad_(True)
    decoder_loss(at_q).backward()
    torch.testing.assert_close(z_e.grad, at_q.grad)


def test_codebook_loss_trains_the_codebook_and_commitment_the_encoder():
    q = VectorQuantizer(5, 2, ema=False)
    z_e = torch.randn(3, 2, 2, 2, requires_grad=True)
    out = q(z_e)
    expected = ((z_e - out.z_q) ** 2).flatten(1).sum(1)
    torch.testing.assert_close(codebook_loss(z_e, out.z_q), expected.detach())
    codebook_loss(z_e, out.z_q).sum().backward()
    assert z_e.grad is None and q.embedding.grad.abs().sum() > 0
    q.embedding.grad = None
    commitment_loss(z_e, q(z_e).z_q).sum().backward()
    assert q.embedding.grad is None and z_e.grad.abs().sum() > 0


def test_perplexity_counts_codes_in_effective_use():
    assert perplexity(torch.tensor([5, 5, 5, 5])) == pytest.approx(4.0)
    assert perplexity(torch.tensor([9, 0, 0, 0])) == pytest.approx(1.0)
    p = np.array([0.5, 0.25, 0.25])
    assert perplexity(torch.tensor([2, 1, 1])) == pytest.approx(math.exp(-(p * np.log(p)).sum()), rel=1e-6)


def test_moving_average_update_matches_its_formula_on_a_hand_example():
    """K = 2 codes of D = 1 at 0 and 10, N = 1, m = e; the batch 1, 3, 9 (codes 0, 0, 1), decay 0.5:
    N = 0.5 [1, 1] + 0.5 [2, 1] = [1.5, 1]; m = 0.5 [0, 10] + 0.5 [1 + 3, 9] = [2, 9.5]; e = m / N = [4/3, 9.5]."""
    count, total = torch.ones(2), torch.tensor([[0.0], [10.0]])
    z, k = torch.tensor([[1.0], [3.0], [9.0]]), torch.tensor([0, 0, 1])
    count, total, e = ema_step(count, total, z, k, decay=0.5, eps=0.0)
    torch.testing.assert_close(count, torch.tensor([1.5, 1.0]))
    torch.testing.assert_close(total, torch.tensor([[2.0], [9.5]]))
    torch.testing.assert_close(e, torch.tensor([[4 / 3], [9.5]]))
    eps = 1e-5  # Laplace smoothing: N~ = (N + eps) / (n + K eps) * n
    smoothed = (torch.tensor([1.5, 1.0]) + eps) / (2.5 + 2 * eps) * 2.5
    _, _, e = ema_step(torch.ones(2), torch.tensor([[0.0], [10.0]]), z, k, decay=0.5, eps=eps)
    torch.testing.assert_close(e, torch.tensor([[2.0], [9.5]]) / smoothed[:, None])


def test_moving_average_leaves_an_unchosen_code_where_it_is():
    q = VectorQuantizer(3, 2, ema=True)
    start = q.embedding.detach().clone()
    z_e = start[0].view(1, 2, 1, 1).repeat(4, 1, 2, 2) + 0.01  # every vector next to code 0
    for _ in range(20):
        out = q(z_e)
        update(q, out.z_e, out.k, decay=0.9)
    assert torch.allclose(q.embedding[1:], start[1:], atol=1e-4), "unchosen codes stay"
    torch.testing.assert_close(q.embedding[0], start[0] + 0.01, atol=2e-3, rtol=0), "code 0 moved to its vectors"


def test_kmeans_finds_separated_clusters():
    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    z = (centres[:, None] + 0.1 * torch.randn(3, 40, 2, generator=g)).flatten(0, 1)
    found = kmeans(z, 3, torch.Generator().manual_seed(1))
    order = found[:, 0] + 2 * found[:, 1]  # sort the centres the way `centres` is sorted
    torch.testing.assert_close(found[order.argsort()], centres, atol=0.1, rtol=0)
    assert kmeans(z[:2], 5, torch.Generator().manual_seed(0)).shape == (5, 2), "fewer vectors than codes"


def test_a_dead_code_restarts_on_an_encoder_output():
    q = VectorQuantizer(4, 3, ema=True)
    q.last_used.copy_(torch.tensor([10, 10, 2, -1]))  # code 2 last chosen at step 2, code 3 never
    assert dead_codes(q, step=10, after=5).tolist() == [2, 3]
    alive = q.embedding[:2].detach().clone()
    z_e = torch.randn(2, 3, 2, 2)
    restarted = restart_dead(q, z_e, step=10, after=5, generator=torch.Generator().manual_seed(0))
    assert restarted == 2
    outputs = z_e.permute(0, 2, 3, 1).reshape(-1, 3)
    for code in (2, 3):
        assert (outputs == q.embedding[code]).all(1).any(), f"code {code} sits on an encoder output"
    assert not torch.equal(q.embedding[2], q.embedding[3]), "two dead codes, two different outputs"
    assert torch.equal(q.embedding[:2], alive) and q.since[2:].tolist() == [10, 10]
    assert torch.equal(q.total[2:], q.embedding[2:]) and q.count[2:].tolist() == [1.0, 1.0], "EMA restarts there"
    assert dead_codes(q, step=14, after=5).tolist() == [], "a restarted code gets `after` steps to be chosen"


# --------------------------------------------------------------------------- networks
@pytest.mark.parametrize("shape, levels, maps", [((1, 8, 8), 1, [(4, 4)]), ((1, 28, 28), 1, [(7, 7)]),
                                                 ((3, 32, 32), 1, [(8, 8)]), ((3, 32, 32), 2, [(8, 8), (4, 4)]),
                                                 ((1, 16, 16), 2, [(8, 8), (4, 4)])])
def test_autoencoder_shapes_for_one_and_two_levels(shape, levels, maps):
    model = VqAutoencoder(shape, 16, 5, width=4, levels=levels)
    out, quantised = model(torch.randn(2, *shape))
    assert out.shape == (2, *shape)
    assert [tuple(q.k.shape[1:]) for q in quantised] == maps and all(q.z_e.shape[1] == 5 for q in quantised)
    assert model.decode_indices([q.k for q in quantised]).shape == (2, *shape)


def test_two_levels_refuse_a_map_that_cannot_halve():
    assert code_sides(28) == (7, None) and code_sides(32) == (8, 4)
    with pytest.raises(ValueError, match="16, 32 or 64"):
        VqAutoencoder((1, 28, 28), 8, 4, 4, levels=2)


# --------------------------------------------------------------------------- stage 1
def test_stage_one_learns_and_reports_codebook_use():
    t = trainer(seed=1)
    first = [t.step() for _ in range(5)]
    for _ in range(60):
        last = t.step()
    assert last["reconstruction"] < first[0]["reconstruction"]
    assert {"loss", "reconstruction", "commitment", "perplexity", "codes_used", "dead_codes", "restarted"} <= set(last)
    assert last["codes_used"] + last["dead_codes"] == 16 and 1 <= last["perplexity"] <= 16
    summary = t.evaluate()
    for key in ("reconstruction", "perplexity", "codes_used", "dead_codes", "bits_per_dim", "judge_score",
                "frechet_distance"):
        assert key in summary, key
    assert "prior_bits_per_code" not in summary, "no prior yet"
    dims, latents = 64, 16
    assert summary["bits_per_dim"] == pytest.approx(
        (summary["reconstruction"] + latents * math.log(16)) / (dims * math.log(2)), rel=1e-5), "uniform prior"


def test_codes_used_counts_the_last_epoch():
    t = trainer()
    q = t.model.quantizers[0]
    assert t.epoch_steps == math.ceil(1497 / 16)
    q.last_used.copy_(torch.tensor([-1, 0, 100, 150] + [200] * 12))  # within the last 94 steps: 150, 200
    assert q.used_within(200, t.epoch_steps).tolist()[:4] == [False, False, False, True]


def test_loss_codebook_takes_gradients_and_ema_codebook_moves_without():
    for codebook in ("loss", "ema"):
        t = trainer(codebook=codebook)
        before = t.model.quantizers[0].embedding.detach().clone()
        t.step()
        assert t.model.quantizers[0].embedding.requires_grad == (codebook == "loss")
        assert not torch.equal(before, t.model.quantizers[0].embedding), codebook


def test_kmeans_init_starts_the_codebook_on_the_first_batch_once(monkeypatch):
    t = trainer(kmeans_init=True)
    x = t.train_x[:16]
    t.model.train()
    z = t.model.encode(x)[0].z_e.detach().permute(0, 2, 3, 1).reshape(-1, 4)  # (B, D, h, w) -> (B*h*w, D)
    expected = kmeans(z, 16, torch.Generator().manual_seed(1))  # the `codebook` stream: seed * 7919 + 1
    t._kmeans_init(x)
    q = t.model.quantizers[0]
    assert torch.equal(q.embedding.detach(), expected) and bool(q.initialised)
    assert torch.equal(q.total, expected) and torch.equal(q.count, torch.ones(16)), "the moving average starts there"
    calls = []
    monkeypatch.setattr(trainer_module, "kmeans", lambda *args: calls.append(1) or kmeans(*args))
    t.step()
    assert not calls, "an initialised codebook is not started again"
    fresh = trainer(kmeans_init=True)
    fresh.step()
    fresh.step()
    assert len(calls) == 1, "only on the first batch"


def test_dead_code_restart_brings_unused_codes_back():
    plain, restarted = (trainer(codebook_size=128, seed=2, dead_code_restart=on, restart_after=5) for on in (0, 1))
    moved = 0
    for _ in range(40):
        a, b = plain.step(), restarted.step()
        moved += b["restarted"]
        assert a["restarted"] == 0
    assert b["codes_used"] > a["codes_used"] and moved > 0, (a["codes_used"], b["codes_used"], moved)
    restarted.set_knobs(dead_code_restart=False)
    assert restarted.step()["restarted"] == 0, "the knob is live"


def test_vae_beside_trains_on_the_same_batches():
    t = trainer(beside_vae=True)
    for _ in range(3):
        out = t.step()
    assert "vae_reconstruction" in out and t.vae.step_count == 3
    assert torch.equal(t.streams["data"].get_state(), t.vae.streams["data"].get_state()), "same draws, same order"
    assert t.preview()["reconstructions"].shape[0] > 3 * 8, "inputs, VQ-VAE and VAE rows"
    assert "vae_reconstruction" in t.evaluate()


def test_two_levels_on_32x32_images_show_each_level_alone():
    t = trainer(data=digits32(), levels=2)
    out = t.step()
    assert {"perplexity_top", "codes_used_top"} <= set(out)
    preview = t.preview()
    assert [m.shape[1:] for m in preview["code_maps"]] == [(8, 8), (4, 4)] and "levels" in preview
    k = t.encode(t.heldout_x[:4])
    top_alone, bottom_alone = t.decode(k, keep=(False, True)), t.decode(k, keep=(True, False))
    assert not torch.allclose(top_alone, bottom_alone) and not torch.allclose(top_alone, t.decode(k))
    assert {"perplexity_top", "codes_used_top"} <= set(t.evaluate())
    assert t.sample(3)["images"].shape == (3, 1, 32, 32)
    with pytest.raises(ConfigError) as err:
        trainer(levels=2)
    assert err.value.key == "levels" and "16, 32 or 64" in str(err.value)


# --------------------------------------------------------------------------- stage 2
def test_prior_maps_and_sampler_are_the_pixelcnn_ones(monkeypatch):
    calls = []
    real = pixel_sampler.raster_scan

    def spy(model, output, *args, **kwargs):
        calls.append(output)
        return real(model, output, *args, **kwargs)

    monkeypatch.setattr(pixel_sampler, "raster_scan", spy)
    t = trainer(stage="prior")
    t.step()
    assert t.prior_steps == 1 and t.stage == "prior"
    t.sample(2)
    pictures.FrozenVqvae.of(t).movie(2, seed=0).advance(3)
    assert calls == ["codes", "codes"], "both drawn by the PixelCNN family's raster scan"


def test_naive_and_cached_prior_sampling_agree_on_a_trained_prior():
    t = trainer(stage="prior", conditional=True)
    for _ in range(30):
        t.step()
    side = (t.sides[0],) * 2
    maps = {s: priors.sample_maps(t.prior, side, 6, sampler=s, generator=torch.Generator().manual_seed(4),
                                  labels=t.labels_for(6)) for s in ("naive", "cached")}
    assert torch.equal(maps["naive"], maps["cached"]) and maps["naive"].shape == (6, 4, 4)
    assert int(maps["naive"].max()) < 16


def test_the_prior_sees_only_earlier_codes():
    prior = priors.build_prior(6, 8, 2)
    k = torch.randint(0, 6, (1, 5, 5), generator=torch.Generator().manual_seed(0))
    before = prior(k[:, None].float())[0, 0]  # (1, 1, K, 5, 5) -> (K, 5, 5)
    for i, j in [(0, 0), (2, 3), (4, 4)]:
        changed = k.clone()
        changed[0, i, j] = (changed[0, i, j] + 1) % 6
        after = prior(changed[:, None].float())[0, 0]
        moved = (after - before).abs().amax(0) > 0  # (5, 5): positions whose prediction changed
        order = torch.arange(25).view(5, 5)
        assert not moved[order <= i * 5 + j].any(), f"code ({i}, {j}) leaks into itself or earlier positions"
        assert (i, j) == (4, 4) or moved[order > i * 5 + j].any(), "later positions read it"


def test_prior_nll_is_the_sum_of_per_position_categoricals():
    prior = priors.build_prior(5, 8, 1)
    k = torch.randint(0, 5, (3, 4, 4), generator=torch.Generator().manual_seed(0))
    logits = prior(k[:, None].float())[:, 0]  # (B, 1, K, h, w) -> (B, K, h, w)
    brute = -sum(F.log_softmax(logits[b, :, i, j], 0)[k[b, i, j]] for b in range(3) for i in range(4)
                 for j in range(4)) / 3
    torch.testing.assert_close(priors.code_nll(prior, k).mean(), brute)
    assert priors.bits_per_code(16 * math.log(5), 16) == pytest.approx(math.log2(5)), "uniform: log2 K bits"


def test_prior_stage_learns_and_reports_bits_per_code_and_the_judge():
    t = trainer(prior_after=10)
    for _ in range(10):
        t.step()
    assert t.stage == "prior" and t.vq_steps == 10
    start = t.step()["prior_loss"]
    for _ in range(40):
        last = t.step()
    assert last["prior_loss"] < start and t.vq_steps == 10, "stage 1 frozen"
    summary = t.evaluate()
    assert summary["prior_bits_per_code"] < math.log2(16) and summary["prior_steps"] == 41
    assert summary["bits_per_dim"] == pytest.approx(
        (summary["reconstruction"] + summary["prior_nll_nats"]) / (64 * math.log(2)), rel=1e-5)
    assert {"judge_score", "frechet_distance"} <= set(summary)
    images = t.sample(5, seed=2)["images"]
    assert images.shape == (5, 1, 8, 8) and images.dtype == np.uint8
    assert np.array_equal(images, t.sample(5, seed=2)["images"]), "seeded"


def test_completion_keeps_the_known_codes():
    t = trainer(stage="prior")
    t.step()
    frozen = pictures.FrozenVqvae.of(t)
    known = t.encode(t.heldout_x[:1])[0][0]
    region = pixel_sampler.lower_half(4, 4)
    maps = frozen.complete(known, region, 3, seed=0)
    assert maps.shape == (3, 4, 4) and torch.equal(maps[:, :2], known[:2].expand(3, 2, 4))


def test_prior_from_a_saved_stage_one_run(tmp_path):
    first = trainer(codebook_size=32, seed=3)
    for _ in range(5):
        first.step()
    folder = save_member(first, [], tmp_path / "stage1", seconds=1.0)
    t = trainer(stage="prior", vqvae_run=str(folder))
    assert t.config.codebook_size == 32 and t.config.vqvae_run == "" and t.stage1_from == str(folder)
    assert t.vq_steps == 5 and all(torch.equal(a, b) for a, b in zip(t.model.state_dict().values(),
                                                                     first.model.state_dict().values()))
    t.step()
    again = save_member(t, [], tmp_path / "prior", seconds=1.0)
    reloaded = load_trainer(again)  # the folder is complete without the stage-1 run
    assert reloaded.prior_steps == 1 and reloaded.config.codebook_size == 32


@pytest.mark.parametrize("values, key, words", [
    ({"levels": 2, "stage": "prior"}, "stage", "levels=1"),
    ({"levels": 2, "prior_after": 10}, "prior_after", "levels=1"),
    ({"vqvae_run": "/somewhere"}, "vqvae_run", "stage=prior"),
    ({"codebook": "kmeans"}, "codebook", "ema, loss"),
    ({"beta": -1}, "beta", "0 to 10"),
])
def test_bad_settings_name_the_key(values, key, words):
    with pytest.raises(ConfigError) as err:
        make_config("vqvae", values)
    assert err.value.key == key and words in str(err.value)


def test_bad_stage_one_folders_and_labels_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="not a saved run"):
        trainer(stage="prior", vqvae_run=str(tmp_path))
    vae = build_trainer("vae", {"dataset": "digits", "width": 4, "latent_dim": 2, "batch_size": 8})
    with pytest.raises(ConfigError, match="vae run, not a vqvae run"):
        trainer(stage="prior", vqvae_run=str(save_member(vae, [], tmp_path / "vae", 1.0)))
    other = save_member(trainer(), [], tmp_path / "vq", 1.0)
    d = digits()
    renamed = ImageDataset("other", d.train, d.train_labels, d.heldout, d.heldout_labels, 10, d.class_names)
    with pytest.raises(ConfigError, match="trained on 'digits'"):
        trainer(data=renamed, dataset="other", stage="prior", vqvae_run=str(other))
    unlabelled = ImageDataset("blobs", torch.rand(40, 1, 8, 8) * 2 - 1, None, torch.rand(10, 1, 8, 8) * 2 - 1, None)
    with pytest.raises(ConfigError) as err:
        trainer(data=unlabelled, conditional=True)
    assert err.value.key == "conditional"


# --------------------------------------------------------------------------- the page's pictures
def test_code_map_pictures_colour_each_code():
    k = np.array([[0, 1], [1, 2]])
    picture = pictures.code_map_picture(k, 3, cell=4)
    colours = pictures.palette(3)
    assert picture.shape == (8, 8, 3) and len({tuple(c) for c in colours}) == 3
    assert (picture[1, 1] == colours[0]).all() and (picture[5, 1] == colours[1]).all()
    assert (picture[0] == 255).all(), "cell borders"
    assert pictures.code_map_row(np.stack([k, k]), 3, cell=4, gap=2).shape == (8, 18, 3)
    pending = pictures.code_map_picture(k, 3, cell=4, pending=np.array([[False, False], [False, True]]))
    assert (pending[5, 5] == pictures.PENDING).all()


def test_swapping_a_code_changes_one_cell_and_every_code_decodes():
    t = trainer()
    for _ in range(20):
        t.step()
    image = t.heldout_x[0]
    found = t.model.quantizers[0]
    old = int(t.encode(image[None])[0][0, 1, 2])
    result = pictures.swapped(t, image, 1, 2, (old + 1) % 16)
    assert (result["map"] != result["swapped_map"]).sum() == 1 and result["swapped_map"][1, 2] == (old + 1) % 16
    assert result["swapped"].shape == (1, 8, 8) and not np.array_equal(result["swapped"], result["reconstruction"])
    for mode in pictures.EVERY_CODE_MODES:
        grid = pictures.every_code(t, mode)
        assert grid.ndim == 3 and grid.dtype == np.uint8, mode
    assert 0 <= pictures.background_code(t) < found.codes
    frozen = pictures.FrozenVqvae.of(t)
    k = t.encode(t.heldout_x[:2])[0].cpu()
    pending = np.zeros((4, 4), bool)
    assert np.array_equal(frozen.decode(k), to_uint8(t.decode([k]))), "the frozen copy decodes like the trainer"
    pending[2:] = True
    assert not np.array_equal(frozen.decode(k, pending), frozen.decode(k))
