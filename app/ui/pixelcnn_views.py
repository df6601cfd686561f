"""What the PixelCNN page shows: a sample being drawn value by value (the canvas, the current pixel, the distribution
it is drawn from), image completion, and the receptive field of plain vs gated PixelCNN (the blind spot). Everything
computed comes from engine/families/pixelcnn/lessons.py; the samplers run on a frozen copy of the network
(`FrozenPixelCnn`), so training goes on meanwhile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from app.ui import drawing
from app.ui.image_views import gif_bytes
from app.ui.sampling_movie import MovieText, movie_player
from engine.families.pixelcnn.lessons import (
    REGIONS,
    FrozenPixelCnn,
    blind_spot_of,
    canvas_picture,
    completion_region,
    field_picture,
    movie_frames,
    pending_pixels,
    receptive_fields,
)
from engine.families.pixelcnn.likelihoods import from_images
from engine.families.pixelcnn.sampler import SamplingMovie, check_region
from engine.runs import Run

PRETRAINED = Path(__file__).resolve().parents[2] / "assets" / "pretrained" / "pixelcnn-digits"
SPEEDS = [1, 5, 20, 100, 500, 0]  # values drawn per second; 0 = all at once
TICK = 0.2  # seconds between two frames of the watch panel


def distribution_chart(probs: np.ndarray, value: int, output: str, title: str) -> go.Figure:
    """The distribution a value was drawn from, the drawn value in orange."""
    n = len(probs)
    colours = ["#1f77b4"] * n
    colours[value] = "#e4572e"
    x = ["black (0)", "white (1)"] if output == "binary" else list(range(n))
    fig = go.Figure(go.Bar(x=x, y=probs, marker_color=colours, marker_line_width=0))
    fig.update_layout(height=230, margin=dict(l=10, r=10, t=35, b=10), title=title, bargap=0.05 if n > 2 else 0.4,
                      yaxis=dict(title="probability", rangemode="tozero"), xaxis=dict(title="value"),
                      uirevision="pixel-distribution")
    return fig


# --------------------------------------------------------------------------- watching a sample being drawn
def _untrained_note(trainer) -> None:
    if trainer.step_count == 0:
        st.warning("This model has not been trained yet: what it draws is noise. Press Play above to train it "
                   "(or pick the default digits settings to open the pretrained one).", icon=":material/info:")


def _start_movie(run: Run, n: int, seed: int, label: int | None) -> dict:
    frozen = run.with_trainer(FrozenPixelCnn.of)
    return {"movie": frozen.movie(n, seed, label), "step": frozen.step, "sampler": frozen.sampler,
            "temperature": frozen.temperature}


def watch(run: Run) -> None:
    trainer = run.trainers[0]
    config = trainer.config
    _untrained_note(trainer)
    text = MovieText(":material/brush: Draw new images",
                     f"Sample images from the current model ({config.sampler} sampler, temperature "
                     f"{config.temperature:g}: both in the sidebar).", "Next value",
                     "Press **Draw new images** to watch the model paint, one value at a time, in raster order.")
    movie_player("pcnn", run, start=_start_movie, draw=_draw_movie, text=text, what="Images", most=16, count=8,
                 speeds=SPEEDS, speed=20, unit="values", tick=TICK)


def _draw_movie(state: dict) -> None:
    movie: SamplingMovie = state["movie"]
    event = movie.last
    shape = movie.shape
    region = torch.ones(shape[1], shape[2], dtype=torch.bool)
    at = None if event is None else (event.i, event.j)
    left, right = st.columns([3, 2])
    left.image(canvas_picture(movie.values(), movie.output, pending=pending_pixels(shape, region, at),
                              current=None if movie.done else at, per_row=4), width="stretch",
               caption=f"Model at step {state['step']:,} · {state['sampler']} sampler · temperature "
                       f"{state['temperature']:g} · seed {state['seed']}")
    if event is None:
        right.caption("Nothing drawn yet.")
        return
    colour = "" if shape[0] == 1 else f", {'RGB'[event.c]}"
    value = int(event.values[0, event.c, event.i, event.j])
    right.plotly_chart(distribution_chart(event.probs[0].cpu().numpy(), value, movie.output,
                                          f"Image 1, pixel ({event.i}, {event.j}){colour}: drew {value}"),
                       key="pcnn_dist")
    right.progress(event.drawn / event.total, text=f"{event.drawn:,} of {event.total:,} values drawn in each image")
    if movie.done and movie.frames:
        right.download_button("Sampling run (GIF)", lambda: _movie_gif(movie), "pixelcnn-sampling.gif",
                              "image/gif", icon=":material/download:", key="pcnn_gif")


def _movie_gif(movie: SamplingMovie) -> bytes:
    return gif_bytes(movie_frames(movie), scale=1, ms=90, bounce=False)


# --------------------------------------------------------------------------- completion
def completion(run: Run) -> None:
    trainer = run.trainers[0]
    _untrained_note(trainer)
    _, height, width = trainer.shape
    source = st.radio("Image", ("held-out", "draw"), horizontal=True, key="pcnn_comp_source",
                      help="A held-out image by its index, or a digit you draw (reduced to the dataset's size the "
                           "way the dataset was made).")
    cols = st.columns([1, 1.4, 1, 1])
    index = int(cols[0].number_input("Held-out image", 0, len(trainer.heldout_v) - 1, 0, key="pcnn_comp_index",
                                     disabled=source == "draw"))
    kind = cols[1].selectbox("Region to fill in", REGIONS, key="pcnn_comp_region", bind="query-params")
    n = int(cols[2].slider("Completions", 1, 8, 6, key="pcnn_comp_n"))
    seed = int(cols[3].number_input("Seed", 0, 10**6, 0, key="pcnn_comp_seed"))
    rows, columns = (0, 0), (0, 0)
    if kind == "rows and columns":
        a, b = st.columns(2)
        rows = a.slider("Rows", 0, height - 1, (height // 2, height - 1), key="pcnn_comp_rows")
        columns = b.slider("Columns", 0, width - 1, (0, width - 1), key="pcnn_comp_cols")
    region = completion_region(kind, height, width, rows, columns)
    known = trainer.heldout_v[index: index + 1].cpu()
    if source == "draw":
        drawn = drawing.draw("pcnn_canvas", trainer.config.dataset, trainer.shape)
        if drawn is None:
            return
        known = from_images(drawn[None], trainer.config.output)  # the drawing as the model's values
    try:
        check_region(region, known)
    except ValueError as err:
        st.error(str(err).capitalize() + ".", icon=":material/error:")
        return

    config = trainer.config
    asked = (run.run_id, known.numpy().tobytes(), region.numpy().tobytes(), n, seed, config.sampler,
             config.temperature)
    if st.button("Complete", key="pcnn_comp_go", type="primary", icon=":material/auto_fix_high:"):
        frozen = run.with_trainer(FrozenPixelCnn.of)  # only the copy under the training lock: sampling outside it
        labels = (trainer.heldout_y[index: index + 1].repeat(n).cpu()
                  if trainer.num_classes and source == "held-out" else None)
        if trainer.num_classes and labels is None:  # a drawing has no label: each completion a class of its own
            labels = frozen.labels(n)
        values = frozen.complete(known, region, n, seed, labels)
        st.session_state["pcnn_completion"] = (values, frozen.step, asked)
    result = st.session_state.get("pcnn_completion")
    shown = np.concatenate([canvas_picture(known, trainer.config.output, tile_size=96, per_row=1),
                            canvas_picture(known, trainer.config.output, pending=region.numpy(), tile_size=96,
                                           per_row=1)], axis=1)
    if result is None or result[2] != asked:  # no completion yet for these settings
        st.image(shown, caption="The image and the region the model will fill in (light blue)")
        return
    values, step, _ = result
    st.image(shown, caption="The image and the hidden region")
    st.image(canvas_picture(values, trainer.config.output, tile_size=96), width="stretch",
             caption=f"{n} completions drawn by the model at step {step:,}: the known pixels stay, the region is "
                     "sampled pixel by pixel given everything before it")


# --------------------------------------------------------------------------- the blind spot
@st.cache_data(show_spinner=False, max_entries=64)
def _fields(size: int, layers: int, first_kernel: int, i: int, j: int) -> dict[str, np.ndarray]:
    return receptive_fields(size, layers, first_kernel, i, j)


def blind_spot() -> None:
    cols = st.columns(4)
    size = 15
    layers = int(cols[0].slider("Layers after the first", 1, 12, 5, key="pcnn_rf_layers", bind="query-params"))
    first = int(cols[1].select_slider("First kernel", [3, 5, 7], value=3, key="pcnn_rf_first"))
    i = int(cols[2].slider("Pixel row", 0, size - 1, 11, key="pcnn_rf_row"))
    j = int(cols[3].slider("Pixel column", 0, size - 1, 7, key="pcnn_rf_col"))
    fields = _fields(size, layers, first, i, j)
    a, b = st.columns(2)
    blind = int(blind_spot_of(fields["pixelcnn"], fields["gated"], i, j).sum())
    a.image(field_picture(fields["pixelcnn"], fields["gated"], i, j), width="stretch",
            caption=f"Plain PixelCNN: {int((fields['pixelcnn'] > 0).sum())} pixels seen; {blind} earlier pixels in "
                    "reach it cannot see (orange: the blind spot)")
    b.image(field_picture(fields["gated"], fields["gated"], i, j), width="stretch",
            caption=f"Gated PixelCNN: {int((fields['gated'] > 0).sum())} pixels seen, no blind spot")
    st.caption("Blue: pixels whose value changes the prediction for the red pixel (|gradient| > 0, darker = "
               "stronger, log scale), for fresh networks of the same depth. Grey: later pixels, which no output "
               "may see. Stacked 3x3 masks reach one column further right per row up, so a wedge above and to the "
               "right is never reached in the plain PixelCNN, however deep; the gated PixelCNN's vertical stack "
               "sees whole rows above.")
