"""Each trick against its paper's equation, on small hand examples with the numbers written out."""

from __future__ import annotations

import math

import pytest
import torch

from engine import tricks
from engine.tricks.losses import LOSSES


def bce(logit: float, target: float) -> float:
    p = 1 / (1 + math.exp(-logit))
    return -(target * math.log(p) + (1 - target) * math.log(1 - p))


REAL = torch.tensor([2.0, -1.0])
FAKE = torch.tensor([0.5, -3.0])


# ------------------------------------------------------------------ losses and one-sided label smoothing
def test_one_sided_smoothing_changes_only_the_real_target():
    alpha, beta = tricks.smoothed_targets(0.9)
    assert (alpha, beta) == (0.9, 0.0)
    got = tricks.discriminator_loss("nonsaturating", REAL, FAKE, alpha, beta)
    real_part = (bce(2.0, 0.9) + bce(-1.0, 0.9)) / 2
    fake_part = (bce(0.5, 0.0) + bce(-3.0, 0.0)) / 2
    assert got.item() == pytest.approx(real_part + fake_part, rel=1e-6)
    plain = tricks.discriminator_loss("nonsaturating", REAL, FAKE)
    plain_real = (bce(2.0, 1.0) + bce(-1.0, 1.0)) / 2
    # the fake part is the same with and without smoothing: the difference is only the real part
    assert (got - plain).item() == pytest.approx(real_part - plain_real, rel=1e-5)


def test_smoothing_never_touches_the_generator_loss():
    # the generator loss has no target argument at all; its value depends only on the fake logits
    a = tricks.generator_loss("nonsaturating", FAKE)
    assert a.item() == pytest.approx((math.log(1 + math.exp(-0.5)) + math.log(1 + math.exp(3.0))) / 2, rel=1e-6)


def test_two_sided_smoothing_sets_the_fake_target():
    alpha, beta = tricks.smoothed_targets(0.9, 0.1)
    got = tricks.discriminator_loss("minimax", REAL, FAKE, alpha, beta)
    want = (bce(2.0, 0.9) + bce(-1.0, 0.9)) / 2 + (bce(0.5, 0.1) + bce(-3.0, 0.1)) / 2
    assert got.item() == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("alpha, beta", [(0.4, 0.0), (1.1, 0.0), (0.8, 0.8), (0.9, -0.1)])
def test_smoothing_rejects_impossible_targets(alpha, beta):
    with pytest.raises(ValueError):
        tricks.smoothed_targets(alpha, beta)


def test_every_loss_against_its_formula():
    r, f = REAL.tolist(), FAKE.tolist()
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    softplus = lambda x: math.log(1 + math.exp(x))  # noqa: E731
    expected_d = {
        "minimax": mean([bce(x, 1) for x in r]) + mean([bce(x, 0) for x in f]),
        "nonsaturating": mean([bce(x, 1) for x in r]) + mean([bce(x, 0) for x in f]),
        "least_squares": 0.5 * mean([(x - 1) ** 2 for x in r]) + 0.5 * mean([x ** 2 for x in f]),
        "hinge": mean([max(0, 1 - x) for x in r]) + mean([max(0, 1 + x) for x in f]),
        "wgan_gp": mean(f) - mean(r),
    }
    expected_g = {
        "minimax": mean([math.log(1 - 1 / (1 + math.exp(-x))) for x in f]),  # E log(1 - D(G(z)))
        "nonsaturating": mean([softplus(-x) for x in f]),  # -E log D(G(z))
        "least_squares": 0.5 * mean([(x - 1) ** 2 for x in f]),
        "hinge": -mean(f),
        "wgan_gp": -mean(f),
    }
    for kind in LOSSES:
        assert tricks.discriminator_loss(kind, REAL, FAKE).item() == pytest.approx(expected_d[kind], rel=1e-6), kind
        assert tricks.generator_loss(kind, FAKE).item() == pytest.approx(expected_g[kind], rel=1e-6), kind


def test_smoothing_applies_only_to_label_losses_and_unknown_loss_is_named():
    assert [tricks.smoothing_applies(k) for k in LOSSES] == [True, True, True, False, False]
    with pytest.raises(ValueError, match="hinge"):
        tricks.discriminator_loss("wasserstein", REAL, FAKE)


# ------------------------------------------------------------------ minibatch discrimination
def hand_mbd() -> tricks.MinibatchDiscrimination:
    mbd = tricks.MinibatchDiscrimination(in_features=2, kernels=2, kernel_dim=2)
    with torch.no_grad():  # T[a, b, c]: kernel 0 copies the features, kernel 1 doubles the first one
        mbd.T.zero_()
        mbd.T[0, 0, 0] = 1.0
        mbd.T[1, 0, 1] = 1.0
        mbd.T[0, 1, 0] = 2.0
    return mbd


def test_minibatch_features_match_the_formula():
    mbd = hand_mbd()
    f = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    out = mbd(f)
    assert out.shape == (3, 2 + 2)
    assert torch.equal(out[:, :2], f)
    # kernel 0: M_i,0 = f_i; L1 distances: |x1-x2| = 1, |x1-x3| = 2, |x2-x3| = 3
    # kernel 1: M_i,1 = (2 f_i1, 0): values 0, 2, 0 -> distances 2, 0, 2
    e = math.exp
    want = torch.tensor([
        [1 + e(-1) + e(-2), 1 + e(-2) + e(0)],
        [e(-1) + 1 + e(-3), e(-2) + 1 + e(-2)],
        [e(-2) + e(-3) + 1, e(0) + e(-2) + 1],
    ])
    torch.testing.assert_close(out[:, 2:], want)


def test_minibatch_features_depend_on_the_rest_of_the_batch():
    mbd = tricks.MinibatchDiscrimination(4, 3, 2)
    f = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    g = f.clone()
    g[1] += 1.0
    assert not torch.allclose(mbd(f)[0, 4:], mbd(g)[0, 4:])
    # a collapsed batch (all equal) scores the maximum N on every kernel
    same = f[:1].repeat(5, 1)
    torch.testing.assert_close(mbd(same)[:, 4:], torch.full((5, 3), 5.0))


def test_minibatch_features_against_a_reference_batch():
    mbd = hand_mbd()
    ref = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    x = torch.tensor([[0.0, 0.0]])
    # the same as x's row in the batch [x, ref...]
    full = mbd(torch.cat([x, ref]))[0, 2:]
    torch.testing.assert_close(tricks.minibatch_features_against(mbd, x, ref)[0], full)


# ------------------------------------------------------------------ feature matching
def test_feature_matching_is_the_squared_distance_of_means():
    real = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    fake = torch.tensor([[0.0, 0.0], [2.0, 2.0]], requires_grad=True)
    loss = tricks.feature_matching_loss(real, fake)
    # means (2, 3) and (1, 1): (2-1)^2 + (3-1)^2 = 5
    assert loss.item() == pytest.approx(5.0)
    loss.backward()
    assert real.grad is None or torch.all(real.grad == 0)
    # d/dfake_i = -2 (mu_real - mu_fake) / N = -(1, 2)
    torch.testing.assert_close(fake.grad, torch.tensor([[-1.0, -2.0], [-1.0, -2.0]]))


# ------------------------------------------------------------------ historical averaging
def test_historical_average_is_the_mean_of_past_parameters_and_its_penalty():
    net = torch.nn.Linear(1, 1, bias=False)
    avg = tricks.HistoricalAverage(net)
    assert avg.penalty(net).item() == 0.0
    for w in (1.0, 2.0, 6.0):
        with torch.no_grad():
            net.weight.fill_(w)
        avg.update(net)
    assert int(avg.count) == 3
    assert getattr(avg, "avg__weight").item() == pytest.approx(3.0)  # (1 + 2 + 6) / 3
    with torch.no_grad():
        net.weight.fill_(5.0)
    penalty = avg.penalty(net)
    assert penalty.item() == pytest.approx(4.0)  # (5 - 3)^2
    penalty.backward()
    assert net.weight.grad.item() == pytest.approx(2 * (5.0 - 3.0))


def test_historical_average_state_round_trip():
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    avg = tricks.HistoricalAverage(net)
    avg.update(net)
    avg.update(net)
    other = tricks.HistoricalAverage(net)
    other.load_state_dict(avg.state_dict())
    assert int(other.count) == 2
    assert other.penalty(net).item() == pytest.approx(avg.penalty(net).item())
    assert any("__" in k for k in avg.state_dict())  # nested parameter names become buffer names


# ------------------------------------------------------------------ gradient penalty
def test_gradient_penalty_of_a_linear_critic_is_exact():
    w = torch.tensor([3.0, 4.0])  # ||w|| = 5, so the penalty is (5 - 1)^2 = 16 wherever x_hat lies
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    gp = tricks.gradient_penalty(lambda x: x @ w, real, fake, torch.Generator().manual_seed(0))
    assert gp.item() == pytest.approx(16.0)
    images = torch.randn(3, 1, 2, 2)
    w4 = torch.full((4,), 0.5)  # ||w|| = 1: no penalty
    gp = tricks.gradient_penalty(lambda x: x.flatten(1) @ w4, images, images.flip(0))
    assert gp.item() == pytest.approx(0.0, abs=1e-10)


def test_gradient_penalty_has_a_gradient_for_the_critic():
    critic = torch.nn.Linear(2, 1)
    gp = tricks.gradient_penalty(lambda x: critic(x).squeeze(1), torch.randn(4, 2), torch.randn(4, 2))
    gp.backward()
    assert critic.weight.grad is not None and critic.weight.grad.abs().sum() > 0


# ------------------------------------------------------------------ instance noise
def test_instance_noise_anneals_linearly_to_zero():
    assert tricks.annealed_sigma(0.4, 0, 100) == pytest.approx(0.4)
    assert tricks.annealed_sigma(0.4, 50, 100) == pytest.approx(0.2)
    assert tricks.annealed_sigma(0.4, 100, 100) == 0.0
    assert tricks.annealed_sigma(0.4, 500, 100) == 0.0
    assert tricks.annealed_sigma(0.4, 500, 0) == pytest.approx(0.4)


def test_instance_noise_adds_gaussian_noise_of_the_given_sigma():
    x = torch.zeros(20000, 2)
    assert tricks.add_instance_noise(x, 0.0) is x
    noisy = tricks.add_instance_noise(x, 0.5, torch.Generator().manual_seed(0))
    assert noisy.mean().abs().item() < 0.01
    assert noisy.std().item() == pytest.approx(0.5, rel=0.02)


# ------------------------------------------------------------------ spectral norm
def test_spectral_norm_bounds_the_top_singular_value():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.LeakyReLU(), torch.nn.Linear(16, 1))
    with torch.no_grad():
        net[0].weight.mul_(10)
    tricks.apply_spectral_norm(net, exclude=("2",))
    for _ in range(30):  # power iterations run in train-mode forward passes
        net(torch.randn(4, 8))
    sigma = torch.linalg.matrix_norm(net[0].weight.detach(), ord=2).item()
    assert sigma == pytest.approx(1.0, rel=0.02)
    assert not hasattr(net[2], "parametrizations")  # excluded by name


def test_averaged_minibatch_features_are_the_sum_divided_by_the_batch_size():
    f = torch.randn(6, 4, generator=torch.Generator().manual_seed(1))
    summed = tricks.MinibatchDiscrimination(4, 3, 2)
    averaged = tricks.MinibatchDiscrimination(4, 3, 2, average=True)
    averaged.load_state_dict(summed.state_dict())
    torch.testing.assert_close(averaged(f)[:, 4:], summed(f)[:, 4:] / 6)
    ref = torch.randn(5, 4)
    torch.testing.assert_close(tricks.minibatch_features_against(averaged, f, ref),
                               tricks.minibatch_features_against(summed, f, ref) / 6)


def test_the_weights_average_follows_its_equation_warms_up_and_copies_buffers():
    from engine.tricks.ema import ema_copy, ema_update, half_life_decay, warmed_up

    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    average = ema_copy(model)
    start = [p.detach().clone() for p in average.parameters()]
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    model(torch.randn(4, 2))  # moves batch norm's running statistics
    ema_update(average, model, 0.9)
    for a, s, p in zip(average.parameters(), start, model.parameters()):
        torch.testing.assert_close(a, 0.9 * s + 0.1 * p)
    torch.testing.assert_close(average[1].running_mean, model[1].running_mean, msg="buffers are copied")
    assert not any(p.requires_grad for p in average.parameters()) and not average.training
    ema_update(average, model, 0.0)
    for a, p in zip(average.parameters(), model.parameters()):
        torch.testing.assert_close(a, p, msg="decay 0 copies the weights")
    assert warmed_up(0.999, 0) == pytest.approx(0.1) and warmed_up(0.999, 10**6) == pytest.approx(0.999)
    assert half_life_decay(500) ** 500 == pytest.approx(0.5)
