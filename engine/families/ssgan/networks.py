"""The networks of the semi-supervised GAN on MNIST (Salimans et al. 2016, released `train_mnist_feature_matching`).

Discriminator: Gaussian noise on the input (std 0.3 on images in [0, 1], so 0.6 on ours in [-1, 1]) and before each
of five weight-normalised hidden layers (1000, 500, 250, 250, 250 units, ReLU; std 0.5), then K class logits; its
`width` scales the hidden layers (1000 = the paper's). Its last hidden layer is f(x) for feature matching.
Generator: z -> 500 -> 500 (batch norm, softplus) -> image.
Like the paper's, the classifier's layers start from a data-dependent initialisation (`initialise_from`, Salimans &
Kingma 2016, Sec. 3): each layer's pre-activations on a batch of images get mean 0 and std 1, so the fixed noise
stds (0.6, 0.5) are measured against activations of unit scale. As in the released code, the hidden layers' scales g
stay fixed after it (only the directions v and the biases learn; the output layer's g learns too): the features
that feature matching compares cannot grow without bound.
NOTE: the generator ends in tanh (images in [-1, 1]) where the paper used a sigmoid on [0, 1], and its output layer
has no weight normalisation.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm

D_SHAPE = (1.0, 0.5, 0.25, 0.25, 0.25)  # hidden sizes relative to `width`


class GaussianNoise(nn.Module):
    """x + N(0, std^2) while training, x at evaluation. Draws from `generator` when one is set (the trainer's seeded
    stream, so a run is reproducible and resumes exactly), else from torch's global generator."""

    def __init__(self, std: float):
        super().__init__()
        self.std = std
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.std <= 0:
            return x
        return x + self.std * torch.randn(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)


class MlpClassifierD(nn.Module):
    """images (N, C, H, W) -> K logits; `features(x)` is the last hidden layer (N, width / 4)."""

    def __init__(self, image_shape: tuple[int, ...], num_classes: int, width: int = 1000,
                 input_noise: float = 0.6, hidden_noise: float = 0.5, normalise: bool = True):
        super().__init__()
        def wrap(layer: nn.Linear) -> nn.Module:
            if not normalise:
                return layer
            # NOTE: with w = g v / ||v||, Adam's step on v is relative to the size of v's entries: v starts at
            # N(0, 0.1^2) as in the released code, not PyTorch's ~N(0, 1 / (3 fan_in)), or steps are ~5x larger.
            nn.init.normal_(layer.weight, std=0.1)
            return weight_norm(layer)

        sizes = [math.prod(image_shape)] + [max(8, round(width * r)) for r in D_SHAPE]
        layers: list[nn.Module] = [nn.Flatten()]  # (N, C, H, W) -> (N, C*H*W)
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            layers += [GaussianNoise(input_noise if i == 0 else hidden_noise), wrap(nn.Linear(n_in, n_out)), nn.ReLU()]
            if normalise:  # the paper's hidden layers keep the scale g their initialisation gives them: only the
                layers[-2].parametrizations.weight.original0.requires_grad_(False)  # direction v and b learn
        self.body = nn.Sequential(*layers)
        self.out = nn.Sequential(GaussianNoise(hidden_noise), wrap(nn.Linear(sizes[-1], num_classes)))
        self.feature_size = sizes[-1]

    @torch.no_grad()
    def initialise_from(self, x: torch.Tensor) -> None:
        """Data-dependent initialisation: layer by layer, scale each unit's weights and shift its bias so that its
        pre-activation on `x` (noise included) has mean 0 and std 1: w <- w / sigma, b <- (b - mu) / sigma."""
        was_training = self.training
        self.train()  # NOTE: the noise layers on, as in the released code's initialisation pass
        h = x
        for module in list(self.body) + list(self.out):
            if isinstance(module, nn.Linear):
                y = module(h)
                mu, sigma = y.mean(0), y.std(0).clamp_min(1e-6)
                if parametrize.is_parametrized(module, "weight"):  # weight norm: w = g v / ||v||, scale g
                    module.parametrizations.weight.original0.div_(sigma[:, None])
                else:
                    module.weight.div_(sigma[:, None])
                module.bias.sub_(mu).div_(sigma)
                h = module(h)
            else:
                h = module(h)
        self.train(was_training)

    def use_generator(self, generator: torch.Generator) -> None:
        """Draw every noise layer's noise from `generator`."""
        for module in self.modules():
            if isinstance(module, GaussianNoise):
                module.generator = generator

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(x))

    def logits_and_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.features(x)
        return self.out(f), f


class MlpGenerator(nn.Module):
    """z (N, z_dim) -> images (N, C, H, W) in [-1, 1]."""

    def __init__(self, z_dim: int, image_shape: tuple[int, ...], width: int = 500):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.net = nn.Sequential(
            nn.Linear(z_dim, width, bias=False), nn.BatchNorm1d(width), nn.Softplus(),
            nn.Linear(width, width, bias=False), nn.BatchNorm1d(width), nn.Softplus(),
            nn.Linear(width, math.prod(image_shape)), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(len(z), *self.image_shape)  # (N, C*H*W) -> (N, C, H, W)
