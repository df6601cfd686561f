"""What the KDE page shows: the estimated density with its kernels and samples (2D), samples beside the training
images they came from (images), the bandwidth rules, the likelihood against the bandwidth, and the curse of
dimensionality. Every number comes from the trainer (engine/families/kde) between training steps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app.ui import charts, image_views
from app.ui.mode_tiles import mode_tiles
from app.ui.plots2d import FAKE, REAL
from engine.families.kde import curse
from engine.families.kde.images import JUDGED
from engine.families.kde.pictures import bandwidth_curve
from engine.families.kde.trainer import HELDOUT
from engine.runs import Run

PIXELCNN = Path(__file__).resolve().parents[2] / "assets" / "pretrained" / "pixelcnn-digits" / "summary.json"
RULE_NAMES = {"scott": "Scott", "silverman": "Silverman", "loo": "leave-one-out"}
SHOWN_RANGE = 12.0  # nats of log density below the peak that the heatmap colours (lower is drawn as the floor)


def rules_caption(preview) -> None:
    marks = " · ".join(f"{RULE_NAMES[k]} {v:.3g}" for k, v in preview["rules"].items())
    st.caption(f"**h = {preview['h']:.3g}** in use, {preview['count']:,} kernels. The rules for these kernels: "
               f"{marks}.")


def density_figure(preview, bounds, height: int = 520) -> go.Figure:
    (x0, x1), (y0, y1) = bounds
    log_p = preview["log_density"]
    fig = go.Figure(go.Heatmap(x=preview["grid_x"], y=preview["grid_y"], z=log_p, colorscale="Viridis",
                               zmin=float(log_p.max()) - SHOWN_RANGE, zmax=float(log_p.max()), hoverinfo="skip",
                               colorbar=dict(title="log p(x)", len=0.6), name="Estimated density"))
    k, s = preview["kernels"], preview["samples"]
    fig.add_trace(go.Scattergl(x=k[:, 0], y=k[:, 1], mode="markers", name="Kernel centres (training points)",
                               marker=dict(size=3, color=REAL, opacity=0.7)))
    fig.add_trace(go.Scattergl(x=s[:, 0], y=s[:, 1], mode="markers", name="Samples",
                               marker=dict(size=3, color=FAKE, opacity=0.7)))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), uirevision="kde2d",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0), plot_bgcolor="white")
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
    return fig


def _last_evaluation(history):
    scored = history.dropna(subset=["nll_nats"]) if "nll_nats" in history else history.iloc[0:0]
    return None if scored.empty else scored.iloc[-1]


def points_area(snap, bounds) -> None:
    preview, history = snap.preview, snap.history()
    rules_caption(preview)
    plot, side = st.columns([3, 2])
    plot.plotly_chart(density_figure(preview, bounds), key="kde_plot")
    with side:
        m = preview["metrics"]
        mode_tiles(m)
        last = _last_evaluation(history)
        if last is not None:
            st.metric("Held-out NLL", f"{last['nll_nats']:.3f} nats per point",
                      help=f"-log p(x) of {HELDOUT:,} held-out points, exact: a KDE's likelihood needs no bound.")
        st.plotly_chart(charts.curves(history, ["nll_new", "nll_nats"], title="Negative log-likelihood (nats)"),
                        key="kde_nll")
        st.caption("nll_new: points scored before they join the kernels; nll_nats: the held-out points.")


def images_area(snap) -> None:
    preview, history = snap.preview, snap.history()
    rules_caption(preview)
    left, right = st.columns(2)
    left.image(image_views.crisp(preview["samples"], 480), width="stretch", output_format="PNG",
               caption=f"32 samples at step {preview['step']:,}: a kernel picked at random, plus N(0, h²) noise")
    right.image(image_views.crisp(preview["nearest"], 480), width="stretch", output_format="PNG",
                caption="The training image nearest each sample: the sample is that image plus noise")
    last = _last_evaluation(history)
    if last is not None:
        cols = st.columns(3)
        cols[0].metric("Held-out NLL", f"{last['nll_nats']:.1f} nats",
                       help="-log P(x) per held-out image over 256 grey levels per value, as PixelCNN's.")
        cols[1].metric("Bits per dimension", f"{last['bits_per_dim']:.3f}", help="8 = uniform over 256 levels.")
        if "judge_score" in last and last["judge_score"] == last["judge_score"]:
            cols[2].metric("Judge score of samples", f"{last['judge_score']:.2f}",
                           help=f"Inception-style score of {JUDGED:,} samples by the dataset's judge classifier.")
    st.plotly_chart(charts.curves(history, ["nll_new", "nll_nats"], title="Negative log-likelihood (nats per "
                                  "image)"), key="kde_nll")


def bandwidth_panel(run: Run) -> None:
    curve = run.with_trainer(bandwidth_curve)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=curve["h"], y=curve["heldout"], mode="lines+markers", name="held-out"))
    fig.add_trace(go.Scatter(x=curve["h"], y=curve["loo"], mode="lines", name="leave-one-out (training points)",
                             line=dict(dash="dot")))
    for (name, h), colour in zip(curve["rules"].items(), ("#d62728", "#9467bd", "#2ca02c")):
        fig.add_vline(x=h, line_dash="dash", line_color=colour, annotation_text=RULE_NAMES[name],
                      annotation_textangle=-90)
    fig.add_vline(x=curve["current"], line_color="black", annotation_text="in use", annotation_position="bottom")
    low, high = np.nanmin(curve["heldout"]), np.nanpercentile(curve["heldout"], 80)
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=30, b=10), xaxis_type="log", xaxis_title="bandwidth h",
                      yaxis_title=f"NLL ({curve['unit']})", yaxis_range=[low - 0.1 * (high - low), high],
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    st.plotly_chart(fig, key="kde_bandwidth_curve")
    st.caption("Too small an h and the estimate is a set of spikes on the training points (held-out points fall "
               "between them); too large and every mode is smeared out. Leave-one-out maximises the dotted curve, "
               "which needs no held-out data; the rules of thumb assume one Gaussian.")


@st.cache_resource(show_spinner=False, max_entries=4)
def _sweep(name: str, data_root: str, _data) -> list[dict]:
    return curse.sweep(_data)


def curse_panel(run: Run) -> None:
    trainer = run.trainers[0]
    if trainer.data_kind != "images":
        st.caption("Pick an image dataset (digits, MNIST) in the sidebar: the lesson down-samples its images.")
        return
    with st.spinner("Fitting a KDE and a Gaussian at each size..."):
        rows = _sweep(trainer.data.name, trainer.config.data_root, trainer.data)
    fig = go.Figure()
    dims = [r["dims"] for r in rows]
    fig.add_trace(go.Scatter(x=dims, y=[r["kde_bits_per_dim"] for r in rows], mode="lines+markers", name="KDE"))
    fig.add_trace(go.Scatter(x=dims, y=[r["gaussian_bits_per_dim"] for r in rows], mode="lines+markers",
                             name="Gaussian (full covariance)"))
    if trainer.data.name == "digits" and PIXELCNN.exists():
        shipped = json.loads(PIXELCNN.read_text())["bits_per_dim"]
        fig.add_trace(go.Scatter(x=[64], y=[shipped], mode="markers", marker=dict(size=12, symbol="star"),
                                 name="PixelCNN (shipped, 8x8)"))
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=30, b=10), xaxis_type="log",
                      xaxis_title="dimensions D (pixels)", yaxis_title="held-out bits per dimension",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    st.plotly_chart(fig, key="kde_curse_curve")
    st.dataframe([{"size": f"{r['side']}x{r['side']}", "D": r["dims"], "kernels": r["n"], "h": round(r["h"], 4),
                   "h / sigma": round(r["h_per_sigma"], 3), "KDE bits/dim": round(r["kde_bits_per_dim"], 3),
                   "Gaussian bits/dim": round(r["gaussian_bits_per_dim"], 3)} for r in rows], hide_index=True)
    cols = st.columns(len(rows))
    for col, r in zip(cols, rows):
        col.image(image_views.crisp(r["samples"], 240), width="stretch", output_format="PNG",
                  caption=f"KDE samples at {r['side']}x{r['side']}")
    st.caption("The same training images at every size, each KDE with its leave-one-out bandwidth. In a few "
               "dimensions the kernels cover the space and the KDE beats the Gaussian; as D grows the same number "
               "of kernels covers almost nothing, the bandwidth must widen (h / sigma), and the KDE falls behind a "
               "model with a handful of learned parameters per pixel. Its samples stay copies of training images "
               "plus noise at every size.")
