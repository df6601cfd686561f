r"""One-sided label smoothing (Salimans et al. 2016, arXiv:1606.03498, Sec. 3.4).

Replacing the targets 1 and 0 by alpha and beta makes the optimal discriminator

$$D^*(x) = \frac{\alpha\, p_{data}(x) + \beta\, p_{model}(x)}{p_{data}(x) + p_{model}(x)}$$

With beta > 0, where p_data is near 0 and p_model large, D* stays near beta: fake samples there are not pushed
towards the data. So only the real target is smoothed (one-sided): beta = 0, alpha = `label_smoothing` (1 = off).
"""

from __future__ import annotations


def smoothed_targets(label_smoothing: float = 1.0, fake_label: float = 0.0) -> tuple[float, float]:
    """(real target alpha, fake target beta). `fake_label` > 0 is two-sided smoothing, kept for the comparison."""
    alpha, beta = float(label_smoothing), float(fake_label)
    if not 0.5 <= alpha <= 1.0:
        raise ValueError(f"label_smoothing (the real target) must be in [0.5, 1], got {alpha}")
    if not 0.0 <= beta < alpha:
        raise ValueError(f"fake_label must be in [0, label_smoothing), got {beta}")
    return alpha, beta
