"""Where runs train: threads of this process (the default, engine/runs.py) or Ray actors (`ray_actors`)."""

import ctypes
import gc


def give_memory_back() -> None:
    """Collect what only the garbage collector can free (the server runs with runner.postScriptGC off, so no full
    collection runs by itself), then hand freed heap pages back to the OS (glibc's malloc_trim; elsewhere a
    no-op): after runs close, a process's memory comes back, not just its reusable space."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
