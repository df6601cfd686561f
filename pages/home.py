"""Home: what GenLab is, the families, the device, and which datasets work offline."""

import pandas as pd
import streamlit as st

from app.ui import nav
from app.ui.sidebar import device_label
from engine.data import list_datasets

st.title("GenLab")
st.markdown(
    "**Watch generative models learn, switch the tricks that make them work, and measure what each trick does.** "
    "GenLab trains small models live on this machine while you watch and play: every control has the equation "
    "and the paper behind it, every page has a *what to look for* panel, and every number is measured the same "
    "way on the page, on the command line (`python -m engine`) and in the tests.")

st.subheader("Lessons")
st.page_link(nav.page("gan_2d.py"), label="2D GAN playground", icon=":material/scatter_plot:",
             help="GAN Lab's views plus the tricks of Salimans et al. 2016, honest mode metrics, your own data.")
st.caption("A generator and a discriminator on 2D data: the discriminator's field, the generator's manifold, "
           "gradients on fakes, mode collapse and the tricks that fix it.")
st.page_link(nav.page("gan_images.py"), label="Image GANs", icon=":material/photo_library:",
             help="A DCGAN on digits, MNIST, CIFAR-10 or your folder, with every trick as a switch.")
st.caption("Feature matching, minibatch discrimination, historical averaging, one-sided label smoothing and virtual "
           "batch norm on real images, judged by a classifier: score, Frechet distance, class histogram.")
st.page_link(nav.page("vae.py"), label="Autoencoders and VAEs", icon=":material/compress:",
             help="Autoencoder, denoising autoencoder and VAE: reconstruct, sample, interpolate, walk the latent "
                  "space.")
st.caption("Why a plain autoencoder cannot generate, what the KL term buys, why VAE samples are blurry, and what a "
           "latent space looks like.")
st.page_link(nav.page("pixelcnn.py"), label="PixelCNN", icon=":material/grid_on:",
             help="Plain and gated PixelCNN: exact likelihood, sampling you can watch, completion, the blind spot.")
st.caption("An image written one value at a time: watch each pixel drawn from its predicted distribution, complete "
           "half-hidden digits, and see why stacked masked convolutions have a blind spot.")
st.page_link(nav.page("ssgan.py"), label="Semi-supervised GAN", icon=":material/label_important:",
             help="A K+1-class discriminator learns from 100 labels and many unlabelled images, beside a baseline.")
st.caption("How a GAN helps classification: the paper's MNIST recipe against the same network trained on the labels "
           "alone, with test error curves, samples and calibration.")
st.page_link(nav.page("classifier.py"), label="Classifier tricks", icon=":material/checklist:",
             help="A small residual CNN with the training checklist: schedules, smoothing, mixup, cutout, "
                  "distillation, augmentation policies, test-time augmentation.")
st.caption("Which training tricks help a small classifier here: the learning-rate schedule as a plot, test error, "
           "calibration (label smoothing's effect shows in the reliability diagram) and the mistakes it makes.")
st.page_link(nav.page("compare.py"), label="Compare tricks", icon=":material/compare:",
             help="Variants trained side by side on the same seeds and data, with mean ± sd and honest verdicts.")
st.caption("The paper's ablation, mode collapse, label smoothing, the loss zoo, D steps, the VAE's β, plain vs gated "
           "PixelCNN, label counts for the semi-supervised GAN, classifier tricks: side by side, synchronised by "
           "step, judged over seeds.")

left, right = st.columns(2)
with left:
    st.subheader("Device")
    st.markdown(f"Training runs on **{device_label()}**.")
with right:
    st.subheader("Datasets")


@st.cache_data(ttl=60)
def dataset_table() -> pd.DataFrame:
    frame = pd.DataFrame(list_datasets())
    frame["offline"] = frame["offline"].map({True: "yes", False: "no"})
    return frame.rename(columns={"offline": "available offline"})


with right:
    st.table(dataset_table().set_index("name"))
    st.caption("Without internet, `digits` (scikit-learn's 8x8 handwritten digits) and the 2D toys always work; "
               "MNIST-like sets work when their files are on disk (`--set data_root=DIR`).")
