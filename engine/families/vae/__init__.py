"""Autoencoders: a plain autoencoder, a denoising autoencoder and a VAE on one convolutional encoder and decoder.

    config.py       VaeConfig
    trainer.py      VaeTrainer: reconstruction (+ beta KL for the VAE), encode / decode for the page's views
    bounds.py       log-likelihoods, the closed-form KL, the importance-weighted bound, active units
    comparisons.py  the Compare presets
"""

from engine.families.vae.comparisons import COMPARISONS
from engine.families.vae.config import VaeConfig
from engine.families.vae.trainer import VaeTrainer
from engine.family import HIGHER, LOWER, Family, Page
from engine.metrics import JUDGE, directions

FAMILY = Family(
    name="vae",
    config=VaeConfig,
    image_trainer=VaeTrainer,
    metrics={**JUDGE, **directions("bits_per_dim"), "elbo": HIGHER, "nll_iw": LOWER, "reconstruction": LOWER,
             "active_units": HIGHER},
    image_metrics=("elbo", "nll_iw", "judge_score", "active_units"),
    comparisons=COMPARISONS,
    lineup={"images": {}},
    pages=(Page("vae.py", "Autoencoders and VAEs", ":material/compress:", "vae", "Autoencoders",
                "Autoencoder, denoising autoencoder and VAE: reconstruct, sample, interpolate, walk the latent "
                "space.",
                "Why a plain autoencoder cannot generate, what the KL term buys, why VAE samples are blurry, and "
                "what a latent space looks like."),),
)
