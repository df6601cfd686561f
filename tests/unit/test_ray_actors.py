"""The Ray backend (engine/backends/ray_actors.py): training in another process, exactly the model the threads
backend makes; a worker that dies gives a clear status and loses nothing saved; closed or reset runs end their
actors; settings that are wrong say so."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

from engine.backends import ray_actors
from engine.config import ConfigError
from engine.registry import build_trainer, make_config
from engine.runs import Run, load_run
from tests.e2e.conftest import free_port
from tests.unit.test_runs import toy

pytestmark = pytest.mark.xdist_group("ray")


@pytest.fixture
def on_ray(monkeypatch):
    pytest.importorskip("ray", reason="Ray is not installed (pip install -r requirements-test.txt)")
    monkeypatch.setenv("GENLAB_BACKEND", "ray")


def gan_run(**values) -> Run:
    config = make_config("gan", {"dataset": "ring8", "seed": 2, **values})
    return Run(lambda: build_trainer("gan", config), max_steps=40)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_training_happens_in_another_process_and_gives_the_threads_backends_model(on_ray, monkeypatch):
    remote = gan_run().start()
    done = remote.wait_until(lambda s: s.status == "finished", timeout=120)
    trainer = remote.trainers[0]
    assert isinstance(trainer, ray_actors.RemoteTrainer) and trainer.pid() not in (None, os.getpid())
    monkeypatch.setenv("GENLAB_BACKEND", "threads")
    local = gan_run().start()
    expected = local.wait_until(lambda s: s.status == "finished", timeout=120)
    assert done.history().drop(columns=["seconds", "train_seconds"]).equals(
        expected.history().drop(columns=["seconds", "train_seconds"])), "the same losses and metrics, step by step"
    for name, tensor in local.trainers[0].G.state_dict().items():  # the page's copy has the actor's weights
        assert torch.equal(tensor, trainer.G.state_dict()[name]), name
    assert (trainer.sample(16, seed=3)["points"] == local.trainers[0].sample(16, seed=3)["points"]).all()
    remote.close()


def test_a_worker_that_dies_gives_a_clear_status_and_the_run_loads_again_from_its_save(on_ray, tmp_path):
    run = gan_run()
    run.max_steps = None
    run.start()
    run.wait_until(lambda s: s.step >= 10, timeout=60)
    run.pause()
    wait_for(lambda: run.trainers[0].pid() is None)  # a paused run holds no worker: its state came home
    saved = run.save(str(tmp_path))
    run.start()
    step = run.snapshot().step
    run.wait_until(lambda s: s.step > step, timeout=60)  # training again, in a worker adopted for it
    os.kill(run.trainers[0].pid(), signal.SIGKILL)
    snap = run.wait_until(lambda s: s.status == "failed", timeout=30)
    assert "Ray worker" in snap.message and saved in snap.message, snap.message
    assert run.trainers[0].sample(8)["points"].shape == (8, 2), "the page still draws the last state it received"
    run.start()
    assert run.snapshot().status == "failed", "a lost run does not pretend to train"
    again = load_run(saved, max_steps=20 + 10)
    again.start()
    assert again.wait_until(lambda s: s.status == "finished", timeout=60).step == 30


def test_closing_or_resetting_a_run_frees_its_model_and_reuses_its_actor(on_ray):
    import ray

    def held(handle) -> bool:  # an ended actor holds nothing either
        try:
            return ray.get(handle.holds.remote())
        except ray.exceptions.RayActorError:
            return False

    run = Run(lambda: toy(sleep=0.001))
    run.start()
    run.wait_until(lambda s: s.step > 3, timeout=60)
    first = run.trainers[0]._handle
    run.reset()
    assert not held(first), "the reset run's model is dropped in its worker"
    runs = [Run(lambda: toy(sleep=0.001)) for _ in range(4)]
    for other in runs:
        other.start()
    for other in runs:
        other.wait_until(lambda s: s.step > 1, timeout=60)
    handles = [other.trainers[0]._handle for other in runs]
    pids = [other.trainers[0].pid() for other in runs]
    for other in runs:
        other.close()
    assert not any(held(h) for h in handles), "closed runs' models are dropped in their workers"
    waiting = ray_actors.spare_workers._spares[0.0]
    assert len(waiting) <= int(os.environ.get("GENLAB_RAY_SPARE_WORKERS", "1")) + 1
    ended = [pid for handle, pid in zip(handles, pids) if handle not in waiting]
    assert ended, "beyond the spares, the workers of ended runs end"
    wait_for(lambda: not any(alive(pid) for pid in ended))


def test_live_knobs_reach_the_actor(on_ray):
    run = Run(lambda: toy(sleep=0.001))
    run.start()
    run.wait_until(lambda s: s.step > 3, timeout=60)
    run.set_knobs(lr=0.0)  # no more learning: w stays where it is
    run.wait_until(lambda s: s.members[0].config.lr == 0.0)
    time.sleep(0.05)
    run.pause()
    w = float(run.trainers[0].w)
    run.start()
    step = run.snapshot().step
    run.wait_until(lambda s: s.step > step + 10)
    run.pause()
    assert float(run.trainers[0].w) == w


def test_wrong_backend_settings_say_what_is_allowed(monkeypatch):
    monkeypatch.setenv("GENLAB_BACKEND", "slurm")
    with pytest.raises(ConfigError, match="threads, ray"):
        Run(lambda: toy())
    monkeypatch.setenv("GENLAB_RAY_GPU_FRACTION", "2")
    with pytest.raises(ConfigError, match="GENLAB_RAY_GPU_FRACTION"):
        ray_actors.gpu_fraction()


def test_a_run_waiting_for_its_turn_holds_no_worker_and_goes_on_exactly_where_it_stopped(on_ray, monkeypatch):
    """Turns (engine/manager.py) on Ray: the run whose turn ends brings its state home and gives its actor back;
    its next turn adopts a worker again. Two runs taking turns train exactly the model each trains alone."""
    from engine.manager import RunManager

    manager = RunManager(cap=1, turn_seconds=0.2)
    runs = [manager.submit(gan_run(seed=seed)).start() for seed in (2, 3)]
    held_while_queued = []
    deadline = time.monotonic() + 120
    while any(r.peek().status != "finished" for r in runs):
        assert time.monotonic() < deadline, [r.peek().status for r in runs]
        for r in runs:
            if r.peek().status == "queued" and r.peek().step > 0:
                held_while_queued.append(r.trainers[0]._handle is not None)
        time.sleep(0.01)
    assert held_while_queued and not any(held_while_queued), "a run waiting for its next turn holds no actor"
    monkeypatch.setenv("GENLAB_BACKEND", "threads")
    for seed, remote in zip((2, 3), runs):
        alone = gan_run(seed=seed).start()
        alone.wait_until(lambda s: s.status == "finished", timeout=120)
        for name, tensor in alone.trainers[0].G.state_dict().items():
            assert torch.equal(tensor, remote.trainers[0].G.state_dict()[name]), (seed, name)


def test_when_the_room_has_left_only_the_configured_spare_workers_wait(on_ray, monkeypatch):
    from engine.manager import RunManager

    monkeypatch.setenv("GENLAB_RAY_SPARE_WORKERS", "1")
    manager = RunManager(cap=2, grace_seconds=0)
    runs = [manager.submit(Run(lambda: toy(sleep=0.001)), f"student-{i}").start() for i in range(2)]
    for run in runs:
        run.wait_until(lambda s: s.step > 3, timeout=60)
    pids = [run.trainers[0].pid() for run in runs]
    for i in range(2):
        manager.release_owner(f"student-{i}")  # both tabs closed: their runs close, their workers come back
    waiting = ray_actors.spare_workers._spares[0.0]
    assert len(waiting) == 1, "one spare waits for the next room; the extra warm worker ended"
    wait_for(lambda: sum(alive(pid) for pid in pids) <= 1)


@pytest.fixture(scope="module")
def cluster():
    """A Ray cluster of one CPU started by `ray start --head` (as on a class's head machine), ended with its CLI's
    process group; its address as `ray start` printed it."""
    pytest.importorskip("ray", reason="Ray is not installed (pip install -r requirements-test.txt)")
    port = free_port()
    head = subprocess.Popen(
        [str(Path(sys.executable).parent / "ray"), "start", "--head", f"--port={port}", "--num-cpus=1",
         "--include-dashboard=false", "--disable-usage-stats", "--block", f"--temp-dir=/tmp/gl-ray-{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        address = None
        deadline = time.monotonic() + 120
        while address is None and time.monotonic() < deadline:
            line = head.stdout.readline()
            assert line or head.poll() is None, "ray start ended before printing its address"
            found = re.search(r"ray start --address='([^']+)'", line)
            address = found and found.group(1)
        assert address, "ray start printed no address"
        threading.Thread(target=head.stdout.read, daemon=True).start()  # keep its pipe from filling
        yield address
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(5)
        except subprocess.TimeoutExpired:  # `ray start --block` takes its time: its daemons are in its group
            os.killpg(head.pid, signal.SIGKILL)
            head.wait(10)


def _genlab(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("GENLAB_", "RAY_ADDRESS"))}
    return subprocess.run([sys.executable, *args], cwd=ray_actors.ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(environment, GENLAB_OFFLINE="1", GENLAB_BACKEND="ray", **env))


def test_the_command_line_joins_a_running_cluster_by_its_address_and_trains_there(cluster, tmp_path):
    done = _genlab(["-m", "engine", "train", "gan", "--dataset", "ring8", "--steps", "30", "--no-progress",
                    "--out", str(tmp_path / "run")], GENLAB_RAY_ADDRESS=cluster)
    assert done.returncode == 0, done.stdout + done.stderr
    joined = re.search(r"training on Ray: (\{.*\})", done.stdout + done.stderr)
    assert joined and "'CPU': 1.0" in joined.group(1), "the cluster of one CPU, not a local one of this machine's"
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["steps"] == 30
    wrong = _genlab(["-m", "engine", "train", "gan", "--dataset", "ring8", "--steps", "5", "--no-progress",
                     "--out", str(tmp_path / "nowhere")], GENLAB_RAY_ADDRESS=f"127.0.0.1:{free_port()}")
    assert wrong.returncode != 0 and "could not start or join Ray" in wrong.stdout + wrong.stderr
    assert "ray start --head" in wrong.stdout + wrong.stderr, "the message says what to check"


def test_without_an_address_the_server_starts_its_own_cluster_beside_a_running_one(cluster):
    probe = ("from engine.backends import ray_actors; import ray; ray_actors.connect(); "
             "print('cpus', ray_actors.resources()['CPU'], ray.get_runtime_context().gcs_address)")
    done = _genlab(["-c", probe])
    assert done.returncode == 0, done.stdout + done.stderr
    cpus, gcs = re.search(r"cpus (\S+) (\S+)", done.stdout).groups()
    assert gcs != cluster and float(cpus) == os.cpu_count(), "its own cluster, not the one `ray start` left running"
