"""PixelCNN and gated PixelCNN: exact likelihoods, and images drawn value by value.

    config.py          PixelCnnConfig
    trainer.py         PixelCnnTrainer: maximum likelihood on integer pixel values
    likelihoods.py     the three output distributions (Bernoulli, 256-way softmax, logistic mixture), temperature
    sampler.py         the raster-scan sampler, written once: naive / cached, completion, the watchable movie
    receptive_field.py which inputs an output sees, from gradients
    lessons.py         the page's lessons: the frozen model it samples from, completion regions, the blind spot
    comparisons.py     the Compare presets
"""

from engine.families.pixelcnn.comparisons import COMPARISONS
from engine.families.pixelcnn.config import PixelCnnConfig
from engine.families.pixelcnn.trainer import PixelCnnTrainer
from engine.family import Family, Page
from engine.metrics import JUDGE, LIKELIHOOD

FAMILY = Family(
    name="pixelcnn",
    config=PixelCnnConfig,
    image_trainer=PixelCnnTrainer,
    metrics={**LIKELIHOOD, **JUDGE},
    image_metrics=("bits_per_dim", "nll_nats", "judge_score"),
    comparisons=COMPARISONS,
    lineup={"images": {}},
    pages=(Page("pixelcnn.py", "PixelCNN", ":material/grid_on:", "pixelcnn", "Autoregressive",
                "Plain and gated PixelCNN: exact likelihood, sampling you can watch, completion, the blind spot.",
                "An image written one value at a time: watch each pixel drawn from its predicted distribution, "
                "complete half-hidden digits, and see why stacked masked convolutions have a blind spot."),),
)
