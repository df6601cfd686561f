r"""Is one variant's lead over another real, or the luck of the seeds? Welch's t-test on the per-seed values.

With per-seed values $a_1..a_n$ and $b_1..b_m$ (means $\bar a, \bar b$, variances $s_a^2, s_b^2$):

    t = (\bar a - \bar b) / \sqrt{s_a^2/n + s_b^2/m},
    \nu = (s_a^2/n + s_b^2/m)^2 / ((s_a^2/n)^2/(n-1) + (s_b^2/m)^2/(m-1))   (Welch-Satterthwaite),

two-sided p-value from Student's t with nu degrees of freedom (Welch 1947; scipy.stats.ttest_ind with
equal_var=False), and the confidence interval of the difference $\bar a - \bar b \pm t_{1-\alpha/2,\nu} \cdot$ its
standard error. The number of seeds needed to tell a gap of the observed size from the noise: the smallest n per
variant at which the same test has 80% power when the true gap is the observed one and the spreads are the observed
ones (the noncentral t with noncentrality gap / sqrt((s_a^2 + s_b^2)/n)).

With three seeds this is demanding on purpose: "the gap is larger than the spread" (this project's earlier rule)
is passed by chance far more often than once in twenty.
"""

from __future__ import annotations

import math
import statistics
import warnings
from dataclasses import dataclass

from scipy import stats

ALPHA = 0.05  # a lead is called clear at p < ALPHA
POWER = 0.8  # for the seeds a gap of the observed size needs
MAX_SEEDS = 10_000


@dataclass(frozen=True)
class Difference:
    """mean(a) - mean(b), its confidence interval, Welch's p-value (None with fewer than two values per side) and
    how many seeds per variant would give the test POWER at this gap (None when there is no gap or no spread)."""

    gap: float
    low: float | None
    high: float | None
    p_value: float | None
    seeds_needed: int | None


def welch(a: list[float], b: list[float], alpha: float = ALPHA) -> Difference:
    gap = sum(a) / len(a) - sum(b) / len(b)
    if min(len(a), len(b)) < 2:
        return Difference(gap, None, None, None, None)
    var_a, var_b = statistics.variance(a), statistics.variance(b)
    if var_a == 0 and var_b == 0:  # the same value on every seed: nothing is left to chance
        return Difference(gap, gap, gap, 0.0 if gap else 1.0, None)
    with warnings.catch_warnings():  # one side constant: scipy warns of precision loss, the test is still sound
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.ttest_ind(a, b, equal_var=False)
        interval = result.confidence_interval(1 - alpha)
    return Difference(gap, float(interval.low), float(interval.high), float(result.pvalue),
                      seeds_needed(abs(gap), math.sqrt(var_a), math.sqrt(var_b), alpha))


def seeds_needed(gap: float, sd_a: float, sd_b: float, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """The smallest n (seeds per variant) at which Welch's test at `alpha` detects `gap` with `power`."""
    if gap <= 0 or sd_a == 0 and sd_b == 0:
        return None
    for n in range(2, MAX_SEEDS + 1):
        se = math.sqrt((sd_a**2 + sd_b**2) / n)
        df = (sd_a**2 / n + sd_b**2 / n) ** 2 / ((sd_a**2 / n) ** 2 / (n - 1) + (sd_b**2 / n) ** 2 / (n - 1))
        critical = stats.t.ppf(1 - alpha / 2, df)
        shift = gap / se
        detected = stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift)
        if detected >= power:
            return n
    return None
