"""Evaluation shared by the families: one definition of each metric, used by the command line, the pages and tests.

    judge.py         the judge classifier, trained once per labelled dataset and cached on disk
    judge_network.py the judge's small CNN
    images.py        judge score, Frechet distance, confident fraction, class histogram
    modes2d.py       modes covered, high-quality fraction, mode KL on 2D toys
    calibration.py   reliability bins, ECE, most confident mistakes
    likelihood.py    nats per image and bits per dimension
    significance.py  Welch's t verdicts between variants
    spectrum.py      high-frequency energy (checkerboards)

Which way each shared metric is better is said here, once; a family's record adds only its own metrics.
"""

from engine.family import HIGHER, LOWER

MODES_2D = {"modes_covered": HIGHER, "high_quality_fraction": HIGHER, "mode_kl": LOWER, "grid_js": LOWER}
JUDGE = {"judge_score": HIGHER, "frechet_distance": LOWER, "confident_fraction": HIGHER}
LIKELIHOOD = {"nll_nats": LOWER, "bits_per_dim": LOWER}
CLASSIFICATION = {"test_error": LOWER, "ece": LOWER, "test_nll": LOWER}
SHARED = {**MODES_2D, **JUDGE, **LIKELIHOOD, **CLASSIFICATION}


def directions(*names: str) -> dict[str, str]:
    """The shared metrics `names` with which way each is better (for a family that reports only some of a group)."""
    return {name: SHARED[name] for name in names}
