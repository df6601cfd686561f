"""Runs: controls, snapshots, divergence, round-robin fairness, the manager's cap and queue, persistence."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import time
from dataclasses import dataclass

import pytest
import torch
from PIL import Image

from engine import files, persistence
from engine.config import param
from engine.runs import Run, RunGroup, load_run
from engine.family import Family
from engine.registry import FAMILIES
from engine.trainer import Trainer, check_finite

CALLS: list[str] = []  # global order of steps, to check round-robin (in this process: the threads backend)
pytestmark = pytest.mark.usefixtures("backend")  # every test here runs on threads and on Ray actors


@dataclass(frozen=True)
class ToyConfig:
    dataset: str = param("toy", "")
    seed: int = param(0, "", low=0, high=10**6)
    lr: float = param(0.1, "", low=0.0, high=100.0, live=True)
    nan_at: int = param(0, "step at which the loss becomes NaN (0 = never)", low=0, high=10**6)
    fail_at: int = param(0, "step at which step() raises (0 = never)", low=0, high=10**6)
    sleep: float = param(0.0, "seconds per step", low=0.0, high=1.0)


class ToyTrainer(Trainer):
    """Minimise (w - x)^2 with x drawn from a seeded generator: tiny, deterministic, with RNG state to save."""

    family = "toy"
    config_cls = ToyConfig
    parts = ("both", "d", "g")
    log_every = 2
    eval_every = 4

    def __init__(self, config: ToyConfig, data=None, name: str = ""):
        super().__init__(config, data)
        self.name = name
        self.w = torch.zeros(1)
        self.gen = torch.Generator().manual_seed(config.seed)
        self.seen: list[float] = []

    def step(self, part: str = "both") -> dict[str, float]:
        c = self.config
        if c.sleep:
            time.sleep(c.sleep)
        CALLS.append(self.name)
        if c.fail_at and self.step_count + 1 == c.fail_at:
            raise RuntimeError("the toy broke")
        x = torch.randn(1, generator=self.gen)
        self.seen.append(float(x))
        loss = (self.w - x) ** 2
        if c.nan_at and self.step_count + 1 >= c.nan_at:
            loss = loss * float("nan")
        check_finite(self.step_count + 1, loss_toy=loss)
        self.w -= c.lr * 2 * (self.w - x)
        self.step_count += 1
        return {"loss_toy": float(loss), f"part_{part}": 1.0}

    def evaluate(self) -> dict[str, float]:
        return {"w": float(self.w)}

    def preview(self):
        return {"w": self.w.numpy().copy()}

    def sample_png(self, n: int = 64, seed: int = 0) -> bytes:
        buf = io.BytesIO()
        Image.new("L", (4, 4), 0).save(buf, format="PNG")
        return buf.getvalue()

    def state_dict(self):
        return {"step": self.step_count, "models": {"toy": {"w": self.w.clone()}}, "rng": self.gen.get_state(),
                "seen": list(self.seen)}

    def load_state_dict(self, state) -> None:
        self.step_count = int(state["step"])
        self.w = state["models"]["toy"]["w"].clone()
        self.gen.set_state(state["rng"])
        self.seen = list(state.get("seen", []))


def toy(name: str = "", **values) -> ToyTrainer:
    return ToyTrainer(dataclasses.replace(ToyConfig(), **values), name=name)


@pytest.fixture
def toy_family(monkeypatch):
    monkeypatch.setitem(FAMILIES, "toy", Family("toy", ToyConfig, points_trainer=ToyTrainer,
                                                load_data=lambda config: None))


# ------------------------------------------------------------------ controls
def test_start_pause_resume_stop():
    run = Run(lambda: toy(sleep=0.001))
    assert run.snapshot().status == "idle"
    run.start()
    assert run.snapshot().status == "running", "start returns once the thread runs (the page shows Pause)"
    run.wait_until(lambda s: s.step > 5)
    run.pause()
    paused = run.snapshot()
    assert paused.status == "paused", "pause returns once the thread has paused (the page shows Play)"
    run.pause()  # a click delivered twice must not change anything
    assert run.snapshot().status == "paused"
    time.sleep(0.1)
    assert run.snapshot().step == paused.step, "a paused run must not step"
    run.resume()
    run.wait_until(lambda s: s.step > paused.step + 5)
    run.stop()
    assert run.snapshot().status == "stopped"
    assert not run._thread.is_alive()


class CountingPreviews(ToyTrainer):
    """Says in each preview how many previews it has made and at which step (wherever the trainer lives)."""

    made = 0

    def preview(self):
        self.made += 1
        return {"w": self.w.numpy().copy(), "made": self.made, "at": self.step_count}


def test_previews_are_made_only_when_someone_reads_the_run():
    run = Run(lambda: CountingPreviews(ToyConfig(sleep=0.002)), preview_seconds=0.01)
    run.start()
    start = run.wait_until(lambda s: s.step > 0).step  # on Ray the first step waits for the actor to start
    time.sleep(0.3)  # nobody reads: at most the preview asked for by the snapshot above
    unread = run.peek().preview["made"]
    assert unread <= 3  # the one made when the run was built, then at most the one the snapshot above asked for
    for _ in range(5):  # a reader: each read is followed by a fresh preview
        seen = run.snapshot().preview_step
        run.wait_until(lambda s: s.preview_step > seen, timeout=5)
    assert run.peek().preview["made"] >= unread + 5
    assert run.snapshot().step > start
    run.stop()
    assert run.peek().preview["at"] == run.snapshot().step, "a stopped run shows its last step"


def test_step_once_advances_exactly_one_step_per_part():
    run = Run(lambda: toy())
    for i, part in enumerate(("d", "g", "both"), start=1):
        run.step_once(part)
        snap = run.wait_until(lambda s, i=i: s.step == i and s.status == "paused")
        assert snap.preview["w"].shape == (1,)  # a preview after every single step
    time.sleep(0.05)
    assert run.snapshot().step == 3
    with pytest.raises(ValueError, match="both"):
        run.step_once("x")
    run.stop()


def test_max_steps_finishes_exactly():
    run = Run(lambda: toy(), max_steps=37).start()
    snap = run.wait_until(lambda s: s.status == "finished")
    assert snap.step == 37 and "37" in snap.message
    assert snap.history()["step"].iloc[-1] == 37  # the last step is recorded with an evaluation
    assert "w" in snap.history()


def test_reset_returns_to_a_fresh_model_with_the_same_seed():
    run = Run(lambda: toy(seed=5), max_steps=10).start()
    run.wait_until(lambda s: s.status == "finished")
    first = list(run.trainers[0].seen)
    run.reset()
    snap = run.snapshot()
    assert snap.status == "idle" and snap.step == 0 and snap.history().empty
    run.start()
    run.wait_until(lambda s: s.status == "finished")
    assert run.trainers[0].seen == first


def test_live_knobs_apply_between_steps_to_the_chosen_member():
    group = RunGroup({"a": lambda: toy("a", sleep=0.001), "b": lambda: toy("b", sleep=0.001)})
    group.start()
    group.set_knobs(member="b", lr=0.5)
    snap = group.wait_until(lambda s: s.members[1].config.lr == 0.5)
    assert snap.members[0].config.lr == 0.1
    group.set_knobs(lr=0.01)
    group.wait_until(lambda s: all(m.config.lr == 0.01 for m in s.members))
    group.stop()


def test_knobs_on_an_idle_run_apply_at_once():
    run = Run(lambda: toy())
    run.set_knobs(lr=0.3)
    assert run.trainers[0].config.lr == 0.3


# ------------------------------------------------------------------ snapshots
def test_snapshots_are_immutable_and_versioned():
    run = Run(lambda: toy(), max_steps=20).start()
    snap = run.wait_until(lambda s: s.status == "finished")
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.step = 3
    assert isinstance(snap.members[0].records, tuple)
    assert not snap.preview["w"].flags.writeable
    frame = snap.history()
    assert {"step", "seconds", "loss_toy"} <= set(frame.columns)
    assert list(frame["step"]) == sorted(frame["step"]) and frame["step"].iloc[0] == 2
    later = run.snapshot()
    assert later.version >= snap.version
    run.reset()
    assert run.snapshot().version > later.version


# ------------------------------------------------------------------ divergence and failure
def test_divergence_stops_names_the_loss_and_step_and_keeps_the_state():
    run = Run(lambda: toy(nan_at=12)).start()
    snap = run.wait_until(lambda s: s.status not in ("idle", "running", "queued"))
    assert snap.status == "diverged"
    assert "loss_toy" in snap.message and "step 12" in snap.message
    assert snap.step == 11
    assert torch.isfinite(run.trainers[0].w).all()
    run.start()  # a diverged run does not restart by itself
    time.sleep(0.05)
    assert run.snapshot().status == "diverged"


class PoisonedTrainer(ToyTrainer):
    """Parameters turn NaN before the loss shows it: the run must roll back to a kept good state."""

    def step(self, part="both"):
        if self.step_count == 15:
            self.w = self.w * float("nan")
            check_finite(self.step_count + 1, loss_toy=self.w.sum())
        return super().step(part)


def test_nan_parameters_are_restored_from_the_last_good_state():
    run = Run(lambda: PoisonedTrainer(ToyConfig()), good_state_seconds=0.0).start()
    snap = run.wait_until(lambda s: s.status == "diverged")
    assert torch.isfinite(run.trainers[0].w).all()
    assert "restored to step 15" in snap.message


def test_a_failing_trainer_is_reported_and_leaves_no_thread():
    run = Run(lambda: toy(fail_at=3)).start()
    snap = run.wait_until(lambda s: s.status == "failed")
    assert "the toy broke" in snap.message
    run.join(5)
    assert not run._thread.is_alive()


# ------------------------------------------------------------------ groups
def test_group_steps_round_robin_with_the_same_data(backend):
    CALLS.clear()
    group = RunGroup({"a": lambda: toy("a", seed=7), "b": lambda: toy("b", seed=7, lr=0.2)}, max_steps=25)
    group.start()
    snap = group.wait_until(lambda s: s.status == "finished")
    assert [m.step for m in snap.members] == [25, 25]
    if backend == "threads":  # on Ray the steps happen in the actors' processes
        assert CALLS == ["a", "b"] * 25
    a, b = group.trainers
    assert a.seen == b.seen  # the same seed gives the same data order, whatever the other settings


# ------------------------------------------------------------------ persistence
def test_save_writes_the_run_folder_atomically(tmp_path, toy_family):
    run = Run(lambda: toy(), max_steps=9).start()
    run.wait_until(lambda s: s.status == "finished")
    path = run.save(str(tmp_path))
    names = sorted(os.listdir(path))
    assert names == sorted(persistence.FILES)
    summary = json.loads(open(f"{path}/summary.json").read())
    assert summary["family"] == "toy" and summary["steps"] == 9 and "w" in summary and "device" in summary
    state = torch.load(f"{path}/checkpoint.pt", weights_only=True)
    assert state["step"] == 9


def test_a_failed_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "summary.json"
    files.atomic_write(target, "old")

    def broken(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        files.atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temporary file left behind


def test_load_and_resume_is_exact(tmp_path, toy_family):
    straight = Run(lambda: toy(seed=3), max_steps=30).start()
    straight.wait_until(lambda s: s.status == "finished")

    first = Run(lambda: toy(seed=3), max_steps=12).start()
    first.wait_until(lambda s: s.status == "finished")
    path = first.save(str(tmp_path))
    loaded = load_run(path, max_steps=30)
    snap = loaded.snapshot()
    assert snap.step == 12 and snap.status == "idle"
    assert snap.first_step == 12 and snap.steps_per_second == 0.0, "loaded steps are not this run's speed"
    assert list(snap.history()["step"]) == list(first.snapshot().history()["step"])
    loaded.start()
    done = loaded.wait_until(lambda s: s.status == "finished")
    assert torch.equal(loaded.trainers[0].w, straight.trainers[0].w)
    assert done.steps_per_second == pytest.approx(18 / done.elapsed)


def test_group_save_and_load(tmp_path, toy_family):
    group = RunGroup({"plain": lambda: toy(seed=1), "fast lr": lambda: toy(seed=1, lr=0.4)}, max_steps=8).start()
    group.wait_until(lambda s: s.status == "finished")
    path = group.save(str(tmp_path))
    assert sorted(os.listdir(path)) == ["fast_lr", "group.json", "plain"]
    loaded = load_run(path)
    assert loaded.members == ["plain", "fast lr"]
    assert [t.config.lr for t in loaded.trainers] == [0.1, 0.4]
    assert [t.step_count for t in loaded.trainers] == [8, 8]


def test_loading_something_that_is_not_a_run(tmp_path, toy_family):
    with pytest.raises(ValueError, match="not a saved run"):
        persistence.load_trainer(tmp_path)
