"""Saved runs on disk: `runs/<id>/` with config.json, metrics.csv, summary.json, checkpoint.pt, samples.png.

Every file is written atomically (a temporary file in the same folder, then `os.replace`), so a crash or a second
writer never leaves half a file. Checkpoints hold only tensors and plain containers and load with
`weights_only=True`. A group saves one such folder per member inside its own folder, plus `group.json`.
"""

from __future__ import annotations

import io
import json
import os
import platform
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import torch

FILES = ("config.json", "metrics.csv", "summary.json", "checkpoint.pt", "samples.png")


def atomic_write(path: str | Path, data: bytes | str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, default=float) + "\n"


def device_name(trainer) -> str:
    dev = getattr(trainer, "device", torch.device("cpu"))
    if dev.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(dev)})"
    return f"cpu ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)"


def summary_of(trainer, seconds: float) -> dict[str, Any]:
    """The family's final metrics plus the common keys of DESIGN.md."""
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


def save_run(run, folder: str | Path) -> str:
    folder = Path(folder)
    seconds = run.snapshot().elapsed
    members = run._member_records()
    if len(members) == 1:
        _, trainer, records = members[0]
        save_member(trainer, records, folder, seconds)
    else:
        for name, trainer, records in members:
            save_member(trainer, records, folder / _safe(name), seconds)
        atomic_write(folder / "group.json", _json({"members": {name: _safe(name) for name, _, _ in members}}))
    return str(folder)


def load_trainer(folder: str | Path, overrides: dict[str, Any] | None = None):
    """Rebuild a trainer from a saved member folder and load its checkpoint. Raises ValueError with a clear message."""
    from engine.trainers import build_trainer

    folder = Path(folder)
    cfg_file, ckpt_file = folder / "config.json", folder / "checkpoint.pt"
    if not cfg_file.exists() or not ckpt_file.exists():
        raise ValueError(f"{folder} is not a saved run: it needs config.json and checkpoint.pt")
    saved = json.loads(cfg_file.read_text())
    values = dict(saved["config"])
    values.update(overrides or {})
    try:
        state = torch.load(ckpt_file, map_location="cpu", weights_only=True)
    except Exception as err:  # a truncated or foreign file: pickle, zip and torch errors alike
        raise ValueError(f"{ckpt_file} cannot be read as a GenLab checkpoint ({type(err).__name__})") from None
    data = None
    if "custom_data" in state:
        from engine.data import toy_from_state

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


def load_run(folder: str | Path, **run_kwargs):
    """A paused `Run` rebuilt from `runs/<id>/` (a single run or a group), ready to resume."""
    from engine.runs import Run

    folder = Path(folder)
    group_file = folder / "group.json"
    if group_file.exists():
        names = json.loads(group_file.read_text())["members"]
        paths = {name: folder / sub for name, sub in names.items()}
    else:
        paths = {"run": folder}
    trainers = {name: load_trainer(path) for name, path in paths.items()}

    def factory_for(name):
        loaded = trainers.pop(name)
        first = [loaded]  # the loaded trainer the first time, a fresh one (same config and data) on reset

        def factory():
            from engine.trainers import build_trainer

            return first.pop() if first else build_trainer(loaded.family, loaded.config, data=loaded.data)

        return factory

    run = Run({name: factory_for(name) for name in paths}, run_id=folder.name, **run_kwargs)
    for name, path in paths.items():
        run._restore_records(name, load_records(path))
    run.saved_to = str(folder)
    return run


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
