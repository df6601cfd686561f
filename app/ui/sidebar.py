"""The sidebar every page shares: where training happens and how busy the server is."""

import os

import streamlit as st
import torch

from engine.backends import ray_actors
from engine.manager import manager


@st.cache_resource
def device_label() -> str:
    if ray_actors.backend() == "ray":
        return ray_actors.describe()
    if torch.cuda.is_available():
        return f"GPU: {torch.cuda.get_device_name(0)}"
    return f"CPU ({os.cpu_count()} cores)"


def global_sidebar() -> None:
    counts = manager().counts()
    with st.sidebar:
        st.caption(f":material/memory: **{device_label()}** · training slots: {counts['training']} of "
                   f"{manager().cap} in use, {counts['waiting']} waiting",
                   help="The server trains at most this many runs at once (GENLAB_MAX_RUNS); later runs wait in "
                        "a queue and start by themselves, none is dropped.")
