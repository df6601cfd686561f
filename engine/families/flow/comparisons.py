"""The flow family's Compare presets."""

from __future__ import annotations

from engine.family import Comparison

POINTS_METRICS = ("nll_nats", "modes_covered", "high_quality_fraction", "grid_js")
IMAGE_METRICS = ("bits_per_dim", "judge_score", "frechet_distance")

COMPARISONS: dict[str, Comparison] = {
    "flow_models_ring8": Comparison(
        "NICE vs Real NVP vs Glow vs MAF on ring8", "flow",
        "The same depth and width on eight tight, separated modes. NICE's couplings only shift, so volume changes "
        "only in its last scaling; Real NVP's couplings also scale; Glow adds actnorm and a learned rotation "
        "between couplings; MAF conditions each coordinate on the ones before it. Lower held-out NLL is a better "
        "density; the high-quality fraction falls where a flow leaves a bridge of samples between the modes.",
        {"dataset": "ring8"},
        {"NICE": {"model": "nice"}, "Real NVP": {"model": "realnvp"}, "Glow": {"model": "glow"},
         "MAF": {"model": "maf"}},
        POINTS_METRICS, 2000),
    "flow_models_digits": Comparison(
        "NICE vs Real NVP vs Glow vs MAF on digits", "flow",
        "The four models on 8x8 digits, dequantised, scored in bits per dimension (lower is better) and by the "
        "judge on samples at T = 1. Real NVP and Glow are convolutional and multi-scale; NICE and MAF see the image "
        "as one vector of 64 values.",
        {"dataset": "digits"},
        {"NICE": {"model": "nice"}, "Real NVP": {"model": "realnvp"}, "Glow": {"model": "glow"},
         "MAF": {"model": "maf"}},
        IMAGE_METRICS, 1000),
    "flow_depth": Comparison(
        "Depth of a Real NVP on ring8", "flow",
        "2, 4, 8 and 16 affine couplings. A coupling flow is continuous and invertible, so it cannot tear the "
        "Gaussian apart: it stretches it into the modes and leaves thin bridges of density between them. Depth "
        "makes the bridges thinner (higher high-quality fraction, lower NLL); it never removes them.",
        {"dataset": "ring8", "model": "realnvp"},
        {"depth 2": {"depth": 2}, "depth 4": {"depth": 4}, "depth 8": {"depth": 8}, "depth 16": {"depth": 16}},
        POINTS_METRICS, 2000),
    "glow_ablation": Comparison(
        "Glow: actnorm and the 1x1 convolution", "flow",
        "Glow as published, without actnorm, and with a fixed permutation (a shuffle, or Real NVP's reversal) in "
        "place of the learned invertible 1x1 convolution (Kingma & Dhariwal 2018, Sec. 5.1 and Fig. 3).",
        {"dataset": "digits", "model": "glow"},
        {"Glow": {}, "no actnorm": {"actnorm": False}, "fixed shuffle": {"mixing": "shuffle"},
         "fixed reverse": {"mixing": "reverse"}},
        IMAGE_METRICS, 1000),
}
