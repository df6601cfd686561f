"""The instructor's view of the room: every run on the server, pause or stop any, the number of runs that train at
once, and how loaded the server is. Protected by the instructor password (.streamlit/secrets.toml)."""

import os

import pandas as pd
import streamlit as st
import torch

from app.ui import instructor
from engine.backends import load, ray_actors
from engine.manager import manager

st.title("Instructor")
st.caption("Every run on this server, live: whose (an anonymous session id), which page, its status, step and speed. "
           "Pause or stop any of them, and change how many train at once.")

if not instructor.unlocked():
    st.stop()


def server_load() -> dict[str, str]:
    """CPU and memory of the server's whole process tree (on a local Ray cluster: its daemons and the workers that
    train the runs, which the Streamlit process's own figures leave out), the machine's load, the GPUs' memory."""
    now, then = load.usage(), st.session_state.get("_inst_usage")
    st.session_state["_inst_usage"] = now
    mine = load.summed(load.rss_mb, [os.getpid()])
    out = {"server CPU": f"{now.cores_since(then):.1f} of {os.cpu_count()} cores" if then
           else f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
           "server memory": f"{now.rss_mb / 1024:.2f} GB"}
    if now.processes > 1:  # on Ray: what its processes hold beside the pages' own
        out["server memory"] += f" in {now.processes} processes"
        out["the pages' process"] = f"{mine / 1024:.2f} GB"
    if ray_actors.backend() == "ray" and os.environ.get("GENLAB_RAY_ADDRESS"):
        out["cluster"] = ray_actors.describe()  # its workers are on other machines: their load is not read here
    for i in range(torch.cuda.device_count() if torch.cuda.is_available() else 0):
        free, total = torch.cuda.mem_get_info(i)
        out[f"GPU {i} memory"] = f"{(total - free) / 2**30:.1f} of {total / 2**30:.1f} GB"
    return out


@st.fragment(run_every=2.0)
def room() -> None:
    load = server_load()
    counts = manager().counts()
    cols = st.columns(len(load) + 2)
    cols[0].metric("Training", f"{counts['training']} of {manager().cap}")
    cols[1].metric("Waiting", counts["waiting"])
    for col, (name, value) in zip(cols[2:], load.items()):
        col.metric(name, value)
    rows = manager().table()
    if not rows:
        st.caption("No runs on this server yet.")
        return
    st.dataframe(pd.DataFrame(rows).set_index("run"), width="stretch")


room()
st.subheader("Act on a run")
rows = manager().table()
runs = {r.run_id: r for r in manager().runs()}
if rows:
    pick = st.selectbox("Run", [r["run"] for r in rows], key="inst_run",
                        format_func=lambda rid: next(f"{r['run']} · {r.get('page', '?')} · {r['status']}"
                                                     for r in rows if r["run"] == rid))
    a, b = st.columns(2)
    if a.button("Pause it", key="inst_pause", icon=":material/pause:") and pick in runs:
        runs[pick].pause(wait=False, message="paused by the instructor")
        st.toast(f"Paused {pick}")
    if b.button("Stop it", key="inst_stop", icon=":material/stop:") and pick in runs:
        runs[pick].stop(wait=False)
        st.toast(f"Stopped {pick}")
st.subheader("Training slots")
cap = st.slider("Runs that train at once", 1, 64, manager().cap, key="inst_cap",
                help="Waiting runs start at once when it grows; when it shrinks, runs above it keep their slot until "
                     "they pause. GENLAB_MAX_RUNS sets the value at start.")
if cap != manager().cap:
    manager().set_cap(cap)
    st.toast(f"{cap} runs now train at once")
