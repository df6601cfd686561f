"""What the VQ-VAE page shows: reconstructions beside the VAE's, code maps as coloured grids, the codebook's use
(histogram, perplexity, codes used, dead codes), a code swapped in a map, every code decoded alone, two levels
apart, the prior painting a code map, completion of a half-hidden map, and a saved stage 1 to train a prior on.
Every picture comes from the trainer or engine/families/vqvae/pictures.py between training steps (`Run.with_trainer`)
or from a frozen copy (`FrozenVqvae`), so training goes on meanwhile."""

from __future__ import annotations

import dataclasses

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from app.ui import drawing, saved_runs
from app.ui.image_views import crisp, gif_bytes
from app.ui.sampling_movie import MovieText, movie_player
from engine.families.pixelcnn.lessons import REGIONS, completion_region
from engine.families.pixelcnn.sampler import check_region
from engine.families.vqvae import pictures
from engine.pictures.images import grid_uint8
from engine.runs import Run

SPEEDS = [1, 4, 16, 64, 0]  # codes drawn per second; 0 = all at once
TICK = 0.25  # seconds between two frames of the movie


def _rgb(images: np.ndarray) -> np.ndarray:
    """uint8 (N, C, H, W) -> (N, H, W, 3)."""
    images = images.transpose(0, 2, 3, 1)
    return images.repeat(3, axis=3) if images.shape[3] == 1 else images


def side_by_side(shown: list[np.ndarray], gap: int = 6) -> np.ndarray:
    """uint8 (H, W, 3) pictures of one height in a row, white gaps."""
    spacer = np.full((shown[0].shape[0], gap, 3), 255, np.uint8)
    return np.concatenate([p for picture in shown for p in (picture, spacer)][:-1], axis=1)


def histogram(counts: np.ndarray, title: str) -> go.Figure:
    """Codes of the held-out images per code index, each bar in its code's colour; unused codes marked."""
    colours = [f"rgb{tuple(int(v) for v in c)}" for c in pictures.palette(len(counts))]
    fig = go.Figure(go.Bar(x=list(range(len(counts))), y=counts, marker_color=colours, marker_line_width=0))
    unused = int((counts == 0).sum())
    fig.update_layout(height=230, margin=dict(l=10, r=10, t=35, b=10), bargap=0.05, uirevision=title,
                      title=f"{title}: {len(counts) - unused} of {len(counts)} codes used", xaxis_title="code",
                      yaxis=dict(title="positions", rangemode="tozero"))
    return fig


def code_heatmap(k: np.ndarray, codes: int, title: str, mark: tuple[int, int] | None = None) -> go.Figure:
    """A code map (h, w) with each cell's index written in it, in its code's colour."""
    colours = pictures.palette(codes)
    scale = [[i / max(1, codes - 1), f"rgb{tuple(int(v) for v in colours[i])}"] for i in range(codes)]
    fig = go.Figure(go.Heatmap(z=k, text=k, texttemplate="%{text}", colorscale=scale, zmin=0, zmax=codes - 1,
                               showscale=False, xgap=2, ygap=2))
    if mark is not None:
        fig.add_shape(type="rect", x0=mark[1] - 0.5, x1=mark[1] + 0.5, y0=mark[0] - 0.5, y1=mark[0] + 0.5,
                      line=dict(color="black", width=3))
    side = 40 * k.shape[0] + 60
    fig.update_layout(height=side, width=side, margin=dict(l=10, r=10, t=35, b=10), title=title,
                      yaxis=dict(autorange="reversed", showticklabels=False), xaxis=dict(showticklabels=False))
    return fig


def _untrained_note(trainer) -> None:
    if trainer.step_count == 0:
        st.warning("This model has not been trained yet: its codes mean nothing. Press Play above to train it.",
                   icon=":material/info:")


def _image_source(trainer, key: str) -> torch.Tensor | None:
    """A held-out image by index, or a digit drawn on the pad (reduced to the dataset's size): (C, H, W)."""
    source = st.radio("Image", ("held-out", "draw"), horizontal=True, key=f"{key}_source",
                      help="A held-out image by its index, or a digit you draw (reduced to the dataset's size the "
                           "way the dataset was made).")
    if source == "draw":
        return drawing.draw(f"{key}_canvas", trainer.config.dataset, tuple(trainer.data.image_shape))
    index = int(st.number_input("Held-out image", 0, len(trainer.heldout_x) - 1, 0, key=f"{key}_index"))
    return trainer.heldout_x[index].cpu()


# --------------------------------------------------------------------------- swap a code, every code alone
def swap_panel(run: Run) -> None:
    trainer = run.trainers[0]
    _untrained_note(trainer)
    image = _image_source(trainer, "vqvae_swap")
    if image is None:
        return
    side, codes = trainer.sides[0], trainer.config.codebook_size
    cols = st.columns(3)
    i = int(cols[0].number_input("Row", 0, side - 1, side // 2, key="vqvae_swap_row"))
    j = int(cols[1].number_input("Column", 0, side - 1, side // 2, key="vqvae_swap_col"))
    code = int(cols[2].number_input("New code", 0, codes - 1, 0, key="vqvae_swap_code"))
    found = run.with_trainer(lambda t: pictures.swapped(t, image, i, j, code))
    a, b = st.columns(2)
    a.plotly_chart(code_heatmap(found["map"], codes, "Its code map", (i, j)), key="vqvae_swap_map")
    b.plotly_chart(code_heatmap(found["swapped_map"], codes, f"Code {code} at ({i}, {j})", (i, j)),
                   key="vqvae_swap_new")
    decoded = _rgb(np.stack([found["reconstruction"], found["swapped"]]))
    st.image(crisp(side_by_side(list(decoded)), 320), width=320, output_format="PNG",
             caption="Decoded: its own code map, then the map with one code swapped")


def every_code_panel(run: Run) -> None:
    trainer = run.trainers[0]
    _untrained_note(trainer)
    mode = st.radio("Each code", pictures.EVERY_CODE_MODES, horizontal=True, key="vqvae_every_mode",
                    help="Alone on the background: the code at the centre of a map of the held-out images' most "
                         "used code; everywhere: a map made of that one code.")
    grid = run.with_trainer(lambda t: pictures.every_code(t, mode))
    st.image(crisp(grid, 640), width="stretch", output_format="PNG",
             caption=f"The {trainer.config.codebook_size} codes decoded {mode}, in index order (left to right, top "
                     "to bottom). A code is a piece of a digit only in its context: the decoder's 3x3 layers mix it "
                     "with its neighbours.")


# --------------------------------------------------------------------------- stage 2: the prior
def _prior_ready(trainer) -> bool:
    if trainer.model.levels == 2:
        st.info("The prior is learned for one-level models: set Levels to 1.", icon=":material/info:")
        return False
    if trainer.prior_steps == 0:
        st.info("The prior has not been trained yet: press **Train the prior** above (or set Stage to prior) and "
                "Play. Until then the codes are drawn uniformly.", icon=":material/info:")
        return False
    return True


def _start_movie(run: Run, n: int, seed: int, label: int | None) -> dict:
    frozen = run.with_trainer(pictures.FrozenVqvae.of)
    return {"frozen": frozen, "movie": frozen.movie(n, seed, label)}


def watch_panel(run: Run) -> None:
    if not _prior_ready(run.trainers[0]):
        return
    text = MovieText(":material/brush: Paint new code maps",
                     "Sample code maps from the prior, code by code in raster order (the PixelCNN family's sampler), "
                     "each decoded as it fills in.", "Next code",
                     "Press **Paint new code maps** to watch the prior write a code map while the decoder draws it.")
    movie_player("vqvae", run, start=_start_movie, draw=_draw_movie, text=text, what="Maps", most=8, count=4,
                 speeds=SPEEDS, speed=4, unit="codes", tick=TICK, pausable=False)


def _draw_movie(state: dict) -> None:
    movie, frozen = state["movie"], state["frozen"]
    maps = movie.values()[:, 0]  # (n, 1, h, w) -> (n, h, w)
    event = movie.last
    side = frozen.side
    order = np.arange(side * side).reshape(side, side)
    pending = order > (-1 if event is None else event.i * side + event.j)
    left, right = st.columns(2)
    maps_shown = [pictures.code_map_picture(k, frozen.codes, cell=18, pending=pending) for k in maps.numpy()]
    left.image(side_by_side(maps_shown),
               width="stretch", output_format="PNG",
               caption=f"Code maps from the prior at step {frozen.step:,} (light blue: not drawn yet)")
    right.image(crisp(grid_uint8(torch.as_tensor(frozen.decode(maps, pending)).float() / 127.5 - 1,
                                 nrow=len(maps)), 480), width="stretch", output_format="PNG",
                caption="Decoded as they fill in (undrawn positions: the zero vector)")
    if event is not None:
        st.progress(event.drawn / event.total, text=f"{event.drawn} of {event.total} codes drawn in each map")
    if movie.done and movie.frames:
        st.download_button("Painting (GIF)", lambda: _movie_gif(movie, frozen), "vqvae-prior.gif", "image/gif",
                           icon=":material/download:", key="vqvae_gif")


def _movie_gif(movie, frozen) -> bytes:
    side = frozen.side
    order = np.arange(side * side).reshape(side, side)
    frames = [frozen.decode(values[:, 0], order > drawn - 1) for drawn, values in movie.frames]
    grids = [grid_uint8(torch.as_tensor(f).float() / 127.5 - 1, nrow=len(f)).transpose(2, 0, 1) for f in frames]
    return gif_bytes(np.stack(grids), scale=4, ms=150, bounce=False)


def completion_panel(run: Run) -> None:
    trainer = run.trainers[0]
    if not _prior_ready(trainer):
        return
    image = _image_source(trainer, "vqvae_comp")
    if image is None:
        return
    side = trainer.sides[0]
    cols = st.columns(3)
    kind = cols[0].selectbox("Codes to hide", REGIONS[:3], key="vqvae_comp_region")
    n = int(cols[1].slider("Completions", 1, 8, 6, key="vqvae_comp_n"))
    seed = int(cols[2].number_input("Seed", 0, 10**6, 0, key="vqvae_comp_seed"))
    region = completion_region(kind, side, side)
    known = run.with_trainer(lambda t: t.encode(image[None])[0][0].cpu())
    try:
        check_region(region, known)
    except ValueError as err:
        st.error(str(err).capitalize() + ".", icon=":material/error:")
        return
    frozen = run.with_trainer(pictures.FrozenVqvae.of)  # only the copy under the training lock: sampling outside it
    maps = frozen.complete(known, region, n, seed, frozen.labels(n))
    a, b = st.columns([1, 2])
    a.image(pictures.code_map_picture(known.numpy(), frozen.codes, cell=18, pending=region.numpy()),
            output_format="PNG", caption="Its code map, the hidden codes in light blue")
    a.image(crisp(frozen.decode(known[None], region.numpy())[0].transpose(1, 2, 0), 140), width=140,
            output_format="PNG", caption="What the visible codes decode to")
    b.image(side_by_side([pictures.code_map_picture(k, frozen.codes, cell=12) for k in maps.numpy()]),
            width="stretch", output_format="PNG", caption=f"{n} completions drawn by the prior")
    b.image(crisp(grid_uint8(torch.as_tensor(frozen.decode(maps)).float() / 127.5 - 1, nrow=n), 560),
            width="stretch", output_format="PNG", caption="... and decoded: the visible part stays, the rest varies")


# --------------------------------------------------------------------------- a saved stage 1
def show_loaded(run: Run) -> None:
    """A saved run's settings in the widgets (its data folder, device and stage-1 source stay the page's)."""
    for key, value in dataclasses.asdict(run.trainers[0].config).items():
        if key not in ("dataset", "data_root", "device", "vqvae_run", "log_every", "eval_every"):
            st.session_state[key] = value
    st.session_state["vqvae_dataset"] = run.trainers[0].config.dataset


def saved_runs_panel() -> None:
    saved_runs.saved_runs_panel(
        "vqvae", "vqvae", on_loaded=show_loaded,
        empty="No saved VQ-VAE runs yet: press Save to keep one (it lands in runs/<id>/). A saved stage 1 loads "
              "here; then train its prior (`--set stage=prior --set vqvae_run=DIR` on the command line).",
        help="Replaces the current run with the saved one, paused at its step: press Train the prior to start "
             "stage 2 on its codes.")


def warn_run_folder_in_url() -> None:
    """The page never reads a server path from its address."""
    if st.query_params.get("vqvae_run"):
        st.warning("Ignored URL parameter `vqvae_run`: on this page, load a saved run in the Saved runs panel.")
        st.query_params.pop("vqvae_run", None)

