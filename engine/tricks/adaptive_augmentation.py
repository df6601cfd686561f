r"""Adaptive discriminator augmentation (Karras et al. 2020, arXiv:2006.06676, Sec. 3).

Real and fake images are augmented, each transform applied with probability p, before the discriminator sees them;
the transforms are differentiable, so the generator learns through them. p follows the overfitting heuristic

$$r_t = \mathbb{E}[\operatorname{sign}(D_{\text{real}})],\qquad
p \leftarrow \operatorname{clip}\big(p + \operatorname{sign}(r_t - \text{target}) \cdot \Delta,\ 0,\ 1\big)$$

measured over the last `interval` discriminator steps, with Delta chosen so that p can cross 0 -> 1 in
`speed_images` real images (the paper uses 500k images; a small CPU run needs it faster). The transforms here are a
small subset of the paper's pipeline that cannot leak at p < 0.8: horizontal flip, integer translation (up to 1/8 of
the side, zero padded) and brightness / contrast.
"""

from __future__ import annotations

import torch


def augment(x: torch.Tensor, p: float, generator: torch.Generator) -> torch.Tensor:
    """Each transform applied to each image independently with probability p (differentiable in x)."""
    if p <= 0:
        return x
    n, _, h, w = x.shape

    def chosen() -> torch.Tensor:
        return (torch.rand(n, generator=generator) < p).to(x.device).view(n, 1, 1, 1)

    x = torch.where(chosen(), x.flip(3), x)
    # integer translation by (dy, dx), zero padding: gather from a padded copy
    pad = max(1, h // 8)
    shifts = torch.randint(-pad, pad + 1, (n, 2), generator=generator)
    shifts = shifts * (torch.rand(n, 1, generator=generator) < p)
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad), value=-1.0)  # -1 is black in [-1, 1] images
    rows = (torch.arange(h).view(1, h) + pad - shifts[:, :1]).to(x.device)  # (n, h)
    cols = (torch.arange(w).view(1, w) + pad - shifts[:, 1:]).to(x.device)  # (n, w)
    idx_rows = rows.view(n, 1, h, 1).expand(n, x.shape[1], h, padded.shape[3])
    x = padded.gather(2, idx_rows)
    idx_cols = cols.view(n, 1, 1, w).expand(n, x.shape[1], h, w)
    x = x.gather(3, idx_cols)
    brightness = torch.randn(n, 1, 1, 1, generator=generator).to(x.device) * 0.2
    x = x + brightness * chosen()
    contrast = torch.exp2(torch.randn(n, 1, 1, 1, generator=generator) * 0.5).to(x.device)
    mean = x.mean((1, 2, 3), keepdim=True)
    return torch.where(chosen(), (x - mean) * contrast + mean, x)


class AdaptiveAugmentation:
    """Holds p and adjusts it from the sign of D's outputs on real images."""

    def __init__(self, target: float = 0.6, interval: int = 4, speed_images: int = 20_000):
        self.target, self.interval, self.speed_images = target, interval, speed_images
        self.p = 0.0
        self._signs: list[float] = []
        self.r_t = 0.0

    def observe(self, real_logits: torch.Tensor) -> None:
        """Record sign(D(real)) of one discriminator step; every `interval` steps, move p."""
        self._signs.append(float(torch.sign(real_logits.detach()).mean()))
        if len(self._signs) >= self.interval:
            self.r_t = sum(self._signs) / len(self._signs)
            delta = len(self._signs) * real_logits.shape[0] / self.speed_images
            step = delta if self.r_t > self.target else -delta
            self.p = min(1.0, max(0.0, self.p + step))
            self._signs.clear()

    def state_dict(self) -> dict:
        return {"p": self.p, "signs": list(self._signs), "r_t": self.r_t}

    def load_state_dict(self, state: dict) -> None:
        self.p, self._signs, self.r_t = float(state["p"]), list(state["signs"]), float(state["r_t"])
