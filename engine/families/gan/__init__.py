"""GANs: MLPs on 2D points (GAN Lab's playground) and DCGANs on images, with the tricks of Salimans et al. 2016.

    config.py       GanConfig: every key, its help and range (the page, the URL and --set read it)
    trainer.py      GanTrainer: the loop on 2D points (Goodfellow et al. 2014, Alg. 1), every trick a switch
    images.py       ImageGanTrainer: the same loop on images (DCGAN models, VBN, replay, ADA, conditional, the
                    generator's EMA, truncation, progressive growing)
    mlp.py          the 2D networks
    dcgan.py        the image networks on DCGAN's paths (engine/models/conv_paths.py)
    style_gan.py    the style-based generator
    architecture.py the two image networks from the keys, the growing schedule
    image_lessons.py the image page's lessons: truncation curve, style mixing, noise inputs, checkerboard spectrum
    pictures2d.py   GAN Lab's views: D's field, the manifold, gradients on fakes
    failure_signs.py plain-language warnings read from the metric history
    presets.py      the 2D page's lesson presets
    comparisons.py  the Compare presets
"""

from engine.families.gan.comparisons import COMPARISONS, IMAGE_METRICS, POINTS_METRICS
from engine.families.gan.config import GanConfig, image_defaults
from engine.families.gan.images import ImageGanTrainer
from engine.families.gan.trainer import GanTrainer
from engine.family import LOWER, Family, Page
from engine.metrics import JUDGE, MODES_2D

FAMILY = Family(
    name="gan",
    config=GanConfig,
    image_trainer=ImageGanTrainer,
    points_trainer=GanTrainer,
    image_defaults=image_defaults,
    metrics={**MODES_2D, **JUDGE, "high_frequency_gap": LOWER},
    points_metrics=POINTS_METRICS,
    image_metrics=IMAGE_METRICS,
    comparisons=COMPARISONS,
    lineup={"points": {}, "images": {}},
    pages=(Page("gan_2d.py", "2D GAN playground", ":material/scatter_plot:", "gan-2d", "GANs",
                "GAN Lab's views plus the tricks of Salimans et al. 2016, honest mode metrics, your own data.",
                "A generator and a discriminator on 2D data: the discriminator's field, the generator's manifold, "
                "gradients on fakes, mode collapse and the tricks that fix it."),
           Page("gan_images.py", "Image GANs", ":material/photo_library:", "gan-images", "GANs",
                "A DCGAN on digits, MNIST, CIFAR-10 or your folder, with every trick and the later papers' "
                "architectures as switches.",
                "Feature matching, minibatch discrimination, historical averaging, one-sided label smoothing and "
                "virtual batch norm on real images, judged by a classifier: score, Frechet distance, class "
                "histogram. Then the lineage: WGAN, ResNet blocks, SAGAN, ProGAN's growing, a style generator "
                "with truncation and style mixing, checkerboard artefacts.")),
)
