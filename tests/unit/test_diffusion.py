"""The `diffusion` family: the schedules and the forward process against their closed forms (the chain run step by
step, the posterior by Bayes' rule, the prior term by torch's KL), DDPM's training target on a hand example, the
samplers against Ho et al.'s Algorithm 2 and on data whose exact noise predictor is known, the networks, training
and sampling on 2D and digits, persistence, live knobs and bad input."""

import io
import math

import numpy as np
import pytest
import torch

from engine.config import ConfigError
from engine.data import ImageDataset, toy_from_clicks
from engine.families.diffusion import forward, pictures
from engine.families.diffusion.networks import DenoisingMLP, sinusoidal_embedding
from engine.families.diffusion.objective import draw_t_and_eps, simple_loss
from engine.families.diffusion.sampler import ddim_step, plan, reverse_process, sample, timesteps
from engine.families.diffusion.schedule import make_schedule
from engine.families.diffusion.unet import SmallUNet
from engine.pictures.points2d import POINTS
from engine.registry import build_trainer, make_config


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """One intra-op thread, as in a Run (engine.runs.torch_threads): on a shared 2-core machine two threads per
    process made these tests 30 times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


FAST = {"timesteps": 50, "width": 16, "depth": 2, "batch_size": 64}
FAST_IMAGES = {"dataset": "digits", "timesteps": 50, "width": 8, "batch_size": 16, "sample_steps": 5}


def trainer(**values):
    return build_trainer("diffusion", {**FAST, **values})


# --------------------------------------------------------------------------- schedules and the forward process
def test_linear_schedule_spans_the_papers_betas_and_alpha_bar_is_their_product():
    s = make_schedule("linear", 1000)
    assert s.T == 1000 and s.beta[0] == 0 and s.alpha_bar[0] == 1
    torch.testing.assert_close(s.beta[[1, -1]], torch.tensor([1e-4, 0.02]))
    torch.testing.assert_close(s.alpha_bar, torch.cumprod(1 - s.beta.double(), 0).float())
    assert float(s.alpha_bar[-1]) < 1e-4, "T = 1000: x_T is pure noise"
    assert float(make_schedule("linear", 20).alpha_bar[-1]) > 0.8, "T = 20, same betas: x_T is mostly data"


@pytest.mark.parametrize("T", [10, 1000])
def test_cosine_schedule_is_the_squared_cosine_of_nichol_and_dhariwal(T):
    s = make_schedule("cosine", T)
    t = np.arange(T + 1)
    f = np.cos((t / T + 0.008) / 1.008 * np.pi / 2) ** 2
    unclipped = s.beta.numpy() < 0.999
    np.testing.assert_allclose(s.alpha_bar.numpy()[unclipped], (f / f[0])[unclipped], rtol=1e-5, atol=1e-7)
    assert float(s.alpha_bar[-1]) < 1e-4, "pure noise at t = T for any T"
    assert (np.diff(s.alpha_bar.numpy()) <= 0).all()


def test_the_forward_chain_run_step_by_step_has_the_closed_form_marginal():
    """x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps, t times, against q(x_t | x_0) = N(sqrt(ab_t) x_0,
    (1 - ab_t) I) (Ho et al. eq. 4)."""
    schedule = make_schedule("linear", 200, 1e-3, 0.05)
    x0 = torch.tensor([[1.5, -0.5]]).repeat(100_000, 1)
    g = torch.Generator().manual_seed(0)
    x = x0
    for t in range(1, 201):
        x = forward.forward_step(x, torch.tensor([t]), torch.randn(x.shape, generator=g), schedule)
        if t in (5, 50, 200):
            mean, var = forward.marginal(x0[:1], torch.tensor([t]), schedule)
            torch.testing.assert_close(x.mean(0), mean[0], atol=0.01, rtol=0)
            torch.testing.assert_close(x.var(0), var[0].expand(2), atol=0, rtol=0.02)
    x_t = forward.noisy(x0, torch.full((len(x0),), 50), torch.randn(x0.shape, generator=g), schedule)
    mean, var = forward.marginal(x0[:1], torch.tensor([50]), schedule)
    torch.testing.assert_close(x_t.mean(0), mean[0], atol=0.01, rtol=0)
    torch.testing.assert_close(x_t.var(0), var[0].expand(2), atol=0, rtol=0.02)


def test_the_posterior_is_bayes_rule_on_the_two_gaussians():
    """q(x_{t-1} | x_t, x_0) is proportional to q(x_t | x_{t-1}) q(x_{t-1} | x_0): its precision is the sum of
    alpha_t / beta_t and 1 / (1 - ab_{t-1}), its mean the precision-weighted sum (completing the square)."""
    s = make_schedule("cosine", 30)
    x0, x_t = torch.tensor([[0.3, -1.2]]), torch.tensor([[0.9, 0.1]])
    mean, var = forward.posterior(x0, x_t, torch.tensor([1]), s)
    torch.testing.assert_close(mean, x0), "t = 1: x_0 is known, no variance left"
    assert float(var) == 0
    for t in (2, 15, 30):
        beta, alpha, ab_prev = (float(v[k]) for v, k in ((s.beta, t), (s.alpha, t), (s.alpha_bar, t - 1)))
        precision = alpha / beta + 1 / (1 - ab_prev)
        expected = (math.sqrt(alpha) * x_t / beta + math.sqrt(ab_prev) * x0 / (1 - ab_prev)) / precision
        mean, var = forward.posterior(x0, x_t, torch.tensor([t]), s)
        torch.testing.assert_close(mean, expected, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(var.flatten(), torch.tensor([1 / precision]), rtol=1e-4, atol=1e-7)


def test_the_prior_term_is_the_kl_to_the_standard_normal():
    x0 = torch.randn(7, 3)
    for schedule in (make_schedule("linear", 20), make_schedule("linear", 1000)):
        mean, var = forward.marginal(x0, torch.full((7,), schedule.T), schedule)
        q = torch.distributions.Normal(mean.double(), var.double().sqrt().expand_as(mean))
        expected = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum(1)
        torch.testing.assert_close(forward.prior_kl(x0, schedule), expected, rtol=1e-3, atol=1e-6)
    assert float(forward.prior_kl(x0, make_schedule("linear", 20)).mean()) > 1.0, "T = 20 is far from N(0, I)"


def test_the_score_from_the_noise_is_the_gradient_of_log_q():
    s = make_schedule("linear", 100)
    x0, eps = torch.tensor([[0.5, -1.0]]), torch.tensor([[0.3, 0.8]])
    t = torch.tensor([40])
    x_t = forward.noisy(x0, t, eps, s).requires_grad_(True)
    mean, var = forward.marginal(x0, t, s)
    torch.distributions.Normal(mean, var.sqrt()).log_prob(x_t).sum().backward()
    torch.testing.assert_close(forward.score_from_eps(eps, t, s), x_t.grad)


# --------------------------------------------------------------------------- the training target
def test_ddpm_training_target_on_a_hand_example():
    """T = 2, betas 0.1 and 0.5: alpha_bar_2 = 0.9 * 0.5 = 0.45, so x_2 = sqrt(0.45) x_0 + sqrt(0.55) eps; a network
    that answers (0.2, 0.3) has loss ((0.5 - 0.2)^2 + (1 - 0.3)^2) / 2 = 0.29."""
    s = make_schedule("linear", 2, 0.1, 0.5)
    x0, eps, t = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.5, 1.0]]), torch.tensor([2])
    seen = []

    def network(x_t, steps):
        seen.append((x_t, steps))
        return torch.tensor([[0.2, 0.3]])

    loss = simple_loss(network, x0, t, eps, s)
    torch.testing.assert_close(loss, torch.tensor(0.29))
    torch.testing.assert_close(seen[0][0], torch.tensor([[0.670820 + 0.370810, -1.341641 + 0.741620]]))
    assert seen[0][1].tolist() == [2]


def test_training_steps_are_uniform_on_one_to_T_and_the_noise_standard():
    t, eps = draw_t_and_eps(torch.zeros(60_000, 2), 10, torch.Generator().manual_seed(0))
    assert t.min() == 1 and t.max() == 10
    np.testing.assert_allclose(np.bincount(t.numpy(), minlength=11)[1:] / 60_000, 0.1, atol=0.01)
    assert abs(float(eps.mean())) < 0.01 and abs(float(eps.std()) - 1) < 0.01


# --------------------------------------------------------------------------- samplers
def test_timesteps_of_both_samplers():
    assert timesteps(5, "ddpm", 99) == [5, 4, 3, 2, 1, 0]
    assert timesteps(1000, "ddim", 4) == [1000, 750, 500, 250, 0]
    assert timesteps(10, "ddim", 50) == list(range(10, -1, -1)), "S > T is T"
    assert plan(10, "ddpm", 3, 0.0)[1] == 1.0 and plan(10, "ddim", 3, 0.3)[1] == 0.3


def test_ddpm_is_ddim_with_eta_one_through_every_step_and_matches_algorithm_2():
    """Ho et al. Algorithm 2 with sigma_t^2 = beta~_t: x_{t-1} = (x_t - beta_t / sqrt(1 - ab_t) eps) / sqrt(alpha_t)
    + sigma_t z, against the DDIM update of sampler.py with eta = 1 from t to t - 1."""
    s = make_schedule("linear", 30, 1e-3, 0.2)
    g = torch.Generator().manual_seed(3)
    x_t, eps_hat, z = (torch.randn(4, 2, generator=g) for _ in range(3))
    for t in (30, 10, 2, 1):
        beta, alpha, ab, ab_prev = (float(v) for v in (s.beta[t], s.alpha[t], s.alpha_bar[t], s.alpha_bar[t - 1]))
        sigma = math.sqrt((1 - ab_prev) / (1 - ab) * beta)
        expected = (x_t - beta / math.sqrt(1 - ab) * eps_hat) / math.sqrt(alpha) + sigma * z
        got, _ = ddim_step(x_t, eps_hat, t, t - 1, s, 1.0, z)
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
        x0_hat = (x_t - math.sqrt(1 - ab) * eps_hat) / math.sqrt(ab)
        mean, _ = forward.posterior(x0_hat, x_t, torch.tensor([t]), s)
        torch.testing.assert_close(got - sigma * z, mean, rtol=1e-4, atol=1e-5), "the posterior mean (eq. 7)"


def test_ddim_with_eta_zero_is_deterministic_and_clipping_keeps_x0_in_range():
    s = make_schedule("linear", 100)
    x = torch.randn(8, 2, generator=torch.Generator().manual_seed(0)) * 3
    a, x0_a = ddim_step(x, torch.zeros_like(x), 100, 50, s, 0.0, None, clip=1.0)
    b, _ = ddim_step(x, torch.zeros_like(x), 100, 50, s, 0.0, None, clip=1.0)
    assert torch.equal(a, b) and x0_a.abs().max() <= 1.0


@pytest.mark.parametrize("sampler, steps", [("ddpm", 0), ("ddim", 100)])
def test_with_the_exact_noise_predictor_sampling_recovers_gaussian_data(sampler, steps):
    """For data x_0 ~ N(m, v) the best prediction of eps from x_t is known: E[eps | x_t] = sqrt(1 - ab) (x_t -
    sqrt(ab) m) / (ab v + 1 - ab). Sampling with it (DDPM; deterministic DDIM, eta 0) gives back mean m and
    variance v."""
    m, v = torch.tensor([1.0, -0.5]), 0.25
    s = make_schedule("linear", 1000)

    def exact(x_t, t):
        ab = s.alpha_bar[t].view(-1, 1)
        return (1 - ab).sqrt() * (x_t - ab.sqrt() * m) / (ab * v + 1 - ab)

    steps_, eta = plan(1000, sampler, steps, 0.0)
    x = sample(exact, (4000, 2), steps_, s, eta, torch.Generator().manual_seed(0), "cpu")
    torch.testing.assert_close(x.mean(0), m, atol=0.03, rtol=0)  # 4 standard errors of 4,000 draws
    torch.testing.assert_close(x.var(0), torch.full((2,), v), atol=0.025, rtol=0)


def test_reverse_process_yields_every_step_down_to_zero():
    s = make_schedule("linear", 20)
    steps = timesteps(20, "ddim", 4)
    out = list(reverse_process(lambda x, t: torch.zeros_like(x), torch.randn(3, 2), steps, s, 0.0,
                               torch.Generator().manual_seed(0)))
    assert [o[0] for o in out] == steps[1:] and out[-1][0] == 0


# --------------------------------------------------------------------------- networks and the average
def test_time_embedding_and_networks_shapes_and_a_shared_step_broadcasts():
    emb = sinusoidal_embedding(torch.tensor([0, 500]), T=1000, dim=8)
    torch.testing.assert_close(emb[0], torch.tensor([0.0] * 4 + [1.0] * 4)), "t = 0: sines 0, cosines 1"
    torch.testing.assert_close(emb[1, 0], torch.tensor(math.sin(500.0)))
    mlp, x = DenoisingMLP(100, 16, 3), torch.randn(5, 2)
    assert mlp(x, torch.full((5,), 7)).shape == (5, 2)
    torch.testing.assert_close(mlp(x, torch.tensor([7])), mlp(x, torch.full((5,), 7)))
    for shape in [(1, 8, 8), (1, 28, 28), (3, 32, 32)]:
        unet, x = SmallUNet(100, shape[0], 8, 1).eval(), torch.randn(2, *shape)
        assert unet(x, torch.tensor([3, 90])).shape == (2, *shape)
        torch.testing.assert_close(unet(x, torch.tensor([9])), unet(x, torch.full((2,), 9)))


# --------------------------------------------------------------------------- the trainers
def test_trains_and_samples_on_2d_points():
    t = trainer(lr=3e-3)
    first = np.mean([t.step()["loss"] for _ in range(5)])
    for _ in range(100):
        t.step()
    assert np.mean([t.step()["loss"] for _ in range(5)]) < first
    m = t.evaluate()
    assert {"modes_covered", "modes_total", "high_quality_fraction", "mode_kl", "grid_js", "denoising_loss",
            "prior_kl", "sample_seconds"} <= set(m) and m["modes_total"] == 8 and m["network_evaluations"] == 50
    out = t.sample(30, seed=4)["points"]
    assert out.shape == (30, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out, t.sample(30, seed=4)["points"])
    assert t.sample_png(50)[:8] == b"\x89PNG\r\n\x1a\n"
    p = t.preview()
    shown = len(pictures.levels(50))
    assert p["paths"].shape == (pictures.PATHS, 51, 2) and p["forward"].shape == (shown, POINTS, 2)
    assert p["scores"].shape == (shown - 1, pictures.ARROW_RES ** 2, 2) and p["fake"].shape == (POINTS, 2)
    np.testing.assert_allclose(p["paths"][:, -1], p["fake"][:pictures.PATHS], rtol=1e-5, atol=1e-5), "paths end at samples"
    np.testing.assert_allclose(p["forward"][0], p["real"], atol=1e-5), "the forward chain starts at the data"


def test_forward_view_reaches_noise_with_enough_steps_and_not_with_too_few():
    far = trainer(timesteps=1000).forward_views[-1]  # x_T of the chain, in data coordinates
    near = trainer(timesteps=20).forward_views[-1]
    spread = trainer(timesteps=1000)
    z_far = (far - spread.shift.numpy()) / spread.scale
    assert abs(z_far.std() - 1) < 0.1, "T = 1000: N(0, I) in the network's coordinates"
    radius = np.linalg.norm(near, axis=1)
    assert abs(np.median(radius) - 0.9 * 2) < 0.5, "T = 20: still a ring, shrunk by sqrt(alpha_bar_T) = 0.9"
    kl = {T: trainer(timesteps=T, schedule=k).shared_metrics(trainer(timesteps=T).heldout)["prior_kl"]
          for T, k in ((20, "linear"), (1000, "linear"))}
    assert kl[20] > 1.0 and kl[1000] < 0.01, "nats per example from N(0, I)"


def test_trains_and_samples_on_digits():
    t = build_trainer("diffusion", FAST_IMAGES)
    assert t.config.sampler == "ddim", "the image defaults sample with DDIM"
    first = np.mean([t.step()["loss"] for _ in range(3)])
    for _ in range(30):
        t.step()
    assert np.mean([t.step()["loss"] for _ in range(3)]) < first
    m = t.evaluate()
    assert {"judge_score", "frechet_distance", "confident_fraction", "class_histogram", "denoising_loss",
            "prior_kl", "sample_seconds"} <= set(m) and m["network_evaluations"] == 5
    images = t.sample(5, seed=2)["images"]
    assert images.shape == (5, 1, 8, 8) and images.dtype == np.uint8
    p = t.preview()
    assert p["samples"].dtype == np.uint8 and p["reverse_frames"].shape == (6, 3, 10, 1 + 9 * pictures.MOVIE_IMAGES)
    assert list(p["reverse_steps"]) == [50, 40, 30, 20, 10, 0], "S = 5: every visited step is shown"
    assert p["forward"].shape[0] == pictures.MOVIE_IMAGES * 9 + 1, "one row of 8x8 images per movie image"


def test_previews_do_not_change_training():
    a, b = trainer(), trainer()
    for _ in range(3):
        a.step()
        a.preview()
        b.step()
    assert a.step() == b.step()


def test_drawn_data_travels_in_the_checkpoint():
    from engine.persistence import member_files

    data = toy_from_clicks(np.array([[0.0, 1.0], [1.0, 0.0]]))
    t = build_trainer("diffusion", {**FAST, "dataset": "custom"}, data=data)
    state = torch.load(io.BytesIO(member_files(t, [], 0.0)["checkpoint.pt"]), weights_only=True)
    assert torch.equal(state["custom_data"]["points"], torch.as_tensor(data.centres))


def test_sampling_knobs_are_live_and_the_preview_follows_them():
    t = trainer()
    t.step()
    assert len(t.preview()["path_steps"]) == 51
    t.set_knobs(sampler="ddim", sample_steps=5, lr=1e-4)
    assert len(t.preview()["path_steps"]) == 6, "a new sampler: the preview's pass is drawn again"
    long = trainer(timesteps=1000)
    assert list(long.preview()["path_steps"]) == list(range(1000, -1, -10)), "paths: 101 of the 1,001 steps"
    assert t.evaluate()["network_evaluations"] == 5 and t.opt.param_groups[0]["lr"] == 1e-4


@pytest.mark.parametrize("values, key", [({"timesteps": 1}, "timesteps"), ({"schedule": "sigmoid"}, "schedule"),
                                         ({"beta_start": 0.05, "beta_end": 0.02}, "beta_start"),
                                         ({"sampler": "euler"}, "sampler"), ({"eta": 2}, "eta"),
                                         ({"sample_steps": 0}, "sample_steps"), ({"ema": 1.0}, "ema")])
def test_bad_values_are_refused_with_the_key_named(values, key):
    with pytest.raises(ConfigError) as err:
        make_config("diffusion", {**FAST, **values})
    assert err.value.key == key


def test_images_whose_sides_the_unet_cannot_halve_twice_are_refused():
    x = torch.rand(30, 1, 6, 6) * 2 - 1
    data = ImageDataset("folder:x", x[:20], None, x[20:], None)
    with pytest.raises(ConfigError, match="multiples of 4") as err:
        build_trainer("diffusion", {**FAST_IMAGES, "dataset": "folder:x"}, data=data)
    assert err.value.key == "dataset"
