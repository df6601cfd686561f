"""Energy-based models: an energy network E(x), p(x) = exp(-E(x)) / Z, trained by contrastive divergence with
Langevin chains and a replay buffer (Du & Mordatch 2019; LeCun et al. 2006, "A Tutorial on Energy-Based Learning").

    config.py       EbmConfig
    networks.py     the energy networks: an MLP on 2D points, a small CNN on images
    langevin.py     x <- x - (step/2) grad E(x) + noise sqrt(step) xi, one step and a chain
    replay.py       the replay buffer: restart from it 95% of the time, from noise 5%
    objective.py    contrastive divergence with the L2 penalty on energies
    runaway.py      the energies running away: the page's warning and the run's divergence
    trainer.py      EbmTrainer (2D points): the loop; the energy landscape and the chains for the page
    images.py       ImageEbmTrainer: the same on images; chains turning noise into digits
    comparisons.py  the Compare presets
"""

from engine.families.ebm.comparisons import COMPARISONS, IMAGE_METRICS, POINTS_METRICS
from engine.families.ebm.config import EbmConfig, image_defaults
from engine.families.ebm.images import ImageEbmTrainer
from engine.families.ebm.trainer import EbmTrainer
from engine.family import Family, Page
from engine.metrics import JUDGE, MODES_2D

FAMILY = Family(
    name="ebm",
    config=EbmConfig,
    image_trainer=ImageEbmTrainer,
    points_trainer=EbmTrainer,
    image_defaults=image_defaults,
    metrics={**MODES_2D, **JUDGE},
    points_metrics=POINTS_METRICS,
    image_metrics=IMAGE_METRICS,
    comparisons=COMPARISONS,
    lineup={"points": {}, "images": {}},
    pages=(Page("ebm.py", "Energy-based models", ":material/landscape:", "ebm", "Densities",
                "An energy network trained by contrastive divergence: Langevin chains on the energy landscape, a "
                "replay buffer, the energies running away.",
                "What an energy landscape is, how Langevin dynamics samples it, why a replay buffer helps and how "
                "the energies run away without a penalty."),),
)
