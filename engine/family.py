"""What a family declares about itself, once (engine/families/<name>/__init__.py), and what reads it: the registry
(engine/registry.py), the command line, the comparisons and the dashboard's navigation.

A `Family` names its config class, its trainer for images and/or for 2D points, the image defaults, the metrics it
reports with the way each is better, the metrics a comparison of it is judged by, its Compare presets and its
pages. A `Comparison` is one of those presets: a base configuration, 2 to MAX_VARIANTS variants (each a few changed
keys, and a `family` key where a variant is another family's model), the metrics it is judged by and how many steps
it trains by default. Both are plain records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

HIGHER, LOWER = "higher", "lower"
MAX_VARIANTS = 8  # a comparison's variants (one column each on the Compare page)
FAMILY_KEY = "family"  # in a variant's settings: train that variant with another family's model


@dataclass(frozen=True)
class Comparison:
    """A named comparison: a family, a base configuration, 2 to MAX_VARIANTS variants (each a few changed keys; a
    variant with `family=NAME` is that family's model, so families compare on the same data), the metrics it is
    judged by and how many steps it trains by default."""

    title: str
    family: str
    explanation: str
    base: dict
    variants: dict[str, dict]
    metrics: tuple[str, ...]
    steps: int
    extra: dict = field(default_factory=dict)

    def family_of(self, variant: str) -> str:
        return str(self.variants[variant].get(FAMILY_KEY, self.family))

    @property
    def across_families(self) -> bool:
        return len({self.family_of(v) for v in self.variants}) > 1

    def configs(self, dataset: str | None = None, seed: int = 0) -> dict[str, dict]:
        """Each variant's full set of overrides for `seed` (and `dataset`, when given); the `family` key is not a
        setting and is left out (see `family_of`)."""
        out = {}
        for name, changes in self.variants.items():
            values = {**self.base, **changes, "seed": seed}
            values.pop(FAMILY_KEY, None)
            if dataset:
                values["dataset"] = dataset
            out[name] = values
        return out


@dataclass(frozen=True)
class Page:
    """A dashboard page of the family: its file in pages/, title, icon, URL path and navigation section, and how the
    home page presents it (`summary`: one line on hover; `lesson`: what it teaches, under the link)."""

    file: str
    title: str
    icon: str
    url: str
    section: str
    summary: str = ""
    lesson: str = ""


@dataclass(frozen=True)
class Family:
    """One family of models, as the rest of GenLab sees it.

    `image_trainer` trains on image datasets and `points_trainer` on 2D points (either may be None: the family
    then refuses that kind of data, in the words of the other's `check_data_kind`). `image_defaults(dataset)` gives the keys that default differently on images
    (applied when the user did not set them). `metrics` maps every metric worth comparing to "higher" or "lower";
    `image_metrics` / `points_metrics` are those a comparison is judged by on each kind of data. `lineup` gives the
    settings the family enters the every-family comparisons with (engine/compare.py: families_ring8,
    families_digits) on "points" and on "images"; a family without an entry stays out."""

    name: str
    config: type
    image_trainer: type | None = None
    points_trainer: type | None = None
    image_defaults: Callable[[str], dict[str, Any]] | None = None
    metrics: Mapping[str, str] = field(default_factory=dict)
    image_metrics: tuple[str, ...] = ()
    points_metrics: tuple[str, ...] = ()
    comparisons: Mapping[str, Comparison] = field(default_factory=dict)
    pages: tuple[Page, ...] = ()
    lineup: Mapping[str, dict] = field(default_factory=dict)  # "points" / "images" -> its settings in the line-ups
    load_data: Callable[[Any], Any] | None = None  # the dataset of a config; None: the dataset it names

    def trainer_for(self, on_points: bool) -> type | None:
        return self.points_trainer if on_points else self.image_trainer

    def judged_by(self, on_points: bool) -> tuple[str, ...]:
        """The metrics a comparison of this family is judged by, on 2D points or on images."""
        return self.points_metrics if on_points else self.image_metrics
