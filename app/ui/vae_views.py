"""What the autoencoder page shows: KL per dimension, the latent map, interpolation between chosen images, the
4-corner grid, one slider per latent dimension, and the autoencoder-vs-VAE lesson. Every decode goes through the
trainer's `encode` / `decode` between training steps (`Run.with_trainer`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from app.ui import drawing
from app.ui.image_views import crisp, gif_bytes, strip
from engine.data import BadInput
from engine.data.folder import image_from_bytes
from engine.families.vae import pictures
from engine.latent import MODES
from engine.pictures.images import grid_uint8, to_uint8
from engine.runs import Run

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "pretrained"
PRETRAINED = {"vae": ASSETS / "vae-digits", "ae": ASSETS / "ae-digits"}


def kl_bars(kl: np.ndarray) -> go.Figure:
    fig = go.Figure(go.Bar(x=[f"z{i}" for i in range(len(kl))], y=kl, marker_color="#6a4c93"))
    fig.update_layout(height=220, margin=dict(l=10, r=10, t=30, b=10), title="KL per latent dimension (nats)",
                      uirevision="kl", yaxis=dict(rangemode="tozero"))
    fig.add_hline(y=0.01, line_dash="dot", line_color="grey")
    return fig


def _map_figure(found: dict, trainer) -> go.Figure:
    """The encoded held-out images by class (and a drawn digit, as a star, when there is one)."""
    points, explained, dims = found["points"], found["explained"], found["dims"]
    labels = trainer.data.heldout_labels
    fig = go.Figure()
    names = trainer.data.class_names or [str(i) for i in range(trainer.data.num_classes)]
    if labels is not None and len(names):
        labels = labels[: len(points)].numpy()
        for c, name in enumerate(names):
            keep = labels == c
            fig.add_trace(go.Scattergl(x=points[keep, 0], y=points[keep, 1], mode="markers", name=name,
                                       marker=dict(size=5, opacity=0.7)))
    else:
        fig.add_trace(go.Scattergl(x=points[:, 0], y=points[:, 1], mode="markers", marker=dict(size=5)))
    if "extra_points" in found:
        drawn = found["extra_points"]
        fig.add_trace(go.Scatter(x=drawn[:, 0], y=drawn[:, 1], mode="markers", name="your drawing",
                                 marker=dict(symbol="star", size=18, color="black", line=dict(color="white",
                                                                                              width=1))))
    axes = ("z1", "z2") if dims == 2 else tuple(f"PC{i + 1} ({e:.0%} of the variance)"
                                                for i, e in enumerate(explained))
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=30, b=10), xaxis_title=axes[0], yaxis_title=axes[1],
                      title="Encoded held-out images" + ("" if dims == 2 else " (PCA of the codes)"))
    return fig


def latent_map(run: Run) -> None:
    """latent_dim 2: the decoded manifold beside the encoded held-out images; more: a PCA map of the codes."""
    found = run.with_trainer(pictures.code_map)
    fig = _map_figure(found, run.trainers[0])
    if found["manifold"] is not None:
        left, right = st.columns(2)
        left.image(crisp(found["manifold"], 420), caption="Decoded manifold: z1 from -3 to 3 left to right, z2 "
                   "from 3 (top) to -3", width="stretch")
        right.plotly_chart(fig, key="vae_scatter")
    else:
        st.plotly_chart(fig, key="vae_scatter")


def drawn_digit(run: Run) -> None:
    """Draw a digit: what the model receives, its reconstruction, and where its code falls among the held-out
    images' (interpolating from it is in the interpolation panel: choose "draw")."""
    trainer = run.trainers[0]
    x = drawing.draw("vae_canvas", trainer.config.dataset, tuple(trainer.data.image_shape))
    if x is None:
        return
    found = run.with_trainer(lambda t: pictures.code_map(t, x[None]))
    a, b = st.columns([1, 2])
    a.image(crisp(found["extra_reconstructions"][0].transpose(1, 2, 0), 140), width=140,
            caption="Its reconstruction (decode(encode(x)))")
    b.plotly_chart(_map_figure(found, trainer), key="vae_drawn_map")


def _upload(key: str, shape) -> torch.Tensor | None:
    file = st.file_uploader("Picture", type=["png", "jpg", "jpeg", "bmp", "gif", "webp"], key=key,
                            help="Any size or colour: it is cropped to a square, resized and converted to the "
                                 "dataset's shape (the page says what it changed).")
    if file is None:
        return None
    try:
        x, note = image_from_bytes(file.getvalue(), shape, name=file.name)
    except BadInput as err:
        st.error(str(err), icon=":material/error:")
        return None
    if note:
        st.info(note, icon=":material/info:")
    return x


def _pick(label: str, default: int, key: str, count: int, shape, dataset: str) -> torch.Tensor | int:
    source = st.radio(label, ("held-out", "upload", "draw"), horizontal=True, key=f"{key}_source",
                      help="A held-out image by its index, your own picture, or one you draw on the pad.")
    if source == "upload":
        picture = _upload(f"{key}_file", shape)
    elif source == "draw":
        picture = drawing.draw(f"{key}_pad", dataset, shape)
    else:
        picture = None
    if picture is not None:
        st.image(crisp(to_uint8(picture[None])[0].transpose(1, 2, 0), 96), width=96)
        return picture
    return int(st.number_input("Index", 0, count - 1, default, key=key, help="Index of a held-out image."))


def interpolation(run: Run) -> None:
    trainer = run.trainers[0]
    count, shape = len(trainer.heldout_x), tuple(trainer.heldout_x.shape[1:])
    a, b, c = st.columns([2, 2, 3])
    with a:
        first = _pick("Start image", 0, "vae_ia", count, shape, trainer.config.dataset)
    labels = trainer.data.heldout_labels
    other = int((labels != labels[0]).nonzero()[0]) if labels is not None and (labels != labels[0]).any() else 1
    with b:
        last = _pick("End image", other, "vae_ib", count, shape, trainer.config.dataset)  # another class by default
    with c:
        steps = st.slider("Steps", 2, 16, 10, key="vae_steps", bind="query-params")
        mode = st.radio("Path", MODES, key="vae_mode", bind="query-params", horizontal=True,
                        help="Spherical keeps |z| typical of a Gaussian code; linear passes through the middle.")

    def walk(t):
        first_image, last_image = (t.heldout_x[i] if isinstance(i, int) else i for i in (first, last))
        return pictures.walk(t, first_image, last_image, int(steps), mode)

    frames = run.with_trainer(walk)
    st.image(strip(frames), width="stretch", caption=f"{mode} path between the codes of the two images, {steps} steps "
             "(the end frames are their reconstructions)")
    st.download_button("Latent walk (GIF)", lambda: gif_bytes(frames, max(1, 96 // frames.shape[-1])),
                       f"{run.run_id}-walk.gif", "image/gif", icon=":material/download:", key="vae_gif")


def corners(run: Run) -> None:
    trainer = run.trainers[0]
    cols = st.columns(5)
    picks = [int(cols[i].number_input(name, 0, len(trainer.heldout_x) - 1, i, key=f"vae_corner{i}"))
             for i, name in enumerate(("Top left", "Top right", "Bottom left", "Bottom right"))]
    n = int(cols[4].slider("Grid size", 3, 12, 8, key="vae_corner_n"))

    st.image(crisp(run.with_trainer(lambda t: pictures.corners(t, picks, n)), 480),
             caption="Bilinear blend of the four images' codes", width=480)


def traversal(run: Run) -> None:
    trainer = run.trainers[0]
    dims = trainer.config.latent_dim
    start = int(st.number_input("Start from the code of held-out image", 0, len(trainer.heldout_x) - 1, 0,
                                key="vae_trav_start"))
    base = run.with_trainer(lambda t: t.encode(t.heldout_x[start:start + 1])[0].cpu())
    cols = st.columns(4)
    z = base.clone()
    for j in range(dims):
        key = f"vae_z{j}_{start}"  # another start image resets the sliders to its code
        z[j] = cols[j % 4].slider(f"z{j}", -4.0, 4.0, float(round(float(base[j]), 2)), 0.05, key=key)
    picture = run.with_trainer(lambda t: pictures.decoded(t, z))
    st.image(crisp(picture, 240), caption="Decoded live from the sliders", width=240)


@st.cache_resource(show_spinner=False)
def _pretrained_trainer(folder: str):
    from engine.persistence import load_trainer

    return load_trainer(folder)


def ae_vs_vae_lesson() -> None:
    """Both shipped digits models, same data and size, sampled from N(0, I) with the same seed."""
    import json

    if not all((p / "checkpoint.pt").exists() for p in PRETRAINED.values()):
        st.caption("The shipped autoencoder and VAE checkpoints are missing from assets/pretrained/.")
        return
    seed = int(st.number_input("Seed of z", 0, 10**6, 0, key="vae_lesson_seed"))
    cols = st.columns(2)
    for col, (model, folder) in zip(cols, PRETRAINED.items()):
        trainer = _pretrained_trainer(str(folder))
        summary = json.loads((folder / "summary.json").read_text())
        images = torch.as_tensor(trainer.sample(64, seed)["images"]).float() / 127.5 - 1
        title = "Plain autoencoder" if model == "ae" else "VAE"
        col.image(crisp(grid_uint8(images, nrow=8), 360), width=360,
                  caption=f"{title}: decoder(z), z ~ N(0, I); judge score {summary.get('judge_score', 0):.2f}")
