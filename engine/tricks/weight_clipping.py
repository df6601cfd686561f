r"""Weight clipping of the Wasserstein GAN's critic (Arjovsky et al. 2017, arXiv:1701.07875, Algorithm 1).

After every critic update each parameter is clipped, $w \leftarrow \mathrm{clip}(w, -c, c)$, so the critic stays in
a family of K-Lipschitz functions and $\max_w \mathbb{E}[f_w(x)] - \mathbb{E}[f_w(G(z))]$ estimates the Wasserstein
distance up to K. The paper trains it with RMSprop (lr 5e-5), c = 0.01 and n_critic = 5 critic steps per generator
step. WGAN-GP (engine/tricks/gradient_penalty.py) replaces the clipping, whose capacity loss and exploding or
vanishing gradients it documents (Gulrajani et al. 2017, Sec. 3).
"""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def clip_weights(critic: nn.Module, c: float) -> None:
    for w in critic.parameters():
        w.clamp_(-c, c)
