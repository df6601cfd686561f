"""The GAN family's Compare presets: the paper's ablation, mode collapse, label smoothing, the loss zoo, D steps."""

from __future__ import annotations

from engine.families.gan.presets import MBD, MODE_COLLAPSE_BASE
from engine.family import Comparison

POINTS_METRICS = ("modes_covered", "high_quality_fraction", "mode_kl")
IMAGE_METRICS = ("judge_score", "frechet_distance")
# The paper's Table 3 on images: class labels (L), minibatch discrimination, one-sided label smoothing and virtual
# batch norm together, then each removed (bench/image_ablation.py measures the same on MNIST).
ALL_TRICKS = {"dataset": "digits", "conditional": True, "minibatch_discrimination": True, "label_smoothing": 0.9,
              "virtual_batchnorm": True}
RING8 = {"dataset": "ring8"}

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
        POINTS_METRICS, 3000),
    "label_smoothing": Comparison(
        "One-sided vs two-sided label smoothing", "gan",
        "Real targets 0.9 (one-sided) against real 0.9 and fake 0.1 (two-sided) and no smoothing. Two-sided "
        "smoothing rewards fakes where there is no data, which the paper warns against (sec. 3.4): watch the "
        "share of samples near a mode.",
        RING8,
        {"none": {}, "one-sided (0.9)": {"label_smoothing": 0.9},
         "two-sided (0.9 / 0.1)": {"label_smoothing": 0.9, "fake_label": 0.1}},
        POINTS_METRICS, 2000),
    "loss_zoo": Comparison(
        "The loss zoo", "gan",
        "The same networks and data under four objectives: the non-saturating GAN loss, the hinge loss, least "
        "squares and the Wasserstein loss with gradient penalty.",
        RING8,
        {"nonsaturating": {"loss": "nonsaturating"}, "hinge": {"loss": "hinge"},
         "least squares": {"loss": "least_squares"}, "WGAN-GP": {"loss": "wgan_gp"}},
        POINTS_METRICS, 2000),
    "d_steps": Comparison(
        "Discriminator steps per generator step", "gan",
        "1, 2 or 5 discriminator updates before each generator update: a stronger discriminator gives sharper "
        "gradients, or none at all once it wins.",
        RING8,
        {"1 D step": {"d_steps": 1}, "2 D steps": {"d_steps": 2}, "5 D steps": {"d_steps": 5}},
        POINTS_METRICS, 2000),
}
