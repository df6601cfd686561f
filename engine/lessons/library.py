"""The lessons folder (`lessons/*.toml` at the top of the repository, or GENLAB_LESSONS_DIR): every file parsed and
checked; a file that fails is reported with its file, line and reason, and the other lessons still load."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.lessons.checker import check_file
from engine.lessons.format import Lesson, LessonError

ROOT = Path(__file__).resolve().parents[2]


def folder() -> Path:
    return Path(os.environ.get("GENLAB_LESSONS_DIR") or ROOT / "lessons")


@dataclass(frozen=True)
class Library:
    lessons: dict[str, Lesson]  # id -> lesson, in file-name order
    problems: tuple[LessonError, ...]  # the files that could not be used

    def get(self, lesson_id: str) -> Lesson | None:
        return self.lessons.get(lesson_id)


def load(where: str | Path | None = None) -> Library:
    lessons, problems = {}, []
    for path in sorted(Path(where or folder()).glob("*.toml")):
        try:
            lesson = check_file(path)
        except LessonError as err:
            problems.append(err)
            continue
        lessons[lesson.id] = lesson
    return Library(lessons, tuple(problems))


def signature(where: str | Path | None = None) -> tuple:
    """Changes when a lesson file is added, removed or edited (names, sizes, times): the app loads again then."""
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(Path(where or folder()).glob("*.toml")))
