"""Diffusion: DDPM on 2D points (an MLP with a time embedding) and on images (a small U-Net), DDPM or DDIM sampling.

    config.py       DiffusionConfig: every key, its help and range (the page, the URL and --set read it)
    schedule.py     the noise schedules: linear, cosine
    forward.py      the forward process: one step, q(x_t | x_0), the posterior, the prior term, the score
    objective.py    L_simple, DDPM's training target
    sampler.py      the reverse process written once: DDIM's update, DDPM's ancestral sampling as its case
    networks.py     the time embedding and the MLP on 2D points
    unet.py         the small U-Net on images
    images.py       ImageDiffusionTrainer
    pictures.py     the page's pictures: forward chain, score arrows, reverse paths
    comparisons.py  the Compare presets (too few steps, DDIM vs DDPM, schedules)
"""

from engine.families.diffusion.comparisons import COMPARISONS, IMAGE_METRICS, POINTS_METRICS
from engine.families.diffusion.config import DiffusionConfig, image_defaults
from engine.families.diffusion.images import ImageDiffusionTrainer
from engine.families.diffusion.trainer import PointsDiffusionTrainer
from engine.family import LOWER, Family, Page
from engine.metrics import JUDGE, MODES_2D

FAMILY = Family(
    name="diffusion",
    config=DiffusionConfig,
    image_trainer=ImageDiffusionTrainer,
    points_trainer=PointsDiffusionTrainer,
    image_defaults=image_defaults,
    metrics={**MODES_2D, **JUDGE, "denoising_loss": LOWER, "prior_kl": LOWER, "sample_seconds": LOWER},
    points_metrics=POINTS_METRICS,
    image_metrics=IMAGE_METRICS,
    comparisons=COMPARISONS,
    lineup={"points": {}, "images": {}},  # its defaults in the every-family comparisons (engine/compare.py)
    pages=(Page("diffusion.py", "Diffusion models", ":material/blur_on:", "diffusion", "Diffusion",
                "DDPM on 2D toys and images: noise added step by step, the learned score, reverse paths, DDIM.",
                "How a diffusion model turns noise into data: the forward chain, the noise prediction as a score "
                "field, reverse trajectories, why too few steps give fuzzy samples, and DDIM's shortcut."),),
)
