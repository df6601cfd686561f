"""VQ-VAE: discrete codes (a map of codebook indices per image) and a PixelCNN prior that paints them.

    config.py          VqvaeConfig
    trainer.py         VqvaeTrainer: stage 1 (autoencoder and codebook), stage 2 (the prior on the code maps)
    networks.py        the encoder and decoder on the autoencoder family's convolutional paths; one or two levels
    quantizer.py       nearest code, straight-through gradient, codebook and commitment losses, perplexity
    moving_average.py  the moving-average codebook update
    kmeans.py          k-means initialisation from the first batch
    restart.py         restart of dead codes from encoder outputs
    prior.py           the gated PixelCNN prior over code maps, sampled with the PixelCNN family's sampler
    saved_stage1.py    a saved run's stage 1 to train a prior on (vqvae_run)
    pictures.py        the page's pictures: coloured code maps, swapped codes, every code alone, the prior's movie
    comparisons.py     the Compare presets
"""

from engine.families.vqvae.comparisons import COMPARISONS
from engine.families.vqvae.config import VqvaeConfig
from engine.families.vqvae.trainer import VqvaeTrainer
from engine.family import HIGHER, LOWER, Family, Page
from engine.metrics import JUDGE, directions

FAMILY = Family(
    name="vqvae",
    config=VqvaeConfig,
    image_trainer=VqvaeTrainer,
    metrics={**JUDGE, **directions("bits_per_dim"), "reconstruction": LOWER, "perplexity": HIGHER,
             "codes_used": HIGHER, "dead_codes": LOWER, "prior_bits_per_code": LOWER, "prior_nll_nats": LOWER,
             "vae_reconstruction": LOWER,
             "active_units": HIGHER},  # the VAE's, shown beside codes_used in the VAE-vs-VQ-VAE preset
    image_metrics=("reconstruction", "perplexity", "codes_used", "judge_score"),
    comparisons=COMPARISONS,
    lineup={"images": {"prior_after": 500}},  # half the line-up's steps on each stage
    pages=(Page("vqvae.py", "VQ-VAE", ":material/view_module:", "vqvae", "Autoencoders",
                "VQ-VAE: each image a small map of codebook indices; watch the codebook's use live, swap codes, "
                "then train a PixelCNN prior that paints new code maps.",
                "Discrete latent codes you can read: nearest-code quantisation with a straight-through gradient, "
                "codebook collapse and the tricks that prevent it, and why a prior over codes samples far faster "
                "than one over pixels."),),
)
