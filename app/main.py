"""GenLab: `streamlit run app/main.py`. The navigation registry and nothing else."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so `engine` and `app` import when started as `streamlit run app/main.py`
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.ui.sidebar import global_sidebar  # noqa: E402

st.set_page_config(page_title="GenLab", page_icon=":material/science:", layout="wide")

PAGES = {
    "GenLab": [st.Page(str(ROOT / "pages" / "home.py"), title="Home", icon=":material/home:", default=True)],
    "GANs": [st.Page(str(ROOT / "pages" / "gan_2d.py"), title="2D GAN playground", icon=":material/scatter_plot:",
                     url_path="gan-2d")],
}

page = st.navigation(PAGES)
global_sidebar()
page.run()
