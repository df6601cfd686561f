"""What the Compare page shows: each variant's samples in a column, a metric's curves overlaid, the metrics table
(mean +- sd over seeds) with a verdict per metric, and the exports (CSV, one self-contained HTML report)."""

from __future__ import annotations

import base64
import html
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from app.ui import plots2d
from app.ui.image_views import crisp
from engine.compare import BETTER, Comparison, format_settings, split_member_name, summarise
from engine.runs import Run, Snapshot

PALETTE = ["#1f77b4", "#e4572e", "#2a9d8f", "#6a4c93", "#f4a261"]
PICTURE_KEYS = {"grid": "", "samples": "", "misclassified": "its most confident mistakes, "}  # the first found:
# image GANs, VAEs / PixelCNNs / semi-supervised GANs, classifiers; the value starts the picture's caption


def picture_of(preview: dict) -> tuple[np.ndarray, str] | None:
    """The member's picture (uint8 (H, W, C)) and the start of its caption, or None for 2D data (drawn as a plot
    instead)."""
    for key, what in PICTURE_KEYS.items():
        if key in preview and preview[key] is not None and preview[key].size:
            return crisp(preview[key], 360), what
    return None


def points_figure(preview: dict, bounds) -> go.Figure:
    return plots2d.gan2d_figure(preview, bounds, ["real", "fake"], height=300)


def rows_of(snap: Snapshot, metrics: tuple[str, ...]) -> list[dict[str, Any]]:
    """One row per member: its variant, seed and the metrics of its latest evaluation."""
    rows = []
    for member in snap.members:
        variant, seed = split_member_name(member.name)
        row: dict[str, Any] = {"variant": variant, "seed": seed, "steps": member.step}
        for record in reversed(member.records):
            found = {m: record[m] for m in metrics if m in record and record[m] == record[m]}
            if found:
                row.update(found)
                row["evaluated_at"] = record["step"]
                break
        rows.append(row)
    return rows


def table_of(rows: list[dict], metrics: tuple[str, ...]) -> tuple[pd.DataFrame, dict]:
    """The table shown (variant x metric, 'mean ± sd' over seeds) and `summarise`'s verdicts."""
    summary = summarise([r for r in rows if any(m in r for m in metrics)], metrics)
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    frame = pd.DataFrame(index=variants)
    for metric, entry in summary.items():
        arrow = "↑" if entry["better"] == "higher" else "↓"
        cells = {}
        for variant, stats in entry["variants"].items():
            cells[variant] = (f"{stats['mean']:.3g} ± {stats['sd']:.2g}" if stats["n"] > 1 else f"{stats['mean']:.3g}")
        frame[f"{metric} {arrow}"] = pd.Series(cells)
    return frame, summary


def curves_figure(snap: Snapshot, metric: str) -> go.Figure:
    """`metric` against step, one line per variant (the mean over its seeds at each recorded step)."""
    fig = go.Figure()
    per_variant: dict[str, list[pd.DataFrame]] = {}
    for member in snap.members:
        history = member.history()
        if metric in history:
            per_variant.setdefault(split_member_name(member.name)[0], []).append(
                history[["step", metric]].dropna())
    for k, (variant, frames) in enumerate(per_variant.items()):
        data = pd.concat(frames).groupby("step")[metric].mean().reset_index()
        fig.add_trace(go.Scatter(x=data["step"], y=data[metric], mode="lines+markers", name=variant,
                                 line=dict(color=PALETTE[k % len(PALETTE)]), marker=dict(size=4)))
    better = BETTER.get(metric, "higher")
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=35, b=10), uirevision=f"cmp-{metric}",
                      title=f"{metric} ({better} is better; mean over seeds)", xaxis_title="step",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1))
    return fig


def html_report(title: str, explanation: str, frame: pd.DataFrame, summary: dict, pictures: dict[str, bytes],
                figures: list[go.Figure], settings: str) -> str:
    """The whole comparison as one HTML file: text, table, verdicts, sample pictures (PNG inlined) and curves
    (plotly with its JavaScript inlined once, so the file opens offline)."""
    parts = [f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(explanation)}</p>",
             f"<pre>{html.escape(settings)}</pre>", "<h2>Metrics (mean ± sd over seeds)</h2>", frame.to_html(),
             "<h2>Verdicts</h2><ul>"]
    parts += [f"<li><b>{html.escape(m)}</b>: {html.escape(e['verdict']['text'])}</li>" for m, e in summary.items()]
    parts.append("</ul><h2>Samples</h2><div style='display:flex;flex-wrap:wrap;gap:12px'>")
    for name, png in pictures.items():
        data = base64.b64encode(png).decode()
        parts.append(f"<figure><img src='data:image/png;base64,{data}' style='max-width:300px;"
                     f"image-rendering:pixelated'><figcaption>{html.escape(name)}</figcaption></figure>")
    parts.append("</div><h2>Curves</h2>")
    parts += [fig.to_html(full_html=False, include_plotlyjs=k == 0) for k, fig in enumerate(figures)]
    body = "\n".join(parts)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px}</style></head><body>" + body + "</body></html>")


def report_of(run: Run, comparison: Comparison, frame: pd.DataFrame, summary: dict) -> str:
    """`html_report` of a running comparison: each variant's samples from its seed-0 member (drawn between two
    training steps), every metric's curves, the settings."""
    first = {}
    for k, name in enumerate(run.members):
        first.setdefault(split_member_name(name)[0], k)
    pictures = {v: run.with_trainer(lambda t: t.sample_png(), member=k) for v, k in first.items()}
    snap = run.snapshot()
    figures = [curves_figure(snap, m) for m in comparison.metrics]
    seeds = len(run.members) // max(1, len(first))
    settings = (f"family={comparison.family} {format_settings(comparison.base)}\n"
                + "\n".join(f"{v}: {format_settings(c)}" for v, c in comparison.variants.items())
                + f"\nseeds: {seeds}, step {snap.step:,}")
    return html_report(comparison.title, comparison.explanation, frame, summary, pictures, figures, settings)
