"""Widgets drawn from a family's config declaration (engine/config.py): the same key, help text and allowed values
as the command line's `--set`, each bound to the URL so a page's whole setup can be shared as a link."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import streamlit as st
import torch

from app.ui import data_access
from engine.config import ConfigError, Spec, parse_value, specs
from engine.data import BadInput
from engine.data.uploads import MODES, PREFIX, SIZES, dataset_from_upload
from engine.pictures.images import grid_uint8

LOG_LADDER = [m * 10.0**e for e in range(-6, 2) for m in (1, 2, 5)]
LESSON_KEYS = ("lesson", "lesson_step", "room", "student")  # a lesson's place in the URL (app/ui/lesson_nav.py)


def _ladder(spec: Spec, current: Any) -> list[float]:
    values = [v for v in LOG_LADDER if spec.low <= v <= spec.high]
    if spec.low == 0:
        values = [0.0] + values
    extra = [v for v in (spec.default, current) if isinstance(v, (int, float)) and v not in values]
    return sorted(set(values + extra))


def _fmt(v: float) -> str:
    return "0" if v == 0 else (f"{v:g}" if 1e-3 <= abs(v) < 1e4 else f"{v:.0e}")


def widget(spec: Spec, *, disabled: bool = False, key_prefix: str = "", bind: bool = True) -> Any:
    """One control for `spec`; its session key is `key_prefix + spec.name` (bound to the URL parameter)."""
    key = key_prefix + spec.name
    current = st.session_state.get(key, spec.default)
    common = dict(key=key, help=spec.help, disabled=disabled)
    if bind:
        common["bind"] = "query-params"
    label = spec.label + (" ·live" if spec.live else "")
    preset = key in st.session_state  # set by a preset or the URL: passing a default too would make Streamlit warn

    def value(v):
        return {} if preset else {"value": v}

    if spec.type is bool:
        return st.toggle(label, **value(spec.default), **common)
    if spec.choices:
        index = {} if preset else {"index": spec.choices.index(spec.default)}
        return st.selectbox(label, spec.choices, **index, **common)
    if spec.type is float and spec.log:
        options = _ladder(spec, current)
        return st.select_slider(label, options=options, format_func=_fmt, **value(spec.default), **common)
    if spec.type is int and spec.high - spec.low <= 4096:
        return st.slider(label, int(spec.low), int(spec.high), **value(int(spec.default)), **common)
    if spec.type is float:
        step = float(10 ** np.floor(np.log10((spec.high - spec.low) / 100)))
        return st.slider(label, float(spec.low), float(spec.high), **value(float(spec.default)), step=step, **common)
    if spec.type is int:
        return st.number_input(label, int(spec.low), int(spec.high), **value(int(spec.default)), step=1, **common)
    return st.text_input(label, **value(spec.default), **common)


def widgets(config_cls, names: list[str], *, defaults: dict[str, Any] | None = None, **kwargs) -> dict[str, Any]:
    """One widget per name; `defaults` replaces the declared default of some keys (e.g. the image defaults)."""
    table = specs(config_cls)
    defaults = defaults or {}
    return {name: widget(dataclasses.replace(table[name], default=defaults.get(name, table[name].default)), **kwargs)
            for name in names}


def warn_bad_url_params(config_cls, extra_keys: tuple[str, ...] = (), key_prefix: str = "") -> None:
    """Streamlit silently drops URL values a widget cannot take; say which were dropped and why, and make a value
    that is valid but off a slider's ladder available to it. `key_prefix`: the widgets' (see `widget`)."""
    table = specs(config_cls)
    for key in list(st.query_params.keys()):
        if key in extra_keys or key in LESSON_KEYS:
            continue
        name = key[len(key_prefix):] if key.startswith(key_prefix) else ""
        if name not in table:
            st.warning(f"Ignored URL parameter `{key}`: this page has no such setting.")
            continue
        try:
            value = parse_value(dataclasses.replace(table[name], name=key), st.query_params[key])  # names the URL key
        except ConfigError as err:
            st.warning(f"Ignored URL parameter: {err}.")
            continue
        if table[name].type is float and table[name].log and f"_url_seen_{key}" not in st.session_state:
            st.session_state[f"_url_seen_{key}"] = True
            st.session_state.setdefault(key, value)


def url_choice(key: str, options: list, format_func) -> None:
    """For a select slider bound to the URL: Streamlit keeps a URL value only when it is the option's label
    (`format_func(option)`, e.g. "5 steps/s") and drops anything else without a word. Accept the bare value too
    (`?gan2d_speed=5`) and say when a value fits no option. Call before the widget is drawn."""
    if key not in st.query_params or f"_url_seen_{key}" in st.session_state:
        return
    st.session_state[f"_url_seen_{key}"] = True
    text = st.query_params[key]
    labels = {format_func(o): o for o in options}
    if text in labels:
        return
    for option in options:
        if text.strip() == str(option):
            st.session_state[key] = option
            st.query_params[key] = format_func(option)
            return
    shown = ", ".join(f"{o}" for o in options)
    st.warning(f"Ignored URL parameter `{key}={text}`: expected one of {shown} (or their labels: "
               f"{', '.join(labels)}).")


IMAGE_DATASETS = ("digits", "mnist", "fashion_mnist", "cifar10", "upload", "folder")


def image_choices(prefix: str) -> tuple[str, ...]:
    """The image datasets a page offers: "folder" only where the server reads its own folders for this browser
    (app/ui/data_access.py); where it does not, a folder or data folder in the URL is dropped with a warning."""
    if data_access.paths_allowed():
        return IMAGE_DATASETS
    for key in (f"{prefix}_folder", "data_root"):
        if st.query_params.get(key):
            st.warning(f"Ignored URL parameter `{key}`: this server does not read its own folders for you "
                       "(upload your pictures instead).")
            st.query_params.pop(key, None)
            st.session_state.pop(key, None)
    return tuple(c for c in IMAGE_DATASETS if c != "folder")


def image_source(config_cls, prefix: str, choice: str, *, folder_labels: bool) -> str:
    """The config's dataset name for an image choice: "upload:<name>" for an upload ("upload:" while none is
    ready), "folder:PATH" for a folder ("" while no path is typed), else the choice; draws the upload picker, or the
    folder and data-folder inputs where the server allows paths (bound to the URL as `{prefix}_folder`)."""
    if choice == "upload":
        return upload_picker(prefix)
    if data_access.paths_allowed():
        folder = st.text_input("Image folder", key=f"{prefix}_folder", bind="query-params",
                               disabled=choice != "folder",
                               help="A folder of images (png, jpg, ...) on the server, "
                                    + ("labelled by sub-folder; " if folder_labels else "") + "resized to 64x64.")
        widgets(config_cls, ["data_root"], disabled=choice in ("digits", "folder"))
        if choice == "folder":
            return f"folder:{folder}" if folder else ""
    return choice


def dataset_help(paths: bool, folder_labels: bool) -> str:
    classes = ", one sub-folder per class" if folder_labels else ""
    return ("digits works offline (8x8, embedded); MNIST-likes read local files (data folder, or --set data_root) or "
            "download; upload = your own pictures from your computer (a zip of class folders, or loose pictures)"
            + ("; folder = a folder on the server" + classes if paths else "") + ".")


def image_dataset_picker(config_cls, prefix: str, *, folder_labels: bool) -> str:
    """The Data section of an image page: dataset, your own pictures (uploaded, kept in this session only) and,
    where the server allows it, an image folder and a data folder on the server; bound to the URL as
    `{prefix}_dataset` and `{prefix}_folder`. Returns the config's dataset name (see `image_source`).
    `folder_labels`: the page uses sub-folders as classes."""
    choices = image_choices(prefix)
    if st.session_state.get(f"{prefix}_dataset") not in choices:
        st.session_state.pop(f"{prefix}_dataset", None)
    choice = st.selectbox("Dataset", choices, key=f"{prefix}_dataset", bind="query-params",
                          help=dataset_help("folder" in choices, folder_labels))
    return image_source(config_cls, prefix, choice, folder_labels=folder_labels)


def upload_picker(prefix: str) -> str:
    """Pictures from the user's computer: a zip of class folders (labels from the folder names) or loose pictures
    (unlabelled), resized to a chosen size, in greyscale or colour; a preview and a count per class before
    training. Read in memory, kept in this session only. Returns the dataset name, or "upload:" while none is
    ready."""
    files = st.file_uploader("Your pictures", type=["zip", "png", "jpg", "jpeg", "bmp", "gif", "webp"],
                             accept_multiple_files=True, key=f"{prefix}_upload",
                             help="A zip of class sub-folders (cats/…, dogs/…: the labels) or several pictures "
                                  "(unlabelled). Checked before anything is read: no file leaves memory.")
    a, b = st.columns(2)
    size = a.selectbox("Size", SIZES, index=SIZES.index(28), key=f"{prefix}_upload_size",
                       help="Every picture is cropped to a square and resized to size x size.")
    colour = b.radio("Colour", list(MODES), key=f"{prefix}_upload_colour", horizontal=True)
    if not files:
        return PREFIX
    asked = (tuple((f.name, f.size) for f in files), size, colour)
    kept = st.session_state.get(f"_{prefix}_upload_made")
    if kept is None or kept[0] != asked:
        try:
            data = dataset_from_upload([(f.name, f.getvalue()) for f in files], size, colour)
        except BadInput as err:
            st.error(str(err), icon=":material/error:")
            return PREFIX
        kept = (asked, data_access.remember_upload(data))
        st.session_state[f"_{prefix}_upload_made"] = kept
    data = data_access.uploaded(kept[1])
    if data is None:
        return PREFIX
    n = len(data.train) + len(data.heldout)
    if data.class_names:
        counts = torch.bincount(torch.cat([data.train_labels, data.heldout_labels]), minlength=data.num_classes)
        per_class = ", ".join(f"{name} {int(c)}" for name, c in zip(data.class_names, counts))
        st.caption(f"{n:,} pictures, {data.num_classes} classes: {per_class}")
    else:
        st.caption(f"{n:,} pictures, unlabelled")
    if data.note:
        st.caption(data.note)
    st.image(grid_uint8(data.train[:32], nrow=8), caption="The first training pictures", width="stretch")
    return data.name
