"""Diffusion models: DDPM on 2D toys and images. Noise added step by step, the learned score as arrows, reverse
paths from noise to data, DDPM or DDIM sampling, and why too few steps give fuzzy samples."""

import streamlit as st

from app.ui import controls, data_picker, diffusion_views, model_run, panels, run_controls
from engine.families.diffusion.config import DiffusionConfig, image_defaults
from engine.families.diffusion.pictures import PATHS

SLOT = "diffusion"
MODEL_KEYS = ["timesteps", "schedule", "beta_start", "beta_end", "width", "depth", "batch_size", "seed"]
LIVE_KEYS = ["lr", "ema"]
SAMPLING_KEYS = ["sampler", "sample_steps", "eta"]
PAGE_KEYS = ("diff_dataset", "diff_folder", "diffusion_speed", "diff_layers", "diff_t")

st.title("Diffusion models")
st.caption("Add noise to data one small step at a time until nothing is left but N(0, I); train a network to predict "
           "the noise that was added; then start from pure noise and remove it step by step (Ho et al. 2020).")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **The forward process** (panel below): the data dissolves into noise, x_t = sqrt(ᾱ_t) x_0 + "
        "sqrt(1 − ᾱ_t) ε. Nothing is learned there: it is fixed by the **schedule** and the number of **steps T**.\n"
        "- **The learned score** (2D): the network predicts the noise ε in x_t; −ε / sqrt(1 − ᾱ_t) is the score, "
        "the direction towards more likely data. At large t the arrows point at the middle of the data; at small "
        "t, at the nearest mode. Pick the step with the slider.\n"
        "- **Reverse paths**: each sample starts as noise at t = T and follows the arrows of the shrinking t, with "
        "a little fresh noise at every DDPM step (none for DDIM with η = 0).\n"
        "- **Too few steps**: with the linear schedule's betas, T = 20 leaves x_T = 0.9 x_0 + 0.43 ε, nothing like "
        "the N(0, I) sampling starts from (the warning under the loss says how far, in nats). On digits the "
        "samples come out fuzzy on grey noise; the cosine schedule reaches pure noise at any T and is sharp at "
        "T = 20 (the *Too few diffusion steps* preset on the Compare page). On the 2D toys the MLP carries N(0, I) "
        "onto the data anyway: there few steps cost little.\n"
        "- **DDIM** takes S of the T steps, deterministically with η = 0: nearly the same samples at a fraction of "
        "the network calls (the sampler is live: no retraining).")

controls.warn_bad_url_params(DiffusionConfig, extra_keys=PAGE_KEYS)
with st.sidebar:
    st.subheader("Data")
    dataset, defaults = data_picker.points_or_images(DiffusionConfig, "diff", image_defaults)
    with st.expander("Model (changes start a new model)", expanded=True):
        controls.widgets(DiffusionConfig, MODEL_KEYS, defaults=defaults)
    st.subheader("Training (live)")
    controls.widgets(DiffusionConfig, LIVE_KEYS, defaults=defaults)
    st.subheader("Sampling (live)")
    controls.widgets(DiffusionConfig, SAMPLING_KEYS, defaults=defaults)

keys = ["data_root", "data_noise"] + MODEL_KEYS + LIVE_KEYS + SAMPLING_KEYS
run = model_run.page_run(SLOT, "diffusion", keys, dataset, defaults=defaults,
                         missing_folder="Type the path of an image folder in the sidebar.")
trainer = run.trainers[0]

if trainer.data_kind == "points":
    bounds = trainer.data.bounds
    layers = st.pills("Layers", list(diffusion_views.LAYERS), format_func=diffusion_views.LAYERS.get,
                      selection_mode="multi", key="diff_layers", bind="query-params",
                      default=diffusion_views.DEFAULT_LAYERS if "diff_layers" not in st.session_state else None,
                      help="What the plot shows: the data, the samples, the true density, the learned score at the "
                           f"chosen step, and the reverse paths of {PATHS} samples from x_T to x_0.")
    steps = [int(t) for t in run.snapshot().preview["levels"]][1:]
    shown = st.select_slider("Score at step t", steps, value=steps[len(steps) // 2], key="diff_t",
                             help="The arrows: the learned score −ε_θ(x, t) / sqrt(1 − ᾱ_t) on a grid, at this t.")
    run_controls.live(run, lambda snap: diffusion_views.render_points(snap, bounds, layers or [],
                                                                      steps.index(shown) + 1))
else:
    names = trainer.data.class_names
    run_controls.live(run, lambda snap: diffusion_views.render_images(snap, trainer.data.num_classes or 0, names))
    panels.lazy_panel("The reverse process as a movie", ":material/movie:", "diff_open_movie",
                      diffusion_views.movie_panel, run)
panels.lazy_panel("The forward process, step by step", ":material/blur_on:", "diff_open_forward",
                  diffusion_views.forward_panel, run)
