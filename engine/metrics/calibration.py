r"""Calibration of a classifier: the reliability diagram and the expected calibration error (Guo et al. 2017, "On
Calibration of Modern Neural Networks", arXiv:1706.04599, Sec. 2, Eq. 3).

Predictions are grouped by their confidence $\hat p_i = \max_k p_{ik}$ into M equal-width bins
$B_m = ((m - 1)/M, m/M]$; per bin, accuracy and mean confidence:

$$\mathrm{acc}(B_m) = \frac{1}{|B_m|} \sum_{i \in B_m} \mathbf{1}(\hat y_i = y_i),\qquad
\mathrm{conf}(B_m) = \frac{1}{|B_m|} \sum_{i \in B_m} \hat p_i,\qquad
\mathrm{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{n} \big|\mathrm{acc}(B_m) - \mathrm{conf}(B_m)\big|$$

A perfectly calibrated model has acc = conf in every bin (the diagonal of the diagram).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engine.pictures.images import grid_uint8


def reliability(probs, labels, bins: int = 15) -> dict[str, Any]:
    """probs (N, K) class probabilities and labels (N,) (numpy or torch) -> numpy arrays per bin: "confidence"
    (mean), "accuracy", "count" (int), "edges" (bins + 1 values from 0 to 1), and "ece" (a float). Empty bins have
    confidence and accuracy 0 (and count 0)."""
    p = probs.detach().float().cpu().numpy() if torch.is_tensor(probs) else np.asarray(probs, dtype=np.float64)
    y = labels.detach().cpu().numpy() if torch.is_tensor(labels) else np.asarray(labels)
    confidence, predicted = p.max(1), p.argmax(1)
    correct = (predicted == y).astype(np.float64)
    # bin m (0-based) holds confidences in (m / M, (m + 1) / M]; a confidence of exactly 0 goes to the first bin
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    count = np.bincount(index, minlength=bins)
    safe = np.maximum(count, 1)
    conf = np.bincount(index, weights=confidence, minlength=bins) / safe
    acc = np.bincount(index, weights=correct, minlength=bins) / safe
    ece = float(np.sum(count / max(len(y), 1) * np.abs(acc - conf)))
    return {"confidence": conf, "accuracy": acc, "count": count, "edges": np.linspace(0.0, 1.0, bins + 1),
            "ece": ece}


def confident_mistakes(probs: torch.Tensor, labels: torch.Tensor, n: int) -> tuple[torch.Tensor, ...]:
    """(indices, predictions, confidences) of up to n wrongly classified images, the most confident first: where a
    miscalibrated model is most sure and wrong."""
    confidence, predicted = probs.max(1)
    wrong = (predicted != labels).nonzero().flatten()
    wrong = wrong[confidence[wrong].argsort(descending=True)][:n]
    return wrong, predicted[wrong], confidence[wrong]


def mistakes_grid(images: torch.Tensor, probs: torch.Tensor, labels: torch.Tensor, n: int) -> dict[str, Any]:
    """A preview's view of `confident_mistakes`: "misclassified", the uint8 grid (H, W, C) of those images (an empty
    (0, 0, C) array when none is wrong) and "misclassified_labels", (true, predicted, confidence) for each."""
    wrong, predicted, confidence = confident_mistakes(probs, labels.to(probs.device), n)
    grid = (grid_uint8(images[wrong.to(images.device)].cpu(), nrow=8) if len(wrong)
            else np.zeros((0, 0, images.shape[1]), np.uint8))
    details = [(int(labels[i]), int(p), float(c)) for i, p, c in zip(wrong, predicted, confidence)]
    return {"misclassified": grid, "misclassified_labels": details}
