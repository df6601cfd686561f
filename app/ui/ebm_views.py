"""What the EBM page shows: the energy landscape as a heatmap with the chains moving on it (2D), the film of chains
turning noise into images, the energies of data and chains, and the runaway warning in plain words. Every number
comes from the trainer's preview and metric history (engine/families/ebm)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from app.ui import charts, image_views
from app.ui.mode_tiles import mode_tiles
from app.ui.plots2d import FAKE, REAL
from engine.families.ebm import runaway
from engine.families.ebm.trainer import EVAL_SAMPLES

RUNAWAY_LESSON = {"energy_l2": 0.0, "langevin_steps": 2}  # live keys: the running model diverges within seconds
SHOWN_RANGE = 30.0  # energy above the lowest that the heatmap colours


def warnings(snap) -> None:
    """The runaway warning while it builds up, and the divergence explained once the run has stopped on it."""
    if snap.status == "diverged" and "energies" in snap.message:
        st.warning("**The energies ran away.** Contrastive divergence only asks the data's energy to be lower than "
                   "the chains'. When the chains cannot reach the data, the cheapest way to lower the loss is to "
                   "push the two apart for ever: the landscape gets steeper and steeper and the samples stop "
                   "meaning anything. The L2 penalty on energies holds them near ±1/(2α); spectral norm bounds "
                   "how steep E can get. Reset after changing them.", icon=":material/trending_up:")
        return
    message = runaway.warning(snap.history())
    if message:
        st.warning(message, icon=":material/trending_up:")


def landscape_figure(preview, bounds, height: int = 520) -> go.Figure:
    (x0, x1), (y0, y1) = bounds
    energy = preview["energy"]
    low = float(energy.min())
    fig = go.Figure(go.Heatmap(x=preview["grid_x"], y=preview["grid_y"], z=energy, colorscale="Viridis_r",
                               zmin=low, zmax=min(float(energy.max()), low + SHOWN_RANGE), hoverinfo="skip",
                               colorbar=dict(title="E(x)", len=0.6), name="Energy"))
    real = preview["real"]
    fig.add_trace(go.Scattergl(x=real[:, 0], y=real[:, 1], mode="markers", name="Data",
                               marker=dict(size=3, color=REAL, opacity=0.6)))
    trace = preview.get("trace")
    if trace is not None:  # (K+1, N, 2): one line per chain, None between chains
        xs, ys = [], []
        for path in trace.transpose(1, 0, 2):
            xs += list(path[:, 0]) + [None]
            ys += list(path[:, 1]) + [None]
        fig.add_trace(go.Scattergl(x=xs, y=ys, mode="lines", name="Chain paths (last step)", hoverinfo="skip",
                                   line=dict(color="rgba(255,255,255,0.75)", width=1)))
    chains = preview.get("chains")
    if chains is not None:
        fig.add_trace(go.Scattergl(x=chains[:, 0], y=chains[:, 1], mode="markers", name="Chains",
                                   marker=dict(size=4, color=FAKE, opacity=0.8)))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), uirevision="ebm2d",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0), plot_bgcolor="white")
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
    return fig


def _energy_curves(history) -> None:
    st.plotly_chart(charts.curves(history, ["energy_real", "energy_fake"], title="Mean energy: data vs chains",
                                  height=220), key="ebm_energies")
    st.plotly_chart(charts.curves(history, ["loss", "contrastive"], title="Loss", height=200), key="ebm_loss")


def points_area(snap, bounds) -> None:
    preview, history = snap.preview, snap.history()
    plot, side = st.columns([3, 2])
    plot.plotly_chart(landscape_figure(preview, bounds), key="ebm_plot")
    with side:
        scored = history.dropna(subset=["modes_covered"]) if "modes_covered" in history else history.iloc[0:0]
        if not scored.empty:
            mode_tiles(scored.iloc[-1], EVAL_SAMPLES, "chains started from noise and run `sample_steps` steps")
        else:
            st.caption("Modes covered and the other metrics appear at the first evaluation.")
        _energy_curves(history)


def images_area(snap) -> None:
    preview, history = snap.preview, snap.history()
    left, right = st.columns([3, 2])
    left.image(image_views.crisp(preview["film"], 640), width="stretch", output_format="PNG",
               caption=f"8 chains from uniform noise (one per row), left to right over the Langevin steps: noise "
                       f"turning into digits (model at step {preview['film_step']:,})")
    if preview["chains"] is not None:
        right.image(image_views.crisp(preview["chains"], 400), width="stretch", output_format="PNG",
                    caption="The chains of the last training step (its negative samples x⁻)")
    scored = history.dropna(subset=["judge_score"]) if "judge_score" in history else history.iloc[0:0]
    if not scored.empty:
        last = scored.iloc[-1]
        cols = st.columns(2)
        cols[0].metric("Judge score of samples", f"{last['judge_score']:.2f}",
                       help="Inception-style score of 500 chains from noise, by the dataset's judge classifier.")
        if "frechet_distance" in last:
            cols[1].metric("Frechet distance", f"{last['frechet_distance']:.2f}",
                           help="Between the judge's features of the samples and of held-out images.")
    _energy_curves(history)
