"""The classifier family's network: `ResidualCNN`, a small ResNet for any image size with stochastic depth and an
optional auxiliary head.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import stochastic_depth


class ResidualBlock(nn.Module):
    r"""A residual block (He et al. 2016, arXiv:1512.03385, Eq. 1-2), with stochastic depth on its branch.

    $$y = \mathrm{ReLU}(b \cdot F(x) + W_s x),\qquad F(x) = \mathrm{BN}(W_2\,\mathrm{ReLU}(\mathrm{BN}(W_1 x)))$$

    $W_1, W_2$ are 3x3 convolutions (`stride` on $W_1$); the shortcut $W_s$ is the identity, or a 1x1 convolution
    with batch norm (option B of the paper) when the stride or the channel count changes. $b$ is stochastic depth
    (Huang et al. 2016, arXiv:1603.09382, Eq. 2): in training, a Bernoulli(1 - `drop_path`) draw per example
    (`torchvision.ops.stochastic_depth`, mode "row"), so a whole sample skips the branch.
    NOTE: the paper keeps the branch as is in training and scales it by the survival probability at test time;
    torchvision divides by the survival probability in training instead (the same expectation), so the test-time
    network is the plain one.
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1, drop_path: float = 0.0):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
        self.drop_path = drop_path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        branch = stochastic_depth(branch, self.drop_path, "row", self.training)
        return F.relu(branch + self.shortcut(x))


class ResidualCNN(nn.Module):
    r"""A small ResNet for any image size (8x8 digits to 32x32 photos), after the CIFAR ResNets of He et al. 2016
    (arXiv:1512.03385, Sec. 4.2): a 3x3 stem, three stages of `blocks` residual blocks with `width`, 2 `width` and
    4 `width` channels (stages 2 and 3 halve the resolution), global average pooling, dropout, a linear head.

    Stochastic depth (Huang et al. 2016, arXiv:1603.09382, Eq. 4, the linear decay rule): block l of L drops its
    branch with probability (l / L) * `drop_path`, so the last block drops with `drop_path`.
    `aux_head`: a small auxiliary classifier (global average pooling + linear) on the first stage's output, whose
    loss the trainer adds with a weight: the deep supervision of Lee et al. 2015 (arXiv:1409.5185) and the auxiliary
    classifiers of Szegedy et al. 2015 (arXiv:1409.4842). NOTE: GoogLeNet's auxiliary heads also hold a convolution
    and a hidden layer; here one linear layer keeps the head small against the network.

    `features(x)` is the pooled vector, `forward(x)` the logits, `forward_with_aux(x)` (logits, auxiliary logits or
    None).
    """

    def __init__(self, in_channels: int, num_classes: int, width: int = 16, blocks: int = 1, dropout: float = 0.0,
                 drop_path: float = 0.0, aux_head: bool = False):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width),
                                  nn.ReLU())
        total, index, stages, c_in = 3 * blocks, 0, [], width
        for stage, c_out in enumerate((width, 2 * width, 4 * width)):
            layers = []
            for b in range(blocks):
                index += 1
                stride = 2 if stage > 0 and b == 0 else 1
                layers.append(ResidualBlock(c_in, c_out, stride, drop_path * index / total))
                c_in = c_out
            stages.append(nn.Sequential(*layers))
        self.stage1, self.stage2, self.stage3 = stages
        self.feature_size = 4 * width
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(self.feature_size, num_classes)
        self.aux = nn.Linear(width, num_classes) if aux_head else None

    def _trunk(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        first = self.stage1(self.stem(x))
        return first, self.stage3(self.stage2(first)).mean((2, 3))  # (B, 4w, h, w) -> (B, 4w)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self._trunk(x)[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.features(x)))

    def forward_with_aux(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        first, pooled = self._trunk(x)
        aux = self.aux(first.mean((2, 3))) if self.aux is not None else None  # (B, w, H, W) -> (B, w)
        return self.head(self.drop(pooled)), aux
