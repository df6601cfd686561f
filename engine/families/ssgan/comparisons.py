"""The semi-supervised GAN's Compare presets: how many labels, and the generator's loss."""

from __future__ import annotations

from engine.family import Comparison

METRICS = ("test_error", "baseline_test_error", "ece")

COMPARISONS: dict[str, Comparison] = {
    "ssgan_labels": Comparison(
        "Semi-supervised GAN: how many labels", "ssgan",
        "The semi-supervised GAN and its supervised baseline (the same network on the labelled images alone) with "
        "10, 100 and all labels. With few labels the unlabelled images and the generator carry the GAN's "
        "classifier past the baseline; with every label the gap closes.",
        {"dataset": "digits"},
        {"10 labels": {"n_labels": "10"}, "100 labels": {"n_labels": "100"}, "all labels": {"n_labels": "all"}},
        METRICS, 1500),
    "ssgan_generator": Comparison(
        "Semi-supervised GAN: the generator's loss", "ssgan",
        "100 labels, and the generator trained by feature matching (the paper's choice for classification), by "
        "the non-saturating loss, or not used at all (unsupervised weight 0: the classifier learns from the "
        "labels alone). The paper finds feature matching gives the better classifier and the worse samples.",
        {"dataset": "digits", "n_labels": "100"},
        {"feature matching": {}, "non-saturating": {"g_loss": "nonsaturating"},
         "no GAN": {"unsupervised_weight": 0.0}},
        ("test_error", "ece"), 1500),  # the baseline is the same network in all three: not compared
}
