"""Classifier training tricks on a small residual CNN, each one a switch.

    config.py       ClassifierConfig
    trainer.py      ClassifierTrainer: SGD Nesterov, the schedule, distillation's two phases, held-out passes
    augment.py      flips, pad-and-crop, torchvision's policies, five- and ten-crop test-time averaging
    comparisons.py  the Compare presets
"""

from engine.families.classifier.comparisons import COMPARISONS, METRICS
from engine.families.classifier.config import ClassifierConfig
from engine.families.classifier.trainer import ClassifierTrainer
from engine.family import LOWER, Family, Page
from engine.metrics import CLASSIFICATION

FAMILY = Family(
    name="classifier",
    config=ClassifierConfig,
    image_trainer=ClassifierTrainer,
    metrics={**CLASSIFICATION, "teacher_test_error": LOWER},
    image_metrics=METRICS,
    comparisons=COMPARISONS,
    pages=(Page("classifier.py", "Classifier tricks", ":material/checklist:", "classifier", "Classifiers",
                "A small residual CNN with the training checklist: schedules, smoothing, mixup, cutout, "
                "distillation, augmentation policies, test-time augmentation.",
                "Which training tricks help a small classifier here: the learning-rate schedule as a plot, test "
                "error, calibration (label smoothing's effect shows in the reliability diagram) and the mistakes "
                "it makes."),),
)
