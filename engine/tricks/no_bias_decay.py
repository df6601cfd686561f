r"""No bias decay (He et al. 2019, "Bag of Tricks for Image Classification", arXiv:1812.01187, Sec. 3.1).

Weight decay, $\lambda \lVert w \rVert^2 / 2$ added to the loss, is applied to the convolution and linear weights
only; batch norm's $\gamma$ and $\beta$ and every bias get no decay (the paper: "only applies the weight decay to the
weights in convolution and fully-connected layers").
"""

from __future__ import annotations

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def parameter_groups(model: nn.Module, weight_decay: float, no_bn_decay: bool) -> list[dict]:
    """Optimizer parameter groups: one group with `weight_decay`, or (no_bn_decay) a second group with the batch
    norm parameters and the biases at weight_decay 0. Each group carries a "name" ("decay" / "no_decay")."""
    if not no_bn_decay:
        return [{"name": "decay", "params": list(model.parameters()), "weight_decay": weight_decay}]
    decay, no_decay = [], []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            (no_decay if isinstance(module, _BatchNorm) or name == "bias" else decay).append(p)
    return [{"name": "decay", "params": decay, "weight_decay": weight_decay},
            {"name": "no_decay", "params": no_decay, "weight_decay": 0.0}]
