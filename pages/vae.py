"""Autoencoders, denoising autoencoders and VAEs: reconstruct, sample, interpolate, walk the latent space."""

import streamlit as st

from app.ui import charts, controls, image_views, model_run, panels, run_controls, vae_views
from engine.families.vae.config import VaeConfig

SLOT = "vae"
MODEL_KEYS = ["model", "latent_dim", "width", "likelihood", "binarize", "batch_size", "seed"]
LIVE_KEYS = ["lr", "beta", "noise", "noise_level"]
PAGE_KEYS = ("vae_dataset", "vae_folder", "vae_speed", "vae_steps", "vae_mode")

st.title("Autoencoders and VAEs")
st.caption("An encoder squeezes each image into a short code z, a decoder rebuilds the image from it. A VAE also "
           "asks the codes to look like N(0, I), and that is what lets it generate.")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **Reconstructions** (each input beside its output) sharpen quickly for all three models.\n"
        "- **Samples from the prior**: decode z ~ N(0, I). A VAE gives digits; a plain autoencoder, whose codes sit "
        "wherever they like, gives smudges (the lesson at the bottom shows both).\n"
        "- **β** weighs the KL term: raise it and codes crowd towards N(0, I) — smoother samples, blurrier "
        "reconstructions, fewer *active* dimensions in the KL chart (posterior collapse when they reach 0).\n"
        "- VAE samples are blurry: the decoder shows the *mean* of p(x|z), an average of the images a code could be.\n"
        "- **ELBO** = reconstruction log-likelihood minus KL, a lower bound of log p(x); the importance-weighted "
        "bound (nll_iw, k samples) is tighter.")

controls.warn_bad_url_params(VaeConfig, extra_keys=PAGE_KEYS)
with st.sidebar:
    st.subheader("Data")
    dataset = controls.image_dataset_picker(VaeConfig, "vae", folder_labels=False)
    with st.expander("Model (changes start a new model)", expanded=True):
        controls.widgets(VaeConfig, MODEL_KEYS)
    st.subheader("Training (live)")
    controls.widgets(VaeConfig, LIVE_KEYS)

keys = ["data_root"] + MODEL_KEYS + LIVE_KEYS
run = model_run.page_run(SLOT, "vae", keys, dataset, pretrained=vae_views.PRETRAINED["vae"], pretrained_model="A VAE",
                         missing_folder="Type the path of an image folder in the sidebar.")
trainer = run.trainers[0]
variational = trainer.config.model == "vae"


def render(snap) -> None:
    run_controls.status_line(snap)
    preview, history = snap.preview, snap.history()
    left, right = st.columns(2)
    left.image(image_views.crisp(preview["reconstructions"], 480), width="stretch",
               caption=f"Held-out images and their reconstructions (in pairs) at step {preview['step']:,}")
    right.image(image_views.crisp(preview["samples"], 480), width="stretch",
                caption="Decoded z ~ N(0, I): the same 64 codes all along")
    a, b = st.columns(2)
    with a:
        columns = ["elbo"] if variational else ["reconstruction"]
        st.plotly_chart(charts.curves(history, columns, title="ELBO (nats per image)" if variational
                                      else "Reconstruction loss (nats per image)"), key="vae_main_curve")
    with b:
        if variational:
            st.plotly_chart(vae_views.kl_bars(preview["kl_per_dim"]), key="vae_kl_bars")
        else:
            st.caption("An autoencoder has no KL term: its codes are not asked to follow any distribution.")
    if variational:
        st.plotly_chart(charts.curves(history, ["reconstruction", "kl"], title="Reconstruction and KL"),
                        key="vae_parts")
    scored = history.dropna(subset=["judge_score"]) if "judge_score" in history else history.iloc[0:0]
    if not scored.empty:
        last = scored.iloc[-1]
        cols = st.columns(4)
        cols[0].metric("Judge score of prior samples", f"{last['judge_score']:.2f}",
                       help="Inception-style score of decoded N(0, I) samples, by the dataset's judge classifier.")
        if variational and "nll_iw" in last:
            cols[1].metric("NLL (importance-weighted)", f"{last['nll_iw']:.1f} nats",
                           help=f"-log p(x) bound with k = {int(last.get('nll_iw_k', 0))} samples (Burda et al. "
                                "2016), held-out images.")
            cols[2].metric("Bits per dimension", f"{last['bits_per_dim']:.3f}")
            cols[3].metric("Active units", f"{int(last['active_units'])} / {trainer.config.latent_dim}",
                           help="Dimensions whose posterior mean varies across images (Cov > 0.01).")


run_controls.live(run, render)

for title, icon, draw in (
    ("Map of the latent space", ":material/scatter_plot:", vae_views.latent_map),
    ("Draw a digit: its reconstruction and its place on the map", ":material/draw:", vae_views.drawn_digit),
    ("Interpolate between two images", ":material/timeline:", vae_views.interpolation),
    ("Four-corner grid", ":material/grid_view:", vae_views.corners),
    ("One slider per latent dimension", ":material/tune:", vae_views.traversal),
):
    panels.lazy_panel(title, icon, f"vae_open_{draw.__name__}", draw, run)  # decoded only while open
panels.lazy_panel("Lesson: which one can generate? Autoencoder vs VAE", ":material/school:", "vae_open_lesson",
                  vae_views.ae_vs_vae_lesson)
