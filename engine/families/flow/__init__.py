"""Normalizing flows: NICE, Real NVP, Glow, MAF and IAF, on 2D points and on images, trained by exact likelihood.

    config.py         FlowConfig: every key, its help and range (the page, the URL and --set read it)
    base.py           Bijection, Compose (with the layer-by-layer trace), Flatten, the Gaussian base, Flow
    coupling.py       NICE's additive coupling and scaling, Real NVP's affine coupling, the masks
    conditioners.py   the networks inside couplings (an MLP, Glow's convolutional NN())
    actnorm.py        Glow's actnorm with its data-dependent initialisation
    mixing.py         fixed permutations and Glow's invertible 1x1 convolution (LU optional)
    autoregressive.py MADE, and MAF / IAF layers (the direction decides which way is one pass)
    multiscale.py     squeeze and split, Real NVP's and Glow's multi-scale architecture
    dequantization.py uniform dequantisation of pixels and the discrete NLL bound
    models.py         the five models as recipes over the layers
    trainer.py        FlowTrainer: maximum likelihood on 2D points
    images.py         ImageFlowTrainer: the same on dequantised images, exact encode / decode
    pictures2d.py     the 2D page's views: densities, the layer view, the bridge profile
    pictures.py       the image page's views: exact reconstructions, walks between codes, temperatures
    direction_cost.py MAF vs IAF: time to score and to sample a batch
    comparisons.py    the Compare presets
"""

from engine.families.flow.comparisons import COMPARISONS, IMAGE_METRICS, POINTS_METRICS
from engine.families.flow.config import FlowConfig, image_defaults
from engine.families.flow.images import ImageFlowTrainer
from engine.families.flow.trainer import FlowTrainer
from engine.family import Family, Page
from engine.metrics import JUDGE, LIKELIHOOD, MODES_2D

FAMILY = Family(
    name="flow",
    config=FlowConfig,
    image_trainer=ImageFlowTrainer,
    points_trainer=FlowTrainer,
    image_defaults=image_defaults,
    metrics={**LIKELIHOOD, **MODES_2D, **JUDGE},
    points_metrics=POINTS_METRICS,
    image_metrics=IMAGE_METRICS,
    comparisons=COMPARISONS,
    lineup={"points": {}, "images": {}},
    pages=(Page("flow.py", "Normalizing flows", ":material/waves:", "flow", "Flows",
                "NICE, Real NVP, Glow, MAF and IAF: a Gaussian bent into the data, layer by layer; exact likelihoods "
                "and exact codes.",
                "Change of variables you can watch: a grid and the data pushed through every layer, samples pulled "
                "back, each layer's log-determinant, the thin bridges coupling flows leave between modes, bits per "
                "dimension on images, and why MAF samples slowly and IAF scores slowly."),),
)
