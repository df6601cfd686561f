r"""GAN objectives on raw discriminator outputs (logits or critic values)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

LOSSES = ("minimax", "nonsaturating", "least_squares", "hinge", "wgan_gp")


def _check(kind: str) -> None:
    if kind not in LOSSES:
        raise ValueError(f"unknown loss '{kind}': expected one of {', '.join(LOSSES)}")


def smoothing_applies(kind: str) -> bool:
    """Targets (and so label smoothing) only mean something for the losses that compare D(x) with a label."""
    _check(kind)
    return kind in ("minimax", "nonsaturating", "least_squares")


def discriminator_loss(kind: str, real_logits: torch.Tensor, fake_logits: torch.Tensor, real_target: float = 1.0,
                       fake_target: float = 0.0) -> torch.Tensor:
    _check(kind)
    real_logits, fake_logits = real_logits.reshape(-1), fake_logits.reshape(-1)
    if kind in ("minimax", "nonsaturating"):
        return (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_target))
                + F.binary_cross_entropy_with_logits(fake_logits, torch.full_like(fake_logits, fake_target)))
    if kind == "least_squares":
        return 0.5 * ((real_logits - real_target) ** 2).mean() + 0.5 * ((fake_logits - fake_target) ** 2).mean()
    if kind == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    return fake_logits.mean() - real_logits.mean()


def generator_loss(kind: str, fake_logits: torch.Tensor) -> torch.Tensor:
    _check(kind)
    fake_logits = fake_logits.reshape(-1)
    if kind == "minimax":
        return -F.softplus(fake_logits).mean()
    if kind == "nonsaturating":
        return F.softplus(-fake_logits).mean()
    if kind == "least_squares":
        return 0.5 * ((fake_logits - 1) ** 2).mean()
    return -fake_logits.mean()
