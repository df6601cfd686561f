r"""Learning-rate schedules: linear warm-up, cosine decay, and the linear scaling rule.

Warm-up (Goyal et al. 2017, arXiv:1706.02677, Sec. 2.2, "gradual warmup"): for the first $w$ steps the rate grows
linearly, $\eta_t = \eta\,(t + 1) / w$, from $\eta / w$ at $t = 0$ to $\eta$ at $t = w - 1$.
NOTE: the paper warms up from the small-batch rate to k times it (k = the batch's growth); here from eta / w to eta.

Cosine decay (Loshchilov & Hutter 2017, SGDR, arXiv:1608.03983, Eq. 5, one cycle and no restart, $\eta_{min} = 0$):

$$\eta_t = \eta \cdot \tfrac{1}{2}\big(1 + \cos(\pi\, (t - w) / (T - w))\big),\qquad w \le t \le T$$

so $\eta_w = \eta$, $\eta$ halves at the middle of the decay and reaches 0 at $t = T$ (`total_steps`). Past $T$ the
rate stays at its value at $T$: 0 for cosine, $\eta$ for constant (a run may train past its schedule's horizon).

Linear scaling rule (Goyal et al. 2017, Sec. 2.1): when the minibatch is multiplied by k, multiply the learning rate
by k; `scaled_lr` takes 256 images as the reference batch, as the paper does for ResNet-50 ($\eta = 0.1 \cdot b/256$).

`t` counts the steps already taken: `learning_rate(t, ...)` is the rate of update t + 1.
"""

from __future__ import annotations

import math

import numpy as np

SCHEDULES = ("constant", "cosine")


def learning_rate(step: int, *, base_lr: float, total_steps: int, warmup_steps: int = 0,
                  schedule: str = "cosine") -> float:
    """eta_t for t = `step` (see the module docstring); `base_lr` is eta, `total_steps` T, `warmup_steps` w."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {schedule!r}")
    t, w, big_t = int(step), int(warmup_steps), int(total_steps)
    if t < w:
        return base_lr * (t + 1) / w
    if schedule == "constant":
        return float(base_lr)
    if t >= big_t or big_t <= w:
        return 0.0
    return base_lr * 0.5 * (1 + math.cos(math.pi * (t - w) / (big_t - w)))


def scaled_lr(lr: float, batch_size: int, reference: int = 256) -> float:
    """The linear scaling rule: lr * batch_size / reference."""
    return lr * batch_size / reference


def lr_curve(*, base_lr: float, total_steps: int, warmup_steps: int = 0, schedule: str = "cosine") -> np.ndarray:
    """The rate at every step t = 0, 1, ..., T (T + 1 values), for a plot."""
    return np.array([learning_rate(t, base_lr=base_lr, total_steps=total_steps, warmup_steps=warmup_steps,
                                   schedule=schedule) for t in range(int(total_steps) + 1)])
