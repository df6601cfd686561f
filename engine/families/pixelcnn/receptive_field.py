"""Which input pixels an output can see, read from gradients: the receptive field of one output position.

A PixelCNN's prediction for pixel (i, j) must depend only on earlier pixels; where the gradient
d output(i, j) / d input(k, l) is exactly zero, pixel (k, l) cannot influence it. In the plain PixelCNN some earlier
pixels are never reached however deep the stack (the blind spot, van den Oord et al. 2016b, fig. 1); the gated
PixelCNN's vertical stack reaches them all.
"""

from __future__ import annotations

import numpy as np
import torch


def receptive_field(model, shape: tuple[int, int, int], i: int, j: int, c: int = 0, inputs: int = 4,
                    seed: int = 0) -> np.ndarray:
    """|d (w . params(i, j, c)) / d x| summed over `inputs` random images and the input's colours, for a random
    +-1 vector w over the P output parameters (one backward pass instead of P; a random w cannot make the
    parameters' gradients cancel): a float (H, W) map, exactly 0 where a pixel cannot influence the output."""
    colours, height, width = shape
    if not (0 <= i < height and 0 <= j < width and 0 <= c < colours):
        raise ValueError(f"pixel ({i}, {j}) colour {c} is outside a {height}x{width}x{colours} image")
    x = (torch.rand(inputs, colours, height, width, generator=torch.Generator().manual_seed(seed)) * 2 - 1)
    x = x.to(next(model.parameters()).device).requires_grad_(True)
    was_training = model.training
    model.eval()
    try:
        out = model(x)[:, c, :, i, j]  # (inputs, P)
        signs = torch.randint(0, 2, out.shape, generator=torch.Generator().manual_seed(seed + 1)) * 2.0 - 1
        (grad,) = torch.autograd.grad((out * signs.to(out.device)).sum(), x)
    finally:
        model.train(was_training)
    return grad.abs().sum(dim=(0, 1)).detach().cpu().numpy()  # (H, W)
