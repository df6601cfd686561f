"""The comparisons a workshop reaches for, each with a sentence on what it shows. Plain dicts, one per lesson."""

from __future__ import annotations

from engine.compare import Comparison
from engine.presets import MBD, MODE_COLLAPSE_BASE

GAN_2D_METRICS = ("modes_covered", "high_quality_fraction", "mode_kl")
IMAGE_METRICS = ("judge_score", "frechet_distance")
# The paper's Table 3 on images: class labels (L), minibatch discrimination, one-sided label smoothing and virtual
# batch norm together, then each removed (bench/image_ablation.py measures the same on MNIST).
ALL_TRICKS = {"dataset": "digits", "conditional": True, "minibatch_discrimination": True, "label_smoothing": 0.9,
              "virtual_batchnorm": True}
RING8 = {"dataset": "ring8"}
SSGAN_METRICS = ("test_error", "baseline_test_error", "ece")
CLASSIFIER_METRICS = ("test_error", "ece", "test_nll")

COMPARISONS: dict[str, Comparison] = {
    "paper_ablation": Comparison(
        "The paper's ablation (Table 3)", "gan",
        "All the tricks of Salimans et al. (2016) on digits, then each taken away: minibatch discrimination (-MBF), "
        "one-sided label smoothing (-LS), virtual batch norm replaced by batch norm (-VBN +BN), and the class "
        "labels replaced by historical averaging (-L +HA). In the paper the labels matter most.",
        ALL_TRICKS,
        {"all tricks": {},
         "-MBF": {"minibatch_discrimination": False},
         "-LS": {"label_smoothing": 1.0},
         "-VBN +BN": {"virtual_batchnorm": False, "g_norm": "batch"},
         "-L +HA": {"conditional": False, "historical_averaging": 0.01}},
        IMAGE_METRICS, 1000),
    "mode_collapse": Comparison(
        "Mode collapse on ring8", "gan",
        "A plain GAN with one-dimensional noise on a ring of 8 modes settles on a few of them; the same GAN with "
        "minibatch discrimination, same seed and data, spreads over the ring (Salimans et al. 2016, sec. 3.2).",
        dict(MODE_COLLAPSE_BASE),
        {"plain": {}, "minibatch discrimination": dict(MBD)},
        GAN_2D_METRICS, 3000),
    "label_smoothing": Comparison(
        "One-sided vs two-sided label smoothing", "gan",
        "Real targets 0.9 (one-sided) against real 0.9 and fake 0.1 (two-sided) and no smoothing. Two-sided "
        "smoothing rewards fakes where there is no data, which the paper warns against (sec. 3.4): watch the "
        "share of samples near a mode.",
        RING8,
        {"none": {}, "one-sided (0.9)": {"label_smoothing": 0.9},
         "two-sided (0.9 / 0.1)": {"label_smoothing": 0.9, "fake_label": 0.1}},
        GAN_2D_METRICS, 2000),
    "loss_zoo": Comparison(
        "The loss zoo", "gan",
        "The same networks and data under four objectives: the non-saturating GAN loss, the hinge loss, least "
        "squares and the Wasserstein loss with gradient penalty.",
        RING8,
        {"nonsaturating": {"loss": "nonsaturating"}, "hinge": {"loss": "hinge"},
         "least squares": {"loss": "least_squares"}, "WGAN-GP": {"loss": "wgan_gp"}},
        GAN_2D_METRICS, 2000),
    "d_steps": Comparison(
        "Discriminator steps per generator step", "gan",
        "1, 2 or 5 discriminator updates before each generator update: a stronger discriminator gives sharper "
        "gradients, or none at all once it wins.",
        RING8,
        {"1 D step": {"d_steps": 1}, "2 D steps": {"d_steps": 2}, "5 D steps": {"d_steps": 5}},
        GAN_2D_METRICS, 2000),
    "vae_beta": Comparison(
        "β sweep for the VAE", "vae",
        "The KL weight β at 0.5, 1 (the ELBO) and 4 (a β-VAE): larger β pulls codes towards N(0, I), so prior "
        "samples improve while reconstructions blur and latent dimensions go inactive. The ELBO and the "
        "likelihood bound are computed with β = 1 for all three, so they compare fairly.",
        {"dataset": "digits"},
        {"β = 0.5": {"beta": 0.5}, "β = 1": {"beta": 1.0}, "β = 4": {"beta": 4.0}},
        ("elbo", "nll_iw", "judge_score", "active_units"), 1500),
    "pixelcnn_gated": Comparison(
        "Plain vs gated PixelCNN", "pixelcnn",
        "The same width and depth with masked convolutions alone (blind spot) and with the gated vertical and "
        "horizontal stacks (no blind spot): lower bits per dimension is a better model of the data.",
        {"dataset": "digits"},
        {"plain PixelCNN": {"variant": "pixelcnn"}, "gated PixelCNN": {"variant": "gated"}},
        ("bits_per_dim", "nll_nats", "judge_score"), 800),
    "ssgan_labels": Comparison(
        "Semi-supervised GAN: how many labels", "ssgan",
        "The semi-supervised GAN and its supervised baseline (the same network on the labelled images alone) with "
        "10, 100 and all labels. With few labels the unlabelled images and the generator carry the GAN's "
        "classifier past the baseline; with every label the gap closes.",
        {"dataset": "digits"},
        {"10 labels": {"n_labels": "10"}, "100 labels": {"n_labels": "100"}, "all labels": {"n_labels": "all"}},
        SSGAN_METRICS, 1500),
    "ssgan_generator": Comparison(
        "Semi-supervised GAN: the generator's loss", "ssgan",
        "100 labels, and the generator trained by feature matching (the paper's choice for classification), by "
        "the non-saturating loss, or not used at all (unsupervised weight 0: the classifier learns from the "
        "labels alone). The paper finds feature matching gives the better classifier and the worse samples.",
        {"dataset": "digits", "n_labels": "100"},
        {"feature matching": {}, "non-saturating": {"g_loss": "nonsaturating"},
         "no GAN": {"unsupervised_weight": 0.0}},
        ("test_error", "ece"), 1500),  # the baseline is the same network in all three: not compared
    "classifier_tricks": Comparison(
        "Classifier tricks", "classifier",
        "A small residual CNN on digits with one trick at a time: label smoothing (0.1), mixup (α = 0.2), cutout "
        "(a 3-pixel square) and pad-and-crop (1 pixel). Watch the test error and the calibration (ECE).",
        {"dataset": "digits", "total_steps": 1000},
        {"baseline": {}, "label smoothing": {"label_smoothing": 0.1}, "mixup": {"mixup": 0.2},
         "cutout": {"cutout": 3}, "pad and crop": {"crop_padding": 1}},
        CLASSIFIER_METRICS, 1000),
    "classifier_schedule": Comparison(
        "Learning-rate schedules", "classifier",
        "The same network and data under a constant learning rate, cosine decay, and cosine decay after a warm-up "
        "of 100 steps (Goyal et al. 2017; Loshchilov & Hutter 2017).",
        {"dataset": "digits", "total_steps": 1000},
        {"constant": {"schedule": "constant"}, "cosine": {"schedule": "cosine"},
         "warm-up + cosine": {"schedule": "cosine", "warmup_steps": 100}},
        CLASSIFIER_METRICS, 1000),
}
