r"""Metrics of generated images through the judge classifier (docs/ARCHITECTURE.md, Metrics).

- judge score (Inception-style, Salimans et al. 2016, Sec. 4): $\exp(\mathbb{E}_x\,\mathrm{KL}(p(y|x)\,\|\,p(y)))$
  with $p(y)$ the mean of $p(y|x)$ over the samples; between 1 and the number of classes.
- Frechet distance (Heusel et al. 2017) between Gaussians fitted to judge features of samples and of held-out
  real images: $\lVert\mu_1-\mu_2\rVert^2 + \mathrm{Tr}(\Sigma_1+\Sigma_2-2(\Sigma_1\Sigma_2)^{1/2})$; the matrix
  square root is scipy's `sqrtm`, as in the reference implementations.
- confident fraction: share of samples whose top class has probability >= 0.9. Alone it is no quality measure
  (noise can be filed confidently under one class): read it beside the score and the class histogram.
- class histogram: how the samples spread over the judge's classes (mode coverage on images).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from scipy import linalg

CONFIDENT = 0.9


def judge_score(probs: torch.Tensor, eps: float = 1e-12) -> float:
    p = probs.double().clamp_min(eps)
    marginal = p.mean(0, keepdim=True)
    return float(torch.exp((p * (p.log() - marginal.log())).sum(1).mean()))


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """NaN when either side has fewer than two examples (no covariance to compare)."""
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = _sqrtm(cov_a @ cov_b)
    if covmean is None or not np.isfinite(covmean).all():  # a singular product: nudge both, as pytorch-fid does
        offset = np.eye(len(cov_a)) * 1e-6
        covmean = _sqrtm((cov_a + offset) @ (cov_b + offset))
        if covmean is None:
            return float("nan")
    covmean = covmean.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(covmean))


def _sqrtm(matrix: np.ndarray) -> np.ndarray | None:
    with warnings.catch_warnings():  # a singular product is handled by the caller
        warnings.simplefilter("ignore")
        try:
            return linalg.sqrtm(matrix)
        except (np.linalg.LinAlgError, ValueError):
            return None


def confident_fraction(probs: torch.Tensor, threshold: float = CONFIDENT) -> float:
    return float((probs.max(1).values >= threshold).float().mean())


def class_histogram(probs: torch.Tensor, num_classes: int) -> list[int]:
    return torch.bincount(probs.argmax(1), minlength=num_classes).tolist()


def image_metrics(judge, samples: torch.Tensor, real_features: np.ndarray, num_classes: int) -> dict:
    """All four for `samples` in [-1, 1]; `real_features` are the judge features of held-out real images."""
    probs, feats = judge.probabilities_and_features(samples)
    out = {"judge_score": judge_score(probs), "frechet_distance": frechet_distance(feats.numpy(), real_features),
           "confident_fraction": confident_fraction(probs), "class_histogram": class_histogram(probs, num_classes)}
    if not np.isfinite(out["frechet_distance"]):  # too few held-out images: missing, never a made-up number
        del out["frechet_distance"]
    return out
