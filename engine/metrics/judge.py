"""The judge: a small CNN classifier trained once per labelled dataset and cached on disk (docs/ARCHITECTURE.md, Metrics).

Its softmax and penultimate features feed the image metrics (engine/image_metrics.py). The cache key is the dataset
name, its image shape and a fingerprint of its training images, so another data folder or split never reuses a
judge. Where: `GENLAB_CACHE_DIR` (default `~/.cache/genlab`) / judges/.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import logging
import os
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from engine.files import atomic_write, read_checkpoint
from engine.metrics.judge_network import SmallCNN

log = logging.getLogger(__name__)
JUDGE_VERSION = 2  # bump when the recipe below changes

_stopping = threading.Event()  # set at exit: a judge in training stops at its next batch


class JudgeStopped(RuntimeError):
    """Training a judge was cut short because the process is exiting."""


@dataclass
class Judge:
    model: SmallCNN
    heldout_accuracy: float
    dataset: str

    @torch.no_grad()
    def probabilities_and_features(self, images: torch.Tensor, batch: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
        """softmax p(y|x) (N, K) and penultimate features (N, F) for images in [-1, 1]."""
        self.model.eval()
        device = next(self.model.parameters()).device
        probs, feats = [], []
        for chunk in images.split(batch):
            f = self.model.features(chunk.to(device, torch.float32))
            probs.append(torch.softmax(self.model.head(f), 1).cpu())
            feats.append(f.cpu())
        return torch.cat(probs), torch.cat(feats)


def cache_dir() -> Path:
    return Path(os.environ.get("GENLAB_CACHE_DIR", Path.home() / ".cache" / "genlab")).expanduser() / "judges"


def _fingerprint(data) -> str:
    h = hashlib.sha1()
    h.update(f"v{JUDGE_VERSION}:{data.name}:{tuple(data.train.shape)}".encode())
    step = max(1, len(data.train) // 64)
    h.update(data.train[::step].numpy().tobytes())
    h.update(data.train_labels.numpy().tobytes())
    return h.hexdigest()[:16]


@torch.enable_grad()  # may be called from an evaluation under no_grad
def train_judge(data, *, epochs: int | None = None, seed: int = 0, device: str = "cpu") -> Judge:
    """Adam with one-cycle, no augmentation, small on purpose (it trains on the first evaluation, in the run's thread):
    30 epochs on small sets such as digits, width 16 and 3 epochs on the larger ones, where width 32 and 6 epochs
    gain a few tenths of a percent for several times the minutes (docs/MEASUREMENTS.md, "Image GANs")."""
    if data.train_labels is None or not data.num_classes:
        raise ValueError(f"'{data.name}' has no labels: the judge metrics need a labelled dataset")
    epochs = epochs or (30 if len(data.train) < 5000 else 3)
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = SmallCNN(data.train.shape[1], data.num_classes, width=16 if data.train.shape[-1] <= 32 else 32)
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-3, total_steps=epochs * ((len(data.train) + 63) // 64))
    x, y = data.train, data.train_labels
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(x), generator=g).split(64):
            if _stopping.is_set():
                raise JudgeStopped("the process is exiting: the judge will be trained again next time")
            loss = nn.functional.cross_entropy(model(x[idx].to(device)), y[idx].to(device), label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    judge = Judge(model.cpu().eval(), 0.0, data.name)
    probs, _ = judge.probabilities_and_features(data.heldout)
    judge.heldout_accuracy = float((probs.argmax(1) == data.heldout_labels).float().mean())
    return judge


def load_or_train_judge(data, device: str = "cpu") -> Judge:
    """The cached judge of this dataset, trained (and written atomically) the first time."""
    path = cache_dir() / f"{data.name.replace('/', '_').replace(':', '_')}-{_fingerprint(data)}.pt"
    if path.exists():
        try:
            state = read_checkpoint(path, "a judge")
            model = SmallCNN(data.train.shape[1], data.num_classes, width=int(state["width"]))
            model.load_state_dict(state["model"])
            return Judge(model.eval(), float(state["heldout_accuracy"]), data.name)
        except (ValueError, RuntimeError, KeyError, TypeError, OSError) as err:  # a damaged cache file: train again
            log.warning("ignoring the damaged judge cache %s (%s): training the judge again", path, err)
    judge = train_judge(data, device=device)
    width = judge.model.feature_size // 4
    try:  # atomic_write makes the folder too, inside this try: a read-only home keeps the judge in memory only
        buf = io.BytesIO()
        torch.save({"model": judge.model.state_dict(), "width": width,
                    "heldout_accuracy": judge.heldout_accuracy}, buf)
        atomic_write(path, buf.getvalue())
    except OSError as err:
        log.warning("could not cache the judge at %s: %s", path, err)
    return judge


# ---------------------------------------------------------------------------------------------------------------
# One judge per dataset per process, trained at most once, optionally in the background.
BACKGROUND = False  # the dashboard sets True (app/main.py): a run's evaluations then never wait for a judge to train
_jobs: dict[str, Future] = {}
_jobs_lock = threading.Lock()
_queue: queue.SimpleQueue = queue.SimpleQueue()
_worker: threading.Thread | None = None
@atexit.register
def _stop_at_exit() -> None:
    """A judge in training stops at its next batch and the worker ends (it is a daemon: nothing waits for it)."""
    _stopping.set()
    _queue.put(None)
    if _worker is not None:
        _worker.join(5.0)


def _work() -> None:
    while True:
        job = _queue.get()
        if job is None:  # the process is exiting
            return
        future, fn, args = job
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(fn(*args))
            except BaseException as err:  # noqa: BLE001 - handed to whoever waits for the judge
                future.set_exception(err)


def _submit(fn, *args) -> Future:
    """Run `fn(*args)` on the one judge worker: a daemon thread, so a judge still training never keeps the process
    alive at exit (a server asked to stop stops within seconds; the judge is trained again next time)."""
    global _worker
    future: Future = Future()
    _queue.put((future, fn, args))
    if _worker is None or not _worker.is_alive():
        _worker = threading.Thread(target=_work, name="judge", daemon=True)
        _worker.start()
    return future


def get_judge(data, device: str = "cpu", wait: bool | None = None) -> Judge | None:
    """The dataset's judge, loaded or trained once per process (in a worker thread). With `wait` False (default:
    `not BACKGROUND`), None while it is still being trained, so a training loop is never held up by it.

    NOTE: training a judge seeds torch's global generator inside `fork_rng`; only dropout draws from that generator
    during GAN training, so a run with D dropout whose judge trains at the same time is not bit-reproducible."""
    wait = not BACKGROUND if wait is None else wait
    key = f"{cache_dir()}/{_fingerprint(data)}/{device}"
    with _jobs_lock:
        job = _jobs.get(key)
        if job is None or (job.done() and job.exception() is not None):  # a failed job is tried again
            job = _jobs[key] = _submit(load_or_train_judge, data, device)
    if not wait and not job.done():
        return None
    return job.result()
