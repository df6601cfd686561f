"""VQ-VAE: each image a small map of codebook indices; the codebook's use live, codes swapped and decoded alone, and
a PixelCNN prior (stage 2) that paints new code maps."""

import math

import streamlit as st

from app.ui import charts, controls, image_views, model_run, panels, run_controls, saved_runs, vqvae_views
from engine.families.vqvae import pictures
from engine.families.vqvae.config import VqvaeConfig
from engine.families.vqvae.trainer import HISTOGRAM_IMAGES

SLOT = "vqvae"
MODEL_KEYS = ["levels", "codebook_size", "code_dim", "width", "likelihood", "codebook", "kmeans_init", "beside_vae",
              "batch_size", "seed"]
LIVE_KEYS = ["lr", "beta", "ema_decay", "dead_code_restart", "restart_after"]
PRIOR_KEYS = ["stage", "prior_after", "prior_lr"]
PRIOR_MODEL_KEYS = ["prior_width", "prior_layers", "conditional"]
SAMPLING_KEYS = ["sampler", "temperature"]
PAGE_DEFAULTS = {"beside_vae": True}  # the page shows the VAE's reconstructions beside the VQ-VAE's
PAGE_KEYS = ("vqvae_dataset", "vqvae_folder", "vqvae_speed", "vqvae_watch_speed")

st.title("VQ-VAE")
st.caption("The encoder turns an image into a small map of vectors; each is replaced by its nearest vector in a "
           "codebook of K, so an image becomes a map of code indices. A decoder draws it back; a PixelCNN learned "
           "on the code maps afterwards (stage 2) paints new ones.")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **Reconstructions**: the middle row (VQ-VAE) beside the bottom row (the VAE on the same encoder and "
        "decoder paths, same batches). The code map carries up to h·w·log2 K bits and nothing pulls it towards a "
        "prior, so it is sharper; its KL term is the constant log K per code, so it cannot collapse.\n"
        "- **Code maps**: each image's codes as coloured cells, one colour per index. Similar strokes get the same "
        "colours; the background is one code.\n"
        "- **Codebook use**: the histogram counts the codes of held-out images. *Perplexity* (exp of the entropy "
        "of code use) and *codes used in the last epoch* fall when codes die — **codebook collapse**. With the "
        "small random start and a large K many codes are never chosen; switch on **Restart dead codes** (live) and "
        "watch them come back, or start a new model with **k-means initialisation**.\n"
        "- **Swap one code** and decode: one cell changes a local piece of the image. **Every code alone** shows "
        "what each piece is.\n"
        "- **Stage 2, the prior**: press *Train the prior* once reconstructions look good. Samples before it are "
        "codes drawn uniformly (noise); after, digits. *Bits per code* falls from log2 K. Painting an image takes "
        "h·w draws (16 on digits, 49 on MNIST) instead of one per pixel.")

controls.warn_bad_url_params(VqvaeConfig, extra_keys=PAGE_KEYS)
vqvae_views.warn_run_folder_in_url()
with st.sidebar:
    st.subheader("Data")
    dataset = controls.image_dataset_picker(VqvaeConfig, "vqvae", folder_labels=False)
    with st.expander("Model (changes start a new model)", expanded=True):
        controls.widgets(VqvaeConfig, MODEL_KEYS, defaults=PAGE_DEFAULTS)
    st.subheader("Training (live)")
    controls.widgets(VqvaeConfig, LIVE_KEYS)
    st.subheader("Stage 2: the prior")
    controls.widgets(VqvaeConfig, PRIOR_KEYS)
    with st.expander("Prior model (changes start a new model)"):
        controls.widgets(VqvaeConfig, PRIOR_MODEL_KEYS)
    st.subheader("Sampling")
    controls.widgets(VqvaeConfig, SAMPLING_KEYS)

keys = ["data_root"] + MODEL_KEYS + LIVE_KEYS + PRIOR_KEYS + PRIOR_MODEL_KEYS + SAMPLING_KEYS
run = model_run.page_run(SLOT, "vqvae", keys, dataset, defaults=PAGE_DEFAULTS,
                         loaded=saved_runs.take_loaded(SLOT),
                         missing_folder="Type the path of an image folder in the sidebar.")
trainer = run.trainers[0]
codes = trainer.config.codebook_size


def _train_prior() -> None:
    st.session_state["stage"] = "prior"


if trainer.stage == "vqvae" and trainer.model.levels == 1:
    st.button(":material/skip_next: Train the prior", key="vqvae_to_prior", on_click=_train_prior,
              help="Stage 2: freeze the autoencoder and its codebook and train a gated PixelCNN on the code maps of "
                   "the training images (the same as setting Stage to prior).")


def render(snap) -> None:
    run_controls.status_line(snap)
    preview, history = snap.preview, snap.history()
    stage = preview["stage"]
    if stage == "prior":
        st.markdown("**Stage 2: the prior trains on the code maps** (stage 1 frozen)")
    elif st.session_state.get("stage") == "prior":
        st.markdown("**Stage 2 starts at the next step**: press Play or Step")
    else:
        st.markdown("**Stage 1: the autoencoder and its codebook train**")
    rows = "held-out images, VQ-VAE" + (", VAE (same batches)" if trainer.vae is not None else "")
    left, right = st.columns(2)
    left.image(image_views.crisp(preview["reconstructions"], 480), width="stretch", output_format="PNG",
               caption=f"Rows: {rows}, at step {preview['step']:,}")
    right.image(image_views.crisp(preview["samples"], 480), width="stretch", output_format="PNG",
                caption="Samples from the PixelCNN prior (seed 1, redrawn every few seconds)" if trainer.prior_steps
                else "Uniformly drawn codes, decoded: what the model generates before it has a prior")
    maps = preview["code_maps"]
    names = ("bottom (texture)", "top (shape)") if len(maps) == 2 else ("",)
    for level, (k, histogram, name) in enumerate(zip(maps, preview["histograms"], names)):
        st.image(pictures.code_map_row(k, codes, cell=max(4, 64 // k.shape[-1])), output_format="PNG",
                 caption=f"Code maps {name} of the same held-out images, one colour per code index")
        a, b = st.columns(2)
        a.plotly_chart(vqvae_views.histogram(histogram, f"Codes of {HISTOGRAM_IMAGES} held-out images {name}".strip()),
                       key=f"vqvae_hist{level}")
        suffix = "_top" if level == 1 else ""
        b.plotly_chart(charts.curves(history, [f"perplexity{suffix}", f"codes_used{suffix}", f"dead_codes{suffix}"],
                                     title="Perplexity, codes used in the last epoch, dead codes"),
                       key=f"vqvae_use{suffix}")
    if "levels" in preview:
        st.image(image_views.crisp(preview["levels"], 480), width="stretch", output_format="PNG",
                 caption="Rows: held-out images; the top level alone (bottom codes zero); the bottom level alone "
                         "(top codes zero); both")
    a, b = st.columns(2)
    a.plotly_chart(charts.curves(history, ["reconstruction", "vae_reconstruction", "commitment"],
                                 title="Reconstruction (nats per image) and ||z_e - e||²"), key="vqvae_losses")
    b.plotly_chart(charts.curves(history, ["prior_train_bits_per_code", "prior_bits_per_code"],
                                 title="Prior: bits per code (uniform = log2 K)"), key="vqvae_prior_curve")
    scored = history.dropna(subset=["reconstruction", "perplexity"]) if "perplexity" in history else history[0:0]
    evaluated = scored.dropna(subset=["bits_per_dim"]) if "bits_per_dim" in scored else scored[0:0]
    if not evaluated.empty:
        last = evaluated.iloc[-1]
        cols = st.columns(4)
        cols[0].metric("Held-out reconstruction", f"{last['reconstruction']:.1f} nats",
                       help="-log p(x|z_q) per held-out image, at the last evaluation.")
        cols[1].metric("Perplexity", f"{last['perplexity']:.1f} of {codes}",
                       help="exp of the entropy of the held-out images' code histogram: codes in effective use.")
        cols[2].metric("Bits per dimension", f"{last['bits_per_dim']:.3f}",
                       help="(reconstruction + -log p(codes)) / pixels / ln 2, with the uniform prior (log K nats "
                            "per code) until the PixelCNN prior trains.")
        if "prior_bits_per_code" in last and last["prior_bits_per_code"] == last["prior_bits_per_code"]:
            cols[3].metric("Prior: bits per code", f"{last['prior_bits_per_code']:.2f}",
                           help=f"Held-out code maps under the prior; uniform: log2 K = {math.log2(codes):.2f}.")
    if trainer.prior_steps:
        image_views.judge_metrics(history, trainer.data.num_classes, trainer.data.class_names)


run_controls.live(run, render)

for title, icon, draw in (
    ("Swap one code in a map", ":material/swap_horiz:", vqvae_views.swap_panel),
    ("What each code means: every code decoded alone", ":material/view_module:", vqvae_views.every_code_panel),
    ("Watch the prior paint a code map", ":material/brush:", vqvae_views.watch_panel),
    ("Complete a half-hidden code map", ":material/auto_fix_high:", vqvae_views.completion_panel),
):
    panels.lazy_panel(title, icon, f"vqvae_open_{draw.__name__}", draw, run)  # decoded or sampled only while open
panels.lazy_panel("Saved runs: load one (a stage 1 to train a prior on)", ":material/folder_open:",
                  "vqvae_open_saved", vqvae_views.saved_runs_panel)
