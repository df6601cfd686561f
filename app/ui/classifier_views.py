"""What the classifier pages draw: the learning-rate schedule, the reliability diagram with its ECE, and the
misclassified held-out images with their labels."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app.ui.image_views import crisp


def lr_figure(steps: np.ndarray, rates: np.ndarray, current: int | None = None, *, height: int = 260) -> go.Figure:
    """The learning rate over the schedule's steps, the current step marked (past the end: at the last rate)."""
    fig = go.Figure(go.Scatter(x=steps, y=rates, mode="lines", name="learning rate"))
    if current is not None and len(steps):
        at = int(np.searchsorted(steps, min(max(current, 0), steps[-1])))
        fig.add_trace(go.Scatter(x=[min(current, steps[-1])], y=[rates[at]], mode="markers",
                                 marker=dict(size=10, color="#d62728"), name=f"now (step {current:,})"))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), title="Learning-rate schedule",
                      xaxis_title="step", yaxis_title="learning rate", uirevision="lr",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    return fig


def reliability_figure(diagrams: dict[str, dict], *, height: int = 320) -> go.Figure:
    """Accuracy against confidence per bin (bars, one colour per model) over the diagonal of perfect calibration;
    each model's ECE in its legend entry. Empty bins are left out."""
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dash", color="grey"),
                               name="perfect calibration"))
    for name, rel in diagrams.items():
        edges, count = np.asarray(rel["edges"]), np.asarray(rel["count"])
        centres, used = (edges[:-1] + edges[1:]) / 2, count > 0
        fig.add_trace(go.Bar(x=centres[used], y=np.asarray(rel["accuracy"])[used], width=(edges[1] - edges[0]) * 0.9,
                             name=f"{name} (ECE {rel['ece']:.3f})", opacity=0.6,
                             customdata=np.stack([np.asarray(rel["confidence"])[used], count[used]], 1),
                             hovertemplate="confidence %{customdata[0]:.2f}<br>accuracy %{y:.2f}<br>"
                                           "%{customdata[1]} images"))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), barmode="overlay",
                      title="Reliability diagram (held-out images)", uirevision="reliability",
                      xaxis=dict(title="confidence (largest class probability)", range=[0, 1]),
                      yaxis=dict(title="accuracy", range=[0, 1]),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    return fig


def misclassified(preview: dict, class_names: list[str], *, width: int = 480) -> None:
    """The most confidently misclassified held-out images, with 'true → predicted (confidence)' for each."""
    grid, labels = preview.get("misclassified"), preview.get("misclassified_labels", [])
    if grid is None or not len(labels):
        st.caption("No held-out image is misclassified.")
        return
    st.image(crisp(grid, width), width="stretch", output_format="PNG",
             caption=f"The {len(labels)} held-out images it gets wrong most confidently, row by row")

    def name(k: int) -> str:
        return class_names[k] if k < len(class_names) else str(k)

    st.caption(" · ".join(f"{i + 1}: {name(t)} → {name(p)} ({c:.0%})" for i, (t, p, c) in enumerate(labels)))
