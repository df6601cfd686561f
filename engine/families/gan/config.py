"""Configuration of the `gan` family. These key names are a contract: pages, URL and `--set` all use them."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import (
    ConfigError,
    batch_size_key,
    data_noise_key,
    data_root_key,
    dataset_key,
    device_key,
    eval_every_key,
    log_every_key,
    param,
    seed_key,
)
from engine.models.gan_layers import BLOCKS, D_NORMS, DOWNSAMPLES, G_NORMS, UPSAMPLES
from engine.tricks.losses import LOSSES

# Defaults on images (any dataset that is not a 2D toy) where they differ from the 2D ones; a key the user sets wins.
# DCGAN's shape (Adam, beta1 0.5, batch 64) at a width a CPU trains live, with one-sided label smoothing, and class-
# conditional models where the dataset is known to have labels: the labels are the paper's strongest trick (its
# Table 3). Conditional at lr 1e-3 reached the highest judge score of the recipes tried at equal steps on MNIST,
# well ahead of DCGAN's own (docs/MEASUREMENTS.md, "Image GANs"; bench/image_time_to_quality.py).
IMAGE_DEFAULTS = {"batch_size": 64, "z_dim": 64, "g_width": 32, "d_width": 32, "lr_g": 1e-3, "lr_d": 1e-3,
                  "label_smoothing": 0.9, "eval_every": 500, "log_every": 10}
LABELLED_DATASETS = ("digits", "mnist", "fashion_mnist", "cifar10")  # a folder's labels are known only once read
# Keys that mean something for image GANs only (DCGAN models, their normalisations, images' tricks): on 2D points a
# value other than the default is refused with a message naming the key.
IMAGE_ONLY_KEYS = ("g_norm", "virtual_batchnorm", "vbn_reference", "d_norm", "d_dropout", "replay_buffer",
                   "replay_fraction", "ada", "ada_target", "conditional", "precision",
                   # the later papers' architectures
                   "generator", "upsample", "downsample", "blocks", "g_spectral_norm", "g_leaky_slope", "d_leaky_slope",
                   "self_attention", "minibatch_stddev", "g_dropout", "g_ema", "progressive", "progressive_steps",
                   "truncation")


def image_defaults(dataset: str) -> dict:
    """The defaults of `dataset` when it holds images: IMAGE_DEFAULTS, conditional where it is known to be labelled."""
    return {**IMAGE_DEFAULTS, "conditional": dataset in LABELLED_DATASETS}


PAPER = "Salimans et al. 2016, Improved Techniques for Training GANs (arXiv:1606.03498)"
SNGAN = "Miyato et al. 2018, SNGAN (arXiv:1802.05957)"
PROGAN = "Karras et al. 2018, ProGAN (arXiv:1710.10196)"


@dataclass(frozen=True)
class GanConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = dataset_key("ring8", "a 2D toy or images")
    seed: int = seed_key("the models, the data order and the noise")
    device: str = device_key()
    data_root: str = data_root_key()
    data_noise: float = data_noise_key()
    batch_size: int = batch_size_key(256, "Real and fake examples per step.")
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
        "adam",
        "Adam (beta1 0.5, beta2 0.999, as in DCGAN), plain SGD, or RMSprop (alpha 0.99, no momentum), which the "
        "Wasserstein GAN uses because momentum made its critic unstable (Arjovsky et al. 2017, Sec. 4).",
        choices=("adam", "sgd", "rmsprop"),
        label="Optimizer",
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
        "least squares (Mao 2017), hinge (Lim & Ye 2017), Wasserstein: E D(fake) - E D(real) with the gradient "
        "penalty (Gulrajani 2017), or, with gp_weight=0 and weight_clip=0.01, the original WGAN's weight clipping "
        "(Arjovsky 2017).",
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
    weight_clip: float = param(
        0.0,
        "c of the Wasserstein GAN: after every discriminator (critic) update each of its weights is clipped to "
        "[-c, c] (0 = off; the paper: 0.01 with RMSprop, lr 5e-5 and 5 critic steps; Arjovsky et al. 2017, Alg. 1).",
        low=0.0,
        high=1.0,
        live=True,
        log=True,
        label="Critic weight clipping c",
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
        "Normalisation in the image generator: batch (Ioffe & Szegedy 2015), virtual batch (" + PAPER + "), none, "
        "conditional_batch (gain and bias from a class embedding shared by every layer, BigGAN, Brock et al. 2019; "
        "needs conditional), self_modulated (gain and bias from z by small MLPs, Chen et al. 2019), instance "
        "(Ulyanov et al. 2016), layer (Ba et al. 2016), group (Wu & He 2018), pixel (each pixel's features to unit "
        "mean square, " + PROGAN + ") or spectral (no activation norm, spectral norm on the weights, " + SNGAN + ").",
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
        "Normalisation in the image discriminator (spectral = spectral norm on every layer, " + SNGAN + "; "
        "virtual_batch = virtual batch norm with a reference batch of real images fixed at the start; batch, "
        "instance, layer, group, pixel as for g_norm; the class- and z-modulated norms are the generator's).",
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
    # --- architectures of the later papers (image GANs; the defaults are DCGAN's) ----------------------------------
    generator: str = param(
        "dcgan",
        "dcgan: DCGAN's convolutional generator with the keys below (Radford et al. 2016); style: a style-based "
        "generator: mapping network z -> w, a learned constant, modulated convolutions and per-pixel noise inputs "
        "(StyleGAN, Karras et al. 2019; modulation as StyleGAN2, 2020). Its demodulation replaces g_norm.",
        choices=("dcgan", "style"),
        label="Generator",
    )
    upsample: str = param(
        "convt",
        "How the generator doubles a side: convt = 4x4 transposed convolution of stride 2 (DCGAN; its uneven overlap "
        "draws checkerboards), nearest = nearest-neighbour resize then a 3x3 convolution (Odena et al. 2016, "
        "Distill), pixelshuffle = a convolution to 4x the channels laid out as 2x2 pixels (Shi et al. 2016).",
        choices=UPSAMPLES,
        label="Up-sampling (G)",
    )
    downsample: str = param(
        "stride",
        "How the discriminator halves a side: stride = 4x4 convolution of stride 2 (DCGAN), avgpool = 3x3 convolution "
        "then 2x2 average pooling (ProGAN, the ResNet GANs).",
        choices=DOWNSAMPLES,
        label="Down-sampling (D)",
    )
    blocks: str = param(
        "plain",
        "plain = DCGAN's layers; resnet = residual blocks in both networks, y = F(x) + shortcut(x), "
        "norm-activation-conv twice (Gulrajani et al. 2017, App. F; " + SNGAN + ").",
        choices=BLOCKS,
        label="Blocks",
    )
    g_spectral_norm: bool = param(
        False,
        "Spectral norm on every generator layer too, W / sigma(W), on top of g_norm (SAGAN, Zhang et al. 2019: it "
        "steadies the generator; the same as g_norm=spectral with g_norm's normalisation kept).",
        label="Spectral norm (G)",
    )
    g_leaky_slope: float = param(
        0.0,
        "The generator's activation: 0 = ReLU (DCGAN), > 0 = LeakyReLU with this slope (StyleGAN uses 0.2).",
        low=0.0,
        high=0.5,
        label="G LeakyReLU slope",
    )
    d_leaky_slope: float = param(
        0.2,
        "The discriminator's activation: LeakyReLU with this slope (DCGAN: 0.2), 0 = ReLU (the ResNet GANs).",
        low=0.0,
        high=0.5,
        label="D LeakyReLU slope",
    )
    self_attention: int = param(
        0,
        "Side of the feature map (e.g. 14 for MNIST, 4 for digits) that gets a self-attention layer in both "
        "networks: each position attends over all others, y = gamma o + x with gamma learned from 0 (SAGAN, Zhang "
        "et al. 2019, arXiv:1805.08318). 0 = off.",
        low=0,
        high=256,
        label="Self-attention at side",
    )
    minibatch_stddev: bool = param(
        False,
        "Minibatch standard deviation: D's last map gets one more channel, the mean over features and positions of "
        "the batch's standard deviation, so a batch short of variety is easy to spot (" + PROGAN + ", Sec. 3).",
        label="Minibatch stddev (D)",
    )
    g_dropout: float = param(
        0.0,
        "Dropout after each generator block, kept on when sampling: the generator's noise in pix2pix (Isola et al. "
        "2017), the GAN hacks' tip 17 (0.5). Samples of a fixed seed stay fixed (0 = off).",
        low=0.0,
        high=0.9,
        label="G dropout (kept at sampling)",
    )
    g_ema: int = param(
        0,
        "Half-life in steps of an exponential moving average of the generator's weights, beta = 0.5^(1/half-life), "
        "used for every sample and metric (" + PROGAN + "; StyleGAN). 0 = off; 500 is beta 0.9986.",
        low=0,
        high=10**6,
        label="Generator EMA half-life (steps)",
    )
    progressive: bool = param(
        False,
        "Progressive growing: train at the smallest side first, then fade in each doubling with alpha 0 -> 1 in both "
        "networks (" + PROGAN + ", Sec. 3). The sample grid grows with it.",
        label="Progressive growing",
    )
    progressive_steps: int = param(
        500,
        "Steps per phase of progressive growing: the smallest side trains this long, then each next side fades in "
        "for this many steps and trains as long again.",
        low=1,
        high=10**6,
        label="Steps per growing phase",
    )
    truncation: float = param(
        1.0,
        "The truncation trick, psi: every sample's latent is pulled towards the mean, w' = w_avg + psi (w - w_avg) for "
        "the style generator (StyleGAN), z' = psi z for the DCGAN (BigGAN's trade of diversity for quality). 1 = "
        "off; the evaluations always use 1.",
        low=0.0,
        high=1.0,
        live=True,
        label="Truncation psi",
    )
    # --- bookkeeping ------------------------------------------------------------------------------------------
    log_every: int = log_every_key()
    eval_every: int = eval_every_key(200, "modes covered, quality; the judge on images")

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
        if self.g_norm == "conditional_batch" and not self.conditional:
            raise ConfigError("g_norm", "g_norm=conditional_batch takes the class from an embedding shared by every "
                                        "batch norm: it needs conditional=true (a labelled dataset)")
        if self.generator == "style":
            for key, default in (("g_norm", "batch"), ("virtual_batchnorm", False), ("g_spectral_norm", False)):
                if getattr(self, key) != default:
                    raise ConfigError(key, f"'{key}' shapes the dcgan generator; the style generator normalises by "
                                           f"weight demodulation (leave {key} at {default!r} with generator=style)")
        if self.progressive:
            if self.replay_buffer:
                raise ConfigError("replay_buffer", "a replay buffer keeps past fakes of one size, and progressive "
                                                   "growing changes the size: use one or the other")
            if self.d_norm == "virtual_batch":
                raise ConfigError("d_norm", "d_norm=virtual_batch keeps a reference batch of full-size real images; "
                                            "progressive growing shows D smaller ones: pick another d_norm")
