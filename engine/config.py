"""Typed, validated configuration shared by the command line (`--set KEY=VALUE`), the pages and the URL.

Each family declares a `@dataclass` whose fields are built with `param(...)`: the default, a help text (shown as the
widget's `help=` on the page), the allowed values or range, and whether the value is a *live knob* (applied between
steps without rebuilding the model). One declaration drives validation, widgets and documentation, so the three
cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from dataclasses import dataclass, field
from typing import Any

TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off"}


class ConfigError(ValueError):
    """A bad key or value. The message names the key and what is allowed."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key

    def __reduce__(self):  # picklable with its key: it crosses from a Ray worker to the run
        return type(self), (self.key, str(self))


def param(default: Any, help: str, *, choices: tuple | None = None, low: float | None = None,
          high: float | None = None, live: bool = False, log: bool = False, label: str | None = None) -> Any:
    """A config field with its documentation and constraints.

    `low`/`high` bound numbers (inclusive), `choices` lists the allowed strings, `live` marks a knob the running
    trainer accepts between steps, `log` hints the page to use a log-scale control, `label` is the widget's label.
    """
    meta = {"help": help, "choices": choices, "low": low, "high": high, "live": live, "log": log, "label": label}
    return field(default=default, metadata=meta)


# --- the keys every family's config has, declared once (one label and one help each) --------------------------
def dataset_key(default: str, kinds: str = "") -> Any:
    """`dataset`: `kinds` says what the family trains on (e.g. "a 2D toy or images")."""
    what = f": {kinds}" if kinds else ""
    return param(default, f"Dataset{what} (see `python -m engine datasets`).", label="Dataset")


def seed_key(what: str) -> Any:
    """`seed`: `what` lists what it fixes (e.g. "the networks, the data order and the noise")."""
    return param(0, f"Seed of {what}: the same seed gives the same run.", low=0, high=2**31 - 1, label="Seed")


def device_key() -> Any:
    return param("auto", "Where to train: auto picks cuda when present.", choices=("auto", "cpu", "cuda"),
                 label="Device")


def data_root_key() -> Any:
    return param("", "Folder holding local dataset files (e.g. the MNIST IDX files).", label="Data folder")


def data_noise_key(note: str = "") -> Any:
    """`data_noise` of the families that train on 2D toys; `note` adds what it does to this family."""
    return param(1.0, f"Multiplies the spread of each mode of a 2D dataset (1 = the dataset's own{note}).", low=0.1,
                 high=10.0, log=True, label="Data spread ×")


def batch_size_key(default: int, what: str, low: int = 2) -> Any:
    """`batch_size`: `what` says what a step takes (e.g. "Images per step")."""
    return param(default, what, low=low, high=4096, label="Batch size")


def log_every_key(default: int = 10) -> Any:
    return param(default, "Steps between metric records.", low=1, high=10**6, label="Log every")


def eval_every_key(default: int, what: str) -> Any:
    """`eval_every`: `what` lists what an evaluation measures."""
    return param(default, f"Steps between evaluations ({what}).", low=1, high=10**7, label="Evaluate every")


RUN_KEYS = ("dataset", "seed", "device", "data_root", "log_every", "eval_every")  # in every config, from the above


@dataclass(frozen=True)
class Spec:
    """What one key accepts, read from the dataclass field."""

    name: str
    type: type
    default: Any
    help: str
    choices: tuple | None
    low: float | None
    high: float | None
    live: bool
    log: bool
    label: str

    def allowed(self) -> str:
        if self.type is bool:
            return "true or false"
        if self.choices:
            return "one of " + ", ".join(str(c) for c in self.choices)
        kind = "an integer" if self.type is int else ("a number" if self.type is float else "text")
        if self.low is not None and self.high is not None:
            return f"{kind} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{kind} >= {self.low:g}"
        if self.high is not None:
            return f"{kind} <= {self.high:g}"
        return kind


def specs(config_cls) -> dict[str, Spec]:
    """All keys of a config class, in declaration order (read once per class: every widget of every rerun asks)."""
    return dict(_specs(config_cls))


@functools.lru_cache(maxsize=None)
def _specs(config_cls) -> dict[str, Spec]:
    out = {}
    hints = {f.name: f.type for f in dataclasses.fields(config_cls)}
    for f in dataclasses.fields(config_cls):
        t = hints[f.name]
        t = {"bool": bool, "int": int, "float": float, "str": str}.get(t, t) if isinstance(t, str) else t
        m = f.metadata
        out[f.name] = Spec(f.name, t, f.default, m.get("help", ""), m.get("choices"), m.get("low"), m.get("high"),
                           m.get("live", False), m.get("log", False),
                           m.get("label") or f.name.replace("_", " ").capitalize())
    return out


def parse_value(spec: Spec, value: Any) -> Any:
    """Convert `value` (text from the command line or URL, or a Python value) to the key's type and check it."""
    key = spec.name
    bad = f"bad value {value!r} for '{key}': expected {spec.allowed()}"
    if spec.type is bool:
        if isinstance(value, bool):
            out = value
        elif str(value).strip().lower() in TRUE_WORDS:
            out = True
        elif str(value).strip().lower() in FALSE_WORDS:
            out = False
        else:
            raise ConfigError(key, bad)
        return out
    if spec.type in (int, float):
        if isinstance(value, bool):
            raise ConfigError(key, bad)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(key, bad) from None
        if not math.isfinite(number):
            raise ConfigError(key, bad)
        if spec.type is int:
            if number != int(number):
                raise ConfigError(key, bad)
            number = int(number)
        if (spec.low is not None and number < spec.low) or (spec.high is not None and number > spec.high):
            raise ConfigError(key, bad)
        return number
    text = str(value).strip()
    if spec.choices and text not in spec.choices:
        raise ConfigError(key, bad)
    return text


def apply_overrides(config, overrides: dict[str, Any]):
    """A copy of `config` with `overrides` applied; unknown keys and bad values raise ConfigError."""
    known = specs(type(config))
    changes = {}
    for key, value in overrides.items():
        if key not in known:
            raise ConfigError(key, f"unknown key '{key}'. Known keys: {', '.join(known)}")
        changes[key] = parse_value(known[key], value)
    new = dataclasses.replace(config, **changes)
    check = getattr(new, "check", None)
    if check is not None:
        check()
    return new


def parse_set_args(items: list[str]) -> dict[str, str]:
    """`["lr_d=2e-4", "loss=hinge"]` -> {"lr_d": "2e-4", "loss": "hinge"}."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(item, f"--set expects KEY=VALUE, got '{item}'")
        out[key.strip()] = value.strip()
    return out


def live_keys(config_cls) -> set[str]:
    return {name for name, s in specs(config_cls).items() if s.live}


def to_dict(config) -> dict[str, Any]:
    return dataclasses.asdict(config)


def from_dict(config_cls, values: dict[str, Any]):
    """Rebuild a config from `to_dict` output, validating every value (keys the class no longer has are an error)."""
    return apply_overrides(config_cls(), values)


def torch_threads() -> int:
    """CPU threads for torch's kernels while runs train: `GENLAB_TORCH_THREADS`, default 1.

    NOTE: a run steps from a background thread; with torch's default of one thread per core, the OpenMP teams of
    the page's thread and the run's thread fight over the cores and a run trains at about half the speed of one
    thread (docs/ARCHITECTURE.md, "Threads and speed"). One thread per run also lets one run per core share the
    machine without oversubscription. The setting is process-wide (torch has no other).
    A value that is not a whole number >= 1 is a ConfigError naming the variable.
    """
    text = os.environ.get("GENLAB_TORCH_THREADS", "1")
    try:
        threads = int(text)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ConfigError("GENLAB_TORCH_THREADS", f"GENLAB_TORCH_THREADS must be a whole number >= 1 (torch threads "
                                                  f"per training run), got {text!r}")
    return threads
