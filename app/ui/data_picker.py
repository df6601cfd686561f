"""The Data section of a page whose family trains on 2D points and on images (KDE, EBM): one dataset list, the 2D
spread or the data folder, and the defaults of the kind of data chosen."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from app.ui import controls
from engine.config import specs
from engine.data import is_2d_dataset

TOYS = ("ring8", "grid25", "spiral", "moons")
IMAGES = ("digits", "mnist", "fashion_mnist", "cifar10")


def points_or_images(config_cls, prefix: str, image_defaults: Callable[[str], dict]) -> tuple[str, dict]:
    """The dataset (URL `{prefix}_dataset`) and the defaults of its kind of data ({} on 2D points). Moving between
    2D points and images puts the keys whose defaults differ back to the new kind's defaults, and says so."""
    key = f"{prefix}_dataset"
    if st.session_state.get(key) not in TOYS + IMAGES:
        st.session_state.pop(key, None)
    choice = st.selectbox("Dataset", TOYS + IMAGES, key=key, bind="query-params",
                          help="2D toys or images: digits works offline (8x8, embedded); MNIST-likes and CIFAR-10 "
                               "read local files (data folder, or --set data_root) or download.")
    points = is_2d_dataset(choice)
    table = specs(config_cls)
    if st.session_state.get(f"_{prefix}_points", points) != points:
        for name, value in image_defaults(choice).items():
            if name in st.session_state:  # a widget's value (set before the widget is drawn in this run)
                st.session_state[name] = table[name].default if points else value
        st.toast("Another kind of data: the settings that differ between 2D points and images are back to their "
                 "defaults for it.", icon=":material/refresh:")
    st.session_state[f"_{prefix}_points"] = points
    controls.widget(table["data_noise"], disabled=not points)
    controls.widget(table["data_root"], disabled=choice in TOYS + ("digits",))
    return choice, {} if points else image_defaults(choice)
