"""The pages of GenLab: Home, every family's pages as its record declares them (engine/registry.py), then Compare.
app/main.py builds the navigation from this; pages link to each other through `page`."""

from pathlib import Path

import streamlit as st

from engine.family import Page
from engine.registry import FAMILIES

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"
HOME = Page("home.py", "Home", ":material/home:", "home", "GenLab")
COMPARE = Page("compare.py", "Compare tricks", ":material/compare:", "compare", "Compare",
               "Variants trained side by side on the same seeds and data, with mean ± sd and honest verdicts.",
               "The paper's ablation, mode collapse, label smoothing, the loss zoo, D steps, the VAE's β, plain vs "
               "gated PixelCNN, label counts for the semi-supervised GAN, classifier tricks: side by side, "
               "synchronised by step, judged over seeds.")
INSTRUCTOR = Page("instructor.py", "Instructor", ":material/admin_panel_settings:", "instructor", "Room",
                  "Every run on the server: pause or stop any, set how many train at once (password).",
                  "For the person running the workshop: the room's runs live, the training slots and the server's "
                  "load.")


def all_pages() -> list[Page]:
    return [HOME, *(p for record in FAMILIES.values() for p in record.pages), COMPARE, INSTRUCTOR]


def page(file: str) -> st.Page:
    for p in all_pages():
        if p.file == file:
            return st.Page(str(PAGES_DIR / p.file), title=p.title, icon=p.icon, url_path=p.url,
                           default=p is HOME)
    raise KeyError(file)


def navigation() -> dict[str, list[st.Page]]:
    sections: dict[str, list[st.Page]] = {}
    for p in all_pages():
        sections.setdefault(p.section, []).append(page(p.file))
    return sections
