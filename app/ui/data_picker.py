"""The Data section of a page whose family trains on 2D points and on images (flows, KDE, EBM, diffusion): one
dataset list (the 2D toys, a drawn distribution where the page has one, the image datasets, an upload and, where
the server allows it, a folder), and the defaults of the kind of data chosen."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from app.ui import controls
from engine.config import specs
from engine.data import is_2d_dataset

TOYS = ("ring8", "grid25", "spiral", "moons")


def points_or_images(config_cls, prefix: str, image_defaults: Callable[[str], dict],
                     drawn: tuple[str, ...] = ()) -> tuple[str, dict]:
    """(the config's dataset name, the defaults of its kind of data: {} on 2D points). The choice is bound to the
    URL as `{prefix}_dataset`; `drawn` adds the page's drawn 2D distribution ("custom") to the list. An image
    choice goes through controls.image_source (upload picker, server folder). Moving between 2D points and images
    puts the keys whose defaults differ back to the new kind's defaults, and says so."""
    key = f"{prefix}_dataset"
    images = controls.image_choices(prefix)
    options = TOYS + drawn + images
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)
    choice = st.selectbox("Dataset", options, key=key, bind="query-params",
                          help="2D toys" + (" or your own drawn points (custom)" if drawn else "") + ", or images: "
                               + controls.dataset_help("folder" in images, folder_labels=False))
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
    if points:
        return choice, {}
    return controls.image_source(config_cls, prefix, choice, folder_labels=False), image_defaults(choice)
