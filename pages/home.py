"""Home: what GenLab is, the families, the device, and which datasets work offline."""

import pandas as pd
import streamlit as st

from app.ui import nav, workshop_views
from app.ui.sidebar import device_label
from engine.data import list_datasets

st.title("GenLab")
st.markdown(
    "**Watch generative models learn, switch the tricks that make them work, and measure what each trick does.** "
    "GenLab trains small models live on this machine while you watch and play: every control has the equation "
    "and the paper behind it, every page has a *what to look for* panel, and every number is measured the same "
    "way on the page, on the command line (`python -m engine`) and in the tests.")

st.subheader("Follow a lesson")
st.caption("Step by step through the pages: predict, then watch your own run. In a room, join with the code on the "
           "Workshop page.")
workshop_views.lesson_list(key="home")

st.subheader("Pages")
for lesson in nav.all_pages()[1:]:  # every family's pages, then Compare (the registry declares them)
    st.page_link(nav.page(lesson.file), label=lesson.title, icon=lesson.icon, help=lesson.summary)
    st.caption(lesson.lesson)

left, right = st.columns(2)
with left:
    st.subheader("Device")
    st.markdown(f"Training runs on **{device_label()}**.")
with right:
    st.subheader("Datasets")


@st.cache_data(ttl=60)
def dataset_table() -> pd.DataFrame:
    frame = pd.DataFrame(list_datasets())
    frame["offline"] = frame["offline"].map({True: "yes", False: "no"})
    return frame.rename(columns={"offline": "available offline"})


with right:
    st.table(dataset_table().set_index("name"))
    st.caption("Without internet, `digits` (scikit-learn's 8x8 handwritten digits) and the 2D toys always work; "
               "MNIST-like sets work when their files are on disk (`--set data_root=DIR`).")
