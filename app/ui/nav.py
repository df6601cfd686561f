"""The pages of GenLab, declared once: app/main.py builds the navigation from them, pages link to them."""

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"

# section -> [(file, title, icon, url path)]
SECTIONS = {
    "GenLab": [("home.py", "Home", ":material/home:", "home")],
    "GANs": [("gan_2d.py", "2D GAN playground", ":material/scatter_plot:", "gan-2d"),
             ("gan_images.py", "Image GANs", ":material/photo_library:", "gan-images")],
    "Autoencoders": [("vae.py", "Autoencoders and VAEs", ":material/compress:", "vae")],
    "Autoregressive": [("pixelcnn.py", "PixelCNN", ":material/grid_on:", "pixelcnn")],
    "Classifiers": [("ssgan.py", "Semi-supervised GAN", ":material/label_important:", "ssgan"),
                    ("classifier.py", "Classifier tricks", ":material/checklist:", "classifier")],
    "Compare": [("compare.py", "Compare tricks", ":material/compare:", "compare")],
}


def page(file: str) -> st.Page:
    for entries in SECTIONS.values():
        for name, title, icon, url in entries:
            if name == file:
                return st.Page(str(PAGES_DIR / name), title=title, icon=icon, url_path=url, default=name == "home.py")
    raise KeyError(file)


def navigation() -> dict[str, list[st.Page]]:
    return {section: [page(name) for name, *_ in entries] for section, entries in SECTIONS.items()}
