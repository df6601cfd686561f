"""Configuration of the `gan` family. These key names are a contract: pages, URL and `--set` all use them."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import ConfigError, param
from engine.models.dcgan import D_NORMS, G_NORMS
from engine.tricks.losses import LOSSES

# Defaults on images (any dataset that is not a 2D toy) where they differ from the 2D ones; a key the user sets wins.
# DCGAN's shape (Adam, beta1 0.5, batch 64) at a width a CPU trains live, with one-sided label smoothing, and class-
# conditional models where the dataset is known to have labels: the labels are the paper's strongest trick (its
# Table 3; ours in docs/MEASUREMENTS.md). Measured on MNIST on this 2-core CPU, judge score after 1,800 steps:
# conditional lr 1e-3 5.79, conditional lr 5e-4 4.41, unconditional + minibatch discrimination (1,600) 2.56, DCGAN's
# own recipe 1.94 (bench/image_time_to_quality.py).
IMAGE_DEFAULTS = {"batch_size": 64, "z_dim": 64, "g_width": 32, "d_width": 32, "lr_g": 1e-3, "lr_d": 1e-3,
                  "label_smoothing": 0.9, "eval_every": 500, "log_every": 10}
LABELLED_DATASETS = ("digits", "mnist", "fashion_mnist", "cifar10")  # a folder's labels are known only once read
# Keys that mean something for image GANs only (DCGAN models, their normalisations, images' tricks): on 2D points a
# value other than the default is refused with a message naming the key.
IMAGE_ONLY_KEYS = ("g_norm", "virtual_batchnorm", "vbn_reference", "d_norm", "d_dropout", "replay_buffer",
                   "replay_fraction", "ada", "ada_target", "conditional", "precision")


def image_defaults(dataset: str) -> dict:
    """The defaults of `dataset` when it holds images: IMAGE_DEFAULTS, conditional where it is known to be labelled."""
    return {**IMAGE_DEFAULTS, "conditional": dataset in LABELLED_DATASETS}


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
    # --- image GANs (DCGAN models; ignored on 2D data) -------------------------------------------------------------
    g_norm: str = param(
        "batch",
        "Normalisation in the image generator: batch norm, virtual batch norm or none.",
        choices=G_NORMS,
        label="Generator norm",
    )
    virtual_batchnorm: bool = param(
        False,
        "Virtual batch norm in the generator (the same as g_norm=virtual_batch): each example is normalised with "
        "the statistics of a reference batch fixed at the start, never those of its own batch. "
        + PAPER + ", Sec. 3.4.",
        label="Virtual batch norm (G)",
    )
    vbn_reference: int = param(
        64,
        "N: size of the virtual-batch-norm reference batches, drawn once when training starts: N fixed z for the "
        "generator, N fixed real images for a discriminator with d_norm=virtual_batch.",
        low=2,
        high=1024,
        label="VBN reference batch",
    )
    d_norm: str = param(
        "none",
        "Normalisation in the image discriminator (spectral = spectral norm on every layer; virtual_batch = "
        "virtual batch norm with a reference batch of real images fixed at the start).",
        choices=D_NORMS,
        label="Discriminator norm",
    )
    d_dropout: float = param(0.0, "Dropout after each discriminator layer.", low=0.0, high=0.9, label="D dropout")
    replay_buffer: int = param(
        0,
        "Past fakes kept for the discriminator (0 = off); a share of each fake batch comes from them "
        "(Shrivastava et al. 2017).",
        low=0,
        high=100_000,
        label="Replay buffer size",
    )
    replay_fraction: float = param(
        0.5, "Share of each fake batch drawn from the replay buffer.", low=0.0, high=1.0, live=True,
        label="Replay share",
    )
    ada: bool = param(
        False,
        "Adaptive discriminator augmentation: augment what D sees with a probability that follows D's overfitting "
        "signal E[sign D(real)] (Karras et al. 2020).",
        label="Adaptive augmentation (ADA)",
    )
    ada_target: float = param(
        0.6, "ADA raises p while E[sign D(real)] is above this target.", low=0.0, high=1.0, live=True,
        label="ADA target",
    )
    conditional: bool = param(
        False, "Class-conditional generator and (projection) discriminator; needs a labelled dataset.",
        label="Class-conditional",
    )
    precision: str = param(
        "float32", "bf16 autocast of the forward passes (useful on GPUs).", choices=("float32", "bf16"),
        label="Precision",
    )
    # --- bookkeeping ------------------------------------------------------------------------------------------
    log_every: int = param(10, "Steps between metric records.", low=1, high=10**6, label="Log every")
    eval_every: int = param(
        200, "Steps between evaluations (modes covered, quality).", low=1, high=10**7, label="Evaluate every"
    )

    @property
    def generator_norm(self) -> str:
        """The image generator's normalisation: `virtual_batchnorm` is the trick's switch for g_norm=virtual_batch."""
        return "virtual_batch" if self.virtual_batchnorm else self.g_norm

    def check(self) -> None:
        """Cross-key rules the single-key ranges cannot express."""
        if self.fake_label >= self.label_smoothing:
            raise ConfigError(
                "fake_label",
                f"fake_label ({self.fake_label}) must be below label_smoothing "
                f"({self.label_smoothing}), the real target",
            )
