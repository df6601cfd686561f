r"""Minibatch standard deviation (Karras et al. 2018, ProGAN, arXiv:1710.10196, Sec. 3).

For features a (N, C, H, W) of a batch: the standard deviation of each feature at each position over the batch,
averaged over features and positions, one number s, appended as one more constant feature map:

$$s = \frac{1}{CHW} \sum_{c,x,y} \sqrt{\mathrm{Var}_n\big[a_{n,c,x,y}\big] + \epsilon},\qquad a' = [a, s\,\mathbf{1}]$$

A collapsed generator's batch has small s, which the discriminator can read off; unlike minibatch discrimination it
has no parameters. NOTE: the paper's text takes the whole minibatch (its released code groups 4 examples).
"""

from __future__ import annotations

import torch
from torch import nn


class MinibatchStdDev(nn.Module):
    def __init__(self, eps: float = 1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        s = torch.sqrt(a.var(0, unbiased=False) + self.eps).mean()  # (C, H, W) -> ()
        return torch.cat([a, s.expand(a.shape[0], 1, *a.shape[2:])], 1)  # (N, C, H, W) -> (N, C + 1, H, W)
