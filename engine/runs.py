"""Live training that never blocks the page: `Run` (one or several trainers stepped round-robin in one background
thread), immutable `Snapshot`s, and the process-wide `RunManager` that caps how many runs train at once.

The thread never calls the UI. The UI only reads `snapshot()` and sends commands (start, pause, resume, step once,
stop, reset, knobs, save); commands are applied between steps. A run of several members is a `RunGroup`: every member
is built with the same seed, so members whose configurations differ only in a trick see the same data order and the
same noise, and one group step advances each member once (that is what makes a comparison fair).
"""

from __future__ import annotations

import atexit
import copy
import itertools
import logging
import os
import threading
import time
import traceback
import weakref
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd
import torch

from engine import persistence
from engine.backends import ray_actors
from engine.config import ConfigError, parse_value, specs, torch_threads  # noqa: F401 - torch_threads: read here
from engine.registry import build_trainer
from engine.trainer import Diverged, Trainer

log = logging.getLogger(__name__)

TrainerFactory = Callable[[], Trainer]
STATUSES = ("idle", "queued", "running", "paused", "finished", "stopped", "diverged", "failed", "closed")
_ids = itertools.count(1)


def _new_id() -> str:
    """A run's id: the time, the process and a counter, so two processes starting runs in the same second differ."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid() % 100000:05d}-{next(_ids):03d}"


@dataclass(frozen=True)
class MemberSnapshot:
    """What one trainer of a run looks like at one moment. Arrays in `preview` are read-only."""

    name: str
    step: int
    records: tuple[Mapping[str, float], ...]
    preview: Mapping[str, Any]
    preview_step: int
    config: Any

    def history(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(list(self.records))


@dataclass(frozen=True)
class Snapshot:
    run_id: str
    status: str
    message: str
    step: int
    max_steps: int | None
    elapsed: float
    members: tuple[MemberSnapshot, ...]
    version: int  # grows whenever anything visible changed
    first_step: int = 0  # the step this run started from (a loaded run does not start at 0)

    @property
    def steps_per_second(self) -> float:
        return (self.step - self.first_step) / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def preview(self) -> Mapping[str, Any]:
        return self.members[0].preview

    @property
    def preview_step(self) -> int:
        return self.members[0].preview_step

    def history(self, member: int = 0) -> pd.DataFrame:
        return self.members[member].history()

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


@dataclass
class _Member:
    name: str
    factory: TrainerFactory
    trainer: Trainer
    records: list = field(default_factory=list)
    pending: dict = field(default_factory=dict)  # loss sums since the last record
    pending_n: int = 0
    preview: Mapping[str, Any] = field(default_factory=dict)
    preview_step: int = -1
    last_good: dict | None = None
    last_good_step: int = 0
    train_seconds: float = 0.0  # time spent in this member's steps (a group's members share the wall clock)


def _freeze(preview: dict) -> dict:
    """Make the arrays of a preview read-only. An array that borrows its memory (`tensor.numpy()` shares the
    tensor's storage) is copied first: otherwise training would keep changing a "frozen" snapshot."""
    out = {}
    for key, value in preview.items():
        if isinstance(value, np.ndarray):
            if not value.flags.owndata:
                value = value.copy()
            value.setflags(write=False)
        elif isinstance(value, dict):
            value = _freeze(value)
        out[key] = value
    return out


class Run:
    """One or more trainers driven by one background thread (`RunGroup` is the same class with several members).

    `members` maps a display name to a factory that builds a fresh trainer; the factory is called again on `reset`.
    `max_steps` ends the run as `finished`; `preview_seconds` is the shortest time between previews. Previews are
    made on demand: only when a snapshot was taken since the last one (someone is watching), so a run nobody looks at
    spends no time drawing, and one that is watched draws at most as often as it is read.
    """

    def __init__(self, members: Mapping[str, TrainerFactory] | TrainerFactory, *, max_steps: int | None = None,
                 preview_seconds: float = 0.4, good_state_seconds: float = 2.0, run_id: str | None = None):
        if callable(members):
            members = {"run": members}
        if not members:
            raise ValueError("a run needs at least one trainer")
        self.backend = ray_actors.backend()
        if self.backend == "ray":  # the same run, its trainers in Ray actors (engine/backends/ray_actors.py)
            members = {name: ray_actors.remote_factory(f) for name, f in members.items()}
        self.run_id = run_id or _new_id()
        self.max_steps = max_steps
        self.preview_seconds = preview_seconds
        self.good_state_seconds = good_state_seconds
        self._members = [_Member(name, f, f()) for name, f in members.items()]
        self._first_step = self._members[0].trainer.step_count
        self._cond = threading.Condition()
        self._step_lock = threading.Lock()  # held while the trainers change; save() takes it too
        self._thread: threading.Thread | None = None
        self._status = "idle"
        self._message = ""
        self._want_pause = False
        self._want_stop = False
        self._pending_parts: deque[str] = deque()
        self._knobs: dict[str, dict[str, Any]] = {}  # waiting to be applied
        self._applied_knobs: dict[str, dict[str, Any]] = {}  # applied so far: re-applied after a reset
        self._steps_per_second: float = 0.0  # 0 = as fast as possible
        self._elapsed = 0.0
        self._resumed_at: float | None = None
        self._version = 0
        self._slots = None  # the RunManager (engine/manager.py) whose slots it trains in, if any
        self._holding_slot = False
        self.idle_pause: float | None = None  # pause by itself after this many seconds without a snapshot
        self._last_seen = time.monotonic()  # when a snapshot was last taken
        self._pause_message = ""
        self.saved_to: str | None = None  # this run's own last save (a later save may replace it)
        self.loaded_from: str | None = None  # the folder this run was loaded from (never written by this run)
        self._preview_wanted = False  # set by snapshot(), cleared when the training thread makes a preview
        for m in self._members:
            self._refresh_preview(m)

    # ------------------------------------------------------------------ commands (any thread)
    @property
    def members(self) -> list[str]:
        return [m.name for m in self._members]

    @property
    def trainers(self) -> list[Trainer]:
        """The live trainers. Only touch them while the run is not running (tests, the command line)."""
        return [m.trainer for m in self._members]

    @property
    def status(self) -> str:
        return self._status

    def start(self) -> "Run":
        """Start (or resume) continuous training."""
        self._join_stopping()
        with self._cond:
            if self._status in ("finished", "diverged", "failed", "closed"):
                return self
            self._want_pause = False
            self._pause_message = ""
            self._last_seen = time.monotonic()
            self._want_stop = False
            self._ensure_thread()
            self._cond.notify_all()
        self._await(lambda: self._status not in ("idle", "paused", "stopped"))
        return self

    resume = start

    def pause(self, wait: bool = True, message: str = "") -> None:
        """Pause between steps. Returns once the thread has paused (or after `ACK_SECONDS` of a long step), so a page
        that reruns right after the click already shows the run as paused; `wait=False` returns at once.
        `message` says why (the status line shows it)."""
        with self._cond:
            self._want_pause = True
            self._pause_message = message
            self._cond.notify_all()
        if wait:
            self._await(lambda: self._status not in ("running", "queued"))

    ACK_SECONDS = 2.0

    def _await(self, done: Callable[[], bool]) -> None:
        """Wait (at most ACK_SECONDS) for the training thread to acknowledge a command."""
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        with self._cond:
            self._cond.wait_for(lambda: done() or not thread.is_alive(), self.ACK_SECONDS)

    def step_once(self, part: str = "both") -> None:
        """One step of every member (for GANs `part` may be "d" or "g"); leaves the run paused."""
        parts = self._members[0].trainer.parts
        if part not in parts:
            raise ValueError(f"step part must be one of {', '.join(parts)}")
        self._join_stopping()
        with self._cond:
            if self._status in ("finished", "diverged", "failed", "closed"):
                return
            self._want_pause = True
            self._want_stop = False
            self._pending_parts.append(part)
            self._ensure_thread()
            self._cond.notify_all()

    def _join_stopping(self) -> None:
        """After `stop(wait=False)` the old thread may still be ending: wait for it, or a start would be lost."""
        with self._cond:
            thread = self._thread if self._want_stop else None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def stop(self, wait: bool = True) -> None:
        with self._cond:
            self._want_stop = True
            self._pending_parts.clear()
            self._cond.notify_all()
            thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join()

    def close(self, message: str = "closed") -> None:
        """End the run for good: the thread stops and the models and data are dropped, so their memory is freed
        even while something still holds this object. A closed run shows its last snapshot and cannot restart."""
        self.stop()
        with self._step_lock, self._cond:
            for m in self._members:
                ray_actors.release(m.trainer)
                m.trainer, m.factory, m.last_good = _Closed(m.trainer), None, None
            self._status, self._message = "closed", message
            self._bump()

    @property
    def closed(self) -> bool:
        return self._status == "closed"

    def reset(self) -> None:
        """Stop, rebuild every trainer from its factory (same seed), clear the history."""
        self.stop()
        with self._step_lock, self._cond:
            for m in self._members:
                ray_actors.release(m.trainer)
                m.trainer = m.factory()
                m.records.clear()
                m.pending, m.pending_n, m.last_good = {}, 0, None
            self._first_step = self._members[0].trainer.step_count
            self._apply_knobs(again=True)
            for m in self._members:
                self._refresh_preview(m)
            self._status, self._message, self._elapsed = "idle", "", 0.0
            self._thread = None
            self._bump()

    def set_knobs(self, member: str | None = None, **values: Any) -> None:
        """Queue live-knob changes; applied by the training thread before its next step (all members if None).

        Raises ConfigError here, in the caller, for a key that is unknown or not live or a bad value (rather than
        failing the run later), and ValueError for an unknown member."""
        if not values:
            return
        if member is not None and member not in self.members:
            raise ValueError(f"no member '{member}'; members: {', '.join(self.members)}")
        targets = [m for m in self._members if member in (None, m.name)]
        known = specs(type(targets[0].trainer.config))
        parsed = {}
        for key, value in values.items():
            if key not in known or not known[key].live:
                live = sorted(k for k, s in known.items() if s.live)
                raise ConfigError(key, f"'{key}' is not a live knob. Live knobs: {', '.join(live) or 'none'}")
            parsed[key] = parse_value(known[key], value)
        with self._cond:
            self._knobs.setdefault(member or "*", {}).update(parsed)
            idle = self._thread is None or not self._thread.is_alive()
            self._cond.notify_all()
        if idle:  # nobody steps: apply now (the lock order is step lock, then condition, as in the thread)
            with self._step_lock:
                self._apply_knobs()
                for m in self._members:
                    self._refresh_preview(m)
                with self._cond:
                    self._bump()

    def set_speed(self, steps_per_second: float) -> None:
        """Slow motion for watching: at most this many group steps per second (0 = full speed)."""
        self._steps_per_second = max(0.0, float(steps_per_second))

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def with_trainer(self, fn: Callable[[Trainer], Any], member: int = 0) -> Any:
        """Call `fn(trainer)` between two training steps (the step lock held), e.g. to sample or interpolate from
        the live model without racing the training thread. Keep `fn` short: training waits for it."""
        with self._step_lock:
            return fn(self._members[member].trainer)

    def wait_until(self, predicate: Callable[[Snapshot], bool], timeout: float = 30.0) -> Snapshot:
        """Block until `predicate(snapshot)` holds (tests and scripts); raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            snap = self.snapshot()
            if predicate(snap):
                return snap
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {self.run_id} still {snap.status} at step {snap.step}")
            with self._cond:
                self._cond.wait(0.01)

    # ------------------------------------------------------------------ reading (any thread)
    def snapshot(self) -> Snapshot:
        """An immutable picture of the run; cheap (no tensors touched), safe to call at any rate. Taking one says
        someone is watching: previews are made, and the run does not pause as unwatched."""
        with self._cond:
            self._preview_wanted = True
            self._last_seen = time.monotonic()
        return self.peek()

    def peek(self) -> Snapshot:
        """A snapshot that does not count as watching (the instructor's view, the manager)."""
        with self._cond:
            elapsed = self._elapsed + (time.monotonic() - self._resumed_at if self._resumed_at else 0.0)
            members = tuple(MemberSnapshot(m.name, m.trainer.step_count, tuple(m.records), m.preview,
                                           m.preview_step, m.trainer.config) for m in self._members)
            return Snapshot(self.run_id, self._status, self._message, members[0].step, self.max_steps, elapsed,
                            members, self._version, self._first_step)

    # ------------------------------------------------------------------ the thread
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name=f"run-{self.run_id}", daemon=True)
            _live.add(self)
            self._thread.start()

    def _bump(self) -> None:
        self._version += 1
        self._cond.notify_all()

    def _set_status(self, status: str, message: str = "") -> None:
        with self._cond:
            now = time.monotonic()
            if self._resumed_at is not None and status != "running":
                self._elapsed += now - self._resumed_at
                self._resumed_at = None
            elif status == "running" and self._resumed_at is None:
                self._resumed_at = now
            self._status, self._message = status, message
            self._bump()

    def _next_part(self) -> str | None:
        """Wait for work; None means the thread should end. Manages the concurrency slot."""
        while True:
            just_paused = False
            with self._cond:
                while True:
                    if self._want_stop:
                        return None
                    if self._pending_parts:
                        return self._pending_parts.popleft()
                    if not self._want_pause:
                        break
                    if self._status != "paused":
                        self._set_status("paused", self._pause_message)  # before the slot goes: never more
                        self._release_slot()  # than `cap` runs say running
                        just_paused = True
                        break  # out of the lock: the pages' snapshots do not wait on the next line
                    self._cond.wait()
            if just_paused:
                self._detach_members()  # on Ray: a paused run holds no worker; Play adopts a warm one again
                continue
            if self._holding_slot and self._slots._turn_over(self):
                self._detach_members()  # on Ray: no worker held while it waits for its next turn
                self._set_status("queued", "its turn is over: back in the queue while others train (it goes on "
                                           "where it stopped)")  # before the slot goes: never more than `cap`
                self._release_slot()  # runs say running
            if self._slots is not None and not self._holding_slot:
                if self._status != "queued":
                    self._set_status("queued", "waiting for a free training slot")
                if not self._slots._acquire(self):
                    continue  # stopped, paused or asked for a single step while waiting in the queue
                self._holding_slot = True
            if self._status != "running":
                self._set_status("running")
            return "both"

    def _detach_members(self) -> None:
        with self._step_lock:  # a reset swaps trainers under this lock
            for m in self._members:
                ray_actors.detach(m.trainer)

    def _release_slot(self) -> None:
        if self._holding_slot and self._slots is not None:
            self._holding_slot = False
            self._slots._release(self)

    def _loop(self) -> None:
        try:
            torch.set_num_threads(torch_threads())
            last_preview = time.monotonic()
            last_good = 0.0
            while True:
                part = self._next_part()
                if part is None:
                    break
                if self._at_max_steps():  # e.g. a loaded run that already has its steps: no extra step
                    self._end("finished", f"reached {self.max_steps} steps")
                    return
                started = time.monotonic()
                with self._step_lock:
                    self._apply_knobs()
                    steps = self._batch()
                    for m in self._members:
                        self._step_member(m, part, steps)
                    now = time.monotonic()
                    done = self._at_max_steps()
                    single = self._want_pause
                    wanted = self._preview_wanted and now - last_preview >= self.preview_seconds
                    if done or single or wanted:
                        self._preview_wanted = False
                        for m in self._members:
                            self._refresh_preview(m)
                        last_preview = time.monotonic()
                    if now - last_good >= self.good_state_seconds:
                        for m in self._members:
                            self._keep_good_state(m)
                        last_good = now
                with self._cond:
                    self._bump()
                if done:
                    self._end("finished", f"reached {self.max_steps} steps")
                    return
                if self.idle_pause and time.monotonic() - self._last_seen > self.idle_pause:
                    self.pause(wait=False, message=f"paused by itself: nobody looked at it for "
                                                   f"{self.idle_pause:.0f} s (its training slot is free for others); "
                                                   "press Play to go on")
                if self._steps_per_second > 0:
                    delay = 1.0 / self._steps_per_second - (time.monotonic() - started)
                    if delay > 0:
                        with self._cond:
                            self._cond.wait(delay)
            self._end("stopped", "")
        except Diverged as err:
            self._on_diverged(err)
        except ray_actors.WorkerLost as err:  # the actor died: say so, and how to go on
            log.error("run %s lost its worker: %s", self.run_id, err)
            where = (f"load it again from its last save ({self.saved_to})" if self.saved_to else
                     "it was not saved: press Reset to start it again")
            self._set_status("failed", f"{str(err)[0].upper()}{str(err)[1:]}; the page shows the last state it "
                                       f"received. To go on, {where}.")
            self._release_slot()
        except BaseException as err:  # a bug or a bad setting: keep the message, never kill the page or hang a caller
            log.error("run %s failed:\n%s", self.run_id, traceback.format_exc())
            message = str(err) if isinstance(err, ConfigError) else f"{type(err).__name__}: {err}"
            self._set_status("failed", message)
            self._release_slot()

    def _at_max_steps(self) -> bool:
        return self.max_steps is not None and self._members[0].trainer.step_count >= self.max_steps

    def _end(self, status: str, message: str) -> None:
        self._finish_records()
        self._set_status(status, message)  # before the slot goes: never more than `cap` runs say running
        self._release_slot()

    def _apply_knobs(self, again: bool = False) -> None:
        """Apply the queued knobs (and, after a reset, every knob applied before: `again`)."""
        with self._cond:
            knobs, self._knobs = self._knobs, {}
            for name, values in knobs.items():
                self._applied_knobs.setdefault(name, {}).update(values)
            if again:
                knobs = self._applied_knobs
        for name, values in knobs.items():
            for m in self._members:
                if name in ("*", m.name):
                    m.trainer.set_knobs(**values)

    BATCH_STEPS = 16  # on Ray, at most this many steps per round trip to the actor
    BATCH_SECONDS = 0.1  # ... and at most about this long (pause and knobs still act within a fraction of a second)

    def _batch(self) -> int:
        """How many steps each member takes before the run looks up again: 1 on threads, in slow motion and for a
        single step; on Ray up to BATCH_STEPS (one round trip instead of many), never across a record, an
        evaluation or max_steps, so every record is made at the same step as on threads (nor when a good state is
        kept after every step)."""
        if self.backend != "ray" or self._steps_per_second > 0 or self._want_pause or self.good_state_seconds <= 0:
            return 1
        n = self.BATCH_STEPS
        for m in self._members:
            t = m.trainer
            n = min(n, t.log_every - t.step_count % t.log_every, t.eval_every - t.step_count % t.eval_every)
            done = t.step_count - self._first_step
            if done > 0 and m.train_seconds > 0:
                n = min(n, max(1, int(self.BATCH_SECONDS * done / m.train_seconds)))
        if self.max_steps is not None:
            n = min(n, self.max_steps - self._members[0].trainer.step_count)
        return max(1, n)

    def _step_member(self, m: _Member, part: str, steps: int = 1) -> None:
        started = time.perf_counter()
        error = None
        try:
            if steps == 1:
                done = [m.trainer.step(part)]
            else:  # the losses of the steps made, and the Diverged that stopped the batch early, if one did
                done, error = m.trainer.step_many(part, steps)
        except Diverged as err:
            done, error = [], err
        m.train_seconds += time.perf_counter() - started
        for losses in done:
            for k, v in losses.items():
                m.pending[k] = m.pending.get(k, 0.0) + v
            m.pending_n += 1
        if error is not None:
            error.member = m.name
            raise error
        t = m.trainer
        if t.step_count % t.log_every == 0 or t.step_count % t.eval_every == 0:
            self._record(m, with_eval=t.step_count % t.eval_every == 0)

    def _record(self, m: _Member, with_eval: bool) -> None:
        if m.pending_n == 0 and not with_eval:
            return
        row = {"step": m.trainer.step_count, "seconds": round(self._elapsed_now(), 3),
               "train_seconds": round(m.train_seconds, 3)}
        row.update({k: v / max(m.pending_n, 1) for k, v in m.pending.items()})
        if with_eval:
            row["parameters"] = m.trainer.parameter_count()
            for key, value in m.trainer.evaluate().items():
                if isinstance(value, (list, tuple)):  # e.g. class_histogram -> class_histogram_0 .. _9 (numbers
                    row.update({f"{key}_{i}": v for i, v in enumerate(value)})  # only: the CSV stays numeric)
                else:
                    row[key] = value
        m.pending, m.pending_n = {}, 0
        m.records.append(row)

    def _finish_records(self) -> None:
        with self._step_lock:
            for m in self._members:
                last = m.records[-1]["step"] if m.records else -1
                if m.trainer.step_count != last:
                    self._record(m, with_eval=True)
                self._refresh_preview(m)

    def _elapsed_now(self) -> float:
        return self._elapsed + (time.monotonic() - self._resumed_at if self._resumed_at else 0.0)

    def _refresh_preview(self, m: _Member) -> None:
        m.preview = _freeze(m.trainer.preview())
        m.preview_step = m.trainer.step_count

    def _keep_good_state(self, m: _Member) -> None:
        if not m.trainer.parameters_finite():  # a step can leave NaN weights before any loss shows it
            return
        m.last_good = copy.deepcopy(m.trainer.state_dict())
        m.last_good_step = m.trainer.step_count

    def _on_diverged(self, err: Diverged) -> None:
        notes = []
        with self._step_lock:
            for m in self._members:
                if not m.trainer.parameters_finite():
                    if m.last_good is not None:
                        m.trainer.load_state_dict(m.last_good)
                        notes.append(f"{m.name} restored to step {m.last_good_step}")
                    else:
                        notes.append(f"{m.name} has non-finite weights and no good state was kept")
                self._refresh_preview(m)
        name = getattr(err, "member", self._members[0].name)
        who = f"{name}: " if len(self._members) > 1 else ""
        kept = "; ".join(notes) if notes else f"the model keeps its last good state (step {err.step - 1})"
        self._set_status("diverged", f"{who}{err.loss_name} became {err.value} at step {err.step}; training "
                                     f"stopped and {kept}. {err.advice}")
        self._release_slot()

    # ------------------------------------------------------------------ persistence
    def save(self, root: str | None = None, folder: str | None = None) -> str:
        """Write the run as one folder (engine/persistence.py: made in memory, then renamed into place); returns
        its path. `folder` names it; by default it is `root/<run_id>` (root: $GENLAB_RUNS_DIR or ./runs), and where
        that name is taken by another run a free one (`<run_id>-2`, ...) is used. A run replaces only its own
        earlier save: a folder it did not write (another session's run, the run it was loaded from) is never
        overwritten, an explicit `folder` that holds something else raises FolderTaken."""
        seconds = self.snapshot().elapsed
        own = Path(self.saved_to) if self.saved_to else None
        if folder is not None:
            target = Path(folder)
        elif own is not None and root is None:
            target = own
        else:
            base = target = Path(root or os.environ.get("GENLAB_RUNS_DIR", "runs")) / self.run_id
            suffix = 2
            while target.exists():
                target, suffix = base.with_name(f"{base.name}-{suffix}"), suffix + 1
            persistence.clean_orphans(target.parent)
        with self._step_lock:
            members = [(m.name, m.trainer, m.records) for m in self._members]
            path = persistence.save_members(members, target, seconds, replace=target == own)
        self.saved_to = path
        return path

    def _restore_records(self, name: str, records: list) -> None:
        for m in self._members:
            if m.name == name:
                m.records[:] = records
                m.train_seconds = float(records[-1].get("train_seconds", 0.0)) if records else 0.0
        with self._cond:
            self._bump()


RunGroup = Run  # a Run with several members; the name reads better where that is the point

_live: "weakref.WeakSet[Run]" = weakref.WeakSet()  # runs whose thread was started
EXIT_SECONDS = 5.0


@atexit.register
def _stop_at_exit() -> None:
    """At interpreter exit (a server's SIGTERM, the end of a script) every training thread is asked to stop at its
    next step and given EXIT_SECONDS in all: threads are daemons, so none keeps the process alive, and stopping them
    first spares torch's kernels being torn down under a running step (which aborts the process)."""
    runs = list(_live)
    for run in runs:
        run.stop(wait=False)
    deadline = time.monotonic() + EXIT_SECONDS
    for run in runs:
        run.join(max(0.0, deadline - time.monotonic()))


ray_actors.BEFORE_SHUTDOWN.append(_stop_at_exit)  # on Ray, runs stop while their workers still answer


class _Closed:
    """What is left of a closed run's trainer: what a page reads to draw the last snapshot, and nothing more."""

    def __init__(self, trainer: Trainer):
        self.family, self.parts, self.step_count = trainer.family, trainer.parts, trainer.step_count
        self.config = trainer.config

    def __getattr__(self, name: str):
        raise RuntimeError("this run is closed: its models were freed")


def load_run(folder: str | Path, **run_kwargs) -> Run:
    """A paused `Run` rebuilt from `runs/<id>/` (a single run or a group), ready to resume."""
    folder = Path(folder)
    paths = persistence.member_folders(folder)
    trainers = {name: persistence.load_trainer(path) for name, path in paths.items()}

    def factory_for(name):
        loaded = trainers.pop(name)
        first = [loaded]  # the loaded trainer the first time, a fresh one (same config and data) on reset

        def factory():
            return first.pop() if first else build_trainer(loaded.family, loaded.config, data=loaded.data)

        return factory

    run = Run({name: factory_for(name) for name in paths}, run_id=f"{folder.name}-{_new_id()}", **run_kwargs)
    for name, path in paths.items():
        run._restore_records(name, persistence.load_records(path))
    run.loaded_from = str(folder)  # a later save gets a folder of its own: the original is never overwritten
    return run
