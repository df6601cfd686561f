"""Configuration of the `vqvae` family (VQ-VAE and its PixelCNN prior). Key names are a contract: pages, URL and
`--set` all use them."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import (
    ConfigError,
    batch_size_key,
    data_root_key,
    dataset_key,
    device_key,
    eval_every_key,
    log_every_key,
    param,
    seed_key,
)
from engine.families.pixelcnn.sampler import SAMPLERS
from engine.families.vae.bounds import LIKELIHOODS

STAGES = ("vqvae", "prior")
CODEBOOKS = ("ema", "loss")


@dataclass(frozen=True)
class VqvaeConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = dataset_key("digits", "images")
    seed: int = seed_key("the models, the data order, the k-means picks and the restarts")
    device: str = device_key()
    data_root: str = data_root_key()
    batch_size: int = batch_size_key(64, "Images (stage 1) or code maps (stage 2) per step.")
    # --- stage 1: the autoencoder and its codebook ------------------------------------------------------------
    levels: int = param(
        1,
        "1: one code map (VQ-VAE, van den Oord et al. 2017); 2: VQ-VAE-2's hierarchy (Razavi et al. 2019): a top map "
        "at half the side (global shape) and a bottom map conditioned on it (texture). Two levels need images of "
        "side 16, 32 or 64.",
        low=1, high=2, label="Levels",
    )
    codebook_size: int = param(64, "K, the number of code vectors e_1..e_K (the paper uses 512).", low=2, high=1024,
                               label="Codebook size K")
    code_dim: int = param(16, "D, the dimensions of each code vector and of each encoder output z_e.", low=1,
                          high=256, label="Code dimension D")
    width: int = param(32, "Channels of the first encoder layer (doubling as the maps halve); the same convolutional "
                           "paths as the autoencoder family's.", low=4, high=256, label="Width")
    likelihood: str = param(
        "bernoulli",
        "p(x|z_q): bernoulli (cross-entropy on intensities in [0, 1]) or gaussian (squared error, learned std), as "
        "in the autoencoder family.",
        choices=LIKELIHOODS, label="Likelihood",
    )
    codebook: str = param(
        "ema",
        "How the codebook learns: ema, each code the exponential moving average of the encoder outputs that chose "
        "it (N_i <- g N_i + (1-g) n_i, m_i <- g m_i + (1-g) sum z_e, e_i = m_i / N_i; the paper's Appendix A.1); "
        "loss, gradient descent on the codebook loss ||sg[z_e] - e||^2 (eq. 3).",
        choices=CODEBOOKS, label="Codebook update",
    )
    ema_decay: float = param(0.99, "Decay g of the moving-average codebook (0.99 in the paper).", low=0.5,
                             high=0.9999, live=True, label="EMA decay")
    beta: float = param(
        0.25,
        "Weight of the commitment loss beta ||z_e - sg[e]||^2, which keeps the encoder's outputs near their codes "
        "(eq. 3; 0.25 in the paper, results robust from 0.1 to 2.0).",
        low=0.0, high=10.0, live=True, label="β (commitment)",
    )
    kmeans_init: bool = param(
        False,
        "Start the codebook at k-means centroids of the first batch's encoder outputs (SoundStream, Zeghidour et "
        "al. 2021, sec. 3.3) instead of small random vectors.",
        label="k-means initialisation",
    )
    dead_code_restart: bool = param(
        False,
        "Move a code that no encoder output chose for `restart_after` steps onto a random encoder output of the "
        "batch (Jukebox's random restarts, Dhariwal et al. 2020, sec. 3.3; SoundStream sec. 3.3): undoes "
        "codebook collapse.",
        live=True, label="Restart dead codes",
    )
    restart_after: int = param(50, "Steps without being chosen after which a code counts as dead and is restarted.",
                               low=1, high=100_000, live=True, label="Dead after (steps)")
    lr: float = param(1e-3, "Adam learning rate of the encoder, decoder (and codebook, with codebook=loss).",
                      low=1e-6, high=1.0, live=True, log=True, label="Learning rate")
    beside_vae: bool = param(
        False,
        "Also train the autoencoder family's VAE (same convolutional paths, width, likelihood and batches) so its "
        "reconstructions of the same images show beside these; costs about twice the time of stage 1.",
        label="Train a VAE beside it",
    )
    # --- stage 2: the prior -----------------------------------------------------------------------------------
    stage: str = param(
        "vqvae",
        "What the next steps train: vqvae (stage 1: encoder, decoder and codebook) or prior (stage 2: a gated "
        "PixelCNN on the code maps of the training images, stage 1 frozen; sec. 3.3 of the paper).",
        choices=STAGES, live=True, label="Stage",
    )
    prior_after: int = param(0, "Switch to the prior by itself after this many stage-1 steps (0: only when stage is "
                                "prior).", low=0, high=10**7, live=True, label="Prior after (steps)")
    vqvae_run: str = param(
        "",
        "A saved vqvae run folder whose stage 1 (autoencoder and codebook) the prior is trained on, with "
        "stage=prior. Its levels, codebook_size, code_dim, width, likelihood, codebook and beside_vae replace "
        "this run's.",
        label="Stage-1 run folder",
    )
    prior_width: int = param(32, "Feature channels of every layer of the prior's gated PixelCNN.", low=4, high=512,
                             label="Prior width")
    prior_layers: int = param(4, "Gated layers of the prior after the first (deeper sees further).", low=1, high=20,
                              label="Prior layers")
    conditional: bool = param(False, "Condition the prior on the class label (a learned bias per class in every "
                                     "gate, van den Oord et al. 2016b).", label="Class-conditional prior")
    prior_lr: float = param(1e-3, "Adam learning rate of the prior.", low=1e-6, high=1.0, live=True, log=True,
                            label="Prior learning rate")
    sampler: str = param(
        "cached",
        "How the prior is sampled, code by code (the PixelCNN family's sampler): naive, a full pass per code; "
        "cached, only the new position. Both exact: the same code maps for the same seed.",
        choices=SAMPLERS, live=True, label="Sampler",
    )
    temperature: float = param(1.0, "Each code is drawn from p(k)^(1/T), renormalised: 1 = the prior as trained.",
                               low=0.01, high=10.0, live=True, label="Temperature")
    # --- bookkeeping ------------------------------------------------------------------------------------------
    log_every: int = log_every_key()
    eval_every: int = eval_every_key(500, "held-out reconstruction, codebook use, prior, judge")

    def check(self) -> None:
        two_level = ("the prior is learned for one-level models (VQ-VAE-2's bottom prior conditioned on the top map "
                     "is not implemented): set levels=1")
        if self.levels == 2 and self.stage == "prior":
            raise ConfigError("stage", f"stage=prior with levels=2: {two_level}")
        if self.levels == 2 and self.prior_after:
            raise ConfigError("prior_after", f"prior_after with levels=2: {two_level}")
        if self.vqvae_run and self.stage != "prior":
            raise ConfigError("vqvae_run", "vqvae_run (a saved stage-1 run) is read to train its prior: set "
                                           "stage=prior too")
