"""The known divergence of energy-based models: the energies running away (Du & Mordatch 2019; Nijkamp et
al. 2020, "On the anatomy of MCMC-based maximum likelihood learning of energy-based models", arXiv:1903.12370).

Contrastive divergence only asks the data's energy to be lower than the chains'. When the chains no longer reach
the data, the cheapest way to lower the loss is to push every energy further apart, without end: the data's energy
falls, the chains' rises, the landscape gets steeper, Langevin steps overshoot and the samples stop meaning
anything. Two checks, both in plain words:

- `warning(history)`: the page's warning, while the energies' size (mean |E| over data and chains) is large and
  has at least doubled over the recent records;
- `check(step, scale)`: the run stops as diverged when that size passes LIMIT, far beyond what any energy penalty
  allows (the penalty alpha E^2 holds the energies near 1 / (2 alpha)).
"""

from __future__ import annotations

import pandas as pd

from engine.trainer import Diverged

LIMIT = 1e4  # mean |E| at which the run stops
LARGE = 20.0  # mean |E| above which a doubling is worth a warning
RECENT = 3  # records compared with the RECENT before them (a runaway takes tens of steps, not thousands)

ADVICE = ("The energies ran away: the model pushed the data's energy down and the chains' energy up without bound "
          "instead of shaping the landscape, so the Langevin chains jump and the samples mean nothing. Raise the "
          "L2 penalty on energies (energy_l2), turn on spectral norm, or lower the learning rate, then Reset.")


def check(step: int, scale: float) -> None:
    """Raise Diverged (with ADVICE) when the energies' size `scale` has passed LIMIT."""
    if scale > LIMIT:
        raise Diverged("the energies' size (mean |E|)", step, scale, advice=ADVICE)


def warning(history: pd.DataFrame) -> str | None:
    """A plain-language warning when the energies are running away, read from a run's metric history."""
    if "energy_scale" not in history:
        return None
    scale = history["energy_scale"].dropna()
    if len(scale) < 2 * RECENT:
        return None
    now, before = scale.tail(RECENT).median(), scale.tail(2 * RECENT).head(RECENT).median()
    if now < LARGE or now < 2 * before:
        return None
    real, fake = (history[k].dropna().iloc[-1] for k in ("energy_real", "energy_fake"))
    return (f"The energies are running away: their size grew from {before:.3g} to {now:.3g} over the last "
            f"{2 * RECENT} records (data {real:.3g}, chains {fake:.3g}). Left alone the run will diverge. Raise the "
            "L2 penalty on energies (energy_l2), turn on spectral norm, or lower the learning rate.")
