r"""Progressive growing (Karras et al. 2018, ProGAN, arXiv:1710.10196, Sec. 3 and Fig. 2).

Training starts at the smallest resolution; each larger one is faded in over `phase` steps and then trained alone
for `phase` steps. While resolution k fades in, the generator's image is

$$x = (1 - \alpha)\,\mathrm{up}_2\big(\mathrm{rgb}_{k-1}(h_{k-1})\big) + \alpha\,\mathrm{rgb}_k(h_k),\qquad
\alpha: 0 \to 1$$

and the discriminator mirrors it on its input: (1 - alpha) fromRGB_{k-1}(avgpool(x)) + alpha block_k(fromRGB_k(x)).
Real images are shown at the same resolution and blurred the same way (the released code's fading of the reals).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def schedule(step: int, phase: int, stages: int) -> tuple[int, float]:
    """(stage, alpha) at `step`: stage 0 (the smallest side) for `phase` steps, then each next stage fades in for
    `phase` steps (alpha 0 -> 1) and trains for `phase` more; the last stage stays."""
    if step < phase:
        return 0, 1.0
    stage, into = divmod(step - phase, 2 * phase)
    stage += 1
    if stage >= stages:
        return stages - 1, 1.0
    return stage, min(1.0, into / phase)


def fade(low: torch.Tensor, high: torch.Tensor, alpha: float) -> torch.Tensor:
    """(1 - alpha) up2(low) + alpha high: the smaller stage's output doubled by nearest neighbours, blended in."""
    return torch.lerp(F.interpolate(low, scale_factor=2, mode="nearest"), high, alpha)


def shrink(x: torch.Tensor, side: int, alpha: float) -> torch.Tensor:
    """Real images at the current side (average pooling), faded as the generator's output is."""
    x = F.avg_pool2d(x, x.shape[-1] // side) if x.shape[-1] != side else x
    if alpha >= 1:
        return x
    return fade(F.avg_pool2d(x, 2), x, alpha)
