"""The PixelCNN family's Compare presets."""

from __future__ import annotations

from engine.family import Comparison

COMPARISONS: dict[str, Comparison] = {
    "pixelcnn_gated": Comparison(
        "Plain vs gated PixelCNN", "pixelcnn",
        "The same width and depth with masked convolutions alone (blind spot) and with the gated vertical and "
        "horizontal stacks (no blind spot): lower bits per dimension is a better model of the data.",
        {"dataset": "digits"},
        {"plain PixelCNN": {"variant": "pixelcnn"}, "gated PixelCNN": {"variant": "gated"}},
        ("bits_per_dim", "nll_nats", "judge_score"), 800),
}
