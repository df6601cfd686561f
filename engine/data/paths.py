"""Which folders of the server a dashboard user may point the tool at.

On a shared server a path typed into a page is a path on the server, not on the student's laptop: reading `/` or
another user's run folder must not be possible. Paths are taken only inside the allowed roots
(`GENLAB_PATH_ROOTS`, folders separated by the system's path separator; by default the server's home folder and its
working folder), after resolving `~`, `..` and symbolic links. Whether a page offers path inputs at all is the
dashboard's policy (app/ui/data_access.py). The command line is the operator's own: it takes any path, within the
same size limits (engine/data/image_files.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.data.errors import BadInput


def allowed_roots() -> list[Path]:
    text = os.environ.get("GENLAB_PATH_ROOTS", "")
    roots = [r for r in text.split(os.pathsep) if r] or [str(Path.home()), os.getcwd()]
    return [Path(r).expanduser().resolve() for r in roots]


def check_allowed(path: str, what: str = "the folder") -> Path:
    """`path` resolved, when it lies inside an allowed root; else BadInput naming the roots."""
    resolved = Path(path).expanduser().resolve()
    roots = allowed_roots()
    if not any(resolved == root or root in resolved.parents for root in roots):
        raise BadInput(f"{what} '{path}' is outside the folders this server reads from "
                       f"({', '.join(map(str, roots))}; GENLAB_PATH_ROOTS sets them)")
    return resolved
