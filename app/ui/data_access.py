"""What data a page's user may reach: their own uploads (kept in their session only) and, where the policy allows,
folders of the server inside the allowed roots (engine/data/paths.py).

`GENLAB_SERVER_PATHS` sets the policy: `local` (the default) offers path inputs to a browser on the server's own
machine (a laptop) and to nobody else; `on` to everyone (inside the allowed roots); `off` to nobody. A request that
came through a proxy (an X-Forwarded-For header) is never local.
"""

from __future__ import annotations

import ipaddress
import os

import streamlit as st

from engine.data import BadInput
from engine.data.paths import check_allowed
from engine.data.uploads import PREFIX

UPLOADS_KEY = "_genlab_uploads"  # session state: dataset name -> the uploaded ImageDataset


def paths_allowed() -> bool:
    policy = os.environ.get("GENLAB_SERVER_PATHS", "local").strip().lower()
    if policy == "on":
        return True
    if policy != "local":
        return False
    try:
        headers = st.context.headers
        forwarded = any(k.lower() == "x-forwarded-for" for k in headers.keys())
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 - no browser behind this run (a script run): the server's own user
        return True
    if forwarded:
        return False
    if not isinstance(ip, str) or not ip:  # no client address: a script or test run, not a browser elsewhere
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def path_problem(values: dict) -> str | None:
    """A message when the settings name a server path the user may not read (`folder:PATH`, `data_root`)."""
    dataset, root = str(values.get("dataset", "")), str(values.get("data_root", "") or "")
    asked = [(dataset[len("folder:"):], "the image folder")] if dataset.startswith("folder:") else []
    asked += [(root, "the data folder")] if root else []
    if not asked:
        return None
    if not paths_allowed():
        return ("This server does not read its own folders for you: upload your pictures instead (Dataset: "
                "upload). An instructor can allow folders with GENLAB_SERVER_PATHS=on.")
    for path, what in asked:
        try:
            check_allowed(path, what)
        except BadInput as err:
            return str(err)
    return None


def remember_upload(data) -> str:
    """Keep an uploaded dataset in this session; returns its dataset name."""
    st.session_state.setdefault(UPLOADS_KEY, {})[data.name] = data
    return data.name


def uploaded(name: str):
    """The session's uploaded dataset of that name, or None (another session's, or this session has ended)."""
    if not name.startswith(PREFIX):
        return None
    return st.session_state.get(UPLOADS_KEY, {}).get(name)
