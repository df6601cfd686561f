"""The mode metrics every 2D page shows (engine/metrics/modes2d.py), as tiles whose help is made from the metric's
own definition and the number of samples it was measured on."""

from __future__ import annotations

from typing import Mapping

import streamlit as st

from engine.metrics.modes2d import QUALITY_HELP, covered_help


def mode_tiles(metrics: Mapping, samples: int | None = None, what: str = "samples", quality_note: str = "",
               columns=None) -> None:
    """"Modes covered" and "High quality" from a preview's or a record's metrics, in two columns (new ones unless
    `columns` gives them). `samples` defaults to the count the preview measured."""
    a, b = columns if columns is not None else st.columns(2)
    n = int(samples if samples is not None else metrics.get("samples", 0))
    a.metric("Modes covered", f"{int(metrics.get('modes_covered', 0))} / {int(metrics.get('modes_total', 0))}",
             help=covered_help(n, what))
    b.metric("High quality", f"{float(metrics.get('high_quality_fraction', 0.0)):.0%}",
             help=QUALITY_HELP + quality_note)
