"""A lesson file (TOML, read with Python's tomllib): the records it becomes and the parser that reads it.

    title = "..."          minutes = 25          topics = ["gan-2d"]          summary = "..."
    [[steps]]              one per step, in order: title, page, say (markdown), highlight (widget keys),
                           check ("modes_covered >= 7 by step 3000"), reveal (markdown, after the vote or the check)
    [steps.preset]         the page's configuration for the step: the page's URL keys (a family's --set keys,
                           dataset, speed)
    [steps.question]       kind = "single" | "multiple" | "number", text, then [[steps.question.choices]] (text,
                           correct, feedback) or answer, tolerance, unit, right, wrong
    [steps.experiment]     the room's runs as one experiment: metric, at_step, baseline, assign, [variants]

`parse` checks the structure (known keys, types, a question's answer); engine/lessons/checker.py checks the rest
against the registry. Every problem is a `Problem` with its line; `LessonError` carries all of them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.lessons import checks
from engine.lessons.lines import Lines

TOPICS = {  # the seeds' topics a lesson covers (`topics = [...]`); one shipped lesson at least for each
    "gan-2d": "Why GANs collapse on 2D, and the five fixes of Salimans et al.",
    "paper-ablation": "The paper's ablation on digits: which trick matters",
    "gan-tips": "The GAN training tips (normalisations, TTUR, hinge, EMA, ADA) at this size",
    "vae": "From autoencoder to VAE: the KL term, posterior collapse, interpolation",
    "pixelcnn": "PixelCNN's blind spot and the gated fix, pixel by pixel",
    "vqvae": "VQ-VAE's codes and its prior",
    "flows": "Flows and their bridges",
    "ring8": "Every family on ring8",
    "ssgan": "100 labels with the semi-supervised GAN",
    "classifier": "The classifier checklist",
    "real-or-fake": "Real or fake: the visual Turing test",
}
KINDS = ("single", "multiple", "number")
MAX_STEPS = 20
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
TOP_KEYS = {"title", "minutes", "topics", "summary", "steps"}
STEP_KEYS = {"title", "page", "say", "preset", "highlight", "question", "check", "reveal", "experiment"}
QUESTION_KEYS = {"kind", "text", "choices", "answer", "tolerance", "unit", "right", "wrong"}
CHOICE_KEYS = {"text", "correct", "feedback"}
EXPERIMENT_KEYS = {"metric", "at_step", "baseline", "assign", "variants"}
PRESET = "preset"  # the baseline's name when no variant is named: the step's preset unchanged


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str


class LessonError(ValueError):
    """A lesson file that cannot be used: every problem with its line, `FILE:LINE: reason` one per line."""

    def __init__(self, path: str, problems: list[Problem]):
        self.path = str(path)
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(f"{self.path}:{p.line}: {p.reason}" for p in self.problems))


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class Question:
    """A question asked before the run starts. An answer is stored as a list of choice indices (single: one) or
    a number."""

    kind: str
    text: str
    choices: tuple[Choice, ...] = ()
    answer: float | None = None
    tolerance: float = 0.0
    unit: str = ""
    right: str = ""
    wrong: str = ""

    def normalise(self, given: Any) -> Any:
        """The stored form of an answer: a sorted list of choice indices, or a float. ValueError if it is not an
        answer to this question."""
        if self.kind == "number":
            if isinstance(given, bool):
                raise ValueError("expected a number")
            return float(given)
        picked = sorted({int(i) for i in (given if isinstance(given, (list, tuple, set)) else [given])})
        if not picked or any(not 0 <= i < len(self.choices) for i in picked):
            raise ValueError(f"expected choices between 0 and {len(self.choices) - 1}")
        if self.kind == "single" and len(picked) != 1:
            raise ValueError("expected exactly one choice")
        return picked

    def is_right(self, given: Any) -> bool:
        given = self.normalise(given)
        if self.kind == "number":
            return abs(given - self.answer) <= self.tolerance + 1e-12
        return given == [i for i, c in enumerate(self.choices) if c.correct]

    def feedback(self, given: Any) -> str:
        given = self.normalise(given)
        if self.kind == "number":
            return self.right if self.is_right(given) else self.wrong
        return "\n\n".join(self.choices[i].feedback for i in given if self.choices[i].feedback)

    def label(self, given: Any) -> str:
        """How an answer shows in the room's histogram."""
        given = self.normalise(given)
        if self.kind == "number":
            return f"{given:g}"
        return " + ".join(self.choices[i].text for i in given)

    def right_answer(self) -> str:
        if self.kind == "number":
            tol = f" ± {self.tolerance:g}" if self.tolerance else ""
            return f"{self.answer:g}{tol}{(' ' + self.unit) if self.unit else ''}"
        return " + ".join(c.text for c in self.choices if c.correct)


@dataclass(frozen=True)
class Experiment:
    """The room's runs of a step as one experiment: each student's run is a seed of the variant it belongs to (the
    settings it changed from the preset), judged on `metric` read at `at_step` against `baseline`. With `assign`
    the room hands the variants out in turn as students join."""

    metric: str
    at_step: int | None = None
    baseline: str = PRESET
    assign: bool = False
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    title: str
    page: str
    say: str
    preset: dict[str, Any] = field(default_factory=dict)
    highlight: tuple[str, ...] = ()
    question: Question | None = None
    check: checks.Check | None = None
    reveal: str = ""
    experiment: Experiment | None = None
    index: int = 0

    @property
    def metric(self) -> str | None:
        """The value the board shows for each run: the experiment's metric, else the check's."""
        if self.experiment is not None:
            return self.experiment.metric
        return self.check.metric if self.check is not None and self.check.count is None else None


@dataclass(frozen=True)
class Lesson:
    id: str  # the file's name without .toml
    path: str
    title: str
    minutes: int
    topics: tuple[str, ...]
    summary: str
    steps: tuple[Step, ...]
    lines: Lines = field(repr=False, compare=False, default=None)

    def line(self, *path) -> int:
        return self.lines.line(*path) if self.lines is not None else 1


class _Reader:
    """Reads typed values out of the parsed TOML, noting each problem at its line."""

    def __init__(self, lines: Lines):
        self.lines = lines
        self.problems: list[Problem] = []

    def problem(self, path: tuple, reason: str) -> None:
        self.problems.append(Problem(self.lines.line(*path), reason))

    def unknown(self, table: dict, known: set, path: tuple, what: str) -> None:
        for key in table:
            if key not in known:
                self.problem(path + (key,), f"unknown key '{key}' in {what} (known: {', '.join(sorted(known))})")

    def get(self, table: dict, key: str, kind, path: tuple, *, required=False, default=None, what=""):
        if key not in table:
            if required:
                self.problem(path, f"{what or 'this table'} needs '{key}'")
            return default
        value = table[key]
        ok = isinstance(value, kind) and not (kind in (int, (int, float)) and isinstance(value, bool))
        if not ok:
            names = {str: "text", int: "a whole number", bool: "true or false", list: "a list", dict: "a table",
                     (int, float): "a number"}
            self.problem(path + (key,), f"'{key}' must be {names.get(kind, kind)}, got {value!r}")
            return default
        return value


def parse_file(path: str | Path) -> Lesson:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise LessonError(str(path), [Problem(1, f"cannot read the file: {err}")]) from None
    return parse(text, str(path), lesson_id=path.stem)


def parse(text: str, path: str = "<lesson>", lesson_id: str | None = None) -> Lesson:
    """The lesson in `text`; LessonError with every structural problem and its line otherwise."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(err))
        line = int(found.group(1)) if found else 1
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", f" (column {found.group(2)})" if found else "", str(err))
        raise LessonError(path, [Problem(line, f"not valid TOML: {reason}")]) from None
    lines = Lines(text)
    r = _Reader(lines)
    lesson_id = lesson_id or Path(path).stem
    if not NAME.match(lesson_id):
        r.problem((), f"the file name '{lesson_id}' must be lower-case letters, digits, '-' or '_' (it is the "
                      "lesson's id in links)")
    r.unknown(data, TOP_KEYS, (), "the lesson")
    title = r.get(data, "title", str, (), required=True, default="", what="the lesson")
    minutes = r.get(data, "minutes", int, (), required=True, default=0, what="the lesson (its duration)")
    if minutes and not 1 <= minutes <= 600:
        r.problem(("minutes",), f"'minutes' must be from 1 to 600, got {minutes}")
    topics = r.get(data, "topics", list, (), required=True, default=[], what="the lesson")
    if "topics" in data and not topics:
        r.problem(("topics",), "'topics' needs at least one topic")
    for topic in topics:
        if topic not in TOPICS:
            r.problem(("topics",), f"unknown topic {topic!r} (known: {', '.join(TOPICS)})")
    summary = r.get(data, "summary", str, (), default="")
    raw_steps = r.get(data, "steps", list, (), required=True, default=[], what="the lesson ([[steps]])")
    if "steps" in data and isinstance(raw_steps, list) and not raw_steps:
        r.problem(("steps",), "a lesson needs at least one [[steps]]")
    if len(raw_steps) > MAX_STEPS:
        r.problem(("steps",), f"a lesson has at most {MAX_STEPS} steps, this one has {len(raw_steps)}")
    steps = tuple(_step(r, raw, i) for i, raw in enumerate(raw_steps) if isinstance(raw, dict))
    if r.problems:
        raise LessonError(path, r.problems)
    return Lesson(lesson_id, path, title, minutes, tuple(topics), summary, steps, lines)


def _step(r: _Reader, raw: dict, i: int) -> Step:
    at = ("steps", i)
    what = f"step {i + 1}"
    r.unknown(raw, STEP_KEYS, at, what)
    title = r.get(raw, "title", str, at, required=True, default="", what=what)
    page = r.get(raw, "page", str, at, required=True, default="", what=what)
    say = r.get(raw, "say", str, at, required=True, default="", what=what)
    preset = r.get(raw, "preset", dict, at, default={})
    highlight = r.get(raw, "highlight", list, at, default=[])
    for key in highlight:
        if not isinstance(key, str):
            r.problem(at + ("highlight",), f"'highlight' lists widget keys (text), got {key!r}")
    question = _question(r, raw["question"], at + ("question",), what) if isinstance(raw.get("question"), dict) \
        else None
    if "question" in raw and not isinstance(raw["question"], dict):
        r.problem(at + ("question",), "'question' must be a table ([steps.question])")
    check = None
    text = r.get(raw, "check", str, at)
    if text is not None:
        try:
            check = checks.parse(text)
        except checks.CheckSyntaxError as err:
            r.problem(at + ("check",), str(err))
    experiment = None
    if "experiment" in raw:
        if isinstance(raw["experiment"], dict):
            experiment = _experiment(r, raw["experiment"], at + ("experiment",), what)
        else:
            r.problem(at + ("experiment",), "'experiment' must be a table ([steps.experiment])")
    reveal = r.get(raw, "reveal", str, at, default="")
    return Step(title, page, say, dict(preset), tuple(k for k in highlight if isinstance(k, str)), question, check,
                reveal, experiment, i)


def _question(r: _Reader, raw: dict, at: tuple, what: str) -> Question | None:
    r.unknown(raw, QUESTION_KEYS, at, f"the question of {what}")
    kind = r.get(raw, "kind", str, at, required=True, default="", what=f"the question of {what}")
    text = r.get(raw, "text", str, at, required=True, default="", what=f"the question of {what}")
    if kind and kind not in KINDS:
        r.problem(at + ("kind",), f"unknown question kind {kind!r} (known: {', '.join(KINDS)})")
        return None
    if kind == "number":
        answer = r.get(raw, "answer", (int, float), at, default=None)
        if answer is None and "answer" not in raw:
            r.problem(at, f"the number question of {what} has no answer: add 'answer = ...' (and 'tolerance')")
        tolerance = r.get(raw, "tolerance", (int, float), at, default=0.0)
        if tolerance is not None and tolerance < 0:
            r.problem(at + ("tolerance",), f"'tolerance' must be >= 0, got {tolerance}")
        if "choices" in raw:
            r.problem(at + ("choices",), "a number question has no choices (use kind = \"single\" or \"multiple\")")
        return Question(kind, text, (), float(answer) if answer is not None else None, float(tolerance or 0),
                        r.get(raw, "unit", str, at, default=""), r.get(raw, "right", str, at, default=""),
                        r.get(raw, "wrong", str, at, default=""))
    for key in ("answer", "tolerance", "unit", "right", "wrong"):
        if key in raw and kind:
            r.problem(at + (key,), f"'{key}' belongs to number questions; a {kind} choice question puts "
                                   "'correct' and 'feedback' on each choice")
    raw_choices = r.get(raw, "choices", list, at, default=[])
    if len(raw_choices) < 2:
        r.problem(at, f"the question of {what} needs at least two [[steps.question.choices]]")
    choices = []
    for j, c in enumerate(raw_choices):
        where = at + ("choices", j)
        if not isinstance(c, dict):
            r.problem(where, "each choice is a table: text, correct, feedback")
            continue
        r.unknown(c, CHOICE_KEYS, where, f"choice {j + 1}")
        choices.append(Choice(r.get(c, "text", str, where, required=True, default="", what=f"choice {j + 1}"),
                              bool(r.get(c, "correct", bool, where, default=False)),
                              r.get(c, "feedback", str, where, default="")))
    texts = [c.text for c in choices]
    for j, choice_text in enumerate(texts):
        if choice_text in texts[:j]:
            r.problem(at + ("choices", j), f"choice {j + 1} repeats the text of an earlier choice: {choice_text!r}")
    right = sum(c.correct for c in choices)
    if choices and kind == "single" and right != 1:
        r.problem(at, f"the single-choice question of {what} needs exactly one choice with correct = true, "
                      f"it has {right}")
    if choices and kind == "multiple" and right == 0:
        r.problem(at, f"the multiple-choice question of {what} has no choice with correct = true")
    return Question(kind, text, tuple(choices))


def _experiment(r: _Reader, raw: dict, at: tuple, what: str) -> Experiment:
    r.unknown(raw, EXPERIMENT_KEYS, at, f"the experiment of {what}")
    metric = r.get(raw, "metric", str, at, required=True, default="", what=f"the experiment of {what}")
    at_step = r.get(raw, "at_step", int, at, default=None)
    if at_step is not None and at_step < 1:
        r.problem(at + ("at_step",), f"'at_step' must be >= 1, got {at_step}")
    variants = r.get(raw, "variants", dict, at, default={})
    for name, settings in variants.items():
        if not isinstance(settings, dict):
            r.problem(at + ("variants", name), f"variant '{name}' must be a table of settings, e.g. "
                                               f"{name} = {{ minibatch_discrimination = true }}")
    variants = {k: dict(v) for k, v in variants.items() if isinstance(v, dict)}
    baseline = r.get(raw, "baseline", str, at, default=PRESET)
    if baseline != PRESET and baseline not in variants:
        r.problem(at + ("baseline",), f"the baseline '{baseline}' is not one of the variants "
                                      f"({', '.join(variants) or 'none'}); leave it out to compare against the "
                                      "preset itself")
    return Experiment(metric, at_step, baseline, bool(r.get(raw, "assign", bool, at, default=False)), variants)
