"""Out-of-process training on Ray: `GENLAB_BACKEND=ray` moves every trainer of a `Run` into a Ray actor.

The `Run` (engine/runs.py) stays where it is, with its thread, queue slot, pause, slow motion, records and
previews; only the trainer it steps is replaced by a `RemoteTrainer`. So pages, the command line and Compare work the
same on both backends, and the fair queue (engine/manager.py) still decides who trains. The page's process then only
waits on the actors and draws: the heavy maths runs in other processes (other machines with `GENLAB_RAY_ADDRESS`),
out of the page's interpreter lock.

A `RemoteTrainer` keeps a local copy of the trainer (the one the factory built) for what pages read and draw: the
config, the data, sampling and interpolation. Its first training step moves a copy of it into an actor; from then
on training, evaluation and previews happen there, and the local copy is refreshed from the actor's weights whenever
a page reads it after the actor has stepped. A worker that dies raises `WorkerLost`, which the run shows as its
status (never a frozen page); the local copy keeps the last weights it saw.

Settings (environment): `GENLAB_BACKEND` threads (default) or ray; `GENLAB_RAY_ADDRESS` an existing cluster to join
(default: start a local one); `GENLAB_RAY_GPU_FRACTION` the share of a GPU each actor asks for and caps its CUDA
memory at (default 1/32, so 30 small runs share a card); `GENLAB_RAY_OBJECT_STORE_MB` the local object store.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import weakref
from pathlib import Path
from typing import Any, Callable

import torch

from engine.backends import give_memory_back
from engine.config import ConfigError, torch_threads

log = logging.getLogger(__name__)

BACKENDS = ("threads", "ray")
DEFAULT_GPU_FRACTION = 1 / 32
ROOT = Path(__file__).resolve().parents[2]  # the project: the workers import `engine` (and tests) from here
_connect_lock = threading.Lock()
_actor_class = None
_resources: dict[str, float] = {}  # the cluster's, read once when connecting (reading it again can hang)
JOIN_HINT = "Is `ray start --head` running there, and is the address the one it printed?"
BEFORE_SHUTDOWN: list[Callable[[], None]] = []  # called at exit while Ray still answers (runs stop and record)


class WorkerLost(RuntimeError):
    """The Ray worker that held a run's trainer died (killed, out of memory, its machine gone)."""


def backend() -> str:
    """The backend runs train on: `GENLAB_BACKEND`, default "threads". A bad value is a ConfigError naming it."""
    name = os.environ.get("GENLAB_BACKEND", "threads").strip().lower() or "threads"
    if name not in BACKENDS:
        raise ConfigError("GENLAB_BACKEND", f"GENLAB_BACKEND must be one of {', '.join(BACKENDS)}, got {name!r}")
    if name == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ConfigError("GENLAB_BACKEND", "GENLAB_BACKEND=ray needs Ray: pip install ray") from None
    return name


def gpu_fraction() -> float:
    text = os.environ.get("GENLAB_RAY_GPU_FRACTION", str(DEFAULT_GPU_FRACTION))
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise ConfigError("GENLAB_RAY_GPU_FRACTION", f"GENLAB_RAY_GPU_FRACTION must be a number in (0, 1], got "
                                                     f"{text!r}")
    return value


def connect():
    """Ray, connected once per process: to `GENLAB_RAY_ADDRESS` if set, else a local cluster of this machine.

    NOTE: the local cluster's processes (GCS, raylet) are killed when the *thread* that started them ends (Linux's
    parent-death signal follows the creating thread), and pages and runs live in short threads. So Ray is started
    from a thread of its own that lives as long as the process."""
    import ray

    with _connect_lock:
        if not ray.is_initialized():
            started: dict[str, BaseException | None] = {}
            ready = threading.Event()

            def keeper():
                try:
                    _init(ray)
                    started["error"] = None
                except BaseException as err:  # noqa: BLE001 - handed to the caller below
                    started["error"] = err
                ready.set()
                threading.Event().wait()  # hold the cluster's parent thread for the life of the process

            threading.Thread(target=keeper, name="ray-keeper", daemon=True).start()
            ready.wait()
            if started["error"] is not None:
                raise ConfigError("GENLAB_BACKEND", f"could not start or join Ray: {started['error']}")
    return ray


def _init(ray) -> None:
    """Join `GENLAB_RAY_ADDRESS`, or start a cluster of this server's own ("local": never one that `ray start` left
    running on the machine, which a bare `ray.init()` would join)."""
    address = os.environ.get("GENLAB_RAY_ADDRESS") or None
    # A local cluster finds `engine` through PYTHONPATH; a remote one gets the package shipped with the job.
    runtime_env = ({"py_modules": [str(ROOT / "engine")]} if address else
                   {"env_vars": {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                              os.environ.get("PYTHONPATH")]))}})
    options: dict[str, Any] = {}
    if address is None:
        options["object_store_memory"] = int(os.environ.get("GENLAB_RAY_OBJECT_STORE_MB", "256")) * 2**20
    else:
        _check_reachable(address)
        _token_auth_if_available()
    try:
        ray.init(address=address or "local", runtime_env=runtime_env, include_dashboard=False, log_to_driver=False,
                 configure_logging=False, **options)
    except ConnectionError as err:
        raise ConnectionError(
            f"{err}. {JOIN_HINT} A cluster started with token authentication (Ray's default) also needs its token "
            "here: RAY_AUTH_TOKEN, or the file ~/.ray/auth_token (`ray get-auth-token` on the head prints it)"
        ) from None
    atexit.register(_before_shutdown)  # registered after Ray's own exit hook, so it runs before it
    _resources.update(ray.cluster_resources())
    log.warning("training on Ray: %s", _resources)


def _check_reachable(address: str, seconds: float = 5.0) -> None:
    """A `host:port` that nothing answers on fails now, with the address named: Ray itself would retry for
    minutes while the page waits."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or "://" in address:
        return  # "auto", a ray:// client address: Ray's own checks
    try:
        socket.create_connection((host, int(port)), timeout=seconds).close()
    except OSError as err:
        raise ConnectionError(f"nothing answers at GENLAB_RAY_ADDRESS={address} ({err}). {JOIN_HINT}") from None


def _token_auth_if_available() -> None:
    """Ray turns token authentication on by itself only when it finds the cluster (no address given); joining by an
    address, a token this machine holds (RAY_AUTH_TOKEN, ~/.ray/auth_token) is offered only if asked. Ask, as Ray does
    for itself; RAY_AUTH_MODE, when set, decides instead."""
    try:
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available,
        )
    except ImportError:  # another Ray: RAY_AUTH_MODE=token does the same by hand
        return
    maybe_enable_token_auth_if_token_available(warn_if_disabled=False)


def resources() -> dict[str, float]:
    """The cluster's resources when this process joined it (CPU, GPU, memory, ...)."""
    connect()
    return dict(_resources)


def describe() -> str:
    """The cluster in words, for the pages: "a Ray cluster (local): 2 CPUs, 0 GPUs"."""
    cluster = resources()
    where = os.environ.get("GENLAB_RAY_ADDRESS") or "local"
    return f"a Ray cluster ({where}): {cluster.get('CPU', 0):g} CPUs, {cluster.get('GPU', 0):g} GPUs"


def cluster_cap(runs_per_gpu: int, threads_per_run: int) -> int:
    """What the cluster holds: `runs_per_gpu` per GPU, else its CPUs divided by each run's torch threads."""
    cluster = resources()
    gpus = int(cluster.get("GPU", 0))
    if gpus:
        return gpus * runs_per_gpu
    return max(1, int(cluster.get("CPU", 1)) // threads_per_run)


def _before_shutdown() -> None:
    for hook in BEFORE_SHUTDOWN:
        hook()


class TrainerWorker:
    """What runs inside the actor: one trainer (given by `adopt`), stepped and asked on the run's behalf."""

    def __init__(self, cuda_fraction: float, threads: int):
        import engine.registry  # noqa: F401 - every family's imports (seconds here), paid while it waits as a spare

        torch.set_num_threads(threads)
        if cuda_fraction and torch.cuda.is_available():
            torch.cuda.set_per_process_memory_fraction(cuda_fraction)
        self.trainer = None

    def adopt(self, trainer) -> int:
        """Take `trainer` (None: drop the one held, its memory freed, and wait in the pool for the next run)."""
        self.trainer = trainer
        if trainer is None:
            give_memory_back()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            return 0
        return trainer.step_count

    def step(self, part: str) -> tuple[dict[str, float], int]:
        return self.trainer.step(part), self.trainer.step_count

    def step_many(self, part: str, n: int) -> tuple[list[dict[str, float]], Exception | None, int]:
        """`n` steps in one call: their losses, the Diverged that stopped them early (if one did), the step."""
        from engine.trainer import Diverged

        done = []
        try:
            for _ in range(n):
                done.append(self.trainer.step(part))
        except Diverged as err:
            return done, err, self.trainer.step_count
        return done, None, self.trainer.step_count

    def call(self, name: str, *args, **kwargs):
        return getattr(self.trainer, name)(*args, **kwargs)

    def pid(self) -> int:
        return os.getpid()

    def holds(self) -> bool:
        return self.trainer is not None


def _actor():
    global _actor_class
    if _actor_class is None:
        _actor_class = connect().remote(TrainerWorker)
    return _actor_class


class _SpareWorkers:
    """Actors started ahead of need, and actors given back by runs that ended, ready for the next run.

    A new Ray worker takes seconds to start (a process, then torch), which a Play click would otherwise wait for.
    A run takes a waiting actor at once; a new spare is started behind it only when none is left. A run that ends
    (closed, reset, forgotten) gives its actor back with its trainer dropped: at most `GENLAB_RAY_SPARE_WORKERS`
    (default 1) plus one wait per kind of worker (CPU, or a GPU fraction), the rest are ended."""

    def __init__(self):
        self._lock = threading.Lock()
        self._spares: dict[float, list] = {}

    @staticmethod
    def _count() -> int:
        return int(os.environ.get("GENLAB_RAY_SPARE_WORKERS", "1"))

    def take(self, fraction: float):
        """A started actor for a run (a waiting one if there is one); a new spare starts when none is left."""
        with self._lock:
            spares = self._spares.setdefault(fraction, [])
            handle = spares.pop(0) if spares else self._start(fraction)
            if not spares:
                self._top_up(fraction)
        return handle

    def give_back(self, handle, fraction: float) -> None:
        """A run is done with `handle`: it drops its trainer and waits for the next run, or ends if enough wait."""
        import ray

        with self._lock:
            spares = self._spares.setdefault(fraction, [])
            keep = len(spares) < self._count() + 1
            if keep:
                handle.adopt.remote(None)  # queued behind anything still running on it
                spares.insert(0, handle)  # warm already: the next run takes it first
        if not keep:
            ray.kill(handle)

    def prestart(self) -> None:
        """Start the spares now (the server does when it starts on Ray), so that the first Play is quick too."""
        on_gpu = resources().get("GPU", 0) and torch.cuda.is_available()
        with self._lock:
            self._top_up(gpu_fraction() if on_gpu else 0.0)

    def trim(self) -> list:
        """Back to `GENLAB_RAY_SPARE_WORKERS` waiting actors of each kind (the extra warm one ends): the room has
        left, and its memory comes back. Returns the ended actors."""
        import ray

        with self._lock:
            extra = [spares.pop() for spares in self._spares.values() for _ in range(len(spares) - self._count())]
        for handle in extra:
            ray.kill(handle)
        return extra

    def _top_up(self, fraction: float) -> None:
        spares = self._spares.setdefault(fraction, [])
        while len(spares) < self._count():
            spares.append(self._start(fraction))

    @staticmethod
    def _start(fraction: float):
        options: dict[str, Any] = {"num_cpus": 0}  # the manager's queue decides who trains, not Ray's scheduler
        if fraction:
            options["num_gpus"] = fraction
        return _actor().options(**options).remote(fraction, torch_threads())


spare_workers = _SpareWorkers()


class RemoteTrainer:
    """A trainer whose training happens in a Ray actor; everything else reads a local copy kept up to date.

    Calls the `Run` makes every step (step, evaluate, preview, state_dict, ...) go to the actor once it exists;
    any other attribute is read from the local trainer, refreshed first from the actor's weights when it has
    stepped since (`synced`)."""

    REMOTE = ("evaluate", "preview", "parameters_finite", "parameter_count", "state_dict", "sample_png",
              "rng_state")

    def __init__(self, trainer):
        self._local = trainer
        self._handle = None
        self._fraction = 0.0
        self._finalizer = None
        self._lost = ""
        self._synced_step = trainer.step_count
        self._sync_lock = threading.Lock()
        self.step_count = trainer.step_count

    # what the run reads without a round trip (the config is kept the same on both sides)
    family = property(lambda self: self._local.family)
    parts = property(lambda self: self._local.parts)
    config = property(lambda self: self._local.config)
    data = property(lambda self: self._local.data)
    log_every = property(lambda self: self._local.log_every)
    eval_every = property(lambda self: self._local.eval_every)

    @property
    def worker(self):
        """The actor, started on first use from a copy of the local trainer (its weights, config and data)."""
        if self._lost:
            raise WorkerLost(self._lost)
        if self._handle is None:
            on_gpu = resources().get("GPU", 0) and self._local.device.type == "cuda"
            self._fraction = gpu_fraction() if on_gpu else 0.0
            for attempt in range(2):  # a waiting actor may have died meanwhile: then a fresh one
                handle = spare_workers.take(self._fraction)
                self._handle = handle
                try:
                    self.step_count = self._get(handle.adopt.remote(self.synced()))
                    break
                except WorkerLost:
                    if attempt:
                        raise
                    self._lost = ""
            self._finalizer = weakref.finalize(self, spare_workers.give_back, self._handle, self._fraction)
            self._finalizer.atexit = False  # at exit Ray ends every actor itself
        return self._handle

    def _get(self, ref):
        import ray

        try:
            return ray.get(ref)
        except ray.exceptions.RayActorError as err:
            if self._finalizer is not None:
                self._finalizer.detach()  # a dead actor never goes back to the pool
            self._lost = (f"the Ray worker training this run stopped ({type(err).__name__}: "
                          f"{str(err).splitlines()[0][:200]})")
            self._handle = None
            raise WorkerLost(self._lost) from None
        except ray.exceptions.RayTaskError as err:  # the trainer's own error (Diverged, ConfigError, a bug)
            cause = getattr(err, "cause", None)
            raise (cause if isinstance(cause, Exception) else err) from None

    def step(self, part: str = "both") -> dict[str, float]:
        losses, self.step_count = self._get(self.worker.step.remote(part))
        return losses

    def step_many(self, part: str, n: int) -> tuple[list[dict[str, float]], Exception | None]:
        """`n` steps in one round trip (the run batches them on Ray): the losses of each step made, and the
        Diverged that stopped the batch early, if one did."""
        done, error, self.step_count = self._get(self.worker.step_many.remote(part, n))
        return done, error

    def set_knobs(self, **values: Any) -> None:
        self._local.set_knobs(**values)
        if self._handle is not None:
            self._get(self._handle.call.remote("set_knobs", **values))

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with self._sync_lock:
            self._local.load_state_dict(state)
            self.step_count = self._synced_step = self._local.step_count
        if self._handle is not None:
            self._get(self._handle.call.remote("load_state_dict", state))

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("_local", "_handle"):
            raise AttributeError(name)
        if name in RemoteTrainer.REMOTE and self._handle is not None:
            return lambda *args, **kwargs: self._get(self._handle.call.remote(name, *args, **kwargs))
        return getattr(self.synced(), name)

    def synced(self, force: bool = False):
        """The local trainer with the actor's latest weights (or the last ones seen, if the worker is gone); `force`
        fetches them even when the actor has not stepped since (its random streams may have moved)."""
        with self._sync_lock:
            if self._handle is not None and (force or self._synced_step != self.step_count):
                try:
                    state = self._get(self._handle.call.remote("state_dict"))
                except WorkerLost:
                    return self._local
                self._local.load_state_dict(state)
                self._synced_step = self._local.step_count
        return self._local

    def pid(self) -> int | None:
        """The actor's process id (None before the first step)."""
        return None if self._handle is None else self._get(self._handle.pid.remote())

    def detach(self) -> None:
        """Bring the actor's whole state home (weights, optimizers, random streams) and give the actor back: a run
        waiting for its turn holds no worker (a process and a few hundred MB), so a room taking turns needs about
        `cap` workers, not one per student. Its next step adopts a warm one again and goes on where it stopped."""
        self.synced(force=True)
        self.release()  # nothing to give back if the worker was lost meanwhile

    def release(self) -> None:
        """Give the actor back now (its trainer dropped, its memory freed); the local copy stays."""
        if self._handle is not None:
            self._finalizer()  # spare_workers.give_back, once
            self._handle = None


def remote_factory(factory: Callable) -> Callable[[], RemoteTrainer]:
    """A factory like `factory`, whose trainers train in Ray actors."""

    def build() -> RemoteTrainer:
        return RemoteTrainer(factory())

    return build


def detach(trainer) -> None:
    """Bring a remote trainer's state home and free its actor until it steps again; nothing for a local trainer."""
    if isinstance(trainer, RemoteTrainer):
        trainer.detach()


def release(trainer) -> None:
    """Free what a trainer holds outside this process (a Ray actor); nothing for a local trainer."""
    if isinstance(trainer, RemoteTrainer):
        trainer.release()
