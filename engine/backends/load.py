"""What the server costs, read from Linux's /proc: CPU seconds and resident memory of a process and of its whole tree
(on a local Ray cluster the tree holds Ray's daemons and every worker training a run). Elsewhere than Linux the
readers raise OSError, and `usage` says nothing (zeros)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` (VmRSS), in MB; StopIteration for a zombie that has none."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS"))


def tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def summed(measure, pids: list[int]) -> float:
    """`measure(pid)` added over `pids` (a process that ended meanwhile counts nothing)."""
    total = 0.0
    for pid in pids:
        try:
            total += measure(pid)
        except (OSError, StopIteration):
            pass
    return total


@dataclass(frozen=True)
class Usage:
    """A process tree at one moment (`at`, time.monotonic()): its CPU seconds so far, its resident memory, how many
    processes."""

    cpu_seconds: float
    rss_mb: float
    processes: int
    at: float

    def cores_since(self, earlier: Usage) -> float:
        """Cores the tree used on average between `earlier` and this reading."""
        seconds = self.at - earlier.at
        return max(0.0, self.cpu_seconds - earlier.cpu_seconds) / seconds if seconds > 0 else 0.0


def usage(pid: int | None = None) -> Usage:
    """This process's tree (or `pid`'s), now. Summed resident memory counts pages the processes share (torch's
    libraries) once per process: an upper bound."""
    pids = tree(os.getpid() if pid is None else pid)
    return Usage(summed(cpu_seconds, pids), summed(rss_mb, pids), len(pids), time.monotonic())
