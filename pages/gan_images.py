"""Image GANs: the tricks of "Improved Techniques for Training GANs" on real images, trained live, judged honestly,
and the later papers' architectures (WGAN, ResNet, SAGAN, ProGAN, StyleGAN, BigGAN's truncation) as switches."""

import streamlit as st

from app.ui import charts, controls, image_views, model_run, panels, run_controls
from engine.families.gan.failure_signs import gan_failure_signs
from engine.families.gan.config import GanConfig, image_defaults

SLOT = "gan_images"
MODEL_KEYS = ["z_dim", "noise", "g_width", "d_width", "g_norm", "d_norm", "d_dropout", "conditional", "optimizer",
              "batch_size", "seed", "precision"]
ARCH_KEYS = ["generator", "upsample", "downsample", "blocks", "g_spectral_norm", "g_leaky_slope", "d_leaky_slope",
             "self_attention", "minibatch_stddev", "g_dropout", "g_ema", "progressive", "progressive_steps"]
TRAINING_KEYS = ["loss", "lr_g", "lr_d", "d_steps", "g_steps", "gp_weight", "weight_clip"]
SAMPLING_KEYS = ["truncation"]
TRICK_KEYS = ["feature_matching", "minibatch_discrimination", "mbd_kernels", "mbd_dim", "historical_averaging",
              "label_smoothing", "virtual_batchnorm", "vbn_reference", "instance_noise", "instance_noise_anneal",
              "spectral_norm", "replay_buffer", "replay_fraction", "ada", "ada_target"]
PAGE_KEYS = ("img_dataset", "img_folder", "gan_images_speed", "interp_mode", "interp_steps", "z_scale")
PRETRAINED = image_views.PRETRAINED_DIGITS

st.title("Image GANs")
st.caption("A DCGAN learns to draw images; switch on the tricks of Salimans et al. (2016) and watch the same 64 "
           "samples (a fixed batch of z) change. The judge, a classifier trained on the real data, scores them.")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **The grid** always shows the generator's output for the same 64 noise vectors, so you see one "
        "generator improve rather than new random draws. On labelled data the models are **class-conditional** by "
        "default (one column per class): the class labels are the trick that helps most, in the paper's Table 3 "
        "and in ours. Switch *Class-conditional* off (Model) to see the unconditional GAN, where the other tricks "
        "and mode collapse matter.\n"
        "- **Judge score** (Inception-style, 1 to 10 for ten classes): high when each sample is clearly one class "
        "and the classes are balanced. **Frechet distance**: how far the samples' judge features are from real "
        "held-out images (lower is better). **Confident fraction** alone can be fooled (noise can look like a "
        "'1' to a classifier), so read it beside the score and the class histogram.\n"
        "- **D(x) histograms**: a discriminator that puts all real images near 1 and all fakes near 0 gives the "
        "generator nothing to learn from.\n"
        "- **Warnings** appear under the grid when a known failure sign shows up.\n"
        "- **Architecture** (sidebar) holds the later papers' ideas: ResNet blocks, self-attention and spectral norm "
        "(SAGAN), minibatch stddev, progressive growing and the generator's moving average (ProGAN), a style-based "
        "generator (StyleGAN). Open **Checkerboard artefacts** with *Up-sampling* = convt and then nearest: the "
        "transposed convolution's checkerboard is energy at the highest frequencies. **Truncation** trades "
        "variety for quality; with *Generator* = style, **style mixing** and the **noise inputs** show what each "
        "layer decides. The Compare page measures each lesson over seeds."
    )

controls.warn_bad_url_params(GanConfig, extra_keys=PAGE_KEYS)
with st.sidebar:
    st.subheader("Data")
    dataset = controls.image_dataset_picker(GanConfig, "img", folder_labels=True)
    defaults = image_defaults(dataset or "folder:")  # conditional where labels are known
    with st.expander("Model (changes start a new model)", expanded=False):
        controls.widgets(GanConfig, MODEL_KEYS, defaults=defaults)
    with st.expander("Architecture: the later papers (changes start a new model)", expanded=False):
        controls.widgets(GanConfig, ARCH_KEYS, defaults=defaults)
    st.subheader("Training (live)")
    controls.widgets(GanConfig, TRAINING_KEYS, defaults=defaults)
    st.subheader("Tricks")
    controls.widgets(GanConfig, TRICK_KEYS, defaults=defaults)
    st.subheader("Sampling (live)")
    controls.widgets(GanConfig, SAMPLING_KEYS, defaults=defaults)

# ---------------------------------------------------------------- the run
keys = ["data_root"] + MODEL_KEYS + ARCH_KEYS + TRAINING_KEYS + TRICK_KEYS + SAMPLING_KEYS
run = model_run.page_run(SLOT, "gan", keys, dataset, defaults=defaults, pretrained=PRETRAINED,
                         pretrained_model="A generator",
                         missing_folder="Type the path of an image folder in the sidebar (one sub-folder per class).")
trainer = run.trainers[0]
num_classes = trainer.num_classes or trainer.data.num_classes


def render(snap) -> None:
    run_controls.status_line(snap)
    preview, history = snap.preview, snap.history()
    left, right = st.columns([3, 2])
    with left:
        image_views.growth_status(preview, trainer.data.train.shape[-1])
        st.image(image_views.crisp(preview["grid"]), caption=f"64 samples of the fixed z at step {preview['step']:,}"
                 + (" (one class per column)" if trainer.num_classes else ""), width="stretch")
        for sign in gan_failure_signs(history, num_classes=num_classes):
            st.warning(sign, icon=":material/warning:")
    with right:
        image_views.judge_metrics(history, num_classes, trainer.data.class_names)
        st.plotly_chart(image_views.d_histograms(preview), key="img_dhist")
    a, b = st.columns(2)
    with a:
        st.plotly_chart(charts.curves(history, ["loss_d", "loss_g"], title="Losses"), key="img_losses")
    with b:
        st.plotly_chart(charts.curves(history, ["grad_norm_d", "grad_norm_g"], title="Gradient norms",
                                      log_y=True),
                        key="img_grads")


run_controls.live(run, render)
image_views.grid_download(run)

walk = st.expander("Walk the latent space: interpolate between two samples", icon=":material/timeline:",
                   key="walk_open", on_change="rerun")
with walk:
    if walk.open:  # decoded only while open: closed, a page rerun costs nothing here
        image_views.interpolation(run, key="interp")

panels.lazy_panel("Truncation: diversity vs quality", ":material/tune:", "trunc_open", image_views.truncation_panel,
                  run)
if trainer.config.generator == "style":
    panels.lazy_panel("Style mixing: coarse styles from one sample, fine from another", ":material/palette:",
                      "mix_open", image_views.style_mixing_panel, run)
    panels.lazy_panel("Noise inputs: what they add", ":material/grain:", "noise_open", image_views.noise_panel, run)
panels.lazy_panel("Checkerboard artefacts: the samples' spectrum", ":material/grid_on:", "checker_open",
                  image_views.checkerboard_panel, run)
