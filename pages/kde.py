"""Kernel density estimation: Gaussian kernels on the training points, a live bandwidth with its rules, the exact
held-out likelihood, and the curse of dimensionality on images."""

import streamlit as st

from app.ui import controls, data_picker, kde_views, model_run, panels, run_controls
from engine.families.kde.config import KdeConfig, image_defaults

SLOT = "kde"
MODEL_KEYS = ["kernels", "batch_size", "seed"]
LIVE_KEYS = ["bandwidth_rule", "bandwidth"]
PAGE_KEYS = ("kde_dataset", "kde_folder", "kde_speed")

st.title("Kernel density estimation")
st.caption("No network, no gradients: put a small Gaussian bump of width h on every training point and average "
           "them, p(x) = (1/n) Σ N(x; x_i, h² I). Each step adds more training points as kernels.")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **The bandwidth h** is the only setting that matters, and it is live. Small h: a spike on every "
        "training point; large h: one blurred blob.\n"
        "- **Scott's and Silverman's rules** (σ n^(-1/(D+4)), times (4/(D+2))^(1/(D+4)) for Silverman: the same "
        "in 2D) are right for one Gaussian. On ring8 they pick h ≈ 0.4 for modes of width 0.02: zero modes "
        "covered. **Leave-one-out** picks the h that best predicts each training point from the others.\n"
        "- **Held-out NLL** is exact: a KDE has a likelihood you can compute. The panel below draws it against h "
        "with every rule marked.\n"
        "- **On images** every sample is a training image plus noise (shown beside the image it came from), and "
        "the **curse of dimensionality** panel shows the KDE falling behind a plain Gaussian as the images grow "
        "from 4x4 to 28x28 pixels.")

controls.warn_bad_url_params(KdeConfig, extra_keys=PAGE_KEYS)
with st.sidebar:
    st.subheader("Data")
    dataset, defaults = data_picker.points_or_images(KdeConfig, "kde", image_defaults)
    with st.expander("Estimate (changes start a new one)", expanded=True):
        controls.widgets(KdeConfig, MODEL_KEYS, defaults=defaults)
    st.subheader("Bandwidth (live)")
    controls.widgets(KdeConfig, LIVE_KEYS)

keys = ["data_root", "data_noise"] + MODEL_KEYS + LIVE_KEYS
run = model_run.page_run(SLOT, "kde", keys, dataset, defaults=defaults,
                         missing_folder="Type the path of an image folder in the sidebar.")
trainer = run.trainers[0]


def render(snap) -> None:
    run_controls.status_line(snap)
    if trainer.data_kind == "images":
        kde_views.images_area(snap)
    else:
        kde_views.points_area(snap, trainer.data.bounds)


run_controls.live(run, render)

panels.lazy_panel("Held-out likelihood against the bandwidth", ":material/show_chart:", "kde_open_bandwidth",
                  kde_views.bandwidth_panel, run)
panels.lazy_panel("Lesson: the curse of dimensionality", ":material/school:", "kde_open_curse",
                  kde_views.curse_panel, run)
