"""What the image GAN page shows: judge metrics, D(x) histograms, the latent walk and its GIF, and the architecture
lessons (progressive growing's status, the truncation curve, style mixing, noise inputs, the checkerboard spectrum;
their numbers and pictures come from engine/families/gan/image_lessons.py)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from engine.families.gan import image_lessons
from engine.families.gan.failure_signs import last_histogram
from engine.latent import MODES
from engine.pictures.images import png_bytes
from engine.runs import Run

PRETRAINED_DIGITS = Path(__file__).resolve().parents[2] / "assets" / "pretrained" / "gan-digits"


def judge_metrics(history: pd.DataFrame, num_classes: int, class_names: list[str]) -> None:
    scored = history.dropna(subset=["judge_score"]) if "judge_score" in history else history.iloc[0:0]
    if scored.empty:
        st.caption("The judge scores samples every `eval_every` steps. The first time a dataset is used, the judge "
                   "(a small classifier) trains itself on the real images in the background, once, and is cached; "
                   "the scores start at the first evaluation after that.")
        return
    last = scored.iloc[-1]
    a, b, c = st.columns(3)
    a.metric("Judge score", f"{last['judge_score']:.2f}", help=f"exp(E KL(p(y|x) || p(y))), 1 to {num_classes}: "
             "high when each sample is clearly one class and the classes are balanced.")
    b.metric("Frechet distance", f"{last['frechet_distance']:.2f}", help="Between judge features of samples and "
             "held-out real images (lower is better).")
    c.metric("Confident", f"{last['confident_fraction']:.0%}", help="Share of samples the judge gives >= 0.9 "
             "to one class. Fooled by confident noise: read it beside the score and the histogram.")
    hist = last_histogram(history)
    if hist:
        names = class_names or [str(i) for i in range(len(hist))]
        fig = go.Figure(go.Bar(x=names, y=list(hist), marker_color="#e4572e"))
        fig.update_layout(height=180, margin=dict(l=10, r=10, t=30, b=10), title="Samples per class (judge)",
                          uirevision="hist")
        st.plotly_chart(fig, key="img_class_hist")


def d_histograms(preview: dict) -> go.Figure:
    fig = go.Figure()
    for name, color in (("d_real", "#1f77b4"), ("d_fake", "#e4572e")):
        values = preview.get(name)
        if values is not None and len(values):
            fig.add_trace(go.Histogram(x=values, name=name.replace("d_", "D(x) ") , xbins=dict(start=0, end=1,
                                       size=0.05), marker_color=color, opacity=0.6))
    fig.update_layout(barmode="overlay", height=200, margin=dict(l=10, r=10, t=30, b=10),
                      title="D(x) on the last batch", xaxis=dict(range=[0, 1]), uirevision="dhist",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    return fig


def crisp(picture: np.ndarray, size: int = 560) -> np.ndarray:
    """Enlarge a small uint8 (H, W, C) picture with nearest-neighbour pixels, so the browser does not blur it."""
    factor = max(1, size // max(picture.shape[:2]))
    return picture.repeat(factor, 0).repeat(factor, 1)


def grid_download(run: Run) -> None:
    preview = run.snapshot().preview
    if "grid" not in preview:
        return
    grid = preview["grid"]
    st.download_button("Sample grid (PNG)", lambda: png_bytes(grid), f"{run.run_id}-grid.png",  # made on click
                       "image/png", icon=":material/download:", key="img_grid_png")


def strip(frames: np.ndarray, height: int = 96) -> np.ndarray:
    """uint8 (T, C, H, W) frames side by side as one crisp (H', W', C) or (H', W') picture."""
    picture = crisp(np.concatenate([f.transpose(1, 2, 0) for f in frames], axis=1), size=height * len(frames))
    return picture[..., 0] if picture.shape[2] == 1 else picture


def gif_bytes(frames: np.ndarray, scale: int, ms: int = 120, bounce: bool = True) -> bytes:
    """uint8 (T, C, H, W) -> an animated GIF that plays forward then back (`bounce`), or forward and loops."""
    pics = [Image.fromarray(f[0] if f.shape[0] == 1 else f.transpose(1, 2, 0)) for f in frames]
    pics = [p.resize((p.width * scale, p.height * scale), Image.NEAREST) for p in pics]
    if bounce:
        pics = pics + pics[-2:0:-1]
    buf = io.BytesIO()
    pics[0].save(buf, format="GIF", save_all=True, append_images=pics[1:], duration=ms, loop=0)
    return buf.getvalue()


def interpolation(run: Run, *, key: str) -> None:
    classes = run.trainers[0].num_classes
    cols = st.columns(6 if classes else 5)
    label = int(cols[5].selectbox("Class", range(classes), key=f"{key}_class",
                                  help="A conditional generator draws the class it is asked for.")) if classes else 0
    seed_a = cols[0].number_input("Start sample (seed)", 0, 10**6, 1, key=f"{key}_a")
    seed_b = cols[1].number_input("End sample (seed)", 0, 10**6, 2, key=f"{key}_b")
    steps = cols[2].slider("Steps", 2, 16, 8, key="interp_steps", bind="query-params")
    mode = cols[3].radio("Path", MODES, key="interp_mode", bind="query-params", horizontal=True,
                         help="Spherical keeps |z| typical of a Gaussian all along; linear cuts through the middle, "
                              "where Gaussian codes are rare.")
    scale = cols[4].slider("z scale", 0.1, 2.0, 1.0, 0.1, key="z_scale", bind="query-params",
                           help="Multiplies z: small = the typical middle of the distribution, large = its edges.")

    frames = run.with_trainer(lambda t: t.latent_walk(int(seed_a), int(seed_b), int(steps), mode, scale, label))
    side = frames.shape[-1]
    st.image(strip(frames), width="stretch",
             caption=f"{mode} path from seed {seed_a} to seed {seed_b}, {steps} steps"
             + (f", class {label}" if classes else ""))
    st.download_button("Interpolation (GIF)", lambda: gif_bytes(frames, max(1, 96 // side)),  # made on click
                       f"{run.run_id}-walk.gif", "image/gif", icon=":material/download:", key=f"{key}_gif")


# ------------------------------------------------------------------ architecture lessons
def growth_status(preview: dict, full_side: int) -> None:
    """Progressive growing: the side being trained and the fade-in alpha, live."""
    growth = preview.get("growth")
    if not growth:
        return
    side, alpha = int(growth["side"]), float(growth["alpha"])
    fading = f"fading in, alpha = {alpha:.2f}" if alpha < 1 else "trained alone (alpha = 1)"
    st.progress(alpha, text=f"Progressive growing: {side}x{side} of {full_side}x{full_side}, {fading}")


def _rows(rows: np.ndarray, height: int = 64) -> np.ndarray:
    """uint8 (R, T, C, H, W) -> one picture, a strip per row, stacked."""
    return np.concatenate([strip(r, height) for r in rows], axis=0)


def truncation_panel(run: Run) -> None:
    st.caption("The same 8 noise vectors with their latents pulled towards the mean by psi (top psi = 0: every z "
               "gives the mean latent; bottom psi = 1: the model as trained). Lower psi trades variety for typical, "
               "clean samples (StyleGAN, BigGAN). The sidebar's *Truncation psi* applies it to the grid and to "
               "`sample --set truncation=PSI`.")
    curve = run.with_trainer(image_lessons.truncation_curve)
    left, right = st.columns([3, 2])
    left.image(_rows(curve["rows"]), width="stretch",
               caption="rows: psi = " + ", ".join(f"{p:g}" for p in curve["psi"]))
    if curve["judge_score"] is None:
        right.caption("The judge scores appear once it is trained (labelled datasets only).")
        return
    fig = go.Figure(go.Scatter(x=curve["frechet_distance"], y=curve["judge_score"], mode="lines+markers+text",
                               text=[f"psi {p:g}" for p in curve["psi"]], textposition="top center"))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=30, b=10), title="Quality vs diversity (500 samples)",
                      xaxis_title="Frechet distance (lower: closer to real)", yaxis_title="Judge score")
    right.plotly_chart(fig, key="trunc_curve")


def _class_picker(run: Run, key: str) -> int:
    classes = run.trainers[0].num_classes
    return int(st.selectbox("Class", range(classes), key=key)) if classes else 0


def style_mixing_panel(run: Run) -> None:
    sides = run.with_trainer(image_lessons.style_layers)
    cols = st.columns(2)
    crossover = cols[0].slider("Crossover layer", 1, len(sides) - 1, max(1, len(sides) // 2), key="mix_layer",
                               help="Layers before it take the row's styles (the coarse sides: shape, pose), the "
                                    "rest the column's (the fine sides: stroke, texture). Layer sides: "
                                    + ", ".join(f"{i}: {s}x{s}" for i, s in enumerate(sides)) + ".")
    with cols[1]:
        label = _class_picker(run, "mix_class")
    out = run.with_trainer(lambda t: image_lessons.style_mixing(t, [1, 2, 3, 4], [5, 6, 7, 8], crossover, label))
    st.image(crisp(out["picture"], 480), width="stretch",
             caption=f"Rows: seeds 1-4, columns: seeds 5-8; inside, layers 0-{crossover - 1} "
                     f"({sides[0]}x{sides[0]} to {sides[crossover - 1]}x{sides[crossover - 1]}) from the row and the "
                     "rest from the column (StyleGAN's Fig. 3).")


def noise_panel(run: Run) -> None:
    cols = st.columns(2)
    seed = int(cols[0].number_input("Sample (seed)", 0, 10**6, 3, key="noise_seed"))
    with cols[1]:
        label = _class_picker(run, "noise_class")
    out = run.with_trainer(lambda t: image_lessons.noise_effect(t, seed, label=label))
    st.image(strip(out["with_noise"]), width="stretch",
             caption="One w, six draws of the per-pixel noise inputs: what changes is what the noise decides.")
    a, b = st.columns(2)
    a.image(strip(out["without_noise"]), width="stretch", caption="The same w with the noise inputs off")
    b.image(crisp(out["std"], 96), width="stretch",
            caption=f"Per-pixel standard deviation over the draws (white = most; mean {out['mean_std']:.3f})")


def checkerboard_panel(run: Run) -> None:
    out = run.with_trainer(image_lessons.checkerboard)
    st.caption("Transposed convolutions of stride 2 overlap unevenly and paint a checkerboard, energy at the highest "
               "frequencies (Odena et al. 2016). Compare the samples' mean power spectrum (log scale, zero frequency "
               "in the middle, the highest at the edges) with the real images', and try *Up-sampling* = nearest.")
    a, b, c = st.columns(3)
    a.image(crisp(out["spectrum_samples"], 240), width="stretch", caption="Spectrum of 500 samples")
    b.image(crisp(out["spectrum_real"], 240), width="stretch", caption="Spectrum of 500 real held-out images")
    c.image(out["crop"], width="stretch", caption="One sample's top-left quarter, enlarged")
    m1, m2 = st.columns(2)
    m1.metric("High-frequency energy, samples", f"{out['hf_samples']:.1%}",
              help="Share of the power at more than 1/4 cycle per pixel (engine/metrics/spectrum.py).")
    m2.metric("High-frequency energy, real", f"{out['hf_real']:.1%}")
