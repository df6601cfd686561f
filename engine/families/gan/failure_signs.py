"""Plain-language warnings for the known failure signs of GAN training, read from a run's metric history.

Each rule looks at the recent records only, names what it sees and says what to try. The thresholds are rules of
thumb from the GAN literature and practice (Goodfellow 2016 tutorial, Sec. 5; Salimans et al. 2016), not proofs.
"""

from __future__ import annotations

import pandas as pd

RECENT = 20  # records looked at (a record is `log_every` steps)


def last_histogram(history: pd.DataFrame, name: str = "class_histogram") -> list[int]:
    """The latest class histogram of a history whose records hold it as `class_histogram_0`, `_1`, ... columns."""
    cols = sorted((c for c in history.columns if c.startswith(name + "_")), key=lambda c: int(c.rsplit("_", 1)[1]))
    rows = history[cols].dropna() if cols else history.iloc[0:0]
    return [int(v) for v in rows.iloc[-1]] if len(rows) else []


def gan_failure_signs(history: pd.DataFrame, *, num_classes: int = 0) -> list[str]:
    if len(history) < RECENT:
        return []
    recent = history.tail(RECENT)
    signs = []
    if "loss_d" in recent and "d_real" in recent and "d_fake" in recent:
        if recent["d_real"].mean() > 0.95 and recent["d_fake"].mean() < 0.05:
            signs.append("The discriminator wins outright (D(real) near 1, D(fake) near 0): the generator gets "
                         "almost no gradient. Try one-sided label smoothing, instance noise, a lower lr_d or fewer "
                         "D steps.")
    for name, who in (("grad_norm_g", "generator"), ("grad_norm_d", "discriminator")):
        if name in recent:
            g = recent[name].dropna()
            if len(g) and g.median() > 100:
                signs.append(f"The {who}'s gradients are exploding (median norm {g.median():.0f}). Try a lower "
                             "learning rate or spectral norm.")
            elif len(g) and g.median() < 1e-4:
                signs.append(f"The {who}'s gradients have vanished (median norm {g.median():.1e}): it has stopped "
                             "learning.")
    if "loss_g" in history and "judge_score" in history:
        scores = history["judge_score"].dropna()
        losses = history["loss_g"].dropna()
        if len(scores) >= 3 and len(losses) >= 2 * RECENT:
            falling = losses.tail(RECENT).mean() < losses.head(RECENT).mean() * 0.7
            if falling and scores.iloc[-1] < 1.5:
                signs.append("The generator's loss keeps falling while its samples stay unrecognisable (judge score "
                             f"{scores.iloc[-1]:.2f}): it is fooling a weak discriminator, not learning the data.")
    hist = last_histogram(history)
    if hist and num_classes:
        total = sum(hist) or 1
        covered = sum(1 for n in hist if n / total >= 0.02)
        if max(hist) / total > 0.5 or covered <= num_classes // 2:
            signs.append(f"Mode collapse: the judge files {max(hist) / total:.0%} of samples under one class and "
                         f"sees only {covered} of {num_classes} classes. Try minibatch discrimination, feature "
                         "matching or a replay buffer.")
    return signs
