"""The `classifier` family: a small ResNet (networks.py) trained with the tricks of modern image
classification, each one switchable, so a lesson can show what each buys in test error and in calibration.

One step = one SGD update (Nesterov momentum 0.9) on one batch drawn from the seeded `data` stream, at the rate the
schedule gives for that step. The batch goes through flip -> pad-and-crop -> augmentation policy -> cutout -> mixup
(the order of Cubuk et al. 2019: the baseline pre-processing, the policy, then cutout), each drawing from its own
stream, so switching one trick on does not change the draws of the others.

Distillation (Hinton et al. 2015) without a saved teacher runs in two phases: the first `teacher_steps` steps train
the teacher (phase "teacher"), the rest train the student (phase "student"), whose schedule counts from the end of
the teacher phase (`student_step`). `step_count` counts both phases (the command line's --steps too).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from engine.config import ConfigError, from_dict
from engine.data import BadInput, DataUnavailable, load_dataset
from engine.families.classifier.augment import auto_augment, pad_crop, random_flip, tta_logits
from engine.families.classifier.config import ClassifierConfig
from engine.families.classifier.networks import ResidualCNN
from engine.files import read_checkpoint, read_json
from engine.metrics.calibration import confident_mistakes, mistakes_grid, reliability
from engine.pictures.images import grid_uint8, png_bytes, to_uint8
from engine.trainer import HeldoutPass, Trainer, check_finite, seeded
from engine.tricks.cutout import cutout
from engine.tricks.distillation import distillation_loss
from engine.tricks.lr_schedule import learning_rate, lr_curve, scaled_lr
from engine.tricks.mixup import mixup
from engine.tricks.no_bias_decay import parameter_groups
from engine.tricks.soft_targets import smooth_labels, soft_cross_entropy

STREAMS = ("data", "flip", "crop", "policy", "cutout", "mixup", "dropout")
EVAL_CHUNK = 250  # images per forward pass while evaluating, test-time views included (a larger batch is no faster)
VIEWS = {"none": 1, "five_crop": 5, "ten_crop": 10}
MISCLASSIFIED = 32  # wrongly classified held-out images in the preview


class ClassifierTrainer(Trainer):
    family = "classifier"
    data_kind = "images"
    config_cls = ClassifierConfig
    stream_names = STREAMS
    counters = ("teacher_step",)  # the teacher's own clock (0 for a loaded teacher)

    def __init__(self, config: ClassifierConfig, data):
        self.check_data_kind(config, data)
        if data.train_labels is None or data.heldout_labels is None or not data.num_classes:
            raise ConfigError("dataset", f"the classifier family needs labels; '{config.dataset}' has none")
        super().__init__(config, data)
        c = config
        self.train_x, self.train_y = data.train.to(self.device), data.train_labels.to(self.device)
        self.heldout_x, self.heldout_y = data.heldout.to(self.device), data.heldout_labels.to(self.device)
        self.num_classes = data.num_classes
        self.check_batch_size(len(self.train_x))
        self._check_cutout(c.cutout)
        channels = data.image_shape[0]
        with self.seeded_init():
            self.student = ResidualCNN(channels, self.num_classes, c.width, c.blocks, c.dropout, c.drop_path,
                                       aux_head=c.aux_weight > 0).to(self.device)
        self.opt = self._sgd(self.student)
        self.teacher, self.teacher_opt = None, None
        self.teacher_step = 0  # steps the teacher has trained in this run (0 for a loaded teacher)
        if c.distillation > 0 and c.teacher_run:
            self.teacher = self._load_teacher(c.teacher_run)
        elif c.distillation > 0:
            with seeded(c.seed + 1, self.device):
                self.teacher = ResidualCNN(channels, self.num_classes, c.teacher_width, c.blocks).to(self.device)
            self.teacher_opt = self._sgd(self.teacher)
        self._predictions: dict[tuple, HeldoutPass] = {}  # the latest held-out pass per network and TTA setting

    # ------------------------------------------------------------------ set-up
    def _check_cutout(self, size: int) -> None:
        _, h, w = self.data.image_shape
        if size > min(h, w):
            raise ConfigError("cutout", f"cutout {size} is larger than the {h}x{w} images of '{self.data.name}'")

    def _sgd(self, model: torch.nn.Module) -> torch.optim.Optimizer:
        c = self.config
        groups = parameter_groups(model, c.weight_decay, c.no_bn_decay)
        return torch.optim.SGD(groups, lr=self.base_lr, momentum=0.9, nesterov=True)

    def _load_teacher(self, folder: str) -> torch.nn.Module:
        """The student network of a saved classifier run (its own width and depth; `teacher_width` does not apply),
        read from its config.json and checkpoint.pt."""
        try:
            if not (Path(folder) / "config.json").exists() or not (Path(folder) / "checkpoint.pt").exists():
                raise ValueError(f"{folder} is not a saved run: it needs config.json and checkpoint.pt")
            saved = read_json(Path(folder) / "config.json")
            state = read_checkpoint(Path(folder) / "checkpoint.pt")
        except ValueError as err:
            raise ConfigError("teacher_run", f"cannot load the teacher from '{folder}': {err}") from None
        if saved.get("family") != "classifier":
            raise ConfigError("teacher_run", f"'{folder}' is a saved {saved.get('family')} run, not a classifier run")
        try:
            c = from_dict(ClassifierConfig, saved["config"])
            data = load_dataset(c.dataset, data_root=c.data_root)
        except (ConfigError, KeyError, BadInput, DataUnavailable) as err:
            raise ConfigError("teacher_run", f"cannot load the teacher from '{folder}': {err}") from None
        if data.image_shape != self.data.image_shape or data.num_classes != self.num_classes:
            raise ConfigError("teacher_run", f"the teacher in '{folder}' was trained on '{data.name}' "
                                             f"{data.image_shape}, not on images like '{self.data.name}'")
        with torch.random.fork_rng(devices=[]):
            teacher = ResidualCNN(data.image_shape[0], data.num_classes, c.width, c.blocks, c.dropout, c.drop_path,
                                  aux_head=c.aux_weight > 0)
        try:
            teacher.load_state_dict(state["models"]["student"])
        except (KeyError, RuntimeError) as err:
            raise ConfigError("teacher_run", f"the checkpoint in '{folder}' does not match its configuration: "
                                             f"{str(err).splitlines()[0][:200]}") from None
        return teacher.to(self.device).eval()

    def set_knobs(self, **values: Any) -> None:
        if "cutout" in values:
            self._check_cutout(int(values["cutout"]))
        super().set_knobs(**values)  # lr, weight decay and the augmentations are read from the config every step

    # ------------------------------------------------------------------ schedule
    @property
    def phase(self) -> str:
        """The phase of the next step: "teacher" while the teacher trains (distillation without a saved teacher),
        then "student"."""
        training_teacher = self.teacher_opt is not None and self.teacher_step < self.config.teacher_steps
        return "teacher" if training_teacher else "student"

    @property
    def student_step(self) -> int:
        return self.step_count - self.teacher_step

    @property
    def base_lr(self) -> float:
        c = self.config
        return scaled_lr(c.lr, c.batch_size) if c.linear_scaling else c.lr

    def _schedule(self) -> dict[str, Any]:
        """The schedule of the phase: the student's over total_steps; the teacher's over teacher_steps, with the
        same shape and its warm-up cut to fit."""
        c = self.config
        if self.phase == "teacher":
            return {"base_lr": self.base_lr, "total_steps": c.teacher_steps,
                    "warmup_steps": min(c.warmup_steps, c.teacher_steps - 1), "schedule": c.schedule}
        return {"base_lr": self.base_lr, "total_steps": c.total_steps, "warmup_steps": c.warmup_steps,
                "schedule": c.schedule}

    def current_lr(self) -> float:
        """The rate of the next step of the current phase."""
        step = self.teacher_step if self.phase == "teacher" else self.student_step
        return learning_rate(step, **self._schedule())

    def lr_plot(self, points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """(steps, rates) of the student's schedule at up to `points` steps spread over 0..total_steps, for the
        page's plot (a schedule may be millions of steps long). Reads only the configuration."""
        c = self.config
        steps = np.unique(np.linspace(0, c.total_steps, min(points, c.total_steps + 1)).round().astype(int))
        rates = [learning_rate(int(t), base_lr=self.base_lr, total_steps=c.total_steps, warmup_steps=c.warmup_steps,
                               schedule=c.schedule) for t in steps]
        return steps, np.asarray(rates)

    def lr_curve(self) -> np.ndarray:
        """The student's rate at every student step 0..total_steps (for the page's plot)."""
        c = self.config
        return lr_curve(base_lr=self.base_lr, total_steps=c.total_steps, warmup_steps=c.warmup_steps,
                        schedule=c.schedule)

    # ------------------------------------------------------------------ training
    def _batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(augmented images, hard labels, target distributions q) of the next batch."""
        c, s = self.config, self.streams
        idx = self.batch_indices(len(self.train_x))
        x, y = self.train_x[idx], self.train_y[idx]
        if c.flip:
            x = random_flip(x, s["flip"])
        if c.crop_padding:
            x = pad_crop(x, c.crop_padding, s["crop"])
        if c.autoaugment != "none":
            x = auto_augment(x, c.autoaugment, s["policy"])
        if c.cutout:
            x = cutout(x, c.cutout, s["cutout"])
        q = F.one_hot(y, self.num_classes).float()
        if c.mixup > 0:
            x, q, _ = mixup(x, q, c.mixup, s["mixup"])
        return x, y, q

    def _seeded_from(self, stream: str):
        """torch's global generator (and the GPU's) seeded from one of our streams inside the block, restored after:
        what draws from the global generator is reproducible and saved with the streams."""
        return seeded(int(torch.randint(0, 2**62, (1,), generator=self.streams[stream])), self.device)

    def _update(self, opt: torch.optim.Optimizer, loss: torch.Tensor, lr: float) -> None:
        for group in opt.param_groups:
            group["lr"] = lr
            if group.get("name") == "decay":
                group["weight_decay"] = self.config.weight_decay
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def step(self, part: str = "both") -> dict[str, float]:
        x, _, q = self._batch()
        lr = self.current_lr()
        out = self._teacher_step(x, q, lr) if self.phase == "teacher" else self._student_step(x, q, lr)
        self.step_count += 1
        return out

    def _teacher_step(self, x: torch.Tensor, q: torch.Tensor, lr: float) -> dict[str, float]:
        """The plain recipe: cross-entropy on the batch's (possibly mixed) targets.
        NOTE: no label smoothing for the teacher: smoothed teachers distil worse (Muller et al. 2019, "When Does
        Label Smoothing Help?", arXiv:1906.02629, the section on knowledge distillation)."""
        self.teacher.train()
        loss = soft_cross_entropy(self.teacher(x), q)
        check_finite(self.step_count + 1, teacher_loss=loss)
        self._update(self.teacher_opt, loss, lr)
        self.teacher_step += 1
        return {"teacher_loss": float(loss.detach()), "lr": lr}

    def _student_step(self, x: torch.Tensor, q: torch.Tensor, lr: float) -> dict[str, float]:
        c = self.config
        self.student.train()
        with self._seeded_from("dropout"):  # dropout and drop path draw from torch's generator
            logits, aux_logits = self.student.forward_with_aux(x)
        target = smooth_labels(q, c.label_smoothing) if c.label_smoothing > 0 else q
        ce = soft_cross_entropy(logits, target)
        losses, loss = {}, ce
        if self.teacher is not None:
            self.teacher.eval()
            with torch.no_grad():
                teacher_logits = self.teacher(x)
            losses["distill_loss"] = distillation_loss(logits, teacher_logits, c.distill_temperature)
            loss = (1 - c.distillation) * ce + c.distillation * losses["distill_loss"]
        if aux_logits is not None:
            losses["aux_loss"] = soft_cross_entropy(aux_logits, target)
            loss = loss + c.aux_weight * losses["aux_loss"]
        check_finite(self.step_count + 1, loss=loss, **losses)
        self._update(self.opt, loss, lr)
        error = (logits.argmax(1) != q.argmax(1)).float().mean()  # q's top class: the label, or mixup's dominant one
        out = {"loss": float(loss.detach()), "lr": lr, "train_error": float(error)}
        out.update({k: float(v.detach()) for k, v in losses.items()})
        return out

    # ------------------------------------------------------------------ looking at it
    def _heldout_log_probs(self, which: str, fresh: bool = True) -> HeldoutPass:
        """The pass whose result is the log-probabilities (N, K) of the whole held-out split by the student or the
        teacher, with the configured test-time augmentation: at most one per step, and for the preview (`fresh`
        False) a recent one (`HeldoutPass.reusable`)."""
        c = self.config
        key = (which, c.tta, c.crop_padding)
        last = self._predictions.get(key)
        if last is not None and last.reusable(self.step_count, fresh):
            return last
        model = self.student if which == "student" else self.teacher

        def log_probs() -> torch.Tensor:
            was_training = model.training
            model.eval()
            with torch.no_grad():
                chunks = self.heldout_x.split(max(1, EVAL_CHUNK // VIEWS[c.tta]))
                out = torch.cat([tta_logits(model, chunk, c.tta, c.crop_padding) for chunk in chunks])
            model.train(was_training)
            return out

        self._predictions[key] = HeldoutPass.run(self.step_count, log_probs)
        return self._predictions[key]

    @torch.no_grad()
    def probabilities(self, images: torch.Tensor) -> torch.Tensor:
        """The student's p(y|x), (N, K), for `images` in [-1, 1] (with the configured test-time augmentation)."""
        was_training = self.student.training
        self.student.eval()
        try:
            return tta_logits(self.student, images.to(self.device), self.config.tta, self.config.crop_padding).exp()
        finally:
            self.student.train(was_training)

    def _error(self, log_probs: torch.Tensor) -> float:
        return float((log_probs.argmax(1) != self.heldout_y).float().mean())

    def evaluate(self) -> dict[str, float]:
        """test_error, ece (15 bins) and test_nll (nats per image) of the student on the whole held-out split, with
        the test-time augmentation when set; teacher_test_error once the teacher has trained (or was loaded)."""
        log_probs = self._heldout_log_probs("student").result
        out = {"test_error": self._error(log_probs),
               "ece": reliability(log_probs.exp(), self.heldout_y)["ece"],
               "test_nll": float(-log_probs.gather(1, self.heldout_y[:, None]).mean())}
        if self.teacher is not None and (self.teacher_opt is None or self.teacher_step > 0):
            out["teacher_test_error"] = self._error(self._heldout_log_probs("teacher").result)
        return out

    def preview(self) -> dict[str, Any]:
        """The network of the current phase (the teacher while it trains): its reliability diagram on the held-out
        split and its most confidently misclassified held-out images (an empty (0, 0, C) array when none), from the
        held-out pass of step `predictions_step` (the current step, or a recent one: see `_heldout_log_probs`)."""
        which = "teacher" if self.phase == "teacher" else "student"
        predictions = self._heldout_log_probs(which, fresh=False)
        probs = predictions.result.exp()
        return {"step": self.step_count, "student_step": self.student_step, "phase": self.phase,
                "lr": self.current_lr(), "predictions_step": predictions.step,
                "reliability": reliability(probs, self.heldout_y),
                **mistakes_grid(self.heldout_x, probs, self.heldout_y, MISCLASSIFIED)}

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """A classifier does not generate: up to n misclassified held-out images (uint8 (n', C, H, W)), most confident
        first, with their labels, predictions and confidences. `seed` is unused (the held-out split is fixed)."""
        probs = self._heldout_log_probs("teacher" if self.phase == "teacher" else "student").result.exp()
        wrong, predicted, confidence = confident_mistakes(probs, self.heldout_y, n)
        return {"images": to_uint8(self.heldout_x[wrong]), "labels": self.heldout_y[wrong].cpu().numpy(),
                "predicted": predicted.cpu().numpy(), "confidence": confidence.float().cpu().numpy()}

    def sample_png(self, n: int = 64, seed: int = 0) -> bytes:
        """A grid of the misclassified held-out images (one black tile when every image is right)."""
        images = torch.as_tensor(self.sample(n, seed)["images"]).float() / 127.5 - 1
        if len(images) == 0:
            images = torch.full((1, *self.data.image_shape), -1.0)
        return png_bytes(grid_uint8(images, nrow=8), scale=max(1, 128 // images.shape[-1]))

    # ------------------------------------------------------------------ persistence
    def checkpoint_parts(self) -> dict[str, Any]:
        return {"models": {"student": self.student, "teacher": self.teacher},
                "optimizers": {"student": self.opt, "teacher": self.teacher_opt}}

    def extra_state(self) -> dict[str, Any]:
        return {"phase": self.phase}  # for a reader of the checkpoint: the run derives it from the steps

    def forget_caches(self) -> None:
        self._predictions.clear()
