"""What the diffusion page shows: the 2D picture (data, samples, the learned score as arrows at a chosen step, reverse
paths), the forward chain step by step, and for images the samples, the reverse process frame by frame and its GIF.
Every array comes from the trainer's preview (engine/families/diffusion/views.py); nothing here computes on a
model."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from app.ui import charts, image_views, run_controls
from app.ui.mode_tiles import mode_tiles
from app.ui.plots2d import FAKE, REAL, segments
from engine.runs import Run, Snapshot

LAYERS = {"real": "Data", "fake": "Samples", "density": "True density", "score": "Learned score",
          "paths": "Reverse paths"}
DEFAULT_LAYERS = ["real", "fake", "score", "paths"]
PATH_COLOUR = "rgba(110, 60, 160, 0.35)"


# --------------------------------------------------------------------------- 2D
def points_figure(preview: dict, bounds, layers: list[str], level: int, height: int = 560) -> go.Figure:
    """Data, samples, the density's contours, the score at step `level` of the preview's levels, reverse paths."""
    fig = go.Figure()
    (x0, x1), (y0, y1) = bounds
    if "density" in layers:
        fig.add_trace(go.Contour(x=preview["grid_x"], y=preview["grid_y"], z=preview["density"], showscale=False,
                                 ncontours=6, contours=dict(coloring="lines"), line=dict(width=1),
                                 colorscale=[[0, "#2ca02c"], [1, "#2ca02c"]], hoverinfo="skip",
                                 name="True density"))
    if "paths" in layers:
        xs, ys = [], []
        for path in preview["paths"]:  # (S+1, 2) each, from x_T to x_0
            xs += list(path[:, 0]) + [None]
            ys += list(path[:, 1]) + [None]
        fig.add_trace(go.Scattergl(x=xs, y=ys, mode="lines", line=dict(color=PATH_COLOUR, width=1),
                                   name="Reverse paths", hoverinfo="skip"))
    if "real" in layers:
        r = preview["real"]
        fig.add_trace(go.Scattergl(x=r[:, 0], y=r[:, 1], mode="markers", name="Data",
                                   marker=dict(size=4, color=REAL, opacity=0.5)))
    if "fake" in layers:
        f = preview["fake"]
        fig.add_trace(go.Scattergl(x=f[:, 0], y=f[:, 1], mode="markers", name="Samples",
                                   marker=dict(size=4, color=FAKE, opacity=0.75)))
    if "score" in layers and level > 0:
        grid, score = preview["arrow_grid"], preview["scores"][level - 1]
        norm = np.linalg.norm(score, axis=1, keepdims=True)
        cell = 0.8 * (x1 - x0) / np.sqrt(len(grid))  # the longest arrow: about one grid cell
        # lengths grow as the square root of |score|: near a mode the score is hundreds of times larger than far away
        length = cell * np.sqrt(norm / max(float(norm.max()), 1e-12))
        xs, ys = segments(grid, grid + score / np.maximum(norm, 1e-12) * length)
        fig.add_trace(go.Scattergl(x=xs, y=ys, mode="lines", line=dict(color="#333", width=1),
                                   name=f"Score at t = {int(preview['levels'][level])} (length ∝ √|score|)",
                                   hoverinfo="skip"))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), uirevision="diffusion2d",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0), plot_bgcolor="white")
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
    return fig


def forward_figure(preview: dict, bounds) -> go.Figure:
    """The same data points after t steps of the forward chain, one panel per shown step."""
    steps = preview["levels"]
    fig = make_subplots(1, len(steps), subplot_titles=[f"t = {int(t)}" for t in steps], horizontal_spacing=0.02)
    (x0, x1), (y0, y1) = bounds
    reach = max(x1 - x0, y1 - y0) / 2 + 1.5  # noise spreads past the data's bounds
    for k, points in enumerate(preview["forward"]):
        fig.add_trace(go.Scattergl(x=points[:, 0], y=points[:, 1], mode="markers", showlegend=False,
                                   marker=dict(size=3, color=REAL, opacity=0.5), hoverinfo="skip"), 1, k + 1)
        fig.update_xaxes(range=[-reach, reach], visible=False, row=1, col=k + 1)
        fig.update_yaxes(range=[-reach, reach], visible=False, scaleanchor=f"x{k + 1 if k else ''}", row=1,
                         col=k + 1)
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), plot_bgcolor="white",
                      uirevision="diffusion-forward")
    return fig


def render_points(snap: Snapshot, bounds, layers: list[str], level: int) -> None:
    run_controls.status_line(snap)
    preview, history = snap.preview, snap.history()
    plot, side = st.columns([3, 2])
    with plot:
        st.plotly_chart(points_figure(preview, bounds, layers, level), key="diff_plot")
    with side:
        m = preview["metrics"]
        mode_tiles(m)
        st.caption(f"Samples of the moving average at step {preview['step']:,}, through "
                   f"{len(preview['path_steps']) - 1:,} reverse steps. Mode KL(q‖p) = {m['mode_kl']:.3f} nats.")
        st.plotly_chart(charts.curves(history, ["loss", "denoising_loss"], title="L_simple: training batch, "
                                      "held-out"), key="diff_loss")
        _prior_note(history)


def _prior_note(history) -> None:
    if "prior_kl" in history and history["prior_kl"].notna().any():
        kl = float(history["prior_kl"].dropna().iloc[-1])
        text = (f"x_T against N(0, I): L_T = {kl:.3g} nats per example"
                + (" — far from pure noise: sampling starts from N(0, I), where the network never trained at t = T."
                   if kl > 0.1 else " (pure noise, as sampling assumes)."))
        (st.warning if kl > 0.1 else st.caption)(text)


def forward_panel(run: Run) -> None:
    preview = run.snapshot().preview
    if "forward" not in preview:
        return
    if run.trainers[0].data_kind == "points":  # a class attribute: safe to read while training
        st.plotly_chart(forward_figure(preview, run.trainers[0].data.bounds), key="diff_forward")
        what = "the same data points"
    else:
        st.image(image_views.crisp(preview["forward"], 720), width="stretch")
        what = "held-out images (one per row)"
    steps = ", ".join(str(int(t)) for t in preview["levels"])
    st.caption(f"Noise added one step at a time, x_t = sqrt(1 − β_t) x_(t−1) + sqrt(β_t) ε, to {what}, shown at t = "
               f"{steps}: the data dissolves into N(0, I). The network learns to undo one step at any t.")


# --------------------------------------------------------------------------- images
def render_images(snap: Snapshot, num_classes: int, class_names: list[str]) -> None:
    run_controls.status_line(snap)
    preview, history = snap.preview, snap.history()
    steps = [int(s) for s in preview["reverse_steps"]]
    left, right = st.columns(2)
    left.image(image_views.crisp(preview["samples"], 480), width="stretch", output_format="PNG",
               caption=f"64 samples of the moving average at step {preview['step']:,} (the same x_T and noise every "
                       "time)")
    with right:
        st.image(image_views.crisp(preview["reverse"], 480), width="stretch", output_format="PNG",
                 caption=f"The reverse process of 8 of them, x_t at t = {', '.join(map(str, steps))}")
        st.image(image_views.crisp(preview["reverse_guesses"], 480), width="stretch", output_format="PNG",
                 caption="The network's guess of x_0 after each of those steps")
    a, b = st.columns(2)
    with a:
        st.plotly_chart(charts.curves(history, ["loss", "denoising_loss"], title="L_simple: training batch, "
                                      "held-out"), key="diff_img_loss")
        _prior_note(history)
    with b:
        image_views.judge_metrics(history, num_classes, class_names)


def movie_panel(run: Run) -> None:
    preview = run.snapshot().preview
    frames = preview["reverse_frames"]  # (F, C, H, W): 8 images side by side per frame
    steps = [int(s) for s in preview["reverse_steps"]]
    st.image(image_views.gif_bytes(frames, max(1, 480 // frames.shape[-1]), ms=300, bounce=False), width="stretch",
             caption=f"Noise to images at step {preview['step']:,}: t = {steps[0]} → 0")
    st.download_button("Reverse process (GIF)", lambda: image_views.gif_bytes(frames, 4, ms=300, bounce=False),
                       f"{run.run_id}-reverse.gif", "image/gif", icon=":material/download:", key="diff_gif")
