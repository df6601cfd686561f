"""GenLab: `streamlit run app/main.py`. The navigation registry, the lesson over the page and the shared sidebar;
nothing else."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so `engine` and `app` import when started as `streamlit run app/main.py`
    sys.path.insert(0, str(ROOT))

# Training threads release the GIL for every small torch op; while a page draws its figures (pure Python) each of
# those ops waits up to the switch interval to get it back (5 ms by default), and so does every script thread after
# each message it sends. 0.5 ms was chosen when a redraw took 90 ms of Python; at about 20 ms now, training beside a
# drawing page is the same at 0.5, 2 or 5 ms (bench/render_contention.py, within its noise), while twenty pages
# rerunning at once answer in 1.4 s at 2 ms against 1.8 s at 0.5 ms (bench/classroom.py).
sys.setswitchinterval(float(os.environ.get("GENLAB_SWITCH_INTERVAL", "0.002")))

import streamlit as st  # noqa: E402

from app.ui import config_reads  # noqa: E402

config_reads.install()  # a room's script threads no longer queue on Streamlit's config lock

from engine.metrics import judge  # noqa: E402

judge.BACKGROUND = True  # runs never wait for a judge classifier to train: their metrics start once it is ready

from app.ui.lesson_panel import before_page  # noqa: E402
from app.ui.nav import navigation  # noqa: E402
from app.ui.sidebar import global_sidebar  # noqa: E402

st.set_page_config(page_title="GenLab", page_icon=":material/science:", layout="wide")
page = st.navigation(navigation())
before_page(page.url_path)  # a lesson's step over the page: its sidebar, text, question and check
global_sidebar()
page.run()
