"""The run a model page shows, from the page's settings: rebuilt when a setting that changes the model or data
changes (the page says so), live knobs applied to the running model otherwise, and a shipped checkpoint loaded when
the settings are exactly its own (the page then opens on a trained model). Every model page gets its run through
`page_run`."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import streamlit as st

from app.ui import data_access, run_controls, session
from engine.config import ConfigError, live_keys, specs
from engine.data import BadInput, DataUnavailable
from engine.data.uploads import PREFIX
from engine.registry import build_trainer, config_class, load_data, make_config
from engine.runs import Run, load_run

log = logging.getLogger(__name__)


def pretrained_run(config, folder: Path) -> Run | None:
    """The run saved in `folder`, when `config` asks for exactly its configuration (else None)."""
    cfg_file = folder / "config.json"
    if not cfg_file.exists():
        return None
    saved = json.loads(cfg_file.read_text())
    made = dataclasses.asdict(make_config(saved["family"], saved["config"]))  # as it loads: newer keys at defaults
    asked = dataclasses.asdict(config)
    knobs = live_keys(type(config))  # applied to the loaded model afterwards
    if any(asked[k] != made[k] for k in asked if k not in knobs | {"device", "data_root"}):
        return None
    return load_run(folder)


def model_run(slot: str, family: str, values: dict[str, Any], *, pretrained: Path | None = None, data=None,
              loaded: Run | None = None) -> tuple[Run | None, str | None]:
    """(the slot's run, a problem to show or None). A bad setting or missing data keeps the previous run.

    `data` replaces the dataset the values name (a drawn or uploaded 2D distribution: a new object is new data);
    `loaded` is a saved run the user chose, shown as it is."""
    run = session.get_run(slot)
    try:
        config = make_config(family, values)
    except ConfigError as err:
        return run, f"{err}. Training keeps its previous settings."
    live = live_keys(type(config))
    identity = (tuple(sorted((k, v) for k, v in values.items() if k not in live)), None if data is None else id(data))
    if loaded is not None:
        st.session_state[f"_{slot}_identity"] = identity
        return session.put_run(slot, loaded), None
    if run is not None and st.session_state.get(f"_{slot}_identity") == identity:
        current = run.snapshot().members[0].config
        run.set_knobs(**{k: getattr(config, k) for k in live if getattr(config, k) != getattr(current, k)})
        return run, None
    try:
        new_run = pretrained_run(config, pretrained) if pretrained is not None else None
        if new_run is None:
            data = data if data is not None else load_data(config)
            new_run = Run({"run": lambda c=config, d=data: build_trainer(family, c, data=d)})
    except (DataUnavailable, BadInput, ConfigError, ValueError) as err:
        return run, str(err)
    except Exception as err:  # noqa: BLE001 - anything else still leaves the page and the previous run as they were
        log.exception("building the %s run failed", family)
        return run, f"Could not build the model: {type(err).__name__}: {err}"
    if run is not None:
        st.toast("New model: a setting that changes the model or data was changed.", icon=":material/refresh:")
    st.session_state[f"_{slot}_identity"] = identity
    return session.put_run(slot, new_run), None


def page_run(slot: str, family: str, keys: list[str], dataset: str, *, defaults: dict[str, Any] | None = None,
             pretrained: Path | None = None, pretrained_model: str = "A model", data=None,
             loaded: Run | None = None,
             missing_folder: str = "Type the path of a labelled image folder in the sidebar.") -> Run:
    """A model page's run from its widgets (`keys` read from the session, where `defaults` replaces some declared
    defaults; `dataset` from the picker): a problem is shown above it, the page stops when there is no run yet; a
    note when the shipped `pretrained` run is what is shown, the dataset's note, the run controls and the saved
    run's downloads are drawn under it."""
    table, defaults = specs(config_class(family)), defaults or {}
    values = {k: st.session_state.get(k, defaults.get(k, table[k].default)) for k in keys}
    values["dataset"] = dataset
    if data is None and dataset.startswith(PREFIX):
        data = data_access.uploaded(dataset)
    problem = data_access.path_problem(values)
    if not problem and dataset.startswith(PREFIX) and data is None:
        problem = ("Choose a zip of class folders or some pictures in the sidebar (Your pictures)." if dataset == PREFIX
                   else "Upload your pictures again: this session no longer holds them.")
    if problem or not dataset:
        run, problem = session.get_run(slot), problem or missing_folder
    else:
        run, problem = model_run(slot, family, values, pretrained=pretrained, data=data, loaded=loaded)
    if problem:
        st.error(problem, icon=":material/error:")
    if run is None:
        st.stop()
    trainer = run.trainers[0]
    if (pretrained is not None and run.loaded_from == str(pretrained) and run.snapshot().status == "idle"
            and trainer.step_count):
        st.info(f"{pretrained_model} pretrained on digits ({trainer.step_count:,} steps, made with the command line; "
                "see the README) is loaded: press Play to train it further, or Reset for a fresh one.",
                icon=":material/school:")
    note = getattr(trainer.data, "note", "")
    if note:
        st.caption(note)
    run_controls.run_controls(run, key=slot)
    run_controls.saved_downloads(run, key=slot)
    return run
