"""Configuration of the `ssgan` family (semi-supervised GAN). Key names are a contract: pages, URL and `--set` use
them."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import (
    batch_size_key,
    data_root_key,
    dataset_key,
    device_key,
    eval_every_key,
    log_every_key,
    param,
    seed_key,
)

LABEL_COUNTS = ("10", "20", "50", "100", "200", "1000", "all")
G_LOSSES = ("feature_matching", "nonsaturating")


@dataclass(frozen=True)
class SsganConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = dataset_key("digits", "labelled images")
    seed: int = seed_key("the networks, the labelled subset, the data order and the noise")
    device: str = device_key()
    data_root: str = data_root_key()
    n_labels: str = param(
        "100",
        "How many training images keep their label, balanced across the classes (drawn by the seed); the others "
        "are used without labels. The paper's MNIST result: 100 labels, 0.93% test error.",
        choices=LABEL_COUNTS,
        label="Labelled images",
    )
    batch_size: int = batch_size_key(100, "Labelled images per step; as many unlabelled and generated (the paper: "
                                          "100).")
    # --- networks ---------------------------------------------------------------------------------------------
    d_width: int = param(
        1000,
        "First hidden layer of the classifier; the others are 1/2, 1/4, 1/4, 1/4 of it (the paper: 1000).",
        low=16, high=4000, label="Classifier width")
    g_width: int = param(500, "Hidden units of the generator's two layers (the paper: 500).", low=8, high=4000,
                         label="Generator width")
    z_dim: int = param(100, "Size of the generator's noise z.", low=1, high=512, label="Noise dimensions")
    input_noise: float = param(
        0.6,
        "Std of the Gaussian noise added to the classifier's input: 0.6 on images in [-1, 1] is the paper's 0.3 on "
        "images in [0, 1].",
        low=0.0, high=2.0, label="Input noise")
    hidden_noise: float = param(0.5, "Std of the Gaussian noise added before each hidden layer (the paper: 0.5).",
                                low=0.0, high=2.0, label="Hidden noise")
    weight_norm: bool = param(True, "Weight normalisation of the classifier's layers (Salimans & Kingma 2016).",
                              label="Weight norm")
    # --- training ---------------------------------------------------------------------------------------------
    lr: float = param(3e-3, "Adam learning rate of all three networks (beta1 = 0.5; the paper's code: 0.003).",
                      low=1e-6, high=1.0, live=True, log=True, label="Learning rate")
    unsupervised_weight: float = param(
        1.0,
        "Weight of the unsupervised real / generated terms in the classifier's loss; 0 = supervised training on "
        "the labelled images alone (then the GAN teaches nothing).",
        low=0.0, high=10.0, live=True, label="Unsupervised weight")
    g_loss: str = param(
        "feature_matching",
        "The generator's loss: feature matching (match the mean of the classifier's last hidden layer on real "
        "data; the paper's choice for classification) or the non-saturating GAN loss -log D(G(z)).",
        choices=G_LOSSES, live=True, label="Generator loss")
    average: float = param(
        0.99,
        "Decay of the exponential moving average of the classifiers' weights that the test error is measured on "
        "(Polyak averaging; the released code: 0.9999 over 180,000 steps; 0.99 averages about the last 100 steps, "
        "for runs of thousands). 0 = the current weights.",
        low=0.0, high=0.99999, label="Weight average decay")
    # --- bookkeeping ------------------------------------------------------------------------------------------
    log_every: int = log_every_key()
    eval_every: int = eval_every_key(50, "test error of both classifiers: one cheap pass over the held-out images each")
