"""The GAN family's Compare presets: the paper's ablation, mode collapse, label smoothing, the loss zoo, D steps,
and the later papers' architectures: checkerboards, ResNet blocks, the SAGAN recipe, normalisations, WGAN clipping
against the gradient penalty, the generator's EMA and four generators side by side."""

from __future__ import annotations

from engine.families.gan.presets import MBD, MODE_COLLAPSE_BASE
from engine.family import Comparison

POINTS_METRICS = ("modes_covered", "high_quality_fraction", "mode_kl")
IMAGE_METRICS = ("judge_score", "frechet_distance")
# The paper's Table 3 on images: class labels (L), minibatch discrimination, one-sided label smoothing and virtual
# batch norm together, then each removed (bench/image_ablation.py measures the same on MNIST).
ALL_TRICKS = {"dataset": "digits", "conditional": True, "minibatch_discrimination": True, "label_smoothing": 0.9,
              "virtual_batchnorm": True}
RING8 = {"dataset": "ring8"}
DIGITS = {"dataset": "digits"}
# The later papers' recipes. Self-attention sits at the 4x4 map of digits (on MNIST use 14 or 7).
SAGAN = {"spectral_norm": True, "g_spectral_norm": True, "loss": "hinge", "self_attention": 4, "lr_g": 1e-4,
         "lr_d": 4e-4}
STYLE = {"generator": "style", "g_leaky_slope": 0.2}
CHECKERBOARD_METRICS = ("judge_score", "frechet_distance", "high_frequency_gap")

COMPARISONS: dict[str, Comparison] = {
    "paper_ablation": Comparison(
        "The paper's ablation (Table 3)", "gan",
        "All the tricks of Salimans et al. (2016) on digits, then each taken away: minibatch discrimination (-MBF), "
        "one-sided label smoothing (-LS), virtual batch norm replaced by batch norm (-VBN +BN), and the class "
        "labels replaced by historical averaging (-L +HA). In the paper the labels matter most.",
        ALL_TRICKS,
        {"all tricks": {},
         "-MBF": {"minibatch_discrimination": False},
         "-LS": {"label_smoothing": 1.0},
         "-VBN +BN": {"virtual_batchnorm": False, "g_norm": "batch"},
         "-L +HA": {"conditional": False, "historical_averaging": 0.01}},
        IMAGE_METRICS, 1000),
    "mode_collapse": Comparison(
        "Mode collapse on ring8", "gan",
        "A plain GAN with one-dimensional noise on a ring of 8 modes settles on a few of them; the same GAN with "
        "minibatch discrimination, same seed and data, spreads over the ring (Salimans et al. 2016, sec. 3.2).",
        dict(MODE_COLLAPSE_BASE),
        {"plain": {}, "minibatch discrimination": dict(MBD)},
        POINTS_METRICS, 3000),
    "label_smoothing": Comparison(
        "One-sided vs two-sided label smoothing", "gan",
        "Real targets 0.9 (one-sided) against real 0.9 and fake 0.1 (two-sided) and no smoothing. Two-sided "
        "smoothing rewards fakes where there is no data, which the paper warns against (sec. 3.4): watch the "
        "share of samples near a mode.",
        RING8,
        {"none": {}, "one-sided (0.9)": {"label_smoothing": 0.9},
         "two-sided (0.9 / 0.1)": {"label_smoothing": 0.9, "fake_label": 0.1}},
        POINTS_METRICS, 2000),
    "loss_zoo": Comparison(
        "The loss zoo", "gan",
        "The same networks and data under four objectives: the non-saturating GAN loss, the hinge loss, least "
        "squares and the Wasserstein loss with gradient penalty.",
        RING8,
        {"nonsaturating": {"loss": "nonsaturating"}, "hinge": {"loss": "hinge"},
         "least squares": {"loss": "least_squares"}, "WGAN-GP": {"loss": "wgan_gp"}},
        POINTS_METRICS, 2000),
    "d_steps": Comparison(
        "Discriminator steps per generator step", "gan",
        "1, 2 or 5 discriminator updates before each generator update: a stronger discriminator gives sharper "
        "gradients, or none at all once it wins.",
        RING8,
        {"1 D step": {"d_steps": 1}, "2 D steps": {"d_steps": 2}, "5 D steps": {"d_steps": 5}},
        POINTS_METRICS, 2000),
    "checkerboard": Comparison(
        "Checkerboard artefacts: transposed vs resize convolution", "gan",
        "The same generator doubling its maps three ways: a 4x4 transposed convolution of stride 2, whose kernel "
        "overlaps unevenly and paints a checkerboard (Odena et al. 2016, Distill), nearest-neighbour resizing then a "
        "3x3 convolution (their fix), and a sub-pixel convolution (PixelShuffle). The high-frequency gap measures "
        "how far the samples' share of energy at the highest frequencies is from the real images'.",
        DIGITS,
        {"transposed convolution": {"upsample": "convt"}, "nearest + convolution": {"upsample": "nearest"},
         "PixelShuffle": {"upsample": "pixelshuffle"}},
        CHECKERBOARD_METRICS, 1000),
    "resnet_vs_plain": Comparison(
        "ResNet blocks vs DCGAN's plain layers", "gan",
        "DCGAN's plain stack of convolutions against residual blocks in both networks (Gulrajani et al. 2017, "
        "App. F; SNGAN), with the same channels at every side, then the ResNet with SNGAN's average-pooling "
        "discriminator.",
        DIGITS,
        {"plain": {}, "ResNet": {"blocks": "resnet"},
         "ResNet, average pooling": {"blocks": "resnet", "downsample": "avgpool"}},
        IMAGE_METRICS, 1000),
    "sagan_recipe": Comparison(
        "The SAGAN recipe", "gan",
        "DCGAN against SAGAN's recipe (Zhang et al. 2019): spectral norm in both networks, the hinge loss, "
        "self-attention (at the 4x4 map of digits) and two time-scales (lr_d 4e-4, lr_g 1e-4, Heusel et al. 2017), "
        "then the recipe without self-attention and without the two time-scales, to see which part does the work.",
        DIGITS,
        {"DCGAN": {}, "SAGAN recipe": SAGAN, "recipe - self-attention": {**SAGAN, "self_attention": 0},
         "recipe - two time-scales": {**SAGAN, "lr_g": 2e-4, "lr_d": 2e-4}},
        IMAGE_METRICS, 1000),
    "normalisations": Comparison(
        "Normalisation in the generator", "gan",
        "The generator's normalisation: batch norm (DCGAN), pixel norm (ProGAN), layer norm, conditional batch norm "
        "with a shared class embedding (BigGAN) and self-modulation by z (Chen et al. 2019).",
        DIGITS,
        {"batch": {"g_norm": "batch"}, "pixel": {"g_norm": "pixel"}, "layer": {"g_norm": "layer"},
         "conditional batch": {"g_norm": "conditional_batch"}, "self-modulated": {"g_norm": "self_modulated"}},
        IMAGE_METRICS, 1000),
    "wgan_clipping_vs_gp": Comparison(
        "WGAN: weight clipping vs gradient penalty", "gan",
        "The Wasserstein GAN as published (Arjovsky et al. 2017: critic weights clipped to [-0.01, 0.01], RMSprop at "
        "5e-5, 5 critic steps) against WGAN-GP (Gulrajani et al. 2017: the gradient penalty instead of clipping, "
        "Adam at 1e-4). The paper's Adam uses beta1 0 and beta2 0.9; ours keeps DCGAN's 0.5 and 0.999.",
        {"dataset": "digits", "loss": "wgan_gp", "d_steps": 5},
        {"WGAN (clipping, RMSprop)": {"gp_weight": 0.0, "weight_clip": 0.01, "optimizer": "rmsprop",
                                      "lr_g": 5e-5, "lr_d": 5e-5},
         "WGAN-GP (Adam)": {"gp_weight": 10.0, "lr_g": 1e-4, "lr_d": 1e-4}},
        IMAGE_METRICS, 1000),
    "generator_ema": Comparison(
        "Generator EMA on vs off", "gan",
        "Samples and metrics from the generator's weights as trained, or from an exponential moving average of them "
        "(ProGAN, StyleGAN; Yazici et al. 2019) with half-lives of 100 and 500 steps. Training itself is the same.",
        DIGITS,
        {"EMA off": {}, "EMA, half-life 100": {"g_ema": 100}, "EMA, half-life 500": {"g_ema": 500}},
        IMAGE_METRICS, 1000),
    "four_generators": Comparison(
        "DCGAN, ResNet, SAGAN recipe and the style generator", "gan",
        "Four generators of the GAN lineage on the same data and seeds: DCGAN, residual blocks, SAGAN's recipe and "
        "a style-based generator (mapping network, modulated convolutions, noise inputs; StyleGAN). At equal steps "
        "they cost different time: bench/gan_architectures.py compares them at equal CPU time.",
        DIGITS,
        {"DCGAN": {}, "ResNet": {"blocks": "resnet"}, "SAGAN recipe": SAGAN, "style": STYLE},
        IMAGE_METRICS, 1000),
}
