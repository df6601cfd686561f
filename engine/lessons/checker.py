"""A lesson checked against the dashboard before anyone teaches with it (`python -m engine lesson check FILE`):
every page exists, every preset key is a key of that page with a value it accepts (the family's config validated
whole, its cross-key rules included), every highlighted control is on the page, every metric a check or an
experiment reads is in the family's summary (engine/lessons/values.py) for the kind of data the step trains on,
and every question has its answer (engine/lessons/format.py). Each problem names its line.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from engine.config import ConfigError, apply_overrides, parse_value, specs
from engine.data import is_2d_dataset
from engine.lessons import format as fmt
from engine.lessons.pages import PAGES, SPEED, SPEEDS, LessonPage
from engine.lessons.values import PREVIEW, readable
from engine.registry import make_config

POINTS_ONLY = {"modes_covered", "modes_total", "high_quality_fraction", "mode_kl", "grid_js"}
IMAGES_ONLY = {"judge_score", "frechet_distance", "confident_fraction", "high_frequency_gap", "high_frequency_energy",
               "grad_norm_d", "grad_norm_g"}


def _near(word: str, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def check_file(path: str | Path) -> fmt.Lesson:
    """The lesson in `path`, parsed and checked; LessonError with every problem and its line otherwise."""
    lesson = fmt.parse_file(path)
    problems = check(lesson)
    if problems:
        raise fmt.LessonError(lesson.path, problems)
    return lesson


def check(lesson: fmt.Lesson) -> list[fmt.Problem]:
    problems: list[fmt.Problem] = []
    for step in lesson.steps:
        at = ("steps", step.index)

        def bad(path: tuple, reason: str) -> None:
            problems.append(fmt.Problem(lesson.line(*at, *path), f"step {step.index + 1}: {reason}"))

        page = PAGES.get(step.page)
        if page is None:
            bad(("page",), f"no page '{step.page}'{_near(step.page, PAGES)}; the pages: {', '.join(PAGES)}")
            continue
        _preset(page, step.preset, lambda key, why: bad(("preset", key) if key else ("preset",), why))
        for key in step.highlight:
            if key not in page.controls():
                bad(("highlight",), f"no control '{key}' on the page {page.url}{_near(key, page.controls())}")
        dataset = str(step.preset.get("dataset", _default_dataset(page)))
        if step.check is not None:
            _metric(page, dataset, step.check.metric, step.check.count is not None,
                    lambda why: bad(("check",), why))
        if step.experiment is not None:
            exp = step.experiment
            _metric(page, dataset, exp.metric, False, lambda why: bad(("experiment", "metric"), why))
            for name, changes in exp.variants.items():
                _preset(page, {**step.preset, **changes},
                        lambda key, why, n=name: bad(("experiment", "variants", n), f"variant '{n}': {why}"))
        if not step.say.strip():
            bad(("say",), "'say' is empty: what should the instructor say, or the student read?")
    return problems


def _default_dataset(page: LessonPage) -> str:
    if page.family is None:
        return ""
    return str(getattr(page.config(), "dataset", ""))


def _preset(page: LessonPage, preset: dict[str, Any], bad) -> dict[str, Any]:
    """The preset's settings of the page's config, each key and value checked, then the config as a whole."""
    config_keys = set(specs(page.config)) if page.config is not None else set()
    values: dict[str, Any] = {}
    for key, value in preset.items():
        if key == "dataset" and page.facts.dataset_key:
            if value not in page.facts.datasets:
                bad(key, f"dataset '{value}' is not offered on the page {page.url} (its datasets: "
                         f"{', '.join(page.facts.datasets)})")
            else:
                values["dataset"] = value
        elif key == SPEED and page.slot:
            if value not in SPEEDS or isinstance(value, bool):
                bad(key, f"speed {value!r}: expected one of {', '.join(map(str, SPEEDS))} (steps per second, 0 = "
                         "full speed)")
        elif key in config_keys and key != "dataset":
            try:
                values[key] = parse_value(specs(page.config)[key], value)
            except ConfigError as err:
                bad(key, str(err))
        elif key in page.facts.extra:
            allowed = page.facts.extra[key]
            if allowed is not None and value not in allowed:
                bad(key, f"bad value {value!r} for '{key}': expected one of {', '.join(map(str, allowed))}")
        else:
            known = sorted((config_keys - {"dataset"}) | set(page.facts.extra)
                           | ({"dataset"} if page.facts.dataset_key else set()) | ({SPEED} if page.slot else set()))
            bad(key, f"unknown preset key '{key}' for the page {page.url}{_near(key, known)}"
                     + ("" if known else " (this page takes no settings)"))
    if page.family is not None:
        try:
            make_config(page.family, values)
        except ConfigError as err:
            bad(err.key if err.key in preset else None, str(err))
    elif page.config is not None:
        try:
            apply_overrides(page.config(), values)
        except ConfigError as err:
            bad(err.key if err.key in preset else None, str(err))
    return values


def _metric(page: LessonPage, dataset: str, metric: str, array: bool, bad) -> None:
    if page.family is None:
        bad(f"the page {page.url} trains no model of its own: a check or an experiment needs a model page")
        return
    names = readable(page.family)
    if metric not in names:
        bad(f"'{metric}' is not in the {page.family} family's summary{_near(metric, names)}; it has: "
            f"{', '.join(sorted(names))}")
        return
    if array and names[metric] != PREVIEW:
        bad(f"'{metric}' is one number per evaluation: 'in at least K dimensions' counts the values of an array "
            f"(the {page.family} family's arrays: {', '.join(k for k, v in names.items() if v == PREVIEW) or 'none'})")
    if not array and names[metric] == PREVIEW:
        bad(f"'{metric}' is an array (one value per dimension): say how many must hold, e.g. '{metric} < 0.1 in "
            "at least 4 dimensions'")
    points = is_2d_dataset(dataset) if dataset else None
    if points is False and metric in POINTS_ONLY:
        bad(f"'{metric}' is measured on 2D points only, and this step trains on {dataset}")
    if points is True and metric in IMAGES_ONLY:
        bad(f"'{metric}' is measured on images only, and this step trains on {dataset}")
