"""The semi-supervised GAN of Salimans et al. 2016 (sec. 5), beside its supervised baseline.

    config.py       SsganConfig
    trainer.py      SsganTrainer: the K+1 classifier, the feature-matching generator and the baseline, one step each
    comparisons.py  the Compare presets
"""

from engine.families.ssgan.comparisons import COMPARISONS, METRICS
from engine.families.ssgan.config import SsganConfig
from engine.families.ssgan.trainer import SsganTrainer
from engine.family import LOWER, Family, Page
from engine.metrics import CLASSIFICATION

FAMILY = Family(
    name="ssgan",
    config=SsganConfig,
    image_trainer=SsganTrainer,
    metrics={**CLASSIFICATION, "baseline_test_error": LOWER, "baseline_ece": LOWER, "baseline_test_nll": LOWER},
    image_metrics=METRICS,
    comparisons=COMPARISONS,
    pages=(Page("ssgan.py", "Semi-supervised GAN", ":material/label_important:", "ssgan", "Classifiers",
                "A K+1-class discriminator learns from 100 labels and many unlabelled images, beside a baseline.",
                "How a GAN helps classification: the paper's MNIST recipe against the same network trained on the "
                "labels alone, with test error curves, samples and calibration."),),
)
