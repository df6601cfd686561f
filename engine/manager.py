"""The process-wide run manager: a fair queue for the training slots of a shared server, and runs that cannot leak.

- At most `cap` runs train at once (default: what the machine holds, `default_cap`); the rest wait first come,
  first served, none is dropped; `set_cap` changes it without a restart.
- At most `per_owner` of one owner's (a browser session's) runs train at once: starting another pauses the one that
  trained longest, so one student on two pages does not hold two slots.
- Turns: while runs wait, a run that has trained `turn_seconds` (GENLAB_TURN_SECONDS, default 60; 0: no turns)
  since it got its slot gives the slot to the first waiting run and queues again at the back, exactly where its
  training was (round robin): a room of 20 on 2 slots all get to watch their runs learn, and the queue drains by
  itself.
- A run nobody looks at (no snapshot for `idle_seconds`, GENLAB_IDLE_PAUSE) pauses itself and gives its slot back
  (engine/runs.py).
- When an owner goes away (`release_owner`: its browser session disconnected) its runs pause at once; after
  `grace_seconds` (GENLAB_SESSION_GRACE) without the owner coming back (`touch`) they are closed: thread ended,
  models and data dropped, so the memory is back whatever happens to the session object. Saved runs stay on disk.
"""

from __future__ import annotations

import logging
import os
import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import torch

from engine.backends import give_memory_back, ray_actors
from engine.runs import Run, torch_threads

log = logging.getLogger(__name__)

IDLE_SECONDS = 60.0
GRACE_SECONDS = 120.0
TURN_SECONDS = 60.0
RUNS_PER_GPU = 8  # small runs sharing one card


def default_cap() -> int:
    """`GENLAB_MAX_RUNS`, else what the machine holds: on GPUs, RUNS_PER_GPU per card (fewer when a card has less
    than 2 GB per run); on a CPU, its cores divided by the torch threads each run uses. On Ray the same, counted
    over the cluster."""
    text = os.environ.get("GENLAB_MAX_RUNS", "")
    if text:
        return max(1, int(text))
    if ray_actors.backend() == "ray":  # the cluster's GPUs or cores, not this machine's
        return ray_actors.cluster_cap(RUNS_PER_GPU, torch_threads())
    if torch.cuda.is_available():
        per_card = [min(RUNS_PER_GPU, max(1, torch.cuda.get_device_properties(i).total_memory // 2**31))
                    for i in range(torch.cuda.device_count())]
        return int(sum(per_card))
    return max(1, (os.cpu_count() or 1) // torch_threads())


@dataclass
class _Entry:
    run: Run
    owner: str
    info: dict[str, Any] = field(default_factory=dict)  # what the instructor's view says about it (page, ...)


class RunManager:
    def __init__(self, cap: int | None = None, per_owner: int = 1, idle_seconds: float = IDLE_SECONDS,
                 grace_seconds: float = GRACE_SECONDS, turn_seconds: float = TURN_SECONDS):
        self.cap = cap or default_cap()
        self.per_owner = per_owner
        self.idle_seconds = idle_seconds
        self.grace_seconds = grace_seconds
        self.turn_seconds = turn_seconds
        self._lock = threading.Condition()
        self._running: dict[int, float] = {}  # id(run) -> when it got its slot
        self._queue: deque[int] = deque()
        self._runs: dict[str, _Entry] = {}
        self._gone: dict[str, float] = {}  # owner -> when it went away
        self._holds: deque[float] = deque(maxlen=50)  # how long recent runs held a slot
        self._reaper: threading.Thread | None = None

    # ------------------------------------------------------------------ registering
    def submit(self, run: Run, owner: str | None = None, **info: Any) -> Run:
        """Register `run` (it takes a slot only while it actually trains). An owned run pauses itself when nobody
        looks at it for idle_seconds."""
        run._slots = self
        if owner is not None:
            run.idle_pause = self.idle_seconds
        with self._lock:
            self._runs[run.run_id] = _Entry(run, owner or "", dict(info))
        return run

    def info(self, run: Run) -> dict[str, Any]:
        with self._lock:
            entry = self._runs.get(run.run_id)
            return dict(entry.info) if entry is not None else {}

    def runs(self, owner: str | None = None) -> list[Run]:
        with self._lock:
            return [e.run for e in self._runs.values() if owner is None or e.owner == owner]

    def forget(self, run: Run) -> None:
        run.stop()
        with self._lock:
            self._runs.pop(run.run_id, None)

    def set_cap(self, cap: int) -> None:
        """A new cap, effective at once: waiting runs start when it grows; when it shrinks, runs beyond it keep
        their slot until they pause (none is stopped)."""
        with self._lock:
            self.cap = max(1, int(cap))
            self._lock.notify_all()

    # ------------------------------------------------------------------ owners coming and going
    def touch(self, owner: str) -> None:
        """The owner is here (its page ran): runs it left are not closed."""
        with self._lock:
            self._gone.pop(owner, None)

    def release_owner(self, owner: str) -> None:
        """The owner went away: pause its runs now (their slots go back) and close them after grace_seconds unless
        it comes back. With grace_seconds 0 they close at once."""
        log.warning("owner %s went away: pausing its %d run(s)", owner[-6:], len(self.runs(owner)))
        for run in self.runs(owner):
            run.pause(wait=False)
        with self._lock:
            self._gone[owner] = time.monotonic()
            if self._reaper is None or not self._reaper.is_alive():
                self._reaper = threading.Thread(target=self._reap, name="run-reaper", daemon=True)
                self._reaper.start()
        if self.grace_seconds <= 0:
            self.close_expired()

    def close_expired(self) -> list[str]:
        """Close the runs of owners gone for longer than grace_seconds; returns their ids."""
        now = time.monotonic()
        with self._lock:
            expired = [o for o, t in self._gone.items() if now - t >= self.grace_seconds]
            for owner in expired:
                del self._gone[owner]
            doomed = [e.run for e in self._runs.values() if e.owner in expired]
            for run in doomed:
                self._runs.pop(run.run_id, None)
        for run in doomed:
            run.close("closed: its browser session ended (a saved run stays on disk)")
        if doomed:
            with self._lock:
                room_empty = not self._runs
            if room_empty and ray_actors.backend() == "ray":
                ray_actors.spare_workers.trim()  # the extra warm worker of a busy room ends
            give_memory_back()
        return [r.run_id for r in doomed]

    def _reap(self) -> None:
        while True:
            with self._lock:
                if not self._gone:
                    self._reaper = None
                    return
                wait = max(0.5, min(self.grace_seconds, 5.0))
            time.sleep(wait)
            self.close_expired()

    # ------------------------------------------------------------------ reading
    def counts(self) -> dict[str, int]:
        with self._lock:
            return {"training": len(self._running), "waiting": len(self._queue), "registered": len(self._runs)}

    def queue_position(self, run: Run) -> int | None:
        with self._lock:
            try:
                return list(self._queue).index(id(run)) + 1
            except ValueError:
                return None

    def wait_estimate(self, run: Run) -> float | None:
        """Seconds until `run` trains, guessed from how long recent runs held their slot (None: no history yet,
        or not waiting)."""
        position = self.queue_position(run)
        with self._lock:
            if position is None or not self._holds:
                return None
            return position * statistics.fmean(self._holds) / self.cap

    def place(self, run_id: str) -> tuple[int | None, float | None]:
        """(queue position, estimated wait in seconds) of the registered run `run_id`."""
        with self._lock:
            entry = self._runs.get(run_id)
        if entry is None:
            return None, None
        return self.queue_position(entry.run), self.wait_estimate(entry.run)

    def table(self) -> list[dict[str, Any]]:
        """Every registered run, for the instructor's view: its owner (an anonymous short id), what registered it,
        status, step, speed."""
        with self._lock:
            entries = list(self._runs.values())
        rows = []
        for e in entries:
            snap = e.run.peek()
            rows.append({"run": e.run.run_id, "owner": e.owner[-6:], **e.info, "status": snap.status,
                         "step": snap.step, "steps/s": round(snap.steps_per_second, 1)})
        return rows

    # ------------------------------------------------------------------ called by Run's thread
    def _acquire(self, run: Run) -> bool:
        key = id(run)
        with self._lock:
            self._queue.append(key)
            while True:
                if run._want_stop or run._want_pause:  # stopped, paused or stepping once while queued
                    self._queue.remove(key)
                    self._lock.notify_all()
                    return False
                if len(self._running) < self.cap and self._queue[0] == key:
                    self._queue.popleft()
                    self._running[key] = time.monotonic()
                    self._lock.notify_all()
                    break
                self._lock.wait(0.1)
        self._make_room_for(run)
        return True

    def _turn_over(self, run: Run) -> bool:
        """True when others wait and `run` has held its slot for turn_seconds: it should queue again."""
        with self._lock:
            started = self._running.get(id(run))
            return (self.turn_seconds > 0 and started is not None and bool(self._queue)
                    and time.monotonic() - started >= self.turn_seconds)

    def _make_room_for(self, run: Run) -> None:
        """The owner's other runs beyond per_owner pause, the one that has trained longest first."""
        with self._lock:
            owner = next((e.owner for e in self._runs.values() if e.run is run), "")
            if not owner:
                return
            others = [(self._running[id(e.run)], e.run) for e in self._runs.values()
                      if e.owner == owner and e.run is not run and id(e.run) in self._running]
        others.sort(key=lambda pair: pair[0])
        for _, other in others[: max(0, len(others) + 1 - self.per_owner)]:
            other.pause(wait=False, message="paused: this session started another run (one at a time per "
                                            "session)")

    def _release(self, run: Run) -> None:
        with self._lock:
            started = self._running.pop(id(run), None)
            if started is not None:
                self._holds.append(time.monotonic() - started)
            self._lock.notify_all()


_manager: RunManager | None = None
_manager_lock = threading.Lock()


def manager(cap: int | None = None) -> RunManager:
    """The process-wide manager, created on first use (GENLAB_MAX_RUNS, GENLAB_RUNS_PER_SESSION, GENLAB_IDLE_PAUSE,
    GENLAB_SESSION_GRACE, GENLAB_TURN_SECONDS)."""
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = RunManager(cap, int(os.environ.get("GENLAB_RUNS_PER_SESSION", "1")),
                                  float(os.environ.get("GENLAB_IDLE_PAUSE", IDLE_SECONDS)),
                                  float(os.environ.get("GENLAB_SESSION_GRACE", GRACE_SECONDS)),
                                  float(os.environ.get("GENLAB_TURN_SECONDS", TURN_SECONDS)))
            if ray_actors.backend() == "ray":
                ray_actors.spare_workers.prestart()  # the first Play does not wait for a worker to start
        return _manager
