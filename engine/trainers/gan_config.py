"""Configuration of the `gan` family. These key names are a contract: pages, URL and `--set` all use them."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import ConfigError, param
from engine.tricks.losses import LOSSES

PAPER = "Salimans et al. 2016, Improved Techniques for Training GANs (arXiv:1606.03498)"


@dataclass(frozen=True)
class GanConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = param("ring8", "Dataset name (see `python -m engine datasets`).", label="Dataset")
    seed: int = param(
        0,
        "Seed of the models, the data order and the noise: the same seed gives the same run.",
        low=0,
        high=2**31 - 1,
        label="Seed",
    )
    device: str = param(
        "auto", "Where to train: auto picks cuda when present.", choices=("auto", "cpu", "cuda"), label="Device"
    )
    data_root: str = param("", "Folder holding local dataset files (e.g. the MNIST IDX files).", label="Data folder")
    data_noise: float = param(
        1.0,
        "Multiplies the spread of each mode of a 2D dataset (1 = the dataset's own).",
        low=0.1,
        high=10.0,
        log=True,
        label="Data spread ×",
    )
    batch_size: int = param(256, "Real and fake examples per step.", low=2, high=4096, label="Batch size")
    # --- models -----------------------------------------------------------------------------------------------
    z_dim: int = param(
        2,
        "Size of the noise vector z fed to the generator (GAN Lab uses 2).",
        low=1,
        high=256,
        label="Noise dimension (z)",
    )
    noise: str = param(
        "gaussian",
        "Distribution of z: standard normal or uniform on [-1, 1].",
        choices=("gaussian", "uniform"),
        label="Noise distribution",
    )
    g_depth: int = param(2, "Hidden layers of the generator MLP.", low=1, high=8, label="Generator layers")
    g_width: int = param(128, "Units per hidden layer of the generator.", low=4, high=1024, label="Generator width")
    d_depth: int = param(2, "Hidden layers of the discriminator MLP.", low=1, high=8, label="Discriminator layers")
    d_width: int = param(
        128, "Units per hidden layer of the discriminator.", low=4, high=1024, label="Discriminator width"
    )
    # --- optimisation -----------------------------------------------------------------------------------------
    optimizer: str = param(
        "adam", "Adam (beta1 0.5, beta2 0.999, as in DCGAN) or plain SGD.", choices=("adam", "sgd"), label="Optimizer"
    )
    lr_g: float = param(
        1e-3,
        "Generator learning rate (two time-scale: may differ from lr_d; Heusel et al. 2017).",
        low=1e-6,
        high=10.0,
        live=True,
        log=True,
        label="Generator learning rate",
    )
    lr_d: float = param(
        1e-3,
        "Discriminator learning rate.",
        low=1e-6,
        high=10.0,
        live=True,
        log=True,
        label="Discriminator learning rate",
    )
    d_steps: int = param(
        1,
        "Discriminator updates per training step (k in Goodfellow et al. 2014, Alg. 1).",
        low=1,
        high=20,
        live=True,
        label="D steps per step",
    )
    g_steps: int = param(1, "Generator updates per training step.", low=1, high=20, live=True, label="G steps per step")
    loss: str = param(
        "nonsaturating",
        "GAN objective: minimax (original), nonsaturating (-log D(G(z))), "
        "least squares (Mao 2017), hinge (Lim & Ye 2017), Wasserstein with gradient penalty "
        "(Gulrajani 2017).",
        choices=LOSSES,
        live=True,
        label="Loss",
    )
    gp_weight: float = param(
        10.0,
        "lambda of the WGAN-GP gradient penalty E(||grad D(x_hat)|| - 1)^2.",
        low=0.0,
        high=100.0,
        live=True,
        label="Gradient penalty weight",
    )
    # --- the tricks of Salimans et al. 2016 and common stabilisers --------------------------------------------
    label_smoothing: float = param(
        1.0,
        "One-sided label smoothing: the target for real examples (1.0 = off, "
        "0.9 typical). Fake targets stay 0. " + PAPER + ", Sec. 3.4.",
        low=0.5,
        high=1.0,
        live=True,
        label="Real label (one-sided smoothing)",
    )
    fake_label: float = param(
        0.0,
        "Target for fake examples; > 0 makes smoothing two-sided, which the paper "
        "warns against (it rewards fakes where data is absent).",
        low=0.0,
        high=0.5,
        live=True,
        label="Fake label (two-sided smoothing)",
    )
    minibatch_discrimination: bool = param(
        False,
        "Minibatch discrimination: D sees how close each example is to "
        "the others of its batch, so a collapsed generator is easy to spot. " + PAPER + ", Sec. 3.2.",
        label="Minibatch discrimination",
    )
    mbd_kernels: int = param(
        8, "B: number of minibatch-discrimination kernels.", low=1, high=256, label="MBD kernels (B)"
    )
    mbd_dim: int = param(
        4, "C: size of each minibatch-discrimination kernel.", low=1, high=64, label="MBD kernel size (C)"
    )
    mbd_average: bool = param(
        True,
        "Divide the minibatch features o by the batch size (mean instead of the "
        "paper's sum): same model class, steadier with Adam; measured better on ring8.",
        label="MBD: average over the batch",
    )
    feature_matching: bool = param(
        False,
        "Feature matching: G matches the mean of D's last hidden features on "
        "real data instead of fooling D. " + PAPER + ", Sec. 3.1.",
        live=True,
        label="Feature matching",
    )
    historical_averaging: float = param(
        0.0,
        "Weight of ||theta - mean of past thetas||^2 added to both players' losses (0 = off). " + PAPER + ", Sec. 3.3.",
        low=0.0,
        high=100.0,
        live=True,
        log=True,
        label="Historical averaging weight",
    )
    instance_noise: float = param(
        0.0,
        "Std of Gaussian noise added to real and fake inputs of D, annealed to 0 (Sonderby et al. 2016).",
        low=0.0,
        high=5.0,
        live=True,
        label="Instance noise σ",
    )
    instance_noise_anneal: int = param(
        2000,
        "Steps over which instance noise decays linearly to 0 (0 = constant).",
        low=0,
        high=10**7,
        live=True,
        label="Instance noise anneal steps",
    )
    spectral_norm: bool = param(
        False, "Spectral normalisation of every D layer: W / sigma(W) (Miyato et al. 2018).", label="Spectral norm (D)"
    )
    # --- bookkeeping ------------------------------------------------------------------------------------------
    log_every: int = param(10, "Steps between metric records.", low=1, high=10**6, label="Log every")
    eval_every: int = param(
        200, "Steps between evaluations (modes covered, quality).", low=1, high=10**7, label="Evaluate every"
    )

    def check(self) -> None:
        """Cross-key rules the single-key ranges cannot express."""
        if self.fake_label >= self.label_smoothing:
            raise ConfigError(
                "fake_label",
                f"fake_label ({self.fake_label}) must be below label_smoothing "
                f"({self.label_smoothing}), the real target",
            )
