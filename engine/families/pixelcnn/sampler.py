r"""Raster-scan sampling from a PixelCNN, written once for every variant, output and use (pytorch-generative's habit):
sampling from scratch, image completion (only the pixels of a region are drawn; the others stay as given), and
watching it happen (`raster_scan` yields after every value it draws).

    p(x) = prod_i p(x_i | x_<i)   (van den Oord et al. 2016, eq. 1; colours R, G, B in order within a pixel)

Two exact samplers compute p(x_i | x_<i):
- `naive`: one full forward pass of the network per value drawn (what libraries do);
- `cached`: the model's `params_at`, which computes only the new position and keeps every layer's activations for
  later ones (Ramachandran et al. 2017, arXiv:1704.06001).
Both draw each value by inverse CDF from one uniform number of the same stream, in the same order. They sample from
a float64 copy of the network (`SAMPLING_DTYPE`): the two paths add the same numbers in different orders, and in
float32 their parameters differ by about 1e-7, enough for a draw that lands that close to a CDF boundary to flip
(seen once in 12,544 values of a trained gated model on MNIST). In float64 they differ by about 1e-16, so the images
are the same (tests/unit/test_pixelcnn.py checks it on trained networks).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Iterator

import torch

from engine.families.pixelcnn.likelihoods import check_temperature, probabilities, to_input

SAMPLERS = ("naive", "cached")
SAMPLING_DTYPE = torch.float64  # the precision both samplers compute in (see the module's docstring)


def sampling_copy(model: torch.nn.Module) -> torch.nn.Module:
    """A float64 copy of the network in evaluation mode, for the samplers (the model itself is left as it is)."""
    return copy.deepcopy(model).to(SAMPLING_DTYPE).eval()


@dataclass(frozen=True)
class PixelDrawn:
    """One value just drawn: colour `c` of pixel (`i`, `j`) for every image of the batch."""

    i: int
    j: int
    c: int
    params: torch.Tensor  # (N, P) what the network predicted
    probs: torch.Tensor  # (N, levels) the (tempered) distribution the value was drawn from
    values: torch.Tensor  # (N, C, H, W) integer values so far (the live canvas: read, don't keep)
    drawn: int  # how many values drawn so far, this one included
    total: int  # how many will be drawn


def class_labels(n: int, num_classes: int, label: int | None = None) -> torch.Tensor | None:
    """The classes of n conditional samples: all `label`, or 0, 1, ..., K-1, 0, ...; None for an unconditional
    model (num_classes 0)."""
    if not num_classes:
        return None
    return torch.full((n,), label, dtype=torch.long) if label is not None else torch.arange(n) % num_classes


def draw(probs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF draw: the smallest v with P(X <= v) >= u, for u ~ U(0, 1); (N, V), (N,) -> (N,). u is scaled by
    the float total, so a rounding shortfall of the sum below 1 can never select a value of probability 0."""
    cdf = probs.cumsum(dim=1)
    return (cdf < u[:, None] * cdf[:, -1:]).sum(dim=1).clamp(max=probs.shape[1] - 1)


def check_region(region: torch.Tensor, known: torch.Tensor | None) -> None:
    """A completion needs something to complete and something to condition on."""
    if not bool(region.any()):
        raise ValueError("the region to complete is empty: choose at least one pixel to fill in")
    if known is not None and bool(region.all()):
        raise ValueError("the region to complete covers the whole image, so nothing of the image is left to "
                         "condition on: choose a smaller region (or sample a new image from scratch)")


@torch.no_grad()
def raster_scan(model, output: str, shape: tuple[int, int, int], n: int, *, sampler: str = "cached",
                temperature: float = 1.0, generator: torch.Generator | None = None,
                labels: torch.Tensor | None = None, known: torch.Tensor | None = None,
                region: torch.Tensor | None = None) -> Iterator[PixelDrawn]:
    """Draw the pixels of `region` (bool (H, W), True = draw; default everything) in raster order, the others taken
    from `known` (integer values (n, C, H, W)). Yields a `PixelDrawn` after every value."""
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler '{sampler}': expected one of {', '.join(SAMPLERS)}")
    check_temperature(temperature)  # before any pass of the network
    colours, height, width = shape
    device = next(model.parameters()).device
    region = torch.ones(height, width, dtype=torch.bool) if region is None else region.bool().cpu()
    check_region(region, known)
    generator = generator or torch.Generator().manual_seed(0)
    values = torch.zeros(n, colours, height, width, dtype=torch.long, device=device)
    if known is not None:
        values.copy_(known.to(device))
    model = sampling_copy(model)
    canvas = to_input(values, output).to(SAMPLING_DTYPE)
    cache = model.start_cache(n, height, width, labels) if sampler == "cached" else None
    total, drawn = int(region.sum()) * colours, 0
    for i in range(height):
        for j in range(width):
            wanted = bool(region[i, j])
            if not wanted:
                if cache is not None:  # later positions need this one's activations
                    model.params_at(cache, canvas, i, j)
                continue
            for c in range(colours):
                params = (model.params_at(cache, canvas, i, j) if cache is not None
                          else model(canvas, labels)[:, :, :, i, j])[:, c]  # (N, P)
                probs = probabilities(params, output, temperature)
                u = torch.rand(n, generator=generator).to(device, SAMPLING_DTYPE)  # float32 draws, held exactly
                values[:, c, i, j] = draw(probs, u)
                canvas[:, c, i, j] = to_input(values[:, c, i, j], output).to(SAMPLING_DTYPE)
                drawn += 1
                yield PixelDrawn(i, j, c, params, probs, values, drawn, total)


def sample(model, output: str, shape: tuple[int, int, int], n: int, **kwargs) -> torch.Tensor:
    """Integer values (n, C, H, W) drawn by `raster_scan` (same arguments), run to the end."""
    values = None
    for event in raster_scan(model, output, shape, n, **kwargs):
        values = event.values
    return values.clone()


def lower_half(height: int, width: int) -> torch.Tensor:
    """The default completion region: the rows of the lower half."""
    region = torch.zeros(height, width, dtype=torch.bool)
    region[height // 2:] = True
    return region


class SamplingMovie:
    """A raster scan advanced a few values at a time, for watching (the page's sampling panel): keeps the last
    `PixelDrawn` and up to `frames` snapshots of the canvas, evenly spaced, for a GIF."""

    def __init__(self, model, output: str, shape: tuple[int, int, int], n: int, *, frames: int = 48, **kwargs):
        self.output, self.shape, self.n = output, shape, n
        self._scan = raster_scan(model, output, shape, n, **kwargs)
        self.last: PixelDrawn | None = None
        self.done = False
        self.frames: list[tuple[int, torch.Tensor]] = []  # (values drawn, canvas values) pairs
        self._frames = frames

    def advance_to(self, drawn: int) -> PixelDrawn | None:
        """Draw until `drawn` values are drawn (idempotent: asking twice for the same count draws once)."""
        have = 0 if self.last is None else self.last.drawn
        return self.advance(drawn - have) if drawn > have else self.last

    def advance(self, count: int = 1) -> PixelDrawn | None:
        """Draw up to `count` more values; returns the last one drawn (None when finished before)."""
        for _ in range(max(1, count)):
            event = next(self._scan, None)
            if event is None:
                self.done = True
                break
            self.last = event
            if event.drawn % max(1, event.total // self._frames) == 0 or event.drawn == event.total:
                self.frames.append((event.drawn, event.values.detach().cpu().clone()))
            if event.drawn == event.total:
                self.done = True
                break
        return self.last

    def values(self) -> torch.Tensor:
        """The canvas now: integer values (n, C, H, W), zeros where nothing was drawn yet."""
        if self.last is None:
            return torch.zeros(self.n, *self.shape, dtype=torch.long)
        return self.last.values.detach().cpu().clone()
