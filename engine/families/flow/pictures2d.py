"""What the 2D flow page draws, computed from fixed inputs (the same points, grid and z every time, so two previews
differ only because the flow changed):

- the learned density log p(x) on a grid over the data's bounds, beside the true one;
- the layer view: the data and a grid of lines pushed forward through every layer (x -> z), samples pulled back
  (z -> x), so that at layer l all three live in the same space h_l, and each layer's mean log|det J| on the data;
- the bridge profile: log p along a path through the mode centres, where coupling flows leave density between
  separated modes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engine.metrics.modes2d import mode_metrics
from engine.pictures.points2d import field_grid, true_density

GRID_LINES = 11  # lines of the data-space grid in each direction
LINE_POINTS = 80  # points along each grid line
FIELD_RES = 80  # the density maps are FIELD_RES x FIELD_RES
SEGMENT_POINTS = 41  # points along each segment of the bridge profile



def grid_lines(bounds) -> np.ndarray:
    """(2 * GRID_LINES, LINE_POINTS, 2): horizontal lines (y fixed) from the bottom up, then vertical lines (x fixed)
    from left to right, over the data's bounds."""
    (x0, x1), (y0, y1) = bounds
    t = np.linspace(0.0, 1.0, LINE_POINTS, dtype=np.float32)
    levels = np.linspace(0.0, 1.0, GRID_LINES, dtype=np.float32)
    along_x, along_y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    horizontal = np.stack([np.broadcast_to(along_x, (GRID_LINES, LINE_POINTS)),
                           np.broadcast_to((y0 + levels * (y1 - y0))[:, None], (GRID_LINES, LINE_POINTS))], -1)
    vertical = np.stack([np.broadcast_to((x0 + levels * (x1 - x0))[:, None], (GRID_LINES, LINE_POINTS)),
                         np.broadcast_to(along_y, (GRID_LINES, LINE_POINTS))], -1)
    return np.concatenate([horizontal, vertical]).astype(np.float32)


def layer_names(transform) -> list[str]:
    """'3 · affine coupling (moves y)': each layer's label, with what it does to the two coordinates."""
    names = []
    for i, layer in enumerate(transform.layers, 1):
        name = layer.label
        if hasattr(layer, "mask"):  # a coupling: the coordinate with mask 0 changes
            name += " (moves y)" if float(layer.mask[0]) == 1 else " (moves x)"
        elif name == "reverse":
            name += " (swaps x and y)"
        elif name == "1x1 convolution":
            name = "2x2 matrix (Glow's 1x1 convolution)"
        names.append(f"{i} · {name}")
    return names


def _ranges(*clouds: np.ndarray) -> np.ndarray:
    """(2, 2) square axis ranges holding the 1st to 99th percentiles of the clouds, with a margin."""
    pts = np.concatenate([c.reshape(-1, 2) for c in clouds])
    pts = pts[np.isfinite(pts).all(1)]
    lo, hi = np.percentile(pts, 1, axis=0), np.percentile(pts, 99, axis=0)
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2 * 1.25, 1e-3)
    return np.stack([centre - half, centre + half], 1).astype(np.float32)


def flow_views(trainer) -> dict[str, Any]:
    flow, data, dev = trainer.flow, trainer.data, trainer.device
    xs, ys, field = field_grid(data.bounds, FIELD_RES)
    lines = grid_lines(data.bounds)
    with torch.no_grad():
        data_states, log_dets = flow.transform.trace(trainer.view_x)  # L + 1 states of (N, 2), L of (N,)
        grid_states, _ = flow.transform.trace(torch.as_tensor(lines.reshape(-1, 2), device=dev))
        sample_states = flow.transform.trace_inverse(trainer.view_z * trainer.config.temperature)
        log_density = trainer.log_prob(torch.as_tensor(field)).reshape(FIELD_RES, FIELD_RES)
        samples = trainer.decode(trainer.eval_z).cpu().numpy()  # T = 1, for the metrics
    trace_data = np.stack([s.cpu().numpy() for s in data_states])  # (L + 1, N, 2)
    trace_samples = np.stack([s.cpu().numpy() for s in sample_states])
    trace_grid = np.stack([s.cpu().numpy().reshape(lines.shape) for s in grid_states])  # (L + 1, lines, points, 2)
    real = trace_data[0]
    nearest = ((real[:, None, :] - data.centres[None]) ** 2).sum(-1).argmin(1)
    return {
        "step": trainer.step_count,
        "real": real,
        "fake": trace_samples[0],
        "grid_x": xs,
        "grid_y": ys,
        "log_density": log_density.cpu().numpy(),
        "true_density": true_density(data, FIELD_RES),
        "layer_names": layer_names(flow.transform),
        "layer_log_det": np.array([float(ld.mean()) for ld in log_dets], np.float32),
        "trace_data": trace_data,
        "trace_samples": trace_samples,
        "trace_grid": trace_grid,
        "trace_ranges": np.stack([_ranges(d, s) for d, s in zip(trace_data, trace_samples)]),  # (L + 1, 2, 2)
        "data_modes": nearest,
        "metrics": mode_metrics(samples, data.centres, data.std, data.weights),
    }


def centre_tour(centres: np.ndarray) -> np.ndarray:
    """The mode centres in the order of a nearest-neighbour walk from the first one (around ring8's ring, along
    grid25's rows)."""
    left, order = list(range(1, len(centres))), [0]
    while left:
        d2 = ((centres[left] - centres[order[-1]]) ** 2).sum(1)
        order.append(left.pop(int(d2.argmin())))
    return centres[order]


def bridge_profile(trainer) -> dict[str, Any]:
    """log p along straight segments between consecutive centres of `centre_tour`, learned and true: where the true
    density falls to nothing between two modes, a coupling flow often keeps a bridge. Also each segment's dip: the
    log-density at its middle minus the mean at its two ends (very negative = separated modes)."""
    stops = centre_tour(np.asarray(trainer.data.centres, np.float32))
    t = np.linspace(0.0, 1.0, SEGMENT_POINTS, dtype=np.float32)[:, None]
    path = np.concatenate([a + t * (b - a) for a, b in zip(stops[:-1], stops[1:])])  # (S * P, 2)
    steps = np.r_[0.0, np.linalg.norm(np.diff(path, axis=0), axis=1)]
    learned = trainer.log_prob(torch.as_tensor(path)).cpu().numpy()
    true = np.log(np.maximum(trainer.data.density(path).astype(np.float64), 1e-300))  # 0 far from the modes
    ends = np.arange(0, len(path), SEGMENT_POINTS)

    def dips(values: np.ndarray) -> np.ndarray:
        first, last, middle = ends, ends + SEGMENT_POINTS - 1, ends + SEGMENT_POINTS // 2
        return values[middle] - (values[first] + values[last]) / 2

    return {"distance": np.cumsum(steps), "learned": learned, "true": true, "centres_at": np.cumsum(steps)[
        np.r_[ends, len(path) - 1]], "learned_dip": float(np.median(dips(learned))),
        "true_dip": float(np.median(dips(true)))}
