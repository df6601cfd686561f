"""The `ebm` family: one Langevin step against its formula, Langevin chains sample a Gaussian energy's density, the
replay buffer's 95 / 5 restarts, the contrastive-divergence loss by hand, the runaway warning and divergence (a
status the run reports), the trainer on 2D and digits (trains, samples, live knobs, previews that change nothing,
exact resume)."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from engine.config import ConfigError
from engine.families.ebm import runaway
from engine.families.ebm.langevin import langevin, langevin_step
from engine.families.ebm.objective import contrastive_divergence
from engine.families.ebm.replay import ChainBuffer
from engine.registry import build_trainer
from engine.trainer import Diverged


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """One intra-op thread, as a run trains (engine/runs.py): on a busy 2-core machine two threads fight."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


MU, S = torch.tensor([1.0, -2.0]), 0.5


def quadratic(x: torch.Tensor) -> torch.Tensor:
    """E(x) = |x - mu|^2 / (2 s^2): p = N(mu, s^2 I), grad E = (x - mu) / s^2."""
    return ((x - MU) ** 2).sum(1) / (2 * S**2)


def test_one_langevin_step_is_the_formula():
    x = torch.tensor([[0.0, 0.0], [3.0, 1.0]])
    eps, sigma = 0.04, 0.7
    out = langevin_step(quadratic, x, eps, sigma, torch.Generator().manual_seed(5))
    xi = torch.randn(x.shape, generator=torch.Generator().manual_seed(5))
    expected = x - eps / 2 * (x - MU) / S**2 + sigma * math.sqrt(eps) * xi
    torch.testing.assert_close(out, expected)
    assert not out.requires_grad


def test_one_langevin_step_on_a_network_uses_its_input_gradient_only():
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.SiLU(), torch.nn.Linear(8, 1))

    def energy(x):
        return net(x).squeeze(1)

    x = torch.randn(4, 2, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():  # also under no_grad, as sampling calls it
        out = langevin_step(energy, x, 0.1, 0.0, torch.Generator())
    probe = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(energy(probe).sum(), probe)
    torch.testing.assert_close(out, x - 0.05 * grad)
    assert all(p.grad is None for p in net.parameters()), "no gradient reaches the energy's parameters"


def test_langevin_chains_sample_the_density_of_a_gaussian_energy():
    g = torch.Generator().manual_seed(0)
    x0 = torch.rand(4000, 2, generator=g) * 8 - 4
    x, trajectory = langevin(quadratic, x0, 300, 0.02, 1.0, g, -10.0, 10.0, every=100)
    assert len(trajectory) == 4  # steps 0, 100, 200, 300
    torch.testing.assert_close(x.mean(0), MU, atol=0.04, rtol=0)
    torch.testing.assert_close(x.std(0), torch.full((2,), S), atol=0.03, rtol=0)
    cold, _ = langevin(quadratic, x0, 300, 0.02, 0.1, g, -10.0, 10.0)
    assert float(cold.std(0).max()) < 0.1 * S + 0.02, "noise 0.1 samples exp(-E / 0.01): ten times narrower"


def test_replay_buffer_restarts_from_noise_five_percent_of_the_time_and_keeps_the_chains():
    def noise(n, g):
        return torch.full((n, 2), -1.0)

    buffer = ChainBuffer(1000, noise, torch.Generator(), torch.device("cpu"))
    buffer.chains.fill_(7.0)
    g = torch.Generator().manual_seed(1)
    starts, slots = buffer.starts(20_000, 0.05, g)
    assert abs(float((starts[:, 0] == -1).float().mean()) - 0.05) < 0.005
    assert bool(((starts == 7.0) | (starts == -1.0)).all())
    buffer.store(slots[:3], torch.zeros(3, 2))
    assert bool((buffer.chains[slots[:3]] == 0).all())
    empty = ChainBuffer(0, noise, torch.Generator(), torch.device("cpu"))
    starts, slots = empty.starts(5, 0.05, g)
    assert slots is None and bool((starts == -1).all()), "no buffer: short-run chains from noise"


def test_contrastive_divergence_by_hand():
    out = contrastive_divergence(torch.tensor([-1.0, -3.0]), torch.tensor([2.0, 0.0]), alpha=0.5)
    assert float(out["contrastive"]) == -2 - 1  # mean E(data) - mean E(chains)
    assert float(out["energy_penalty"]) == pytest.approx(5 + 2)  # mean E+^2 + mean E-^2
    assert float(out["loss"]) == pytest.approx(-3 + 0.5 * 7)
    assert float(out["energy_scale"]) == pytest.approx(0.5 * (2 + 1))


def test_runaway_warning_reads_the_history_in_plain_words():
    steady = pd.DataFrame({"energy_scale": [3.0] * 40, "energy_real": -3.0, "energy_fake": 3.0})
    assert runaway.warning(steady) is None
    growing = pd.DataFrame({"energy_scale": 5 * 2.0 ** np.arange(12), "energy_real": -5000.0, "energy_fake": 5000.0})
    message = runaway.warning(growing)
    assert message and "running away" in message and "energy_l2" in message and "spectral norm" in message
    assert runaway.warning(growing.head(4)) is None, "too few records to tell"
    with pytest.raises(Diverged) as caught:
        runaway.check(12, 2 * runaway.LIMIT)
    assert caught.value.step == 12 and "ran away" in caught.value.advice


def test_a_run_whose_energies_run_away_stops_as_diverged_with_the_plain_message(monkeypatch):
    from engine.runs import Run

    monkeypatch.setattr(runaway, "LIMIT", 2.0)  # the real limit takes minutes to reach; the plumbing is the same
    t = build_trainer("ebm", {**FAST, "energy_l2": 0.0, "lr": 0.05})
    run = Run({"run": lambda: t}, max_steps=500)
    run.start()
    snap = run.wait_until(lambda s: s.status != "running", timeout=60)
    assert snap.status == "diverged", snap.message
    assert "energies" in snap.message and runaway.ADVICE in snap.message
    assert t.step_count < 500


# ------------------------------------------------------------------ the trainer
FAST = {"dataset": "ring8", "width": 32, "depth": 2, "batch_size": 64, "langevin_steps": 10, "sample_steps": 30}


def test_2d_ebm_trains_its_energy_down_on_the_data_and_samples():
    t = build_trainer("ebm", FAST)
    uniform = t.noise_like(500, torch.Generator().manual_seed(9))
    data = t.data.sample(500, torch.Generator().manual_seed(9))
    for _ in range(120):
        losses = t.step()
    assert set(losses) >= {"loss", "contrastive", "energy_real", "energy_fake", "energy_scale"}
    with torch.no_grad(), t.frozen():
        assert float(t.E(data).mean()) < float(t.E(uniform).mean()) - 0.05, "low energy where the data is"
    m = t.evaluate()
    assert {"modes_covered", "modes_total", "high_quality_fraction", "mode_kl", "grid_js"} <= set(m)
    points = t.sample(40, seed=2)["points"]
    assert points.shape == (40, 2) and points.dtype == np.float32
    np.testing.assert_array_equal(points, t.sample(40, seed=2)["points"])
    assert t.sample_png()[:4] == b"\x89PNG"


def test_previews_show_the_landscape_and_the_chains_and_change_nothing():
    t = build_trainer("ebm", {**FAST, "spectral_norm": True, "buffer_size": 256})
    t.step()
    before = {k: v.clone() for k, v in t.E.state_dict().items()}
    p = t.preview()
    t.sample(10)
    t.evaluate()
    for k, v in t.E.state_dict().items():
        assert torch.equal(v, before[k]), f"{k} changed"  # spectral norm's power iteration is paused too
    assert p["energy"].shape == (48, 48) and p["chains"].shape == (64, 2)
    assert p["trace"].shape == (11, 24, 2), "the paths of 24 chains over the 10 Langevin steps"
    t.set_knobs(langevin_steps=4, lr=1e-4)
    t.step()
    assert t.preview()["trace"].shape == (5, 24, 2) and t.opt.param_groups[0]["lr"] == 1e-4


def test_digits_ebm_trains_films_chains_judges_and_samples():
    t = build_trainer("ebm", {"dataset": "digits", "width": 4, "langevin_steps": 3, "sample_steps": 8,
                              "batch_size": 16})
    assert t.config.step_size == 20.0 and t.config.noise == 0.001, "the image defaults"
    for _ in range(2):
        assert math.isfinite(t.step()["loss"])
    p = t.preview()
    assert p["film"].dtype == np.uint8 and p["film"].shape[0] == 8 * 9 + 1, "8 chains, one per row"
    assert p["chains"].dtype == np.uint8
    m = t.evaluate()
    assert {"judge_score", "frechet_distance", "confident_fraction", "class_histogram"} <= set(m)
    images = t.sample(5, seed=1)["images"]
    assert images.shape == (5, 1, 8, 8) and images.dtype == np.uint8


def test_bad_values_are_refused_with_their_name():
    with pytest.raises(ConfigError, match="energy_l2"):
        build_trainer("ebm", {"energy_l2": -1})
    with pytest.raises(ConfigError, match="batch_size"):
        build_trainer("ebm", {"dataset": "digits", "batch_size": 4000})
