"""The run a model page shows, from the page's settings: rebuilt when a setting that changes the model or data
changes (the page says so), live knobs applied to the running model otherwise, and a shipped checkpoint loaded when
the settings are exactly its own (the page then opens on a trained model)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import streamlit as st

from app.ui import session
from engine.config import ConfigError, specs
from engine.data import BadInput, DataUnavailable, load_dataset
from engine.runs import Run
from engine.registry import build_trainer, make_config


def pretrained_run(config, folder: Path) -> Run | None:
    """The run saved in `folder`, when `config` asks for exactly its configuration (else None)."""
    cfg_file = folder / "config.json"
    if not cfg_file.exists():
        return None
    saved = json.loads(cfg_file.read_text())["config"]
    asked = dataclasses.asdict(config)
    knobs = {k for k, s in specs(type(config)).items() if s.live}  # applied to the loaded model afterwards
    if any(asked.get(k) != v for k, v in saved.items() if k not in knobs | {"device", "data_root"}):
        return None
    from engine.runs import load_run

    run = load_run(folder)
    run.saved_to = str(folder)
    return run


def model_run(slot: str, family: str, values: dict[str, Any], *,
              pretrained: Path | None = None) -> tuple[Run | None, str | None]:
    """(the slot's run, a problem to show or None). A bad setting or missing data keeps the previous run."""
    run = session.get_run(slot)
    try:
        config = make_config(family, values)
    except ConfigError as err:
        return run, f"{err}. Training keeps its previous settings."
    live = {k for k, s in specs(type(config)).items() if s.live}
    identity = tuple(sorted((k, v) for k, v in values.items() if k not in live))
    if run is not None and st.session_state.get(f"_{slot}_identity") == identity:
        current = run.snapshot().members[0].config
        run.set_knobs(**{k: getattr(config, k) for k in live if getattr(config, k) != getattr(current, k)})
        return run, None
    try:
        new_run = pretrained_run(config, pretrained) if pretrained is not None else None
        if new_run is None:
            data = load_dataset(config.dataset, data_root=config.data_root)
            new_run = Run({"run": lambda c=config, d=data: build_trainer(family, c, data=d)})
    except (DataUnavailable, BadInput, ConfigError, ValueError) as err:
        return run, str(err)
    if run is not None:
        st.toast("New model: a setting that changes the model or data was changed.", icon=":material/refresh:")
    st.session_state[f"_{slot}_identity"] = identity
    return session.put_run(slot, new_run), None


def page_run(slot: str, family: str, config_cls, keys: list[str], dataset: str, *,
             missing_folder: str = "Type the path of a labelled image folder in the sidebar.") -> Run:
    """A model page's run from its widgets (`keys` read from the session, `dataset` from the picker): a problem is
    shown above it, the page stops when there is no run yet; the dataset's note, the run controls and the saved
    run's downloads are drawn under it."""
    from app.ui import run_controls

    values = {k: st.session_state.get(k, specs(config_cls)[k].default) for k in keys}
    values["dataset"] = dataset
    if not dataset:
        run, problem = session.get_run(slot), missing_folder
    else:
        run, problem = model_run(slot, family, values)
    if problem:
        st.error(problem, icon=":material/error:")
    if run is None:
        st.stop()
    note = getattr(run.trainers[0].data, "note", "")
    if note:
        st.caption(note)
    run_controls.run_controls(run, key=slot)
    run_controls.saved_downloads(run, key=slot)
    return run
