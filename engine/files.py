"""Low-level file helpers every other module may use (a leaf: it imports nothing of the engine).

- `atomic_write`: a temporary file in the target's folder, flushed to disk, then `os.replace`, so a crash or a second
  writer never leaves half a file.
- `read_checkpoint`: a `torch.load(weights_only=True)` whose every failure (truncated, foreign, malicious pickle) is
  one ValueError naming the file; no code in the file ever runs.
- `read_json`: a JSON file, or a ValueError naming it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch


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


def read_checkpoint(path: str | Path, what: str = "a GenLab checkpoint") -> dict[str, Any]:
    """The tensors and plain containers saved in `path` (weights only, loaded on the CPU)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a truncated or foreign file: pickle, zip and torch errors alike
        raise ValueError(f"{path} cannot be read as {what} ({type(err).__name__})") from None
    if not isinstance(state, dict):
        raise ValueError(f"{path} cannot be read as {what} (it holds a {type(state).__name__}, not a dict)")
    return state


def read_json(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} cannot be read as JSON ({type(err).__name__}: {err})") from None
