"""What the flow page shows. On 2D data: the layer view (the space after any layer, with the data and a grid pushed
forward and samples pulled back), each layer's mean log|det J|, the learned density beside the true one, the bridge
lesson. On images: exact reconstructions, a walk between the codes of two real images, temperatures. On both: MAF
vs IAF, timed. Every number and picture comes from the engine (engine/families/flow/pictures2d.py, pictures.py,
direction_cost.py) between training steps (`Run.with_trainer`)."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.ui.image_views import crisp, gif_bytes, strip
from app.ui.plots2d import FAKE
from engine.data import BadInput
from engine.data.folder import image_from_bytes
from engine.families.flow import pictures, pictures2d
from engine.families.flow.direction_cost import REASON, direction_cost
from engine.latent import MODES
from engine.pictures.images import to_uint8
from engine.runs import Run

SHOWN = {"data": "Data (x → z)", "grid": "Grid (x → z)", "samples": "Samples (z → x)"}
MODE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
GRID_H, GRID_V = "rgba(70, 90, 200, 0.35)", "rgba(200, 70, 140, 0.35)"
FLOOR = 12.0  # nats below the highest log-density where the density maps' colour scale stops


def _lines(lines: np.ndarray) -> tuple[list, list]:
    """(K, P, 2) polylines -> x and y lists with None between lines (one plotly trace for all of them)."""
    xs, ys = [], []
    for line in lines:
        xs += list(line[:, 0]) + [None]
        ys += list(line[:, 1]) + [None]
    return xs, ys


def layer_figure(preview: Mapping, layer: int, shown: list[str], height: int = 520) -> go.Figure:
    """The space h_layer: after the first `layer` layers (0 = the data space x, the last = the code z)."""
    fig = go.Figure()
    last = len(preview["layer_names"])
    if "grid" in shown:
        grid = preview["trace_grid"][layer]
        half = len(grid) // 2
        for lines, colour, name in ((grid[:half], GRID_H, "grid: horizontal lines of x"),
                                    (grid[half:], GRID_V, "grid: vertical lines of x")):
            xs, ys = _lines(lines)
            fig.add_trace(go.Scattergl(x=xs, y=ys, mode="lines", line=dict(color=colour, width=1), name=name,
                                       hoverinfo="skip"))
    if layer == last:  # the code space: the base Gaussian's 1, 2 and 3 sd circles
        angle = np.linspace(0, 2 * np.pi, 121)
        for r in (1, 2, 3):
            fig.add_trace(go.Scatter(x=r * np.cos(angle), y=r * np.sin(angle), mode="lines", hoverinfo="skip",
                                     line=dict(color="grey", width=1, dash="dot"), showlegend=r == 1,
                                     name="N(0, I): 1, 2, 3 sd"))
    if "data" in shown:
        points, modes = preview["trace_data"][layer], preview["data_modes"]
        colours = [MODE_COLOURS[m % len(MODE_COLOURS)] for m in modes]
        fig.add_trace(go.Scattergl(x=points[:, 0], y=points[:, 1], mode="markers", name="data (coloured by mode)",
                                   marker=dict(size=5, color=colours, opacity=0.8)))
    if "samples" in shown:
        points = preview["trace_samples"][layer]
        fig.add_trace(go.Scattergl(x=points[:, 0], y=points[:, 1], mode="markers", name="samples pulled back",
                                   marker=dict(size=5, color=FAKE, symbol="x-thin", line=dict(width=1.2,
                                                                                              color=FAKE))))
    (x0, x1), (y0, y1) = preview["trace_ranges"][layer]
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), plot_bgcolor="white",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0), uirevision=f"layer{layer}")
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
    return fig


def space_name(preview: Mapping, layer: int) -> str:
    last = len(preview["layer_names"])
    if layer == 0:
        return "x, the data space (before layer 1)"
    return f"{'z, the code space: ' if layer == last else ''}after layer {preview['layer_names'][layer - 1]}"


def log_det_bars(preview: Mapping, layer: int) -> go.Figure:
    """Each layer's mean log|det J| on the data, the layer that made the shown space highlighted."""
    values, names = preview["layer_log_det"], preview["layer_names"]
    colours = ["#e6701a" if i + 1 == layer else "#9aa5b1" for i in range(len(values))]
    fig = go.Figure(go.Bar(x=list(range(1, len(values) + 1)), y=values, marker_color=colours, hovertext=names,
                           hovertemplate="%{hovertext}<br>mean log|det J| = %{y:.3f} nats<extra></extra>"))
    fig.add_hline(y=0, line_color="#444", line_width=1)
    fig.update_layout(height=250, margin=dict(l=10, r=10, t=40, b=10), uirevision="logdet",
                      title=f"Mean log|det J| per layer (nats); sum {float(values.sum()):.2f}",
                      xaxis_title="layer", showlegend=False)
    return fig


def density_pair(preview: Mapping) -> tuple[go.Figure, go.Figure]:
    """The learned log p(x) and the true log density on the same grid and the same colour scale."""
    true_log = np.log(np.maximum(preview["true_density"].astype(np.float64), 1e-300))  # 0 far from every mode
    learned = preview["log_density"]
    top = float(max(np.max(true_log), np.max(learned)))
    figures = []
    for z, title in ((learned, "Learned log p(x)"), (true_log, "True log density")):
        fig = go.Figure(go.Heatmap(x=preview["grid_x"], y=preview["grid_y"], z=np.maximum(z, top - FLOOR),
                                   zmin=top - FLOOR, zmax=top, colorscale="Viridis", hoverinfo="skip",
                                   colorbar=dict(title="nats", len=0.8)))
        fig.update_layout(height=330, margin=dict(l=10, r=10, t=35, b=10), title=title, uirevision=title)
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
        figures.append(fig)
    return figures[0], figures[1]


def bridge_lesson(run: Run) -> None:
    st.markdown(
        "A flow is a continuous, invertible map of the whole plane: it can stretch and squeeze the Gaussian but "
        "never tear it. To put mass on separated modes a coupling flow pulls thin filaments of it between them, "
        "and some density stays on those **bridges** where the data has none. Below, the log-density along a path "
        "through the mode centres: the true one plunges between modes, the flow's dips much less. More depth "
        "thins the bridges; MAF, whose every coordinate is conditioned on the ones before it, often thins them "
        "further. Compare them side by side with the Compare presets *Depth of a Real NVP on ring8* and "
        "*NICE vs Real NVP vs Glow vs MAF on ring8*.")
    found = run.with_trainer(pictures2d.bridge_profile)
    floor = float(np.max(found["learned"])) - 3 * FLOOR
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=found["distance"], y=np.maximum(found["true"], floor), name="true log density",
                             line=dict(color="#2f6db5", dash="dot")))
    fig.add_trace(go.Scatter(x=found["distance"], y=found["learned"], name="flow's log p(x)",
                             line=dict(color=FAKE, width=2)))
    for at in found["centres_at"]:
        fig.add_vline(x=float(at), line_color="#ccc", line_width=1)
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="distance along the path "
                      "through the mode centres (grey lines)", yaxis_title="nats", uirevision="bridge",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    st.plotly_chart(fig, key="flow_bridge")
    true_drop = f"{-found['true_dip']:,.0f} nats" if found["true_dip"] > -100 else "more than 100 nats (nothing)"
    st.caption(f"Half-way between two neighbouring modes the flow's log-density is {-found['learned_dip']:.1f} nats "
               f"below its value at the modes (median over the pairs); the true density is {true_drop} lower "
               "there. The bridge is the difference.")


def direction_panel(run: Run, key: str) -> None:
    """MAF and IAF of this run's size on its data, timed when asked (training pauses meanwhile)."""
    st.markdown(REASON)
    trainer = run.trainers[0]
    if st.button(f"Time MAF and IAF on {trainer.data.name} ({trainer.dims} dimensions)", key=f"{key}_time",
                 icon=":material/timer:",
                 help="Builds a MAF and an IAF with this run's depth and width and times both directions on a "
                      "batch of held-out examples (median of 3, between two training steps)."):
        st.session_state[f"_{key}_cost"] = run.with_trainer(direction_cost)
    found = st.session_state.get(f"_{key}_cost")
    if found is None:
        return
    rows = {"MAF": found["maf"], "IAF": found["iaf"]}
    table = pd.DataFrame({"log p of a batch (ms)": [r["density_ms"] for r in rows.values()],
                          "sampling a batch (ms)": [r["sample_ms"] for r in rows.values()]}, index=list(rows))
    left, right = st.columns([2, 3])
    left.dataframe(table.style.format("{:.1f}"))
    fig = go.Figure([go.Bar(name=column, x=list(rows), y=table[column]) for column in table.columns])
    fig.update_layout(barmode="group", height=240, margin=dict(l=10, r=10, t=30, b=10), yaxis_type="log",
                      title=f"{found['dims']} dimensions, batch of {found['batch']}", uirevision=key)
    right.plotly_chart(fig, key=f"{key}_bars")
    maf, iaf = found["maf"], found["iaf"]
    left.caption(f"IAF scores {iaf['density_ms'] / maf['density_ms']:.1f}x slower than MAF; MAF samples "
                 f"{maf['sample_ms'] / iaf['sample_ms']:.1f}x slower than IAF.")


# ---------------------------------------------------------------------------------------------------- images
def reconstructions(run: Run) -> None:
    found = run.with_trainer(pictures.reconstructions)
    st.image(crisp(found["pairs"], 480), width=480, output_format="PNG",
             caption="Held-out images and decode(encode(x)), in pairs")
    if found["max_pixel_error"] == 0:
        st.success(f"Exact: not one pixel value differs. In the flow's own numbers the round trip x → z → x is off "
                   f"by at most {found['max_error']:.1e} (float rounding), far inside a pixel's bin of 1/256.",
                   icon=":material/check_circle:")
    else:
        st.warning(f"{found['max_pixel_error']} pixel value(s) differ: the round trip is off by "
                   f"{found['max_error']:.1e}, more than float rounding (an ill-conditioned layer?).")


def _pick(label: str, key: str, default: int, run: Run):
    """A held-out image by index, or an uploaded picture: an int or a (C, H, W) tensor."""
    trainer = run.trainers[0]
    source = st.radio(label, ("held-out", "upload"), horizontal=True, key=f"{key}_source",
                      help="A held-out image by its index, or your own picture (resized to the dataset's shape).")
    if source == "upload":
        file = st.file_uploader("Picture", type=["png", "jpg", "jpeg", "bmp", "gif", "webp"], key=f"{key}_file")
        if file is not None:
            try:
                x, note = image_from_bytes(file.getvalue(), trainer.data.image_shape, name=file.name)
            except BadInput as err:
                st.error(str(err), icon=":material/error:")
            else:
                if note:
                    st.info(note, icon=":material/info:")
                st.image(crisp(to_uint8(x[None])[0].transpose(1, 2, 0), 96), width=96)
                return x
        st.caption("Upload a picture, or the held-out image below is used.")
    return int(st.number_input("Index", 0, len(trainer.data.heldout) - 1, default, key=key,
                               help="Index of a held-out image."))


def interpolation(run: Run) -> None:
    trainer = run.trainers[0]
    a, b, c = st.columns([2, 2, 3])
    with a:
        first = _pick("Start image", "flow_ia", 0, run)
    labels = trainer.data.heldout_labels
    other = int((labels != labels[0]).nonzero()[0]) if labels is not None and (labels != labels[0]).any() else 1
    with b:
        last = _pick("End image", "flow_ib", other, run)  # by default another class than the start
    with c:
        steps = st.slider("Steps", 2, 16, 10, key="flow_steps", bind="query-params")
        mode = st.radio("Path", MODES, key="flow_mode", bind="query-params", horizontal=True,
                        help="Spherical keeps |z| typical of a Gaussian code; linear passes through the middle, "
                             "where codes are denser than any real image's.")

    def walk(t):
        ends = [t.data.heldout[i] if isinstance(i, int) else i for i in (first, last)]
        return pictures.walk(t, ends[0], ends[1], int(steps), mode)

    frames = run.with_trainer(walk)
    st.image(strip(frames), width="stretch", output_format="PNG",
             caption=f"{mode} path between the codes of the two images, {steps} steps: the end frames are the "
                     "images themselves, since the encoding is exact")
    st.download_button("Walk (GIF)", lambda: gif_bytes(frames, max(1, 96 // frames.shape[-1])),
                       f"{run.run_id}-walk.gif", "image/gif", icon=":material/download:", key="flow_gif")


def temperatures(run: Run) -> None:
    picture = run.with_trainer(pictures.temperature_rows)
    st.image(crisp(picture, 480), width=480, output_format="PNG",
             caption="The same 8 codes z ~ N(0, I) times T, one row per T = "
                     + ", ".join(f"{t:g}" for t in pictures.TEMPERATURES)
                     + " (top to bottom). T = 0 is the image of z = 0; Glow shows T = 0.7.")
