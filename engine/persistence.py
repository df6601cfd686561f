"""Saved runs on disk: `runs/<id>/` with config.json, metrics.csv, summary.json, checkpoint.pt, samples.png.

Every file is written atomically (engine/files.py), so a crash or a second writer never leaves half a file.
Checkpoints hold only tensors and plain containers and load with `weights_only=True`. A group saves one such folder
per member inside its own folder, plus `group.json`. The live `Run` (engine/runs.py) saves itself through
`save_members` and is rebuilt by `runs.load_run`; this module knows trainers and folders, never runs.
"""

from __future__ import annotations

import io
import json
import os
import platform
import re
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from engine.data import toy_from_state
from engine.files import atomic_write, read_checkpoint, read_json
from engine.registry import build_trainer

FILES = ("config.json", "metrics.csv", "summary.json", "checkpoint.pt", "samples.png")


def _json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, default=float) + "\n"


def device_name(trainer) -> str:
    dev = getattr(trainer, "device", torch.device("cpu"))
    if dev.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(dev)})"
    return f"cpu ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)"


def summary_of(trainer, seconds: float) -> dict[str, Any]:
    """The family's final metrics plus the keys every summary has (family, dataset, steps, seconds, device)."""
    out = dict(trainer.evaluate())
    out.update({"family": trainer.family, "dataset": trainer.config.dataset, "steps": trainer.step_count,
                "seconds": round(seconds, 3), "device": device_name(trainer)})
    return out


def save_member(trainer, records: list[dict], folder: str | Path, seconds: float) -> Path:
    folder = Path(folder)
    config = {"family": trainer.family, "step": trainer.step_count, "config": trainer.config_dict()}
    atomic_write(folder / "config.json", _json(config))
    atomic_write(folder / "metrics.csv", pd.DataFrame.from_records(records).to_csv(index=False))
    atomic_write(folder / "summary.json", _json(summary_of(trainer, seconds)))
    buf = io.BytesIO()
    torch.save(trainer.state_dict(), buf)
    atomic_write(folder / "checkpoint.pt", buf.getvalue())
    atomic_write(folder / "samples.png", trainer.sample_png())
    return folder


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "member"


def save_members(members: list[tuple[str, Any, list[dict]]], folder: str | Path, seconds: float) -> str:
    """Write a run's members, each `(name, trainer, records)`: a single member straight into `folder`, several into
    one sub-folder each plus `group.json`. Returns the folder."""
    folder = Path(folder)
    if len(members) == 1:
        _, trainer, records = members[0]
        save_member(trainer, records, folder, seconds)
    else:
        for name, trainer, records in members:
            save_member(trainer, records, folder / _safe(name), seconds)
        atomic_write(folder / "group.json", _json({"members": {name: _safe(name) for name, _, _ in members}}))
    return str(folder)


def member_folders(folder: str | Path) -> dict[str, Path]:
    """A saved run's members: name -> folder (one, named "run", for a single run)."""
    folder = Path(folder)
    group_file = folder / "group.json"
    if not group_file.exists():
        return {"run": folder}
    names = read_json(group_file)["members"]
    return {name: folder / sub for name, sub in names.items()}


def load_trainer(folder: str | Path, overrides: dict[str, Any] | None = None):
    """Rebuild a trainer from a saved member folder and load its checkpoint. Raises ValueError with a clear message."""
    folder = Path(folder)
    cfg_file, ckpt_file = folder / "config.json", folder / "checkpoint.pt"
    if not cfg_file.exists() or not ckpt_file.exists():
        raise ValueError(f"{folder} is not a saved run: it needs config.json and checkpoint.pt")
    saved = read_json(cfg_file)
    values = dict(saved["config"])
    values.update(overrides or {})
    state = read_checkpoint(ckpt_file)
    data = None
    if "custom_data" in state:
        data = toy_from_state(state["custom_data"])
    trainer = build_trainer(saved["family"], values, data=data)
    try:
        trainer.load_state_dict(state)
    except (RuntimeError, KeyError, ValueError) as err:
        changed = sorted(k for k in (overrides or {}) if saved["config"].get(k) != values[k])
        hint = (f" (the keys changed by --set: {', '.join(changed)})" if changed
                else " (its config.json was edited, or the files come from different runs)")
        first = str(err).strip().splitlines()[0][:200]
        raise ValueError(f"{ckpt_file} does not match the model its configuration builds{hint}: {first}") from None
    return trainer


def load_records(folder: str | Path) -> list[dict]:
    path = Path(folder) / "metrics.csv"
    if not path.exists() or path.stat().st_size == 0:
        return []
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return []
    return frame.to_dict("records")


def list_saved_runs(root: str | Path | None = None, family: str | None = None) -> list[dict]:
    """Saved single runs under `root` (default $GENLAB_RUNS_DIR or runs/), newest first, for a picker."""
    root = Path(root or os.environ.get("GENLAB_RUNS_DIR", "runs"))
    out = []
    for cfg in sorted(root.glob("*/config.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            saved = json.loads(cfg.read_text())
        except (OSError, ValueError):
            continue
        if family and saved.get("family") != family:
            continue
        dataset = saved.get("config", {}).get("dataset", "?")
        out.append({"path": str(cfg.parent), "family": saved.get("family"), "step": saved.get("step", 0),
                    "label": f"{cfg.parent.name} · {dataset} · step {saved.get('step', 0):,}"})
    return out
