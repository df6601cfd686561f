"""A step's run check: a condition on one value of the student's own run, written as a sentence.

    METRIC OP NUMBER [in at least K dimensions] [by step N | at step N]

    modes_covered >= 7 by step 3000        some evaluation at or before step 3000 reached 7
    modes_covered <= 3 at step 2000        the first evaluation at or after step 2000 shows at most 3
    kl_per_dim < 0.1 in at least 4 dimensions      an array (the run's preview): at least 4 of its values
    judge_score > 5                        the latest evaluation

OP is one of >=, <=, >, <. A check is evaluated on what a snapshot of the run holds (its metric records and its
preview), never on the model: `evaluate` returns passed (with the step it happened at), missed (the run went past
the step named without it) or pending (not yet), and a sentence for the student.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
GRAMMAR = ("METRIC OP NUMBER [in at least K dimensions] [by step N | at step N], e.g. 'modes_covered >= 7 by step "
           "3000' (OP: >=, <=, >, <)")
PATTERN = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>>=|<=|>|<)\s*(?P<value>[-+]?(?:\d[\d_]*\.?\d*|\.\d+)"
    r"(?:[eE][-+]?\d+)?)"
    r"(?:\s+in\s+at\s+least\s+(?P<count>\d+)\s+dimensions?)?"
    r"(?:\s+(?P<when>by|at)\s+step\s+(?P<step>\d[\d,_]*))?\s*$")


class CheckSyntaxError(ValueError):
    """The check's text does not follow GRAMMAR; the message says what was expected."""


@dataclass(frozen=True)
class Check:
    metric: str
    op: str
    value: float
    count: int | None = None  # "in at least K dimensions": the metric is an array
    when: str | None = None  # "by" or "at"
    step: int | None = None
    text: str = ""

    def holds(self, value: Any) -> bool:
        if self.count is not None:
            array = np.asarray(value, dtype=float).ravel()
            return int(np.sum(OPS[self.op](array, self.value))) >= self.count
        number = float(value)
        return math.isfinite(number) and OPS[self.op](number, self.value)

    def describe(self) -> str:
        what = f"{self.metric} {self.op} {self.value:g}"
        if self.count is not None:
            what += f" in at least {self.count} dimensions"
        if self.when:
            what += f" {self.when} step {self.step:,}"
        return what


def parse(text: str) -> Check:
    match = PATTERN.match(text or "")
    if not match:
        raise CheckSyntaxError(f"check '{text}' is not a check: expected {GRAMMAR}")
    count = match.group("count")
    step = match.group("step")
    if count is not None and int(count) < 1:
        raise CheckSyntaxError(f"check '{text}': 'in at least K dimensions' needs K >= 1")
    return Check(match.group("metric"), match.group("op"), float(match.group("value")),
                 int(count) if count is not None else None, match.group("when"),
                 int(step.replace(",", "").replace("_", "")) if step else None, text.strip())


@dataclass(frozen=True)
class Result:
    state: str  # "passed", "missed" or "pending"
    text: str
    value: Any = None  # what the run showed (a number, or an array's count of dimensions that hold)
    at_step: int | None = None  # the step the value was read at

    @property
    def passed(self) -> bool:
        return self.state == "passed"


def _shown(check: Check, value: Any) -> str:
    if check.count is not None:
        array = np.asarray(value, dtype=float).ravel()
        held = int(np.sum(OPS[check.op](array, check.value)))
        return f"{held} of {array.size} dimensions have {check.metric} {check.op} {check.value:g}"
    return f"{check.metric} = {float(value):.4g}"


def _array_from_record(record: Mapping[str, Any], metric: str) -> list[float] | None:
    """A list-valued evaluation is recorded as metric_0, metric_1, ... (engine/runs.py)."""
    values, i = [], 0
    while f"{metric}_{i}" in record:
        values.append(record[f"{metric}_{i}"])
        i += 1
    return values or None


def series(check_metric: str, records: Sequence[Mapping[str, Any]], array: bool) -> list[tuple[int, Any]]:
    """(step, value) of every record that holds the metric, oldest first."""
    out = []
    for record in records:
        value = _array_from_record(record, check_metric) if array else record.get(check_metric)
        if value is None or (not array and isinstance(value, float) and math.isnan(value)):
            continue
        out.append((int(record.get("step", 0)), value))
    return out


def evaluate(check: Check, records: Sequence[Mapping[str, Any]], preview: Mapping[str, Any] | None, step: int,
             preview_step: int = -1, before: Result | None = None) -> Result:
    """The check on a run whose snapshot holds `records`, `preview` (made at `preview_step`) and is at `step`.
    `before`: this check's last result on the same run (an array read from the preview is only seen now, so a
    pass once seen is kept)."""
    if before is not None and before.passed:
        return before
    found = series(check.metric, records, check.count is not None)
    if not found and check.count is not None and preview and check.metric in preview and preview_step >= 0:
        found = [(preview_step, preview[check.metric])]
    want = check.describe()
    if check.when == "by":
        for at, value in found:
            if at <= check.step and check.holds(value):
                return Result("passed", f"Your run got there at step {at:,}: {_shown(check, value)}.", value, at)
        if step >= check.step:
            last = [(a, v) for a, v in found if a <= check.step]
            shown = f" ({_shown(check, last[-1][1])} at step {last[-1][0]:,})" if last else ""
            return Result("missed", f"Your run passed step {check.step:,} without {want.rsplit(' by ', 1)[0]}"
                                    f"{shown}.", last[-1][1] if last else None, last[-1][0] if last else None)
    elif check.when == "at":
        later = [(a, v) for a, v in found if a >= check.step]
        if later:
            at, value = later[0]
            if check.holds(value):
                return Result("passed", f"At step {at:,} your run shows {_shown(check, value)}, as expected.",
                              value, at)
            return Result("missed", f"At step {at:,} your run shows {_shown(check, value)}: not {want}. Compare "
                                    "with the room's runs.", value, at)
    elif found:
        at, value = found[-1]
        if check.holds(value):
            return Result("passed", f"Your run got there at step {at:,}: {_shown(check, value)}.", value, at)
    now = f" Now: {_shown(check, found[-1][1])} at step {found[-1][0]:,}." if found else " No evaluation yet."
    return Result("pending", f"Not yet: {want}.{now}", found[-1][1] if found else None,
                  found[-1][0] if found else None)


def value_at(metric: str, records: Sequence[Mapping[str, Any]], at_step: int | None) -> tuple[float, int] | None:
    """A scalar metric of a run as an experiment reads it: at the first evaluation at or after `at_step` (None:
    the latest). None while the run has no such evaluation."""
    found = [(a, v) for a, v in series(metric, records, array=False)]
    if at_step is not None:
        found = [(a, v) for a, v in found if a >= at_step][:1]
    if not found:
        return None
    at, value = found[-1]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return (number, at) if math.isfinite(number) else None
