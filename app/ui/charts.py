"""Training curves (plotly) from a run's metric history."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def figure(data: list[dict], layout: dict) -> go.Figure:
    """A plotly figure of plain dicts, taken as they are: plotly's check of every property took about half the time
    of a live figure, redrawn for every page of a room every second or two. The figures made this way are checked
    once, in tests (tests/unit/test_plots.py builds each again with plotly's checks on)."""
    return go.Figure(data=data, layout=layout, _validate=False)


def curves(history: pd.DataFrame, columns: list[str], *, title: str = "", height: int = 260,
           log_y: bool = False) -> go.Figure:
    """One line per column present in `history`, against `step`. Built from plain dicts in one go: a live page
    draws two or three of these per redraw, and `add_trace` / `update_layout` took five times as long (11 ms
    against 2 ms for two curves of 300 points)."""
    traces = []
    for col in columns if not history.empty else []:
        if col in history:
            data = history[["step", col]].dropna()
            traces.append(dict(type="scatter", x=data["step"].to_numpy(), y=data[col].to_numpy(), mode="lines",
                               name=col))
    layout = dict(height=height, margin=dict(l=10, r=10, t=30 if title else 10, b=10),
                  title=dict(text=title) if title else None,
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
                  uirevision=title or "curves", xaxis=dict(title=dict(text="step")),
                  yaxis=dict(type="log") if log_y else None)
    return figure(traces, {k: v for k, v in layout.items() if v is not None})
