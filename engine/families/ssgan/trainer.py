"""The `ssgan` family: the semi-supervised GAN of Salimans et al. 2016 (Sec. 5) beside a supervised baseline.

A classifier with K+1 outputs learns the classes from a few labelled images and real-vs-generated from all of them
(engine/tricks/semi_supervised.py); the generator learns by feature matching. The baseline is the same network,
initialised with the same weights, trained on the same labelled batches by cross-entropy alone, one step for each
step of the GAN: the difference between their test errors is what the unlabelled images and the generator bought.

Randomness comes from separate seeded streams: `labels` (which images keep their label), `data` (batches), `noise`
(z and the GAN classifier's noise layers) and `baseline_noise` (the baseline's noise layers).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from engine.config import ConfigError
from engine.families.ssgan.config import SsganConfig
from engine.families.ssgan.networks import MlpClassifierD, MlpGenerator
from engine.metrics.calibration import mistakes_grid, reliability
from engine.pictures.images import grid_uint8, to_uint8
from engine.trainer import HeldoutPass, Trainer, check_finite
from engine.tricks.ema import ema_copy, ema_update
from engine.tricks.feature_matching import feature_matching_loss
from engine.tricks.semi_supervised import log_z, real_probability, supervised_loss, unsupervised_loss

SAMPLES = 64  # generated images in the live grid (a fixed batch of z)
MISCLASSIFIED = 32  # held-out images the GAN's classifier gets wrong, shown with their labels


def balanced_subset(labels: torch.Tensor, n_labels: int, num_classes: int, generator: torch.Generator) -> torch.Tensor:
    """Indices of `n_labels` images, n_labels / K of each class, drawn at random (sorted)."""
    if n_labels % num_classes:
        raise ConfigError("n_labels", f"n_labels={n_labels} is not a multiple of the {num_classes} classes")
    per_class = n_labels // num_classes
    picked = []
    for k in range(num_classes):
        members = torch.nonzero(labels == k).flatten()
        if len(members) < per_class:
            raise ConfigError("n_labels", f"class {k} has {len(members)} training images, fewer than the "
                                          f"{per_class} per class that n_labels={n_labels} needs")
        picked.append(members[torch.randperm(len(members), generator=generator)[:per_class]])
    return torch.cat(picked).sort().values


class SsganTrainer(Trainer):
    family = "ssgan"
    data_kind = "images"
    config_cls = SsganConfig
    stream_names = ("labels", "data", "noise", "baseline_noise")
    lr_keys = {"d": "lr", "g": "lr", "baseline": "lr"}

    def __init__(self, config: SsganConfig, data):
        self.check_data_kind(config, data)
        if data.train_labels is None or data.heldout_labels is None or not data.num_classes:
            raise ConfigError("dataset", f"'{data.name}' has no labels: a semi-supervised GAN needs some, and "
                                         "labelled held-out images to measure its test error")
        super().__init__(config, data)
        c = config
        n = len(data.train) if c.n_labels == "all" else int(c.n_labels)
        if n > len(data.train):
            raise ConfigError("n_labels", f"n_labels={n} is more than the {len(data.train)} training images")
        self.labelled = (torch.arange(len(data.train)) if c.n_labels == "all" else
                         balanced_subset(data.train_labels, n, data.num_classes, self.streams["labels"]))
        self.train_x = data.train.to(self.device)
        self.labelled_x = self.train_x[self.labelled.to(self.device)]
        self.labelled_y = data.train_labels[self.labelled].to(self.device)
        self.heldout_x, self.heldout_y = data.heldout.to(self.device), data.heldout_labels.to(self.device)
        shape, k = data.image_shape, data.num_classes
        with self.seeded_init():
            self.d = MlpClassifierD(shape, k, c.d_width, c.input_noise, c.hidden_noise, c.weight_norm).to(self.device)
            self.g = MlpGenerator(c.z_dim, shape, c.g_width).to(self.device)
            init = torch.randperm(len(self.train_x), generator=self.streams["labels"])[:500]
            self.d.initialise_from(self.train_x[init.to(self.device)])
        self.baseline = copy.deepcopy(self.d)  # the same network, the same starting weights
        # the noise layers draw from the trainer's streams (on a GPU, from CUDA generators seeded from them, saved too)
        self.device_noise = {}
        for model, name in ((self.d, "noise"), (self.baseline, "baseline_noise")):
            if self.device.type == "cpu":
                model.use_generator(self.streams[name])
            else:
                seed = int(torch.randint(0, 2**62, (1,), generator=self.streams[name]))
                self.device_noise[name] = torch.Generator(self.device).manual_seed(seed)
                model.use_generator(self.device_noise[name])
        # test error is measured on parameter averages, as in the released code (Polyak averaging)
        self.averages = {"ssgan": ema_copy(self.d), "baseline": ema_copy(self.baseline)}
        self.opts = {name: torch.optim.Adam(model.parameters(), lr=c.lr, betas=(0.5, 0.999))
                     for name, model in (("d", self.d), ("g", self.g), ("baseline", self.baseline))}
        self.view_z = torch.randn(SAMPLES, c.z_dim, generator=torch.Generator().manual_seed(10_000 + c.seed))
        self._cache: HeldoutPass | None = None  # the latest held-out pass of both classifiers

    @property
    def n_labels(self) -> int:
        return len(self.labelled)

    # ------------------------------------------------------------------ training
    def _batch(self) -> tuple[torch.Tensor, ...]:
        """A labelled batch (images, labels) and two unlabelled batches (the classifier's and the generator's)."""
        # NOTE: batches are drawn with replacement; the released code cycles through permutations of both sets.
        b = self.config.batch_size
        lab = self.batch_indices(len(self.labelled_y))
        unl = self.batch_indices(len(self.train_x), 2 * b).view(2, b)  # (2B,) -> (2, B)
        return self.labelled_x[lab], self.labelled_y[lab], self.train_x[unl[0]], self.train_x[unl[1]]

    def _z(self) -> torch.Tensor:
        return torch.randn(self.config.batch_size, self.config.z_dim, generator=self.streams["noise"]).to(self.device)

    def step(self, part: str = "both") -> dict[str, float]:
        """One Adam step of the classifier (K+1 loss), of the generator, and of the baseline, in that order; then
        both classifiers' averages."""
        x_lab, y, x_unl, x_unl2 = self._batch()
        for model in (self.d, self.g, self.baseline):
            model.train()
        out = {**self._classifier_step(x_lab, y, x_unl), **self._generator_step(x_unl2),
               **self._baseline_step(x_lab, y)}
        decay = self.config.average if self.step_count else 0.0  # the first update copies the weights
        ema_update(self.averages["ssgan"], self.d, decay)
        ema_update(self.averages["baseline"], self.baseline, decay)
        self.step_count += 1
        return out

    def _update(self, optimizer: str, **named_loss: torch.Tensor) -> None:
        """One Adam step of `optimizer` on the one loss given, by its name (a divergence message names it)."""
        check_finite(self.step_count + 1, **named_loss)
        (loss,) = named_loss.values()
        self.opts[optimizer].zero_grad(set_to_none=True)
        loss.backward()
        self.opts[optimizer].step()

    def _classifier_step(self, x_lab: torch.Tensor, y: torch.Tensor, x_unl: torch.Tensor) -> dict[str, float]:
        """L_supervised + w L_unsupervised on a labelled batch, an unlabelled one and a batch of fakes."""
        with torch.no_grad():  # the classifier's step needs no graph through the generator
            fake = self.g(self._z())
        unl_logits = self.d(x_unl)
        fake_logits = self.d(fake)
        supervised = supervised_loss(self.d(x_lab), y)
        unsupervised = unsupervised_loss(unl_logits, fake_logits)
        loss_d = supervised + self.config.unsupervised_weight * unsupervised
        self._update("d", loss_d=loss_d)
        return {"loss_d": float(loss_d.detach()), "supervised": float(supervised.detach()),
                "unsupervised": float(unsupervised.detach()),
                "d_real": float(real_probability(unl_logits.detach()).mean()),
                "d_fake": float(real_probability(fake_logits.detach()).mean())}

    def _generator_step(self, x_unl2: torch.Tensor) -> dict[str, float]:
        """Feature matching against a second unlabelled batch, seen by the updated classifier (as in the released
        code), or -log D(G(z)) = softplus(-log Z)."""
        gen_logits, gen_features = self.d.logits_and_features(self.g(self._z()))
        if self.config.g_loss == "feature_matching":
            with torch.no_grad():
                real_features = self.d.features(x_unl2)
            loss_g = feature_matching_loss(real_features, gen_features)
        else:
            loss_g = F.softplus(-log_z(gen_logits)).mean()
        self._update("g", loss_g=loss_g)
        return {"loss_g": float(loss_g.detach())}

    def _baseline_step(self, x_lab: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """The baseline on the same labelled batch, cross-entropy only."""
        baseline_loss = supervised_loss(self.baseline(x_lab), y)
        self._update("baseline", baseline_loss=baseline_loss)
        return {"baseline_loss": float(baseline_loss.detach())}

    # ------------------------------------------------------------------ looking at it
    @torch.no_grad()
    def probabilities(self, model: str = "ssgan", images: torch.Tensor | None = None) -> torch.Tensor:
        """p(y | x, y < K+1), (N, K), from the parameter average of the GAN's classifier or of the baseline, on
        `images` in [-1, 1] (default: the held-out images)."""
        net = self.averages[model]
        net.eval()
        images = self.heldout_x if images is None else images.to(self.device)
        return torch.cat([torch.softmax(net(chunk), 1) for chunk in images.split(1000)]).cpu()

    def _heldout(self, fresh: bool = True) -> HeldoutPass:
        """Both classifiers' held-out predictions, calibration and mistakes: at most one pass per step, and for the
        preview (`fresh` False) a recent one (`HeldoutPass.reusable`)."""
        if self._cache is not None and self._cache.reusable(self.step_count, fresh):
            return self._cache

        def predictions() -> dict[str, Any]:
            labels = self.heldout_y.cpu()
            ssgan, baseline = self.probabilities("ssgan"), self.probabilities("baseline")
            return {"labels": labels, "ssgan": ssgan, "baseline": baseline,
                    "reliability": reliability(ssgan, labels), "baseline_reliability": reliability(baseline, labels),
                    **mistakes_grid(self.heldout_x, ssgan, labels, MISCLASSIFIED)}

        self._cache = HeldoutPass.run(self.step_count, predictions)
        return self._cache

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        self.g.eval()
        return self.g(z.to(self.device))

    def preview(self) -> dict[str, Any]:
        held = self._heldout(fresh=False)
        return {"step": self.step_count, "predictions_step": held.step,
                "samples": grid_uint8(self.generate(self.view_z), nrow=8),
                **{k: held.result[k] for k in ("reliability", "baseline_reliability", "misclassified",
                                        "misclassified_labels")}}

    def labelled_grid(self, n: int = 100) -> np.ndarray:
        """The labelled images (up to `n`), ordered by class: everything the classifiers are told."""
        order = torch.argsort(self.labelled_y.cpu(), stable=True)[:n]
        return grid_uint8(self.labelled_x[order.to(self.device)].cpu(), nrow=10)

    def evaluate(self) -> dict[str, float]:
        held = self._heldout().result
        out: dict[str, float] = {"n_labels": float(self.n_labels)}
        for name, prefix in (("ssgan", ""), ("baseline", "baseline_")):
            probs = held[name]
            out[f"{prefix}test_error"] = float((probs.argmax(1) != held["labels"]).float().mean())
            out[f"{prefix}ece"] = float(held[f"{prefix}reliability"]["ece"])
            out[f"{prefix}test_nll"] = float(F.nll_loss(probs.clamp_min(1e-12).log(), held["labels"]))
        return out

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        z = torch.randn(n, self.config.z_dim, generator=torch.Generator().manual_seed(seed))
        return {"images": to_uint8(self.generate(z))}

    # ------------------------------------------------------------------ persistence
    def checkpoint_parts(self) -> dict[str, Any]:
        return {"models": {"d": self.d, "g": self.g, "baseline": self.baseline,
                           **{f"average_{name}": average for name, average in self.averages.items()}},
                "optimizers": self.opts}

    def extra_state(self) -> dict[str, Any]:
        return {"device_rng": {name: g.get_state() for name, g in self.device_noise.items()}}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        for name, g in self.device_noise.items():
            if name in state.get("device_rng", {}):
                g.set_state(state["device_rng"][name])

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in self.averages:  # saved as torch's AveragedModel before: its keys were "module.<name>"
            average = state["models"].get(f"average_{name}", {})
            if "n_averaged" in average:
                state["models"][f"average_{name}"] = {k.removeprefix("module."): v for k, v in average.items()
                                                      if k != "n_averaged"}
        super().load_state_dict(state)

    def forget_caches(self) -> None:
        self._cache = None
