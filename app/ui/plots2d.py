"""GAN Lab's layered picture of a 2D GAN, drawn with plotly from a trainer's preview
(engine/families/gan/pictures2d.py)."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import plotly.colors
import plotly.graph_objects as go

from app.ui import charts

# plotly.py's RdBu (red low, blue high), spelled out: the figure is sent unchecked (charts.figure), and plotly.js's
# own "RdBu" is another scale, blue low.
FIELD_SCALE = plotly.colors.get_colorscale("RdBu")
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


def segments(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line segments start -> end as one polyline broken by NaN (plotly draws no line across a gap)."""
    gap = np.full(len(starts), np.nan)
    xs = np.stack([starts[:, 0], ends[:, 0], gap], axis=1).ravel()
    ys = np.stack([starts[:, 1], ends[:, 1], gap], axis=1).ravel()
    return xs, ys


def _grid_lines(manifold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The generator's image of a K x K grid of z, (K, K, 2): its rows, then its columns, NaN between lines."""
    lines = np.concatenate([manifold, manifold.transpose(1, 0, 2)])  # (2K, K, 2)
    broken = np.concatenate([lines, np.full((len(lines), 1, 2), np.nan)], axis=1).reshape(-1, 2)
    return broken[:, 0], broken[:, 1]


def gan2d_figure(preview: Mapping, bounds, layers: list[str], height: int = 560) -> go.Figure:
    """The chosen layers of a 2D GAN's preview, built from plain dicts in one go (a live page redraws it up to twice
    a second; `add_trace` / `update_layout` cost several times as much)."""
    traces = []
    (x0, x1), (y0, y1) = bounds
    if "field" in layers and "d_field" in preview:
        prob = preview["d_field_kind"] == "probability"
        traces.append(dict(
            type="heatmap", x=preview["grid_x"], y=preview["grid_y"], z=preview["d_field"], colorscale=FIELD_SCALE,
            opacity=0.55, zmid=0.5 if prob else 0.0, showscale=True, hoverinfo="skip", name="Discriminator",
            colorbar=dict(title=dict(text="D(x)" if prob else "D score"), len=0.6),
            **(dict(zmin=0, zmax=1) if prob else {})))
    if "density" in layers and "density" in preview:
        traces.append(dict(
            type="contour", x=preview["grid_x"], y=preview["grid_y"], z=preview["density"], showscale=False,
            ncontours=6, contours=dict(coloring="lines"), line=dict(width=1),
            colorscale=[[0, "#2ca02c"], [1, "#2ca02c"]], hoverinfo="skip", name="True density"))
    if "manifold" in layers and "manifold" in preview:
        xs, ys = _grid_lines(np.asarray(preview["manifold"]))
        traces.append(dict(type="scattergl", x=xs, y=ys, mode="lines", name="Generator manifold", hoverinfo="skip",
                           line=dict(color="rgba(120,60,160,0.45)", width=1)))
    if "real" in layers and "real" in preview:
        r = preview["real"]
        traces.append(dict(type="scattergl", x=r[:, 0], y=r[:, 1], mode="markers", name="Real",
                           marker=dict(size=4, color=REAL, opacity=0.6)))
    if "fake" in layers and "fake" in preview:
        f = preview["fake"]
        traces.append(dict(type="scattergl", x=f[:, 0], y=f[:, 1], mode="markers", name="Fake",
                           marker=dict(size=4, color=FAKE, opacity=0.75)))
    if "arrows" in layers and "arrows_from" in preview:
        start, direction = preview["arrows_from"], preview["arrows_dir"]
        norm = np.linalg.norm(direction, axis=1, keepdims=True)
        scale = 0.06 * (x1 - x0) / max(float(norm.max()), 1e-12)
        xs, ys = segments(start, start + direction * scale)
        traces.append(dict(type="scattergl", x=xs, y=ys, mode="lines", line=dict(color="#444", width=1),
                           name="Generator gradient", hoverinfo="skip"))
    layout = dict(height=height, margin=dict(l=10, r=10, t=10, b=10), uirevision="gan2d", plot_bgcolor="white",
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
                  xaxis=dict(range=[x0, x1], showgrid=False, zeroline=False),
                  yaxis=dict(range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1))
    return charts.figure(traces, layout)
