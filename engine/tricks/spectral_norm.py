r"""Spectral normalisation (Miyato et al. 2018, arXiv:1802.05957).

Every weight is divided by its largest singular value, W_SN = W / sigma(W), with sigma estimated by one power
iteration per forward pass; this bounds the Lipschitz constant of each layer of the discriminator by 1.
"""

from __future__ import annotations

from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


def apply_spectral_norm(module: nn.Module, exclude: tuple[str, ...] = ()) -> nn.Module:
    targets = [(name, m) for name, m in module.named_modules() if isinstance(m, LAYERS) and name not in exclude]
    for _, m in targets:
        spectral_norm(m)
    return module
