"""The VQ-VAE family's Compare presets: against the VAE on the same convolutional paths, the two codebook updates,
the dead-code restart, the codebook size."""

from __future__ import annotations

from engine.family import Comparison

COMPARISONS: dict[str, Comparison] = {
    "vqvae_vs_vae": Comparison(
        "VAE vs VQ-VAE", "vqvae",
        "The autoencoder family's VAE (β = 1, and β = 4, whose KL term switches latent dimensions off: posterior "
        "collapse, fewer active units) and a VQ-VAE on the same convolutional encoder and decoder, the same data and "
        "seeds. Nothing pulls the VQ-VAE's codes towards its prior (its KL is the constant log K per code), so none "
        "collapses: compare reconstructions and codes used. Its prior is a PixelCNN trained on its code maps for "
        "the last third of the steps; the VAE's is N(0, I).",
        {"dataset": "digits"},
        {"VAE (β = 1)": {"family": "vae"}, "VAE (β = 4)": {"family": "vae", "beta": 4.0},
         "VQ-VAE": {"prior_after": 1000}},
        ("reconstruction", "judge_score", "frechet_distance", "active_units", "codes_used"), 1500),
    "vqvae_codebook": Comparison(
        "Codebook: loss vs moving averages", "vqvae",
        "The codebook trained by the codebook loss ||sg[z_e] - e||^2 (eq. 3 of van den Oord et al. 2017) or as "
        "exponential moving averages of the encoder outputs that chose each code (their Appendix A.1, decay 0.99).",
        {"dataset": "digits"},
        {"codebook loss": {"codebook": "loss"}, "moving averages": {"codebook": "ema"}},
        ("reconstruction", "perplexity", "codes_used"), 1500),
    "vqvae_restart": Comparison(
        "Dead-code restart on and off", "vqvae",
        "A larger codebook (K = 256) with and without restarting the codes nobody chose for 50 steps onto encoder "
        "outputs (Jukebox's random restarts): without, a share of the codebook dies (codebook collapse) and "
        "perplexity stays low.",
        {"dataset": "digits", "codebook_size": 256},
        {"no restart": {"dead_code_restart": False}, "restart": {"dead_code_restart": True}},
        ("codes_used", "perplexity", "reconstruction"), 1500),
    "vqvae_codebook_size": Comparison(
        "Codebook size", "vqvae",
        "K = 8, 64 and 512 codes: more codes carry more bits per position (log2 K) and reconstruct better, until "
        "they go unused.",
        {"dataset": "digits", "dead_code_restart": True},
        {"K = 8": {"codebook_size": 8}, "K = 64": {"codebook_size": 64}, "K = 512": {"codebook_size": 512}},
        ("reconstruction", "perplexity", "codes_used"), 1500),
}
