"""The bad-input catalogue (docs/MEASUREMENTS.md): each probe that once lost a run, mixed two runs, showed a traceback
or hung, made here (no binaries committed) and answered with a message, with nothing lost."""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from engine import persistence
from engine.config import ConfigError
from engine.data import BadInput, load_dataset, parse_points_csv, toy_from_clicks, toy_from_points
from engine.registry import build_trainer
from engine.runs import Run, load_run

ROOT = Path(__file__).resolve().parents[2]
PRETRAINED = ROOT / "assets" / "pretrained" / "gan-digits"


def gan_run(steps: int = 3, **values) -> Run:
    """A paused 2D GAN run after `steps` single steps."""
    run = Run(lambda: build_trainer("gan", {"dataset": "ring8", "batch_size": 32, **values}))
    return more(run, steps)


def more(run: Run, steps: int) -> Run:
    target = run.snapshot().step + steps
    for _ in range(steps):
        run.step_once()
    run.wait_until(lambda s: s.step == target and s.status == "paused")
    return run


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- runs lost or mixed
def test_two_sessions_from_the_shipped_model_save_to_folders_of_their_own(tmp_path):
    source = tmp_path / "gan-digits"
    shutil.copytree(PRETRAINED, source)
    before = tree(source)
    a, b = load_run(source), load_run(source)  # two sessions open the page on the shipped model
    a.step_once()
    a.wait_until(lambda s: s.step == b.snapshot().step + 1 and s.status == "paused")
    b.reset()
    path_a, path_b = Path(a.save(root=str(tmp_path / "runs"))), Path(b.save(root=str(tmp_path / "runs")))
    assert path_a != path_b and path_a.parent == path_b.parent
    assert persistence.load_trainer(path_a).step_count == a.snapshot().step > 0
    assert persistence.load_trainer(path_b).step_count == 0
    assert tree(source) == before, "the folder a run was loaded from is never written"


def test_a_run_replaces_only_its_own_save(tmp_path, monkeypatch):
    monkeypatch.setenv("GENLAB_RUNS_DIR", str(tmp_path))
    run = gan_run(steps=2)
    first = run.save()
    more(run, 2)
    assert run.save() == first and persistence.load_trainer(first).step_count == 4
    other = gan_run(steps=1)
    other.run_id = run.run_id  # another process's run with the same id
    taken = Path(other.save())
    assert taken != Path(first) and persistence.load_trainer(first).step_count == 4
    with pytest.raises(persistence.FolderTaken, match="already holds files"):
        other.save(folder=first)  # an explicit folder of another run is refused


def test_a_failed_save_leaves_the_earlier_folder_whole_and_nothing_else(tmp_path, monkeypatch):
    run = gan_run(steps=2)
    folder = Path(run.save(folder=str(tmp_path / "run")))
    before = tree(folder)
    more(run, 1)
    calls = {"n": 0}
    real_fsync = os.fsync

    def dying(fd):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", dying)
    with pytest.raises(OSError, match="disk full"):
        run.save()
    assert tree(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"], "no staging folder is left behind"


def test_a_save_killed_midway_never_mixes_runs_and_its_remains_are_cleaned(tmp_path):
    """kill -9 while a save writes its files: the earlier folder stays whole (or is put back), the staging goes."""
    run = gan_run(steps=2, seed=1)
    folder = Path(run.save(folder=str(tmp_path / "run")))
    before = tree(folder)
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from engine.registry import build_trainer
        from engine.runs import Run
        run = Run(lambda: build_trainer("gan", {{"dataset": "ring8", "batch_size": 32, "seed": 2}}), max_steps=3)
        run.start(); run.wait_until(lambda s: s.status == "finished")
        run.saved_to = {str(folder)!r}  # as if this were that run's own earlier save: the replace path
        real = os.fsync
        count = [0]
        def slow(fd):
            count[0] += 1
            if count[0] == 2:
                print("writing", flush=True)
                time.sleep(60)
            real(fd)
        os.fsync = slow
        run.save()
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    staging = [p.name for p in tmp_path.iterdir() if p.name.startswith(".saving-")]
    assert staging and tree(folder) == before, "the killed save wrote only into its staging folder"
    assert any("removed" in line for line in persistence.clean_orphans(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"] and tree(folder) == before


def test_a_replaced_folder_whose_new_version_never_arrived_is_put_back(tmp_path):
    folder = Path(gan_run(steps=1).save(folder=str(tmp_path / "run")))
    before = tree(folder)
    dead = 2**22 + 12345  # no such process
    os.rename(folder, tmp_path / f".replaced-run-{dead}-0123abcd")
    (tmp_path / f".saving-run-{dead}-0123abcd").mkdir()
    (tmp_path / ".summary.json.x1.tmp").write_text("half")
    os.utime(tmp_path / ".summary.json.x1.tmp", (time.time() - 3600,) * 2)
    done = persistence.clean_orphans(tmp_path)
    assert any(line.startswith("restored") for line in done)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"] and tree(folder) == before


def test_an_unwritable_or_taken_folder_is_found_before_training(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(PermissionError, match="cannot write a run folder"):
        persistence.check_writable(blocker / "run")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "config.json").write_text("{}")
    with pytest.raises(persistence.FolderTaken):
        persistence.check_writable(tmp_path / "taken")
    persistence.check_writable(tmp_path / "new" / "run")  # a fresh folder is fine, and nothing is created
    assert not (tmp_path / "new" / "run").exists()


def test_the_2d_page_lists_only_runs_it_can_load(tmp_path):
    gan_run(steps=1).save(folder=str(tmp_path / "points"))
    image = more(Run(lambda: build_trainer("gan", {"dataset": "digits", "batch_size": 16})), 1)
    image.save(folder=str(tmp_path / "images"))
    assert [Path(r["path"]).name for r in persistence.list_saved_runs(tmp_path, "gan", points=True)] == ["points"]
    assert [Path(r["path"]).name for r in persistence.list_saved_runs(tmp_path, "gan", points=False)] == ["images"]


# --------------------------------------------------------------------------- messages, not tracebacks
def test_a_gpu_that_is_not_there_is_a_message():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ConfigError) as err:
        build_trainer("gan", {"dataset": "ring8", "device": "cuda"})
    assert err.value.key == "device" and "no CUDA GPU" in str(err.value)


def _idx(path: Path, dims: list[int], data: bytes, magic: bytes = b"\x00\x00\x08") -> Path:
    header = magic + bytes([len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
    raw = header + data
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


@pytest.mark.parametrize("case", ["random bytes", "wrong type", "truncated", "count mismatch", "bad label",
                                  "not gzip", "empty"])
def test_every_garbage_idx_file_is_a_message_naming_it(tmp_path, case):
    images, labels = tmp_path / "t10k-images-idx3-ubyte", tmp_path / "t10k-labels-idx1-ubyte"
    _idx(images, [10, 4, 4], bytes(160))
    _idx(labels, [10], bytes(range(10)))
    if case == "random bytes":
        images.write_bytes(np.random.RandomState(0).bytes(500))
    elif case == "wrong type":
        _idx(images, [10, 4, 4], bytes(640), magic=b"\x00\x00\x0d")
    elif case == "truncated":
        _idx(images, [10, 4, 4], bytes(100))
    elif case == "count mismatch":
        _idx(labels, [9], bytes(9))
    elif case == "bad label":
        _idx(labels, [10], bytes([0] * 9 + [12]))
    elif case == "not gzip":
        images.rename(images.with_suffix(".gz"))
    else:
        images.write_bytes(b"")
    with pytest.raises(BadInput) as err:
        load_dataset("mnist", data_root=str(tmp_path))
    assert "t10k-" in str(err.value)


def test_an_idx_header_that_lies_about_its_size_reads_only_what_is_there(tmp_path):
    """A 1.2 MB gzip claiming 1.5 million images once took the process to 14 GB: the header is not trusted."""
    script = textwrap.dedent(f"""
        import gzip, sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from engine.data.images import read_idx
        from engine.data import BadInput
        root = Path({str(tmp_path)!r})
        header = b"\\x00\\x00\\x08\\x03" + (1_500_000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
        for name, data, limit in (("a.gz", bytes(1_200_000), None), ("b.gz", bytes(1_200_000), 2**31)):
            (root / name).write_bytes(gzip.compress(header + data))
            try:
                read_idx(root / name, max_bytes=limit)
            except BadInput as err:
                print(err)
        peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0].split()[1]
        print("peak", int(peak) // 1024)  # MB; ru_maxrss would carry the forking parent's over exec
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    lines = out.stdout.strip().splitlines()
    assert "more than the limit" in lines[0] and "truncated" in lines[1], out.stdout + out.stderr
    assert int(lines[2].split()[1]) < 600, f"peak memory {lines[2]} MB"


@pytest.mark.parametrize("family", ["vae", "pixelcnn"])
@pytest.mark.parametrize("count", [2, 3, 4])
def test_a_folder_of_a_few_images_trains_and_evaluates(tmp_path, family, count):
    for i in range(count):
        Image.new("L", (8, 8), 30 * i).save(tmp_path / f"{i}.png")
    data = load_dataset(f"folder:{tmp_path}", image_size=8)
    assert len(data.train) >= 1 and len(data.heldout) >= 1
    batch = 2 if family == "vae" else 1  # the VAE's smallest batch
    values = {"dataset": f"folder:{tmp_path}", "batch_size": batch}
    if len(data.train) < batch:
        with pytest.raises(ConfigError, match="larger than the 1 training images") as err:
            build_trainer(family, values, data=data)
        assert err.value.key == "batch_size"
        return
    trainer = build_trainer(family, values, data=data)
    trainer.step()
    assert trainer.evaluate()


def test_a_folder_of_one_image_is_refused(tmp_path):
    Image.new("L", (8, 8)).save(tmp_path / "only.png")
    with pytest.raises(BadInput, match="at least 2"):
        load_dataset(f"folder:{tmp_path}")


def test_a_damaged_judge_cache_is_trained_again(tmp_path, monkeypatch):
    from engine.metrics import judge as judges

    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(judges, "train_judge", lambda data, device="cpu": judges.Judge(
        judges.SmallCNN(1, 10, width=16), 0.5, data.name))
    data = load_dataset("digits")
    path = judges.cache_dir() / f"digits-{judges._fingerprint(data)}.pt"
    for garbage in (b"", b"not a checkpoint", b"PK\x03\x04broken zip"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(garbage)
        assert judges.load_or_train_judge(data).heldout_accuracy == 0.5


def test_torch_threads_that_are_not_a_number_fail_the_run_with_a_message(monkeypatch):
    monkeypatch.setenv("GENLAB_TORCH_THREADS", "abc")
    run = Run(lambda: build_trainer("gan", {"dataset": "ring8"}), max_steps=5)
    run.start()
    snap = run.wait_until(lambda s: s.status not in ("idle", "queued", "running"), timeout=10)
    assert snap.status == "failed" and "GENLAB_TORCH_THREADS" in snap.message and "'abc'" in snap.message


def test_any_error_in_a_runs_thread_ends_the_run_as_failed(monkeypatch):
    from engine import runs

    def broken():
        raise MemoryError("no room")

    monkeypatch.setattr(runs, "torch_threads", broken)
    run = Run(lambda: build_trainer("gan", {"dataset": "ring8"}), max_steps=5)
    run.start()
    snap = run.wait_until(lambda s: s.status == "failed", timeout=10)
    assert "MemoryError: no room" in snap.message


@pytest.mark.parametrize("make", [
    lambda: toy_from_clicks(np.array([[1e30, 0.0], [0.0, 1.0]])),
    lambda: toy_from_points(np.array([[0.0, 0.0], [5e3, 1.0], [1.0, 2.0]])),
    lambda: toy_from_points(parse_points_csv("x,y\n1,2\n3,1e30\n")),
])
def test_2d_points_far_out_are_refused_with_the_scale_to_use(make):
    with pytest.raises(BadInput, match="divide them by"):
        make()


def test_a_preset_on_data_it_cannot_use_is_refused():
    from engine.compare import COMPARISONS, run_comparison

    with pytest.raises(ConfigError, match="on 2D points") as err:
        run_comparison(COMPARISONS["mode_collapse"], dataset="digits", steps=1)
    assert err.value.key == "dataset"
    with pytest.raises(ConfigError, match="on images"):
        run_comparison(COMPARISONS["paper_ablation"], dataset="ring8", steps=1)


def test_a_judge_still_training_does_not_keep_the_process_alive():
    """The dashboard's SIGTERM ends the interpreter normally; a judge worker that is not a daemon held the server
    alive for minutes. Here: start a judge in the background on MNIST-sized data, then leave."""
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        import torch
        from engine.data.images import ImageDataset
        from engine.metrics import judge
        judge.BACKGROUND = True
        x = torch.rand(20000, 1, 28, 28) * 2 - 1
        y = torch.randint(0, 10, (20000,))
        data = ImageDataset("big", x, y, x[:100], y[:100], 10, [str(i) for i in range(10)])
        assert judge.get_judge(data, wait=False) is None
        time.sleep(1.0)
        print("leaving", flush=True)
    """)
    cache = Path("/tmp") / f"judge-exit-{os.getpid()}"
    env = dict(os.environ, GENLAB_CACHE_DIR=str(cache))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout.readline().strip() == "leaving"
    assert child.wait(120) == 0
    assert not list(cache.rglob("*.pt")), "the process waited for the judge to finish training and cache it"
