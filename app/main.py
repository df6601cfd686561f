"""GenLab: `streamlit run app/main.py`. The navigation registry and the shared sidebar; nothing else."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so `engine` and `app` import when started as `streamlit run app/main.py`
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.ui.nav import navigation  # noqa: E402
from app.ui.sidebar import global_sidebar  # noqa: E402

st.set_page_config(page_title="GenLab", page_icon=":material/science:", layout="wide")
page = st.navigation(navigation())
global_sidebar()
page.run()
