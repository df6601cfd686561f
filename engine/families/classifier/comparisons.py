"""The classifier family's Compare presets: one trick at a time, and learning-rate schedules."""

from __future__ import annotations

from engine.family import Comparison

METRICS = ("test_error", "ece", "test_nll")

COMPARISONS: dict[str, Comparison] = {
    "classifier_tricks": Comparison(
        "Classifier tricks", "classifier",
        "A small residual CNN on digits with one trick at a time: label smoothing (0.1), mixup (α = 0.2), cutout "
        "(a 3-pixel square) and pad-and-crop (1 pixel). Watch the test error and the calibration (ECE).",
        {"dataset": "digits", "total_steps": 1000},
        {"baseline": {}, "label smoothing": {"label_smoothing": 0.1}, "mixup": {"mixup": 0.2},
         "cutout": {"cutout": 3}, "pad and crop": {"crop_padding": 1}},
        METRICS, 1000),
    "classifier_schedule": Comparison(
        "Learning-rate schedules", "classifier",
        "The same network and data under a constant learning rate, cosine decay, and cosine decay after a warm-up "
        "of 100 steps (Goyal et al. 2017; Loshchilov & Hutter 2017).",
        {"dataset": "digits", "total_steps": 1000},
        {"constant": {"schedule": "constant"}, "cosine": {"schedule": "cosine"},
         "warm-up + cosine": {"schedule": "cosine", "warmup_steps": 100}},
        METRICS, 1000),
}
