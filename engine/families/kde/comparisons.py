"""The KDE family's Compare presets: the bandwidth rules on a 2D toy and on digits."""

from __future__ import annotations

from engine.family import Comparison

POINTS_METRICS = ("nll_nats", "modes_covered", "high_quality_fraction", "grid_js")
IMAGE_METRICS = ("bits_per_dim", "judge_score", "frechet_distance")
RULES = {"leave-one-out": {"bandwidth_rule": "loo"}, "Scott": {"bandwidth_rule": "scott"},
         "Silverman": {"bandwidth_rule": "silverman"}}
# In two dimensions Silverman's factor (4 / (D + 2))^(1/(D+4)) n^(-1/(D+4)) is Scott's: 4 / (D + 2) = 1.
RULES_2D = {"leave-one-out": {"bandwidth_rule": "loo"}, "Scott = Silverman": {"bandwidth_rule": "scott"},
            "h = 0.1": {"bandwidth_rule": "manual", "bandwidth": 0.1}}

COMPARISONS: dict[str, Comparison] = {
    "kde_bandwidth_ring8": Comparison(
        "KDE bandwidth rules on ring8", "kde",
        "Scott's and Silverman's rules assume the data is one Gaussian: on a ring of 8 sharp modes they pick a "
        "bandwidth about 20 times the modes' width, so samples smear over the whole ring and no mode is covered. "
        "Leave-one-out maximum likelihood picks h from the data and covers all eight. (In 2D Silverman's rule is "
        "Scott's.)",
        {"dataset": "ring8"}, RULES_2D, POINTS_METRICS, 40),
    "kde_bandwidth_digits": Comparison(
        "KDE bandwidth rules on digits", "kde",
        "The same rules on 64-dimensional images: in high dimensions the rules' factor n^(-1/(D+4)) tends to 1, "
        "a bandwidth as wide as the data itself, and the samples drown in noise.",
        {"dataset": "digits"}, RULES, IMAGE_METRICS, 30),
}
