"""PixelCNN: train an autoregressive model live, watch it draw an image value by value, complete images, and see the
blind spot of the plain PixelCNN beside the gated one."""

import streamlit as st

from app.ui import charts, controls, image_views, model_run, panels, pixelcnn_views, run_controls
from engine.families.pixelcnn.config import PixelCnnConfig
from engine.families.pixelcnn.trainer import JUDGED

SLOT = "pixelcnn"
MODEL_KEYS = ["variant", "output", "n_mix", "width", "layers", "first_kernel", "conditional", "batch_size", "seed"]
LIVE_KEYS = ["lr"]
SAMPLING_KEYS = ["sampler", "temperature"]
PAGE_KEYS = ("pcnn_dataset", "pcnn_folder", "pixelcnn_speed", "pcnn_watch_speed", "pcnn_comp_region",
             "pcnn_rf_layers")

st.title("PixelCNN")
st.caption("An autoregressive model writes an image one value at a time, in raster order, each drawn from a "
           "distribution predicted from everything drawn before it: p(x) = Π p(x_i | x_<i).")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **Bits per dimension** is the held-out negative log-likelihood per colour value (lower is better); "
        "unlike a GAN or a VAE, a PixelCNN gives the exact likelihood of every image.\n"
        "- **Watch a sample being drawn**: the orange frame is the pixel being drawn, the bars its predicted "
        "distribution. On digits the categorical output learns that only 17 grey levels occur: the bars are "
        "spikes. Early in a digit the distributions are broad; once a stroke has begun they are nearly certain.\n"
        "- **Temperature** below 1 sharpens every distribution: cleaner, more alike samples; above 1, noisier ones.\n"
        "- **Completion**: hide part of a held-out image and sample the rest several times: each completion is "
        "consistent with what is visible, and they differ where the image is ambiguous.\n"
        "- **Blind spot**: stacked masked 3x3 convolutions never see a wedge of earlier pixels above and to the "
        "right; the gated PixelCNN (vertical + horizontal stacks) sees all of them.\n"
        "- Sampling is sequential, so it is slow: the **cached** sampler computes only the new position at every "
        "layer instead of the whole image again (same images, many times faster; compare with **naive**).")

controls.warn_bad_url_params(PixelCnnConfig, extra_keys=PAGE_KEYS)
with st.sidebar:
    st.subheader("Data")
    dataset = controls.image_dataset_picker(PixelCnnConfig, "pcnn", folder_labels=False)
    with st.expander("Model (changes start a new model)", expanded=True):
        controls.widgets(PixelCnnConfig, MODEL_KEYS)
    st.subheader("Training (live)")
    controls.widgets(PixelCnnConfig, LIVE_KEYS)
    st.subheader("Sampling")
    controls.widgets(PixelCnnConfig, SAMPLING_KEYS)

keys = ["data_root"] + MODEL_KEYS + LIVE_KEYS + SAMPLING_KEYS
run = model_run.page_run(SLOT, "pixelcnn", keys, dataset, pretrained=pixelcnn_views.PRETRAINED,
                         pretrained_model="A gated PixelCNN",
                         missing_folder="Type the path of an image folder in the sidebar.")


def render(snap) -> None:
    run_controls.status_line(snap)
    preview, history = snap.preview, snap.history()
    left, right = st.columns(2)
    if "samples" in preview:
        left.image(image_views.crisp(preview["samples"], 480), width="stretch", output_format="PNG",
                   caption=f"16 samples (seed 1) from the model at step {preview['step']:,}, redrawn every few "
                           "seconds while training")
    with right:
        st.plotly_chart(charts.curves(history, ["train_bits_per_dim", "bits_per_dim"],
                                      title="Negative log-likelihood (bits per dimension)"), key="pcnn_curve")
    scored = history.dropna(subset=["nll_nats"]) if "nll_nats" in history else history.iloc[0:0]
    if not scored.empty:
        last = scored.iloc[-1]
        cols = st.columns(3)
        cols[0].metric("Held-out NLL", f"{last['nll_nats']:.1f} nats",
                       help="-log p(x) per held-out image, exact (no bound), at the last evaluation.")
        cols[1].metric("Bits per dimension", f"{last['bits_per_dim']:.3f}")
        if "judge_score" in last and last["judge_score"] == last["judge_score"]:
            cols[2].metric("Judge score of samples", f"{last['judge_score']:.2f}",
                           help=f"Inception-style score of {JUDGED:,} samples by the dataset's judge classifier.")


run_controls.live(run, render)

for title, icon, draw in (
    ("Watch a sample being drawn", ":material/brush:", pixelcnn_views.watch),
    ("Complete an image", ":material/auto_fix_high:", pixelcnn_views.completion),
):
    panels.lazy_panel(title, icon, f"pcnn_open_{draw.__name__}", draw, run)  # sampled only while open
panels.lazy_panel("Receptive field: the blind spot of plain PixelCNN", ":material/visibility_off:",
                  "pcnn_open_blind_spot", pixelcnn_views.blind_spot)
