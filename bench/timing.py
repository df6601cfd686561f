"""Latency of a call, as the latency benchmarks report it: one warm-up call, then the median and 95th percentile
in milliseconds over `repeats` calls."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    fn()  # warm up
    ms = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - start) * 1000)
    return float(np.median(ms)), float(np.percentile(ms, 95))
