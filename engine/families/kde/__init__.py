"""Kernel density estimation: Gaussian kernels on the training points, the non-parametric baseline with an exact
likelihood, and its curse of dimensionality.

    config.py       KdeConfig
    density.py      the estimate: log p_h(x) (log-sum-exp), sampling, likelihoods over 256 grey levels
    bandwidth.py    Scott's and Silverman's rules, leave-one-out maximum likelihood
    trainer.py      KdeTrainer (2D points): a step adds kernels; the bandwidth is live
    images.py       ImageKdeTrainer: the same on flattened images, judged by the judge classifier
    curse.py        held-out bits per dimension and samples as images are down-sampled, beside a fitted Gaussian
    pictures.py     the likelihood against the bandwidth, the rules marked
    comparisons.py  the Compare presets
"""

from engine.families.kde.comparisons import COMPARISONS, IMAGE_METRICS, POINTS_METRICS
from engine.families.kde.config import KdeConfig, image_defaults
from engine.families.kde.images import ImageKdeTrainer
from engine.families.kde.trainer import KdeTrainer
from engine.family import Family, Page
from engine.metrics import JUDGE, LIKELIHOOD, MODES_2D

FAMILY = Family(
    name="kde",
    config=KdeConfig,
    image_trainer=ImageKdeTrainer,
    points_trainer=KdeTrainer,
    image_defaults=image_defaults,
    metrics={**LIKELIHOOD, **MODES_2D, **JUDGE},
    points_metrics=POINTS_METRICS,
    image_metrics=IMAGE_METRICS,
    comparisons=COMPARISONS,
    lineup={"points": {}, "images": {}},
    pages=(Page("kde.py", "Kernel density estimation", ":material/blur_on:", "kde", "Densities",
                "Gaussian kernels on the training points: a live bandwidth, Scott's and Silverman's rules, the "
                "exact held-out likelihood, the curse of dimensionality.",
                "What a bandwidth does, why the rules of thumb fail on many modes, and why a KDE that is exact in "
                "2D falls apart on images as the dimension grows."),),
)
