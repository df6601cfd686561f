"""The pages a lesson step may open, as a lesson sees them: the URL name, the family whose configuration the page's
URL holds (its keys unprefixed, or with the page's prefix), the dataset key and the datasets the page offers, the
slot the page files its run under (app/ui/session.py: `_run_<slot>`, and `<slot>_speed`), the other URL keys the
page holds and the buttons a step may point at.

Every family's pages come from the registry; what the registry does not say about a page (its dataset key, slot and
page keys) is in PAGE_FACTS, and tests/unit/test_lessons_pages.py reads pages/*.py to keep the two in step. The
dashboard's own pages (home, compare, real or fake, the lesson pages) are declared here too; app/ui/nav.py builds its
menu from these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from engine.compare import COMPARISONS
from engine.data import TOYS as _TOYS
from engine.family import Page
from engine.game.rounds import RoundSpec
from engine.registry import FAMILIES

TOYS = tuple(_TOYS)
IMAGES = ("digits", "mnist", "fashion_mnist", "cifar10")  # the image datasets a lesson may name (no uploads)
SPEEDS = (1, 2, 5, 10, 30, 100, 0)  # app/ui/run_controls.py's speeds (steps per second; 0 = full speed)
SPEED = "speed"  # a preset's `speed = N` sets the page's `<slot>_speed`
RUN_BUTTONS = ("play", "pause", "step_both", "step_d", "step_g", "reset", "save", "speed")

HOME = Page("home.py", "Home", ":material/home:", "home", "GenLab")
COMPARE = Page("compare.py", "Compare tricks", ":material/compare:", "compare", "Compare",
               "Variants trained side by side on the same seeds and data, with mean ± sd and honest verdicts.",
               "The paper's ablation, mode collapse, label smoothing, the loss zoo, D steps, the VAE's β, plain vs "
               "gated PixelCNN, label counts for the semi-supervised GAN, classifier tricks: side by side, "
               "synchronised by step, judged over seeds.")
GAME = Page("real_or_fake.py", "Real or fake?", ":material/visibility:", "real-or-fake", "Play",
            "The visual Turing test: the room tells real images from a model's samples, and every model gets a "
            "human score.",
            "Salimans et al.'s visual Turing test as HYPE measures it: the human error rate (50% = fooled), with a "
            "bootstrap interval, a leaderboard of the room's models and their tricks, and a timed mode.")
JOIN = Page("workshop.py", "Workshop", ":material/school:", "workshop", "Room",
            "Follow a lesson on your own, or join the room's with its code.",
            "Lessons that string the pages into a path: a question before each run, a check on your own run, and "
            "in a room, the votes and everyone's runs on the board.")
BOARD = Page("board.py", "Board", ":material/co_present:", "board", "Room",
             "The room's board for the projector: the step, the join code, the vote, everyone's runs.")
ROOM = Page("room.py", "Room control", ":material/cast_for_education:", "room", "Room",
            "The instructor opens a room for a lesson and moves it step by step (password).",
            "For the person running the workshop: open a room, move it through the lesson, close the votes, export.")
INSTRUCTOR = Page("instructor.py", "Instructor", ":material/admin_panel_settings:", "instructor", "Room",
                  "Every run on the server: pause or stop any, set how many train at once (password).",
                  "For the person running the workshop: the room's runs live, the training slots and the server's "
                  "load.")


@dataclass(frozen=True)
class PageFacts:
    slot: str | None  # the run's slot; None: the page trains nothing a check could read
    dataset_key: str | None = None
    datasets: tuple[str, ...] = ()
    extra: Mapping[str, tuple | None] = field(default_factory=dict)  # page URL key -> its values (None: any text)


PAGE_FACTS: dict[str, PageFacts] = {
    "gan_2d.py": PageFacts("gan2d", "dataset", TOYS, {"layers": None}),
    "gan_images.py": PageFacts("gan_images", "img_dataset", IMAGES,
                               {"interp_mode": None, "interp_steps": None, "z_scale": None}),
    "vae.py": PageFacts("vae", "vae_dataset", IMAGES, {"vae_steps": None, "vae_mode": None}),
    "pixelcnn.py": PageFacts("pixelcnn", "pcnn_dataset", IMAGES,
                             {"pcnn_watch_speed": None, "pcnn_comp_region": None, "pcnn_rf_layers": None}),
    "vqvae.py": PageFacts("vqvae", "vqvae_dataset", IMAGES, {"vqvae_watch_speed": None}),
    "flow.py": PageFacts("flow", "flow_dataset", TOYS + IMAGES,
                         {"flow_layer": None, "flow_shown": None, "flow_steps": None, "flow_mode": None}),
    "kde.py": PageFacts("kde", "kde_dataset", TOYS + IMAGES),
    "ebm.py": PageFacts("ebm", "ebm_dataset", TOYS + IMAGES),
    "diffusion.py": PageFacts("diffusion", "diff_dataset", TOYS + IMAGES, {"diff_layers": None, "diff_t": None}),
    "ssgan.py": PageFacts("ssgan", "ssgan_dataset", IMAGES),
    "classifier.py": PageFacts("classifier", "clf_dataset", IMAGES),
    "compare.py": PageFacts("compare", extra={"cmp_preset": tuple(COMPARISONS), "cmp_seeds": tuple(range(1, 6))}),
    "real_or_fake.py": PageFacts(None, extra={"rof_model": None}),
    "home.py": PageFacts(None),
}


@dataclass(frozen=True)
class LessonPage:
    """A page as a step names it (`page = "gan-2d"`)."""

    url: str
    title: str
    file: str
    family: str | None  # whose config keys the URL holds (None: no model of its own)
    config: type | None
    prefix: str  # the config keys' prefix in the URL (real or fake: "rof_")
    facts: PageFacts

    @property
    def slot(self) -> str | None:
        return self.facts.slot

    def url_key(self, key: str) -> str:
        """The session / URL key a preset key sets on this page (dataset and speed have the page's own)."""
        if key == "dataset" and self.facts.dataset_key:
            return self.facts.dataset_key
        if key == SPEED and self.slot:
            return f"{self.slot}_speed"
        return self.prefix + key if self.config is not None and key in _fields(self.config) else key

    def controls(self) -> set[str]:
        """Every widget key a step may highlight on this page."""
        keys = {self.prefix + k for k in _fields(self.config)} if self.config is not None else set()
        keys |= set(self.facts.extra)
        if self.facts.dataset_key:
            keys.add(self.facts.dataset_key)
        if self.slot:
            keys |= {f"{self.slot}_{b}" for b in RUN_BUTTONS}
        return keys


def _fields(config: type) -> tuple[str, ...]:
    from engine.config import specs

    return tuple(specs(config))


def _pages() -> dict[str, LessonPage]:
    out = {}
    for record in FAMILIES.values():
        for p in record.pages:
            out[p.url] = LessonPage(p.url, p.title, p.file, record.name, record.config, "",
                                    PAGE_FACTS.get(p.file, PageFacts(None)))
    out[COMPARE.url] = LessonPage(COMPARE.url, COMPARE.title, COMPARE.file, None, None, "", PAGE_FACTS["compare.py"])
    out[GAME.url] = LessonPage(GAME.url, GAME.title, GAME.file, None, RoundSpec, "rof_", PAGE_FACTS["real_or_fake.py"])
    out[HOME.url] = LessonPage(HOME.url, HOME.title, HOME.file, None, None, "", PAGE_FACTS["home.py"])
    return out


PAGES: dict[str, LessonPage] = _pages()
