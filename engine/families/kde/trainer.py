"""The `kde` family on 2D points: Gaussian kernels on points drawn from the toy (engine/families/kde/density.py).

A KDE has no gradient training. A step puts the next `batch_size` training points into the kernel set (step k holds
(k + 1) x batch_size of them, at most `kernels`) after scoring them under the kernels already there: `nll_new` is
that prequential negative log-likelihood, the estimate predicting points it has not seen. The bandwidth follows its
rule (refitted as the kernel set grows) or the manual value; both are live.

The kernel set is drawn from the seed (the `data` stream) when the trainer is built, so a checkpoint only needs
how many kernels are in; samples and held-out points come from fixed seeds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engine.families.kde import bandwidth as rules
from engine.families.kde.config import KdeConfig
from engine.families.kde.density import log_density, sample
from engine.metrics.likelihood import bits_per_dim
from engine.metrics.modes2d import mode_metrics, points_metrics
from engine.pictures.points2d import POINTS, field_grid, scatter_png
from engine.trainer import Trainer, check_finite

HELDOUT = 2000  # held-out points (2D) or images for the likelihood
EVAL_SAMPLES = 2000  # samples for the mode metrics


class KdeTrainer(Trainer):
    family = "kde"
    config_cls = KdeConfig
    data_kind = "points"
    stream_names = ("data",)
    floor = 0.0  # the smallest bandwidth allowed (one grey level on images)

    def __init__(self, config: KdeConfig, data):
        super().__init__(config, data)
        self.pool = self._training_points().to(self.device)  # (N, D): the kernel set in the order it grows
        self.heldout = self._heldout_points().to(self.device)
        self.count = min(len(self.pool), config.batch_size)
        self._fitted: dict[int, float] = {}  # kernels fitted on -> the leave-one-out h

    def _training_points(self) -> torch.Tensor:
        return self.data.sample(self.config.kernels, self.streams["data"])

    def _heldout_points(self) -> torch.Tensor:
        return self.data.sample(HELDOUT, torch.Generator().manual_seed(123_457 + self.config.seed))

    @property
    def points(self) -> torch.Tensor:
        """The kernel set now: (n, D)."""
        return self.pool[: self.count]

    # ------------------------------------------------------------------ the bandwidth
    def rule_bandwidth(self, rule: str) -> float:
        """h by `rule` for the current kernel set."""
        if rule == "manual":
            h = self.config.bandwidth
        elif rule == "loo":
            # NOTE: fitted on the first 2^k kernels (the largest power of two <= n; all n once the set is complete),
            # so a growing set is refitted log2(n) times, not at every step; h moves as n^(-1/(D+4)), barely.
            n = self.count if self.count == len(self.pool) else 2 ** (self.count.bit_length() - 1)
            if n not in self._fitted:
                self._fitted = {n: rules.leave_one_out(self.pool[:n], self.floor)}
            h = self._fitted[n]
        else:
            h = rules.rule_of_thumb(self.points, rule)
        return max(h, self.floor)

    @property
    def h(self) -> float:
        return self.rule_bandwidth(self.config.bandwidth_rule)

    def all_rules(self) -> dict[str, float]:
        """Every rule's h for the current kernel set (what the page marks)."""
        return {rule: self.rule_bandwidth(rule) for rule in ("scott", "silverman", "loo")}

    # ------------------------------------------------------------------ "training"
    def nll_of(self, log_p: torch.Tensor) -> torch.Tensor:
        """The reported negative log-likelihood of points whose log density is log_p: nats per point."""
        return -log_p

    def nll(self, x: torch.Tensor, h: float | None = None) -> torch.Tensor:
        """The negative log-likelihood of each row of x (M, D) under the current kernels (bandwidth h)."""
        return self.nll_of(log_density(x, self.points, self.h if h is None else h))

    def step(self, part: str = "both") -> dict[str, float]:
        out = {}
        new = min(len(self.pool), self.count + self.config.batch_size)
        if new > self.count:
            nll_new = self.nll(self.pool[self.count:new]).mean()
            check_finite(self.step_count + 1, nll_new=nll_new)
            out["nll_new"] = float(nll_new)
            self.count = new
        self.step_count += 1
        return {**out, "kernels": float(self.count), "bandwidth": self.h}

    # ------------------------------------------------------------------ looking at it
    def heldout_metrics(self, h: float | None = None) -> dict[str, float]:
        nats = float(self.nll(self.heldout, h).mean())
        return {"nll_nats": nats, "bits_per_dim": bits_per_dim(nats, self.pool.shape[1])}

    def evaluate(self) -> dict[str, Any]:
        points = self.sample(EVAL_SAMPLES, seed=10_000 + self.config.seed)["points"]
        return {**self.heldout_metrics(), "bandwidth": self.h, "kernels": self.count,
                **points_metrics(points, self.data)}

    @torch.no_grad()
    def preview(self) -> dict[str, Any]:
        h = self.h
        xs, ys, grid = field_grid(self.data.bounds)
        log_p = log_density(torch.as_tensor(grid, device=self.device), self.points, h)
        samples = self.sample(EVAL_SAMPLES, seed=10_000 + self.config.seed)["points"]
        return {
            "step": self.step_count,
            "grid_x": xs,
            "grid_y": ys,
            "log_density": log_p.reshape(len(ys), len(xs)).cpu().numpy(),  # (R*R,) -> (R, R), rows are y
            "kernels": self.points[:POINTS].cpu().numpy(),
            "samples": samples[:POINTS],
            "h": h,
            "rules": self.all_rules(),
            "count": self.count,
            "metrics": mode_metrics(samples, self.data.centres, self.data.std, self.data.weights),
        }

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        x = sample(self.points, self.h, n, torch.Generator().manual_seed(seed))
        return {"points": x.cpu().numpy().astype(np.float32)}

    def sample_png(self, n: int = 1000, seed: int = 0) -> bytes:
        return scatter_png(self.data, self.sample(n, seed)["points"])

    def parameter_count(self) -> int:
        """A KDE's parameters are its kernels' centres: n x D numbers (the training points it keeps)."""
        return self.count * self.pool.shape[1]

    # ------------------------------------------------------------------ persistence
    def extra_state(self) -> dict[str, Any]:
        """A KDE is its kernel set, drawn from the seed: the checkpoint keeps how many kernels are in."""
        return {"models": {"kde": {"count": torch.tensor(self.count)}}, "optimizers": {}}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.count = min(int(state["models"]["kde"]["count"]), len(self.pool))
