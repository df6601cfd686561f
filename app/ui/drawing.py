"""Draw a digit: a canvas (streamlit-drawable-canvas, bundled, works offline) whose picture is reduced to the
dataset's size the way the dataset was made (engine/data/drawing.py), shown beside what the model receives; and
what the classifiers and the judge make of it."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from streamlit_drawable_canvas import st_canvas

from app.ui.image_views import crisp
from engine.data import BadInput
from engine.data.drawing import reduce_drawing
from engine.pictures.images import to_uint8

SIDE = 280  # canvas pixels: ten per MNIST pixel


def draw(key: str, dataset: str, shape: tuple[int, int, int]) -> torch.Tensor | None:
    """A canvas to draw on (white ink on black) and, once something is drawn, the picture the model will receive:
    a (C, H, W) tensor in [-1, 1] of the dataset's shape; None while the canvas is empty."""
    left, right = st.columns([3, 2])
    with left:
        result = st_canvas(stroke_width=max(8, SIDE // 14), stroke_color="#ffffff", background_color="#000000",
                           height=SIDE, width=SIDE, drawing_mode="freedraw", return_image_data=True, key=key)
    picture = getattr(result, "image_data", None) if result is not None else None
    if picture is None or not np.asarray(picture)[..., :3].any():
        right.caption("Draw a digit on the black square (the toolbar clears it).")
        return None
    try:
        x, how = reduce_drawing(np.asarray(picture), dataset, shape)
    except BadInput as err:
        right.caption(str(err))
        return None
    right.image(crisp(to_uint8(x[None])[0].transpose(1, 2, 0), 140), width=140,
                caption=f"What the model receives: {how}")
    return x


def class_bars(probs: np.ndarray, names: list[str], title: str) -> go.Figure:
    """p(class) as bars, the top one highlighted."""
    top = int(probs.argmax())
    colours = ["#1f77b4"] * len(probs)
    colours[top] = "#e4572e"
    fig = go.Figure(go.Bar(x=names, y=probs, marker_color=colours))
    fig.update_layout(height=220, margin=dict(l=10, r=10, t=35, b=10), yaxis=dict(range=[0, 1], title="p"),
                      title=f"{title}: {names[top]} ({probs[top]:.0%})", uirevision=title)
    return fig


def what_they_see(run, key: str, predict) -> None:
    """The 'draw a digit' panel of a classifier page: the network's answer (`predict(trainer, images) -> probs`)
    and the judge's, each with its confidence."""
    trainer = run.trainers[0]
    names = trainer.data.class_names or [str(k) for k in range(trainer.data.num_classes)]
    x = draw(key, trainer.config.dataset, tuple(trainer.data.image_shape))
    if x is None:
        return
    probs = run.with_trainer(lambda t: predict(t, x[None]))[0].numpy()
    a, b = st.columns(2)
    a.plotly_chart(class_bars(probs, names, "The network says"), key=f"{key}_net")
    judge = trainer.judge(wait=False)
    if judge is None:
        b.caption("The judge (GenLab's reference classifier for this dataset) is still training.")
    else:
        b.plotly_chart(class_bars(judge.probabilities_and_features(x[None])[0][0].numpy(), names,
                                  "The judge says"), key=f"{key}_judge")
