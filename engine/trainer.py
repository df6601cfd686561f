"""What every family's trainer offers the run machinery (engine/runs.py) and the command line, and what every
family's trainer would otherwise write again: the device, the seeded random streams and initialisation, batch
draws, the log and evaluation cadences, the data-kind and batch-size checks, the judge started in the background,
live learning rates, and the whole checkpoint (models, optimizers, averages, random streams) from one declaration.

A trainer owns its models, optimizers, data order and random streams. It is driven from exactly one thread at a time
(the run's), so it needs no locks of its own. Everything it returns to the outside is plain numbers or numpy arrays.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from engine.config import ConfigError
from engine.data import ImageDataset

PREVIEW_SHARE = 0.2  # a preview's held-out passes may take at most about this share of a run's time


@dataclass(frozen=True)
class HeldoutPass:
    """One timed pass over the held-out split: the step it was made at, its result, when it ended (time.monotonic)
    and how many seconds it took. Evaluations want the current step's pass; a preview (`fresh` False) also takes an
    older one while the time since it is shorter than its cost / PREVIEW_SHARE, so previews of a model whose pass
    takes seconds (MNIST on a CPU) cost at most about that share of the run's time."""

    step: int
    result: Any
    done_at: float
    seconds: float

    @classmethod
    def run(cls, step: int, compute: Callable[[], Any]) -> "HeldoutPass":
        start = time.monotonic()
        result = compute()
        done = time.monotonic()
        return cls(step, result, done, done - start)

    def reusable(self, step: int, fresh: bool) -> bool:
        return self.step == step or not fresh and time.monotonic() - self.done_at < self.seconds / PREVIEW_SHARE


class Diverged(RuntimeError):
    """A loss became NaN or infinite (or a family's own divergence check fired). Raised *before* the optimizer step,
    so the model keeps its last good state. `advice` ends the run's message."""

    def __init__(self, loss_name: str, step: int, value: float, advice: str = "Try a smaller learning rate."):
        super().__init__(f"{loss_name} became {value} at step {step}")
        self.loss_name, self.step, self.value, self.advice = loss_name, step, value, advice

    def __reduce__(self):  # picklable with its fields: it crosses from a Ray worker to the run
        return type(self), (self.loss_name, self.step, self.value, self.advice)


def pick_device(name: str) -> torch.device:
    """`auto` -> cuda when a GPU is visible, else cpu; `cuda` without a GPU is a ConfigError naming the key."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device", "device=cuda was asked for but no CUDA GPU is visible; use device=cpu or auto")
    return torch.device(name)


def seeded_streams(seed: int, names: tuple[str, ...]) -> dict[str, torch.Generator]:
    """One CPU generator per name, seeded `seed * 7919 + i`: each kind of randomness has its own stream, so turning a
    trick on never changes what the others draw (the batches, z) and comparisons stay fair."""
    return {name: torch.Generator().manual_seed(seed * 7919 + i) for i, name in enumerate(names)}


def on_points(data) -> bool:
    """True for a 2D point dataset, False for an image dataset."""
    return not isinstance(data, ImageDataset)


class Trainer:
    """Interface of a family's trainer. Subclasses set `family`, `config_cls`, `data_kind` and `stream_names` and
    implement `step`, `preview`, `evaluate` and `sample`; the base sets `device`, `streams`, `log_every` and
    `eval_every` from the config.

    What a checkpoint holds is declared once, by `checkpoint_parts` (the modules, optimizers and averages by
    section, each with `state_dict` / `load_state_dict`), `counters` (int attributes beside the step) and, for the
    odd tensor, `extra_state` / `load_extra_state`: `state_dict` and `load_state_dict` read that one declaration
    both ways, so save and resume cannot disagree. `lr_keys` names the config key of each optimizer's learning
    rate, applied whenever a live knob changes."""

    family: str = ""
    config_cls: type = object
    data_kind: str | None = None  # "images" or "points": what the trainer trains on (None: it takes either)
    stream_names: tuple[str, ...] = ("data",)  # its seeded random streams, in order (the order fixes the seeds)
    uses_judge: bool = False  # image families whose metrics need the dataset's judge classifier
    parts: tuple[str, ...] = ("both",)  # what `step(part)` accepts; GANs add "d" and "g"
    counters: tuple[str, ...] = ()  # int attributes a checkpoint keeps beside the step (a second stage's clock)
    lr_keys: dict[str, str] = {}  # optimizer (its name in checkpoint_parts()["optimizers"]) -> its lr config key
    log_every: int = 10  # steps between metric records
    eval_every: int = 200  # steps between (more expensive) evaluation records
    _judge = None  # the image families' judge, fetched on first use (`judge`)
    _real_features = None  # the judge's features of the held-out images, for the Frechet distance

    def __init__(self, config, data):
        self.check_data_kind(config, data)
        self.config = config
        self.data = data
        self.step_count = 0
        self.log_every = getattr(config, "log_every", type(self).log_every)
        self.eval_every = getattr(config, "eval_every", type(self).eval_every)
        self.device = pick_device(getattr(config, "device", "cpu"))
        self.streams = seeded_streams(config.seed, self.stream_names)
        if self.uses_judge:
            from engine.metrics import judge as judges

            if judges.BACKGROUND:  # the dashboard: start training the judge now, in the background
                self.judge(wait=False)

    @classmethod
    def check_data_kind(cls, config, data) -> None:
        if cls.data_kind is not None and on_points(data) != (cls.data_kind == "points"):
            kind = "a 2D dataset" if on_points(data) else "an image dataset"
            raise ConfigError("dataset", f"the {cls.family} family trains on {cls.data_kind}; "
                                         f"'{config.dataset}' is {kind}")

    def seeded_init(self):
        """A block whose draws from torch's global generator (the networks' initial weights) come from the seed and
        leave the global generator as it was: the same seed gives the same networks, whatever ran before."""
        return seeded(self.config.seed, self.device)

    def batch_indices(self, available: int, size: int | None = None, stream: str = "data") -> torch.Tensor:
        """`size` (default: the batch size) indices into a training set of `available` examples, drawn with
        replacement from the named stream, on the trainer's device."""
        n = self.config.batch_size if size is None else size
        return torch.randint(0, available, (n,), generator=self.streams[stream]).to(self.device)

    def check_batch_size(self, available: int) -> None:
        """A batch can be no larger than the training set (batches of images are drawn from it)."""
        if self.config.batch_size > available:
            raise ConfigError("batch_size", f"batch_size {self.config.batch_size} is larger than the {available} "
                                            f"training images of '{self.data.name}'")

    # --- training ---------------------------------------------------------------------------------------------
    def step(self, part: str = "both") -> dict[str, float]:
        """One training step; returns the losses of the step as floats."""
        raise NotImplementedError

    def set_knobs(self, **values: Any) -> None:
        """Apply live knobs (validated keys of `config` marked live), then every optimizer's learning rate from its
        key in `lr_keys`. Called between steps."""
        import dataclasses

        self.config = dataclasses.replace(self.config, **values)
        check = getattr(self.config, "check", None)
        if check is not None:
            check()
        optimizers = self.checkpoint_parts().get("optimizers", {})
        for name, key in self.lr_keys.items():
            if optimizers.get(name) is not None:
                set_learning_rate(optimizers[name], getattr(self.config, key))

    # --- looking at it ----------------------------------------------------------------------------------------
    def preview(self) -> dict[str, Any]:
        """Arrays the page draws (point clouds, fields, uint8 image grids). Must not change training state."""
        return {}

    def judge(self, wait: bool | None = None):
        """The dataset's judge classifier for image families (engine/metrics/judge.py: trained once per dataset and
        cached); None for unlabelled data, and while it trains in the background on the dashboard."""
        if self._judge is None and self.data.train_labels is not None and self.data.num_classes:
            from engine.metrics.judge import get_judge

            self._judge = get_judge(self.data, device=str(self.device), wait=wait)
        return self._judge

    def judge_metrics(self, samples: torch.Tensor) -> dict[str, Any]:
        """The judge's view of generated `samples` in [-1, 1] (engine/metrics/images.py): judge score, Frechet
        distance to the held-out images, confident fraction, class histogram; {} without a judge (unlabelled data,
        or while it trains in the background). Every image family reports these, so families compare on them."""
        from engine.metrics.images import image_metrics

        judge = self.judge()
        if judge is None:
            return {}
        if self._real_features is None:
            self._real_features = judge.probabilities_and_features(self.data.heldout)[1].numpy()
        return image_metrics(judge, samples.cpu(), self._real_features, self.data.num_classes)

    def evaluate(self) -> dict[str, float]:
        """The family's metrics (summary.json keys). Must not change training state."""
        return {}

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """`{"points": float (n, 2)}` for 2D data or `{"images": uint8 (n, C, H, W)}`."""
        raise NotImplementedError

    def sample_png(self, n: int = 64, seed: int = 0) -> bytes:
        """A PNG picture of samples for samples.png: here a grid of `sample`'s images, 8 to a row, enlarged to about
        128 pixels per image (families with points or classes draw their own)."""
        from engine.pictures.images import grid_uint8, png_bytes

        images = torch.as_tensor(self.sample(n, seed)["images"]).float() / 127.5 - 1
        return png_bytes(grid_uint8(images, nrow=8), scale=max(1, 128 // images.shape[-1]))

    # --- persistence ------------------------------------------------------------------------------------------
    def checkpoint_parts(self) -> dict[str, dict[str, Any]]:
        """What a checkpoint holds, by section: e.g. {"models": {"G": self.G, "D": self.D}, "optimizers": {"G":
        self.opt_g, "D": self.opt_d}, "replay": self.replay}. A section is a dict of named parts or one part; every
        part has `state_dict` / `load_state_dict`, and a part that is None is switched off (neither saved nor
        loaded). The section and part names are the checkpoint's keys."""
        return {}

    def extra_state(self) -> dict[str, Any]:
        """Tensors or plain values a checkpoint keeps beyond the parts (a replay buffer, the last real batch)."""
        return {}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        """Restore what `extra_state` wrote (`state` is the whole checkpoint)."""

    def forget_caches(self) -> None:
        """Drop whatever was computed from the weights (previews, held-out passes): called after a load."""

    def rng_state(self) -> dict[str, torch.Tensor]:
        """The state of every random stream, for `state_dict`."""
        return {name: g.get_state() for name, g in self.streams.items()}

    def load_rng_state(self, states: dict[str, torch.Tensor]) -> None:
        for name, g in self.streams.items():
            g.set_state(states[name])

    def config_dict(self) -> dict[str, Any]:
        import dataclasses

        return dataclasses.asdict(self.config)

    def state_dict(self) -> dict[str, Any]:
        """The whole training state: the step, every declared part, the random streams, the counters, the extras."""
        state: dict[str, Any] = {"step": self.step_count}
        for section, parts in self.checkpoint_parts().items():
            if not isinstance(parts, dict):
                if parts is not None:
                    state[section] = parts.state_dict()
                continue
            state[section] = {name: part.state_dict() for name, part in parts.items() if part is not None}
        state["rng"] = self.rng_state()
        state.update({name: int(getattr(self, name)) for name in self.counters})
        state.update(self.extra_state())
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume from `state_dict`'s output. A part this trainer has but the checkpoint lacks is a ValueError
        naming it (the checkpoint was saved with other settings)."""
        for section, parts in self.checkpoint_parts().items():
            named = parts if isinstance(parts, dict) else {None: parts}
            for name, part in named.items():
                if part is None:
                    continue
                saved = state.get(section, {}) if name is not None else state
                key = section if name is None else name
                if key not in saved:
                    where = section if name is None else f"{section}/{name}"
                    raise ValueError(f"the checkpoint has no {where}: it was saved with other settings")
                part.load_state_dict(saved[key])
        self.load_rng_state(state["rng"])
        self.step_count = int(state["step"])
        for name in self.counters:
            setattr(self, name, int(state[name]))
        self.load_extra_state(state)
        self.forget_caches()

    def parameter_count(self) -> int:
        """Trainable parameters of every network the trainer holds (each counted once), the cost a comparison
        reports beside the metrics."""
        seen, total = set(), 0
        for value in vars(self).values():
            modules = value.values() if isinstance(value, dict) else [value]
            for module in modules:
                if isinstance(module, torch.nn.Module):
                    for p in module.parameters():
                        if p.requires_grad and id(p) not in seen:
                            seen.add(id(p))
                            total += p.numel()
        return total

    def parameters_finite(self) -> bool:
        """True when every parameter tensor is finite (used to decide whether a rollback is needed)."""
        for value in self.state_dict().get("models", {}).values():
            for tensor in value.values():
                if torch.is_tensor(tensor) and tensor.is_floating_point() and not torch.isfinite(tensor).all():
                    return False
        return True


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Every parameter group of `optimizer` at learning rate `lr` (a live knob, or a schedule's value)."""
    for group in optimizer.param_groups:
        group["lr"] = lr


@contextmanager
def seeded(seed: int, device: torch.device):
    """torch.random.fork_rng with the global generator seeded: on the CPU, and on the trainer's GPU when it has one."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        yield


def check_finite(step: int, **losses: torch.Tensor) -> None:
    """Raise `Diverged` naming the first loss that is NaN or infinite."""
    for name, value in losses.items():
        v = float(value.detach())
        if not math.isfinite(v):
            raise Diverged(name, step, v)
