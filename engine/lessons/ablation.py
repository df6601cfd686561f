"""The room's runs of a step as one experiment: each student's run is a seed of the variant it belongs to, judged
exactly as the Compare page judges seeds (engine/compare.py).

A run belongs to the variant named by the settings it changed from the step's preset (`changed`: its config against
the preset's, seeds and bookkeeping keys left out); a declared variant of the step's experiment names those settings,
any other set of changes is a variant of its own, labelled `key=value ...`, and no change at all is the preset. Per
variant: n (runs whose metric was read at the experiment's step), mean and sd (`compare.summarise`), and Welch's
verdict of that variant against the baseline (`compare.verdict` on the two variants' per-run values).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from engine.compare import BETTER, summarise, verdict
from engine.lessons.format import PRESET, Experiment
from engine.registry import make_config

IGNORED = {"seed", "device", "data_root", "log_every", "eval_every"}  # never what a variant is about


def changed(family: str, preset: Mapping[str, Any], config: Any) -> dict[str, Any]:
    """The settings of `config` (a run's config object or dict) that differ from the step's preset, as plain
    values."""
    base = dataclasses.asdict(make_config(family, {k: v for k, v in preset.items() if k != "speed"}))
    mine = config if isinstance(config, dict) else dataclasses.asdict(config)
    return {k: mine[k] for k in base if k in mine and k not in IGNORED and mine[k] != base[k]}


def label(changes: Mapping[str, Any]) -> str:
    if not changes:
        return PRESET
    return " ".join(f"{k}={_text(v)}" for k, v in sorted(changes.items()))


def _text(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else f"{v:g}" if isinstance(v, float) else str(v)


def declared(family: str, preset: Mapping[str, Any], experiment: Experiment) -> dict[str, dict[str, Any]]:
    """Each declared variant's changes from the preset, as `changed` computes them for a run."""
    out = {}
    for name, settings in experiment.variants.items():
        values = {k: v for k, v in {**preset, **settings}.items() if k != "speed"}
        out[name] = changed(family, preset, dataclasses.asdict(make_config(family, values)))
    return out


def variant_of(changes: Mapping[str, Any], names: Mapping[str, Mapping[str, Any]]) -> str:
    for name, settings in names.items():
        if dict(settings) == dict(changes):
            return name
    return label(changes)


@dataclass(frozen=True)
class Entry:
    """One student's run as the experiment sees it."""

    student: str
    changes: dict[str, Any]
    metric: float | None  # read at the experiment's step; None while the run has not got there


@dataclass(frozen=True)
class Row:
    variant: str
    settings: str  # its changes, `key=value ...`
    n: int
    training: int  # runs of this variant whose metric is not read yet
    mean: float | None
    sd: float | None
    baseline: bool
    verdict: str  # against the baseline
    clear: bool
    better: bool | None  # the variant is ahead of the baseline (None: no comparison)
    p_value: float | None


def ablation(family: str, preset: Mapping[str, Any], experiment: Experiment, entries: Iterable[Entry]) -> list[Row]:
    """One row per variant (the baseline first, then by the number of runs)."""
    names = declared(family, preset, experiment)
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(variant_of(entry.changes, names), []).append(entry)
    base_name = experiment.baseline
    if base_name == PRESET:  # a declared variant that changes nothing is the preset under its own name
        base_name = next((name for name, settings in names.items() if not settings), PRESET)
    metric = experiment.metric
    rows = [{"variant": v, metric: e.metric} for v, es in groups.items() for e in es if e.metric is not None]
    stats = summarise(rows, (metric,)).get(metric, {"variants": {}})["variants"] if rows else {}
    better = BETTER.get(metric, "higher")
    base_values = [r[metric] for r in rows if r["variant"] == base_name]
    order = sorted(groups, key=lambda v: (v != base_name, -len(groups[v]), v))
    if base_name not in groups:
        order = [base_name] + order
    out = []
    for name in order:
        members = groups.get(name, [])
        values = [r[metric] for r in rows if r["variant"] == name]
        s = stats.get(name)
        is_base = name == base_name
        text, clear, ahead, p = "", False, None, None
        if is_base:
            text = "the baseline"
        elif not values:
            text = "no run has reached the experiment's step yet"
        elif not base_values:
            text = "no baseline run has reached the experiment's step yet"
        else:
            v = verdict({name: values, base_name: base_values}, better)
            text, clear, p = v["text"], bool(v["clear"]), v["p_value"]
            ahead = v["leader"] == name
        settings = label(names[name]) if name in names else name
        if settings == PRESET:
            settings = "no change (the step's preset)"
        out.append(Row(name, settings, len(values), len(members) - len(values), s["mean"] if s else None,
                       s["sd"] if s else None, is_base, text, clear, ahead, p))
    return out
