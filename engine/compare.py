"""Comparisons: variants of one base configuration trained side by side, and an honest verdict on each metric.

A comparison (engine/family.py: a family's preset, or the page's own variants) trains one `RunGroup` per seed:
every member is built with that seed, so members whose configurations differ only in a trick see the same data
order and the same noise, and one group step advances each member once. After the last step every member is evaluated; over seeds each metric gets a mean and a standard deviation per
variant, and a verdict: which variant is ahead, and whether its lead over the runner-up survives Welch's t-test on
the per-seed values (p < 0.05), with the 95% interval of the lead and the number of seeds a gap of that size would
need. With one seed there is nothing to test, and the verdict says so.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any, Callable

from engine.config import ConfigError, parse_set_args
from engine.data import is_2d_dataset
from engine.family import FAMILY_KEY, LOWER, MAX_VARIANTS, Comparison
from engine.metrics.significance import ALPHA, welch
from engine.registry import FAMILIES, better, build_trainer, comparisons, family, make_config
from engine.runs import RunGroup

COST = {"train_seconds": LOWER, "parameters": LOWER, "sample_seconds": LOWER}  # what every variant costs
BETTER = {**better(), **COST}  # metric -> which way is better, from every family's declaration (engine/registry.py)
POINTS_SHARED = ("modes_covered", "high_quality_fraction", "grid_js", "nll_nats")  # what 2D families share
IMAGES_SHARED = ("judge_score", "frechet_distance", "bits_per_dim")  # and image families (NLL where it exists)
LINEUPS = {  # the every-family comparisons: name -> (title, dataset, kind, steps)
    "families_ring8": ("Every family on ring8", "ring8", "points", 2000),
    "families_digits": ("Every family on digits", "digits", "images", 1000),
}


def lineup(name: str) -> Comparison | None:
    """One of LINEUPS: a variant per family that declares a line-up entry for that kind of data (its settings in the
    family record), judged by the metrics those families share and by what each costs. None with fewer than two."""
    title, dataset, kind, steps = LINEUPS[name]
    variants = {record.name: {FAMILY_KEY: record.name, **record.lineup[kind]} for record in FAMILIES.values()
                if kind in record.lineup and record.trainer_for(kind == "points") is not None}
    if len(variants) < 2:
        return None
    shared = POINTS_SHARED if kind == "points" else IMAGES_SHARED
    explanation = (f"Every family of models on {dataset}, {steps:,} steps each, the same seeds: judged by the metrics "
                   f"they share ({', '.join(shared)}; a family without one, e.g. a GAN's likelihood, shows it as "
                   "missing) and by what each costs (seconds of training, parameters, seconds to draw 64 samples).")
    return Comparison(title, next(iter(variants)), explanation, {"dataset": dataset}, variants,
                      shared + tuple(COST), steps)


COMPARISONS = {**comparisons(), **{name: c for name in LINEUPS if (c := lineup(name)) is not None}}


def verdict(samples: dict[str, list[float]], better: str) -> dict[str, Any]:
    """Which variant leads on one metric, and whether its lead over the runner-up is more than the luck of the seeds.

    `samples`: variant -> the metric's values, one per seed. Returns the leader, the runner-up, the gap between their
    means, the spread (the larger of their standard deviations), Welch's t-test on the per-seed values
    (engine/metrics/significance.py): `p_value`, the 95% confidence interval of the lead (`low`, `high`: positive
    = the leader is better), `clear` (p < 0.05), `seeds_needed` (seeds per variant for 80% power at this gap) and a
    sentence saying all that. With one seed there is nothing to test, and the sentence says so."""
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")
    means = {name: statistics.fmean(v) for name, v in samples.items() if v and all(map(math.isfinite, v))}
    if len(means) < 2:
        return {"leader": next(iter(means), None), "runner_up": None, "gap": 0.0, "spread": 0.0, "clear": False,
                "p_value": None, "low": None, "high": None, "seeds_needed": None,
                "text": "not enough variants with finite values to compare"}
    order = sorted(means, key=means.get, reverse=better == "higher")
    leader, runner_up = order[0], order[1]
    a, b = samples[leader], samples[runner_up]
    sign = 1.0 if better == "higher" else -1.0  # the lead, oriented so that positive is better
    test = welch([sign * v for v in a], [sign * v for v in b])
    seeds = min(len(a), len(b))
    gap, spread = abs(test.gap), max(_sd(a), _sd(b))
    clear = test.p_value is not None and test.p_value < ALPHA
    out = {"leader": leader, "runner_up": runner_up, "gap": gap, "spread": spread, "clear": clear,
           "p_value": test.p_value, "low": test.low, "high": test.high, "seeds_needed": test.seeds_needed}
    if test.p_value is None:
        out["text"] = f"{leader} ahead of {runner_up} by {gap:.3g} on one seed: nothing to test, run more seeds"
        return out
    interval = f"95% interval of the lead {test.low:.3g} to {test.high:.3g}"
    evidence = f"Welch's t-test over {seeds} seeds: p = {test.p_value:.2g}"
    if spread == 0 and gap > 0:
        out["text"] = (f"{leader} ahead of {runner_up} by {gap:.3g} on every one of {seeds} seeds, with no spread "
                       "at all: a clear difference")
    elif clear:
        out["text"] = f"{leader} ahead of {runner_up} by {gap:.3g} ({interval}; {evidence}): a clear difference"
    elif gap == 0:
        out["text"] = f"{leader} and {runner_up} are level over {seeds} seeds: no difference"
    else:
        more = (f"; about {test.seeds_needed} seeds per variant would tell a gap this size from the noise"
                if test.seeds_needed else "")
        out["text"] = (f"{leader} ahead of {runner_up} by {gap:.3g} ({interval}; {evidence}): not a clear "
                       f"difference{more}")
    return out


def _sd(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) >= 2 else 0.0


def summarise(rows: list[dict], metrics: tuple[str, ...]) -> dict[str, Any]:
    """rows: one per (variant, seed) with the metrics as keys -> per metric: mean, sd and n per variant + verdict."""
    variants = list(dict.fromkeys(row["variant"] for row in rows))
    out: dict[str, Any] = {}
    for metric in metrics:
        samples = {v: [float(r[metric]) for r in rows if r["variant"] == v and r.get(metric) is not None]
                   for v in variants}
        if not any(samples.values()):
            continue
        stats = {v: {"mean": statistics.fmean(s), "sd": _sd(s), "n": len(s)} for v, s in samples.items() if s}
        out[metric] = {"better": BETTER.get(metric, "higher"), "variants": stats,
                       "verdict": verdict(samples, BETTER.get(metric, "higher"))}
    return out


def build_group(comparison: Comparison, *, dataset: str | None = None, seed: int = 0,
                max_steps: int | None = None, eval_every: int | None = None, **run_kwargs):
    """The `RunGroup` of one seed: one member per variant, named after it. `eval_every` overrides the family's (the
    command line evaluates once, at the end)."""
    extra = {} if eval_every is None else {"eval_every": eval_every}
    return RunGroup(_members(comparison, dataset, [seed], lambda name, _: name, extra), max_steps=max_steps,
                    **run_kwargs)


def _members(comparison: Comparison, dataset: str | None, seeds, name_of: Callable[[str, int], str],
             extra: dict | None = None) -> dict[str, Callable]:
    """A trainer factory per variant and seed, under `name_of(variant, seed)`. Every configuration is checked here,
    so a bad value fails before anything trains."""
    members = {}
    for seed in seeds:
        for name, values in comparison.configs(dataset, seed).items():
            family_name = comparison.family_of(name)
            config = make_config(family_name, {**values, **(extra or {})})
            members[name_of(name, seed)] = (lambda f=family_name, c=config: build_trainer(f, c))
    return members


def run_comparison(comparison: Comparison, *, dataset: str | None = None, steps: int | None = None, seeds: int = 1,
                   on_step: Callable[[int, int, int], None] | None = None) -> tuple[list[dict], dict[str, Any]]:
    """Train every variant for `steps` on each of `seeds` seeds (0, 1, ...); returns the rows (one per variant and
    seed: the final metrics plus variant, seed, steps and seconds) and `summarise`'s table of means and verdicts."""
    if dataset:
        check_dataset(comparison, comparison.title, dataset)
    steps = steps or comparison.steps
    rows = []
    for seed in range(seeds):
        group = build_group(comparison, dataset=dataset, seed=seed, max_steps=steps, eval_every=10**7,
                            preview_seconds=3600)
        start = time.perf_counter()
        group.start()
        while group.snapshot().status in ("running", "queued", "idle"):
            group.join(0.2)
            if on_step is not None:
                on_step(seed, group.snapshot().step, steps)
        snap = group.snapshot()
        if snap.status != "finished":
            raise RuntimeError(f"seed {seed}: the comparison stopped as {snap.status}: {snap.message}")
        seconds = time.perf_counter() - start
        for name, trainer, member in zip(group.members, group.trainers, snap.members):  # the thread has ended
            metrics = {**trainer.evaluate(), **costs(trainer, member)}
            row = {"variant": name, "seed": seed, "steps": trainer.step_count, "group_seconds": round(seconds, 2)}
            if comparison.across_families:
                row["family"] = comparison.family_of(name)
            row.update({k: metrics[k] for k in comparison.metrics if k in metrics})
            rows.append(row)
    table = summarise(rows, comparison.metrics)
    if not table:
        raise ConfigError("metrics", f"none of the comparison's metrics ({', '.join(comparison.metrics)}) was "
                                     f"measured on {dataset or comparison.base.get('dataset')}")
    return rows, table


SAMPLES_TIMED = 64  # the sampling cost a comparison reports: seconds to draw this many samples


def costs(trainer, member) -> dict[str, float]:
    """What a variant cost: seconds of its own training steps (a group's members share the clock), its trainable
    parameters, and seconds to draw SAMPLES_TIMED samples."""
    start = time.perf_counter()
    trainer.sample(SAMPLES_TIMED, seed=0)
    return {"train_seconds": member.records[-1]["train_seconds"] if member.records else 0.0,
            "parameters": float(trainer.parameter_count()), "sample_seconds": time.perf_counter() - start}


def check_dataset(comparison: Comparison, name: str, dataset: str) -> None:
    """A preset made for 2D points cannot run on images, nor one made for images on 2D points: its metrics would
    not exist there (a ConfigError naming `dataset`)."""
    made_for = comparison.base.get("dataset")
    if made_for and is_2d_dataset(made_for) != is_2d_dataset(dataset):
        kind = "2D points" if is_2d_dataset(made_for) else "images"
        other = "a 2D dataset" if is_2d_dataset(dataset) else "an image dataset"
        raise ConfigError("dataset", f"the preset '{name}' compares {', '.join(comparison.metrics)} on {kind} "
                                     f"(its dataset is {made_for}); '{dataset}' is {other}: choose a dataset of "
                                     f"that kind or another preset")


def get_comparison(name: str) -> Comparison:
    if name not in COMPARISONS:
        raise ConfigError("preset", f"unknown preset '{name}'. Known presets: {', '.join(COMPARISONS)}")
    return COMPARISONS[name]


def default_metrics(name: str, dataset: str, variants: dict[str, dict] | None = None) -> tuple[str, ...]:
    """The metrics a comparison of family `name` on `dataset` is judged by (the family's declaration); when the
    `variants` bring other families (`family=NAME`), the metrics families share on that kind of data and the
    costs."""
    if variants and any(str(v.get(FAMILY_KEY, name)) != name for v in variants.values()):
        return (POINTS_SHARED if is_2d_dataset(dataset) else IMAGES_SHARED) + tuple(COST)
    return family(name).judged_by(is_2d_dataset(dataset))


def parse_settings(text: str) -> dict[str, str]:
    """'key=value' pairs separated by spaces, commas or new lines (the command line's --set syntax)."""
    return parse_set_args([item for item in text.replace(",", " ").split() if item])


def parse_variants(text: str) -> dict[str, dict[str, str]]:
    """One variant per line, 'name: key=value key=value' (a name alone keeps the base configuration)."""
    variants: dict[str, dict[str, str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, sep, settings = line.partition(":")
        if not sep or not name.strip():
            raise ConfigError("variants", f"line {number} ('{line.strip()}'): expected 'name: key=value ...'")
        if name.strip() in variants:
            raise ConfigError("variants", f"line {number}: the name '{name.strip()}' is used twice")
        try:
            variants[name.strip()] = parse_settings(settings)
        except ConfigError as err:
            raise ConfigError("variants", f"line {number}: {err}") from None
    if not 2 <= len(variants) <= MAX_VARIANTS:
        raise ConfigError("variants", f"a comparison needs 2 to {MAX_VARIANTS} variants, got {len(variants)}")
    return variants


def format_settings(values: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in values.items())


def build_seeds_group(comparison: Comparison, *, dataset: str | None = None, seeds: int = 1, **run_kwargs):
    """One `RunGroup` for the page: a member per variant and seed, named 'variant · seed s'. Members of one seed
    share their data order and noise; pause, step and reset act on all of them."""
    return RunGroup(_members(comparison, dataset, range(seeds), member_name), **run_kwargs)


def member_name(variant: str, seed: int) -> str:
    return f"{variant} · seed {seed}"


def split_member_name(name: str) -> tuple[str, int]:
    variant, _, seed = name.rpartition(" · seed ")
    return variant, int(seed)
