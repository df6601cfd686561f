"""GAN Lab's layered picture of a 2D GAN, drawn with plotly from a trainer's preview (engine/families/gan/views2d.py)."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import plotly.graph_objects as go

LAYERS = {
    "real": "Real samples",
    "fake": "Fake samples",
    "density": "True density",
    "field": "Discriminator",
    "manifold": "Generator manifold",
    "arrows": "Gradients on fakes",
}
DEFAULT_LAYERS = ["real", "fake", "field", "manifold"]
REAL, FAKE = "#2f6db5", "#e6701a"


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[list, list]:
    xs, ys = [], []
    for (x0, y0), (x1, y1) in zip(starts, ends):
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return xs, ys


def _grid_lines(manifold: np.ndarray) -> tuple[list, list]:
    xs, ys = [], []
    for lines in (manifold, manifold.transpose(1, 0, 2)):  # (K, K, 2): rows, then columns
        for line in lines:
            xs += list(line[:, 0]) + [None]
            ys += list(line[:, 1]) + [None]
    return xs, ys


def gan2d_figure(preview: Mapping, bounds, layers: list[str], height: int = 560) -> go.Figure:
    fig = go.Figure()
    (x0, x1), (y0, y1) = bounds
    if "field" in layers and "d_field" in preview:
        prob = preview["d_field_kind"] == "probability"
        fig.add_trace(go.Heatmap(
            x=preview["grid_x"], y=preview["grid_y"], z=preview["d_field"], colorscale="RdBu", opacity=0.55,
            zmid=0.5 if prob else 0.0, zmin=0 if prob else None, zmax=1 if prob else None, showscale=True,
            colorbar=dict(title="D(x)" if prob else "D score", len=0.6), hoverinfo="skip", name="Discriminator"))
    if "density" in layers and "density" in preview:
        fig.add_trace(go.Contour(
            x=preview["grid_x"], y=preview["grid_y"], z=preview["density"], showscale=False, ncontours=6,
            contours=dict(coloring="lines"), line=dict(width=1), colorscale=[[0, "#2ca02c"], [1, "#2ca02c"]],
            hoverinfo="skip", name="True density"))
    if "manifold" in layers and "manifold" in preview:
        xs, ys = _grid_lines(preview["manifold"])
        fig.add_trace(go.Scattergl(x=xs, y=ys, mode="lines", line=dict(color="rgba(120,60,160,0.45)", width=1),
                                   name="Generator manifold", hoverinfo="skip"))
    if "real" in layers and "real" in preview:
        r = preview["real"]
        fig.add_trace(go.Scattergl(x=r[:, 0], y=r[:, 1], mode="markers", name="Real",
                                   marker=dict(size=4, color=REAL, opacity=0.6)))
    if "fake" in layers and "fake" in preview:
        f = preview["fake"]
        fig.add_trace(go.Scattergl(x=f[:, 0], y=f[:, 1], mode="markers", name="Fake",
                                   marker=dict(size=4, color=FAKE, opacity=0.75)))
    if "arrows" in layers and "arrows_from" in preview:
        start, direction = preview["arrows_from"], preview["arrows_dir"]
        norm = np.linalg.norm(direction, axis=1, keepdims=True)
        scale = 0.06 * (x1 - x0) / max(float(norm.max()), 1e-12)
        xs, ys = _segments(start, start + direction * scale)
        fig.add_trace(go.Scattergl(x=xs, y=ys, mode="lines", line=dict(color="#444", width=1),
                                   name="Generator gradient", hoverinfo="skip"))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), uirevision="gan2d",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0), plot_bgcolor="white")
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
    return fig
