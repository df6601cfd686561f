"""Training curves (plotly) from a run's metric history."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def curves(history: pd.DataFrame, columns: list[str], *, title: str = "", height: int = 260,
           log_y: bool = False) -> go.Figure:
    """One line per column present in `history`, against `step`."""
    fig = go.Figure()
    if not history.empty:
        for col in columns:
            if col in history:
                data = history[["step", col]].dropna()
                fig.add_trace(go.Scatter(x=data["step"], y=data[col], mode="lines", name=col))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30 if title else 10, b=10), title=title or None,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
                      uirevision=title or "curves",
                      xaxis_title="step")
    if log_y:
        fig.update_yaxes(type="log")
    return fig
