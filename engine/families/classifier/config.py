"""Configuration of the `classifier` family (a small ResNet and the tricks of modern image classification). Key
names are a contract: pages, URL and `--set` all use them.

The optimizer is fixed: SGD with momentum 0.9 and Nesterov momentum (Sutskever et al. 2013), weight decay as an L2
term, the learning rate set every step by the schedule (engine/tricks/lr_schedule.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import (
    ConfigError,
    batch_size_key,
    data_root_key,
    dataset_key,
    device_key,
    eval_every_key,
    log_every_key,
    param,
    seed_key,
)
from engine.data import is_2d_dataset
from engine.families.classifier.augment import POLICIES, TTA_MODES
from engine.tricks.lr_schedule import SCHEDULES


@dataclass(frozen=True)
class ClassifierConfig:
    # --- data and run -----------------------------------------------------------------------------------------
    dataset: str = dataset_key("digits", "labelled images")
    seed: int = seed_key("the networks, the data order and the augmentations")
    device: str = device_key()
    data_root: str = data_root_key()
    batch_size: int = batch_size_key(128, "Images per step.")
    # --- model ------------------------------------------------------------------------------------------------
    width: int = param(16, "Channels of the first stage of the ResNet (then 2x and 4x as the maps halve).", low=4,
                       high=256, label="Width")
    blocks: int = param(1, "Residual blocks per stage (3 stages; He et al. 2016's CIFAR ResNets use 3 to 18).",
                        low=1, high=8, label="Blocks per stage")
    dropout: float = param(0.0, "Dropout before the last layer (Srivastava et al. 2014): each pooled feature zeroed "
                           "with this probability in training.", low=0.0, high=0.9, label="Dropout")
    drop_path: float = param(
        0.0,
        "Stochastic depth (Huang et al. 2016): in training, each example skips a residual branch with a probability "
        "growing linearly with depth up to this value in the last block.",
        low=0.0, high=0.9, label="Drop path (stochastic depth)",
    )
    # --- optimisation -----------------------------------------------------------------------------------------
    total_steps: int = param(
        2000,
        "Horizon of the learning-rate schedule: cosine decay reaches 0 here. The run itself does not stop at it; "
        "steps past it keep the schedule's last value (0 for cosine).",
        low=1, high=10**7, label="Schedule length (steps)",
    )
    lr: float = param(0.1, "Peak learning rate of SGD with Nesterov momentum 0.9 (0.1 as in He et al. 2016).",
                      low=1e-5, high=10.0, live=True, log=True, label="Learning rate")
    weight_decay: float = param(5e-4, "L2 weight decay: lambda ||w||^2 / 2 added to the loss (CIFAR ResNets: 1e-4 "
                                "to 5e-4).", low=0.0, high=0.1, live=True, log=True, label="Weight decay")
    schedule: str = param(
        "cosine",
        "constant, or cosine decay to 0 at the schedule's end (Loshchilov & Hutter 2017, SGDR without restarts): "
        "lr_t = lr (1 + cos(pi (t - w) / (T - w))) / 2 after w warm-up steps.",
        choices=SCHEDULES, label="Schedule",
    )
    warmup_steps: int = param(
        0,
        "Linear warm-up (Goyal et al. 2017): the rate grows from lr / w to lr over the first w steps, then follows "
        "the schedule.",
        low=0, high=10**6, label="Warm-up steps",
    )
    linear_scaling: bool = param(
        False,
        "Linear scaling rule (Goyal et al. 2017): the rate used is lr x batch size / 256, so a larger batch takes "
        "proportionally larger steps.",
        label="Linear scaling rule",
    )
    no_bn_decay: bool = param(
        False,
        "No bias decay (He et al. 2019, Bag of Tricks): weight decay on convolution and linear weights only, none on "
        "batch norm's scale and shift or on biases.",
        label="No weight decay on BN and biases",
    )
    # --- losses -----------------------------------------------------------------------------------------------
    label_smoothing: float = param(
        0.0,
        "Label smoothing (Szegedy et al. 2016): the target is (1 - eps) one-hot + eps / K.",
        low=0.0, high=0.9, live=True, label="Label smoothing ε",
    )
    aux_weight: float = param(
        0.0,
        "Weight of an auxiliary classifier's loss on the first stage's features (deep supervision, Lee et al. "
        "2015; GoogLeNet's auxiliary heads, Szegedy et al. 2015). 0 = no auxiliary head.",
        low=0.0, high=10.0, label="Auxiliary loss weight",
    )
    distillation: float = param(
        0.0,
        "Knowledge distillation (Hinton et al. 2015): loss = (1 - alpha) CE + alpha T^2 KL(teacher_T || student_T) "
        "with softmaxes at temperature T. This is alpha; 0 = off.",
        low=0.0, high=1.0, label="Distillation weight α",
    )
    distill_temperature: float = param(4.0, "Temperature T of the distillation softmaxes (Hinton et al. 2015 use "
                                       "1 to 20).", low=1.0, high=20.0, label="Distillation temperature T")
    teacher_steps: int = param(
        1000,
        "With distillation and no saved teacher: the first steps train the teacher (plain recipe, same "
        "augmentation), the student's steps and schedule start after them.",
        low=0, high=10**6, label="Teacher steps",
    )
    teacher_width: int = param(32, "Width of the teacher trained first (the student has `width`).", low=4, high=256,
                               label="Teacher width")
    teacher_run: str = param("", "A saved classifier run folder whose network is the teacher; empty = train the "
                             "teacher first.", label="Saved teacher run")
    # --- augmentation (live) ----------------------------------------------------------------------------------
    flip: bool = param(False, "Random horizontal flip of each training image (probability 1/2).", live=True,
                       label="Random flip")
    crop_padding: int = param(
        0,
        "Pad-and-crop (He et al. 2016's CIFAR recipe: 4): pad by this many black pixels, crop back at a random "
        "offset. 0 = off. Also the padding of the test-time crops.",
        low=0, high=16, live=True, label="Pad-and-crop padding",
    )
    cutout: int = param(0, "Cutout (DeVries & Taylor 2017): a square of this side, at a random centre, set to 0 in "
                        "every training image. 0 = off.", low=0, high=64, live=True, label="Cutout size")
    mixup: float = param(
        0.0,
        "mixup (Zhang et al. 2018): train on lam x_i + (1 - lam) x_j with targets mixed alike, lam ~ Beta(alpha, "
        "alpha). This is alpha; 0 = off.",
        low=0.0, high=10.0, live=True, label="mixup α",
    )
    autoaugment: str = param(
        "none",
        "Automatic augmentation per image: AutoAugment's learned policies (Cubuk et al. 2019: ImageNet, CIFAR-10, "
        "SVHN), RandAugment (Cubuk et al. 2020) or TrivialAugment (Muller & Hutter 2021).",
        choices=POLICIES, live=True, label="Augmentation policy",
    )
    tta: str = param(
        "none",
        "Test-time augmentation: average the predicted probabilities over the 4 corner and centre crops of the "
        "image padded by crop_padding (at least 1 pixel), and their mirror images for ten_crop (Krizhevsky et al. "
        "2012).",
        choices=TTA_MODES, live=True, label="Test-time augmentation",
    )
    # --- bookkeeping ------------------------------------------------------------------------------------------
    log_every: int = log_every_key()
    eval_every: int = eval_every_key(200, "test error, calibration")

    def check(self) -> None:
        if is_2d_dataset(self.dataset):
            raise ConfigError("dataset", f"the classifier family trains on labelled images; '{self.dataset}' is a "
                                         f"2D dataset")
        if self.warmup_steps >= self.total_steps:
            raise ConfigError("warmup_steps", f"warmup_steps ({self.warmup_steps}) must be smaller than total_steps "
                                              f"({self.total_steps})")
        if self.distillation > 0 and not self.teacher_run and self.teacher_steps < 1:
            raise ConfigError("teacher_steps", "distillation without a saved teacher_run needs teacher_steps >= 1 "
                                               "(the teacher trains first)")
