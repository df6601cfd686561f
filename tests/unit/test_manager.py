"""The run manager of a shared server: the cap and its queue, one run per session, runs that pause when nobody looks,
sessions that go away leave nothing behind, the cap changed live, the wait shown."""

from __future__ import annotations

import gc
import time
import weakref

import pytest

from engine.manager import RunManager, default_cap
from engine.runs import Run
from tests.unit.test_runs import toy


def poll(run: Run, predicate, timeout: float = 10.0):
    """Wait on `peek` (which does not count as watching the run)."""
    deadline = time.monotonic() + timeout
    while True:
        snap = run.peek()
        if predicate(snap):
            return snap
        assert time.monotonic() < deadline, f"{snap.status} at step {snap.step}: {snap.message}"
        time.sleep(0.01)


def test_twenty_runs_under_a_cap_of_two_none_lost():
    manager = RunManager(cap=2)
    runs = [manager.submit(Run(lambda: toy(sleep=0.002), max_steps=15)) for _ in range(20)]
    for run in runs:
        run.start()
    most = 0
    deadline = time.monotonic() + 60
    while not all(r.status == "finished" for r in runs):
        statuses = [r.status for r in runs]
        most = max(most, statuses.count("running"))
        assert manager.counts()["training"] <= 2
        assert time.monotonic() < deadline, statuses
        time.sleep(0.002)
    assert most == 2
    assert all(r.snapshot().step == 15 for r in runs)
    assert manager.counts() == {"training": 0, "waiting": 0, "registered": 20}


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_queued_runs_say_where_they_stand_and_start_when_a_slot_frees():
    manager = RunManager(cap=1)
    first = manager.submit(Run(lambda: toy(sleep=0.002))).start()
    first.wait_until(lambda s: s.status == "running")
    second = manager.submit(Run(lambda: toy(sleep=0.002))).start()
    snap = second.wait_until(lambda s: s.status == "queued")
    assert "slot" in snap.message and manager.queue_position(second) == 1
    assert manager.place(second.run_id) == (1, None), "no slot was held yet: no estimate"
    first.pause()  # a paused run gives its slot back
    second.wait_until(lambda s: s.status == "running")
    first.resume()
    first.wait_until(lambda s: s.status == "queued")
    assert manager.wait_estimate(first) is not None and manager.wait_estimate(first) >= 0
    second.stop()
    first.wait_until(lambda s: s.status == "running")
    first.stop()


def test_runs_take_turns_while_others_wait_and_keep_the_slot_when_nobody_does():
    manager = RunManager(cap=1, turn_seconds=0.3)
    alone = manager.submit(Run(lambda: toy(sleep=0.002))).start()
    time.sleep(0.6)
    assert alone.peek().status == "running", "nobody waits: no turn ends"
    others = [manager.submit(Run(lambda: toy(sleep=0.002))).start() for _ in range(2)]
    runs = [alone, *others]
    deadline, most, trained, requeued = time.monotonic() + 10, 0, set(), ""
    while len(trained) < 3 or alone.peek().status != "running":
        assert time.monotonic() < deadline, [(r.peek().status, r.peek().step) for r in runs]
        shown = [r.peek() for r in runs]
        most = max(most, sum(s.status == "running" for s in shown))
        trained |= {i for i, s in enumerate(shown) if s.status == "running" and s.step > 0}
        requeued = shown[0].message if shown[0].status == "queued" else requeued
        time.sleep(0.005)
    assert most == 1, "a turn hands the slot over: never two runs at once"
    assert {r.peek().status for r in others} == {"queued"}
    assert "turn is over" in requeued, "the first run queued again when its turn ended, and said why"
    steps = [r.peek().step for r in runs]
    for r in runs:
        r.stop()
    assert all(step > 0 for step in steps), "every run trained in its turn, none lost its steps"


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_stopping_a_queued_run_removes_it_from_the_queue():
    manager = RunManager(cap=1)
    busy = manager.submit(Run(lambda: toy(sleep=0.002))).start()
    busy.wait_until(lambda s: s.status == "running")
    waiting = manager.submit(Run(lambda: toy())).start()
    waiting.wait_until(lambda s: s.status == "queued")
    waiting.stop()
    assert waiting.status == "stopped" and manager.counts()["waiting"] == 0
    busy.stop()


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_one_session_trains_one_run_at_a_time():
    manager = RunManager(cap=4, per_owner=1)
    page_a = manager.submit(Run(lambda: toy(sleep=0.002)), "student").start()
    page_a.wait_until(lambda s: s.status == "running")
    page_b = manager.submit(Run(lambda: toy(sleep=0.002)), "student").start()
    page_b.wait_until(lambda s: s.status == "running")
    snap = page_a.wait_until(lambda s: s.status == "paused")
    assert "another run" in snap.message and manager.counts()["training"] == 1
    other = manager.submit(Run(lambda: toy(sleep=0.002)), "someone else").start()
    other.wait_until(lambda s: s.status == "running")
    assert page_b.status == "running", "another session's run does not pause mine"
    for run in (page_b, other):
        run.stop()


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_a_larger_cap_starts_waiting_runs_at_once():
    manager = RunManager(cap=1)
    runs = [manager.submit(Run(lambda: toy(sleep=0.002))).start() for _ in range(3)]
    runs[0].wait_until(lambda s: s.status == "running")
    assert manager.counts()["waiting"] == 2
    manager.set_cap(3)
    for run in runs:
        run.wait_until(lambda s: s.status == "running")
    assert manager.counts() == {"training": 3, "waiting": 0, "registered": 3}
    for run in runs:
        run.stop()


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_a_run_nobody_looks_at_pauses_itself_and_frees_its_slot():
    manager = RunManager(cap=1, idle_seconds=0.3)
    run = manager.submit(Run(lambda: toy(sleep=0.002)), "student")
    run.start()
    # On Ray the first step waits for a worker to start, at Ray's niceness 15: on two busy cores, minutes.
    snap = poll(run, lambda s: s.status == "paused", timeout=300)
    assert "nobody looked at it" in snap.message and manager.counts()["training"] == 0
    watched = manager.submit(Run(lambda: toy(sleep=0.002)), "student")
    watched.start()  # "queued" until its thread takes the slot the paused run gave back
    watched.wait_until(lambda s: s.status == "running", timeout=10)
    for _ in range(60):  # watched: a snapshot every 10 ms for 0.6 s, twice the idle time
        assert watched.snapshot().status == "running"
        time.sleep(0.01)
    watched.stop()
    unowned = manager.submit(Run(lambda: toy(sleep=0.002)))  # a script's run, not a page's: never idle-paused
    unowned.start()
    unowned.wait_until(lambda s: s.status == "running", timeout=30)  # once the stopped run's slot is free
    time.sleep(0.5)  # then nobody looks, for longer than the idle time
    assert unowned.peek().status == "running"
    unowned.stop()


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_a_session_that_goes_away_pauses_at_once_and_is_closed_after_the_grace():
    manager = RunManager(cap=2, grace_seconds=0.4)
    mine = manager.submit(Run(lambda: toy(sleep=0.002)), "gone").start()
    theirs = manager.submit(Run(lambda: toy(sleep=0.002)), "here").start()
    mine.wait_until(lambda s: s.step > 0)  # training (on Ray the first step waits for its actor)
    trainer = weakref.ref(mine.trainers[0])
    manager.release_owner("gone")
    poll(mine, lambda s: s.status == "paused")
    assert manager.counts()["training"] == 1
    snap = poll(mine, lambda s: s.status == "closed", timeout=5)
    assert "session ended" in snap.message and mine not in manager.runs()
    gc.collect()
    assert trainer() is None, "the closed run's models and data are freed (on Ray: its actor ended)"
    assert theirs.peek().status == "running"
    mine.start()
    assert mine.peek().status == "closed", "a closed run cannot restart"
    theirs.stop()


@pytest.mark.usefixtures("backend")  # on threads and on Ray actors
def test_a_session_that_comes_back_within_the_grace_keeps_its_runs():
    manager = RunManager(cap=2, grace_seconds=0.3)
    run = manager.submit(Run(lambda: toy(sleep=0.002)), "blip").start()
    run.wait_until(lambda s: s.step > 0)
    manager.release_owner("blip")
    poll(run, lambda s: s.status == "paused")
    manager.touch("blip")  # it reconnected
    time.sleep(0.6)
    manager.close_expired()
    assert run.peek().status == "paused" and run in manager.runs()
    run.start()
    run.wait_until(lambda s: s.status == "running")
    run.stop()


def test_the_instructors_table_and_the_default_cap(monkeypatch):
    manager = RunManager(cap=2)
    manager.submit(Run(lambda: toy()), "abcdef123456", page="gan2d", family="toy")
    row = manager.table()[0]
    assert row["owner"] == "123456" and row["page"] == "gan2d" and row["status"] == "idle" and row["step"] == 0
    monkeypatch.setenv("GENLAB_MAX_RUNS", "7")
    assert default_cap() == 7
    monkeypatch.delenv("GENLAB_MAX_RUNS")
    monkeypatch.setenv("GENLAB_TORCH_THREADS", "1")
    import os

    assert default_cap() == max(1, os.cpu_count() or 1) or pytest.importorskip("torch").cuda.is_available()
