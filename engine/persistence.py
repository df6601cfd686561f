"""Saved runs on disk: `runs/<id>/` with config.json, metrics.csv, summary.json, checkpoint.pt, samples.png.

A run folder is written as a whole: every file is made in memory first (the evaluation for summary.json included),
written into a temporary sibling folder `.saving-<name>-<pid>-<random>`, and renamed into place, so a crash, a kill
or a second writer never leaves a folder that mixes two runs or holds half a file. Replacing an existing folder is
asked for explicitly (`replace=True`, a run saving over its own earlier save); otherwise an existing folder is never
touched (`FolderTaken`). What a killed save leaves behind is cleaned by `clean_orphans`. Checkpoints hold only
tensors and plain containers and load with `weights_only=True`. A group saves one such folder per member inside its
own folder, plus `group.json`. The live `Run` (engine/runs.py) saves itself through `save_members` and is rebuilt by
`runs.load_run`; this module knows trainers and folders, never runs.
"""

from __future__ import annotations

import io
import json
import os
import platform
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from engine.data import dataset_from_state, is_2d_dataset
from engine.files import read_checkpoint, read_json
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


class FolderTaken(FileExistsError):
    """The folder asked for already holds something that is not this run's own earlier save."""


def member_files(trainer, records: list[dict], seconds: float) -> dict[str, bytes]:
    """The five files of one saved trainer, made in memory (evaluation first); nothing is written yet."""
    summary = summary_of(trainer, seconds)
    state = trainer.state_dict()
    kept = getattr(trainer.data, "state", lambda: None)()  # drawn 2D points, uploaded pictures
    if kept is not None:
        state.setdefault("custom_data", kept)
    buf = io.BytesIO()
    torch.save(state, buf)
    config = {"family": trainer.family, "step": trainer.step_count, "config": trainer.config_dict()}
    return {"config.json": _json(config).encode(),
            "metrics.csv": pd.DataFrame.from_records(records).to_csv(index=False).encode(),
            "summary.json": _json(summary).encode(),
            "checkpoint.pt": buf.getvalue(),
            "samples.png": trainer.sample_png()}


def check_writable(folder: str | Path, replace: bool = False) -> Path:
    """Fail now, before any training, where a run could not be saved: `folder` holds something already (unless
    `replace`), or its parent cannot be created or written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FolderTaken(f"{folder} exists and is not a folder: choose another place to save the run")
    if folder.exists() and any(folder.iterdir()) and not replace:
        raise FolderTaken(f"{folder} already holds files (another run?): choose another folder, or remove it first")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        probe = folder.parent / f".probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise PermissionError(f"cannot write a run folder in {folder.parent}: {err.strerror or err}") from None
    return folder


def write_folder(files: dict[str, bytes], folder: str | Path, replace: bool = False) -> Path:
    """Write `files` (relative path -> bytes) as the folder `folder`, all at once: into a temporary sibling, then
    renamed into place. An existing `folder` is replaced only with `replace`, and kept until the new one is there."""
    folder = check_writable(folder, replace)
    tag = f"{folder.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging = folder.parent / f".saving-{tag}"
    try:
        for relative, data in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        old = None
        if folder.exists():
            old = folder.parent / f".replaced-{tag}"
            os.rename(folder, old)  # a kill between the two renames is undone by clean_orphans
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return folder


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


ORPHAN = re.compile(r"^\.(saving|replaced)-(?P<name>.+)-(?P<pid>\d+)-[0-9a-f]{8}$")
STALE_TMP_SECONDS = 600  # an atomic_write temporary file older than this has lost its writer


def clean_orphans(root: str | Path) -> list[str]:
    """Remove what killed saves left in `root`: staging folders and temporary files of processes that are gone (a
    replaced folder whose new version never arrived is put back). Returns what was removed or restored."""
    root = Path(root)
    done = []
    if not root.is_dir():
        return done
    for entry in root.iterdir():
        match = ORPHAN.match(entry.name)
        if match and entry.is_dir() and not _pid_alive(int(match["pid"])):
            target = root / match["name"]
            if match[1] == "replaced" and not target.exists():
                os.rename(entry, target)
                done.append(f"restored {target}")
            else:
                shutil.rmtree(entry, ignore_errors=True)
                done.append(f"removed {entry}")
        elif entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
            if time.time() - entry.stat().st_mtime > STALE_TMP_SECONDS:
                entry.unlink(missing_ok=True)
                done.append(f"removed {entry}")
    return done


def save_member(trainer, records: list[dict], folder: str | Path, seconds: float, replace: bool = False) -> Path:
    """Write one trainer's run folder (see `write_folder`)."""
    return write_folder(member_files(trainer, records, seconds), folder, replace)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "member"


def save_members(members: list[tuple[str, Any, list[dict]]], folder: str | Path, seconds: float,
                 replace: bool = False) -> str:
    """Write a run's members, each `(name, trainer, records)`, as one folder: a single member's files straight in
    it, several members in one sub-folder each plus `group.json`. Returns the folder."""
    if len(members) == 1:
        _, trainer, records = members[0]
        files = member_files(trainer, records, seconds)
    else:
        files = {f"{_safe(name)}/{k}": v for name, trainer, records in members
                 for k, v in member_files(trainer, records, seconds).items()}
        files["group.json"] = _json({"members": {name: _safe(name) for name, _, _ in members}}).encode()
    return str(write_folder(files, folder, replace))


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
        data = dataset_from_state(state["custom_data"])
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


def list_saved_runs(root: str | Path | None = None, family: str | None = None,
                    points: bool | None = None) -> list[dict]:
    """Saved single runs under `root` (default $GENLAB_RUNS_DIR or runs/), newest first, for a picker: of one
    `family`, and with `points` True or False only those trained on 2D points or on images."""
    root = Path(root or os.environ.get("GENLAB_RUNS_DIR", "runs"))
    out = []
    found = [p for p in root.glob("*/config.json") if not p.parent.name.startswith(".")]
    for cfg in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            saved = json.loads(cfg.read_text())
        except (OSError, ValueError):
            continue
        if family and saved.get("family") != family:
            continue
        dataset = saved.get("config", {}).get("dataset", "?")
        if points is not None and is_2d_dataset(str(dataset)) != points:
            continue
        out.append({"path": str(cfg.parent), "family": saved.get("family"), "step": saved.get("step", 0),
                    "label": f"{cfg.parent.name} · {dataset} · step {saved.get('step', 0):,}"})
    return out
