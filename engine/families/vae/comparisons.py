"""The autoencoder family's Compare presets."""

from __future__ import annotations

from engine.family import Comparison

COMPARISONS: dict[str, Comparison] = {
    "vae_beta": Comparison(
        "β sweep for the VAE", "vae",
        "The KL weight β at 0.5, 1 (the ELBO) and 4 (a β-VAE): larger β pulls codes towards N(0, I), so prior "
        "samples improve while reconstructions blur and latent dimensions go inactive. The ELBO and the "
        "likelihood bound are computed with β = 1 for all three, so they compare fairly.",
        {"dataset": "digits"},
        {"β = 0.5": {"beta": 0.5}, "β = 1": {"beta": 1.0}, "β = 4": {"beta": 4.0}},
        ("elbo", "nll_iw", "judge_score", "active_units"), 1500),
}
