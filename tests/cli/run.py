"""The command line under test. `engine(*args)` calls `engine.__main__.main` in this process and gives back what a
subprocess would (returncode, stdout, stderr, logged lines included): the same code path as `python -m engine`
without seconds of imports per call. `engine_process(*args)` runs a real `python -m engine` where the process itself
is what a test is about (its exit status through the interpreter, its environment read at start)."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def engine(*args: str, cwd: Path | None = None) -> Result:
    from engine.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    logged = logging.StreamHandler(err)  # what the process would have printed through logging's last resort
    logging.getLogger().addHandler(logged)
    here = os.getcwd()
    try:
        os.chdir(cwd or ROOT)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        os.chdir(here)
        logging.getLogger().removeHandler(logged)
    return Result(int(code or 0), out.getvalue(), err.getvalue())


def engine_process(*args: str, cwd: Path | None = None, env: dict | None = None,
                   timeout: float = 300) -> subprocess.CompletedProcess:
    environment = dict(os.environ, GENLAB_OFFLINE="1", **(env or {}))
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd or ROOT, env=environment,
                          capture_output=True, text=True, timeout=timeout)
