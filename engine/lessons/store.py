"""A room's state in the database, beside the real-or-fake answers (engine/game/store.py: the same SQLAlchemy
engine, SQLite in WAL mode by default, any URL), so a server restarted mid-workshop loses nothing and several
server processes can serve one room: every page reads the room from here, never from a process's memory.

    lesson_rooms      code, lesson, the step it is at and since when, closed or not
    lesson_students   a student's token (in their link), room, number (order of joining), display name
    lesson_votes      (room, step, round): open or closed; round 1 is the first vote, round 2 the revote
    lesson_answers    one row per (room, step, round, student): a later answer of the same student replaces it
    lesson_gallery    one row per (room, step, student): the run's thumbnail, step, changed settings, metric

Rules kept by the database, not by the callers: an answer is stored only while its vote is open (one statement,
so a vote closing at the same moment cannot let it in), a student answers once per round (a unique key: a second
tab replaces, never adds), a move of the room names the step it moves from (two instructors pressing Next at
once move it one step, and the second is told where the room is).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from engine.game.store import SqlStore, StoreError

METADATA = sa.MetaData()
ROOMS = sa.Table(
    "lesson_rooms", METADATA,
    sa.Column("code", sa.String(8), primary_key=True),
    sa.Column("lesson", sa.String(100), nullable=False),
    sa.Column("title", sa.String(400), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("step_at", sa.Float, nullable=False),  # when the room moved to its step
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("closed_at", sa.Float, nullable=True),
    sa.Column("moves", sa.Integer, nullable=False),  # grows with every move: what followers compare
)
STUDENTS = sa.Table(
    "lesson_students", METADATA,
    sa.Column("token", sa.String(40), primary_key=True),
    sa.Column("room", sa.String(8), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("joined_at", sa.Float, nullable=False),
    sa.UniqueConstraint("room", "number", name="lesson_students_number"),
)
VOTES = sa.Table(
    "lesson_votes", METADATA,
    sa.Column("room", sa.String(8), primary_key=True),
    sa.Column("step", sa.Integer, primary_key=True),
    sa.Column("round", sa.Integer, primary_key=True),
    sa.Column("state", sa.String(8), nullable=False),  # "open" or "closed"
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("closed_at", sa.Float, nullable=True),
)
ANSWERS = sa.Table(
    "lesson_answers", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room", sa.String(8), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("student", sa.String(40), nullable=False),
    sa.Column("answer", sa.Text, nullable=False),  # JSON: a list of choice indices, or a number
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.UniqueConstraint("room", "step", "round", "student", name="lesson_answers_once"),
)
GALLERY = sa.Table(
    "lesson_gallery", METADATA,
    sa.Column("room", sa.String(8), primary_key=True),
    sa.Column("step", sa.Integer, primary_key=True),
    sa.Column("student", sa.String(40), primary_key=True),
    sa.Column("run_id", sa.String(80), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("at_step", sa.Integer, nullable=False),  # the run's training step
    sa.Column("changes", sa.Text, nullable=False),  # JSON: settings changed from the step's preset
    sa.Column("metric", sa.Float, nullable=True),  # the step's metric as its experiment reads it
    sa.Column("metric_step", sa.Integer, nullable=True),
    sa.Column("picture", sa.LargeBinary, nullable=True),  # PNG thumbnail from the run's preview
    sa.Column("updated_at", sa.Float, nullable=False),
)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: read off a projector, never confused with 1 or 0
CODE_LENGTH = 4
OPEN, CLOSED = "open", "closed"
FIRST, REVOTE = 1, 2


class UnknownRoom(LookupError):
    """No open room has this code; the message says what to check."""


class VoteClosed(RuntimeError):
    """The answer came after its vote was closed (or before it opened); the message says so."""


class Moved(RuntimeError):
    """The room was not where the mover thought (another instructor moved it): `room` is where it is now."""

    def __init__(self, room: "Room"):
        super().__init__(f"another instructor moved the room: it is at step {room.step + 1} now")
        self.room = room


@dataclass(frozen=True)
class Room:
    code: str
    lesson: str
    title: str
    step: int
    step_at: float
    created_at: float
    closed_at: float | None
    moves: int

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Student:
    token: str
    room: str
    number: int
    name: str
    joined_at: float


@dataclass(frozen=True)
class Vote:
    room: str
    step: int
    round: int
    state: str
    opened_at: float
    closed_at: float | None


@dataclass(frozen=True)
class StoredAnswer:
    step: int
    round: int
    student: str
    answer: Any
    correct: bool
    at: float


@dataclass(frozen=True)
class GalleryEntry:
    step: int
    student: str
    run_id: str
    status: str
    at_step: int
    changes: dict
    metric: float | None
    metric_step: int | None
    picture: bytes | None
    updated_at: float


def normal_code(text: str) -> str:
    """What a student typed, as a code: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in str(text).upper() if ch.isalnum())


class LessonStore(SqlStore):
    """Rooms, students, votes, answers and the gallery (see the module's docstring)."""

    TABLES = tuple(METADATA.tables.values())
    WHAT = "workshop database"

    # ------------------------------------------------------------------ rooms
    def open_room(self, lesson: str, title: str, *, code: str | None = None, question: bool = False) -> Room:
        """A new room at step 0 with a fresh code (or `code`, when free); `question`: step 0 asks one, and its
        first vote opens with the room."""
        now = time.time()
        for _ in range(50):
            new = code or "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            try:
                def act(conn, c=new):
                    conn.execute(ROOMS.insert().values(code=c, lesson=lesson, title=title, step=0, step_at=now,
                                                       created_at=now, closed_at=None, moves=0))
                    if question:
                        conn.execute(VOTES.insert().values(room=c, step=0, round=FIRST, state=OPEN, opened_at=now,
                                                           closed_at=None))

                self._write(act)
            except StoreError as err:
                if "UNIQUE" in str(err).upper() or "duplicate" in str(err).lower():
                    if code:
                        raise StoreError(f"the room code {code} is taken") from None
                    continue
                raise
            return self.room(new)
        raise StoreError("no free room code after 50 tries: close some rooms")

    def room(self, code: str) -> Room | None:
        rows = self._read(sa.select(ROOMS).where(ROOMS.c.code == normal_code(code)))
        return Room(*rows[0]) if rows else None

    def find(self, code: str) -> Room:
        """The open room of a code a person typed; UnknownRoom with what to check otherwise."""
        typed = normal_code(code)
        if not typed:
            raise UnknownRoom("Type the room's code: the letters on the board.")
        room = self.room(typed)
        if room is None:
            raise UnknownRoom(f"No room has the code {typed}. Check it on the board ({CODE_LENGTH} letters, no I "
                              "or O), or ask the instructor.")
        if not room.open:
            raise UnknownRoom(f"The room {typed} is closed. The instructor can open a new one.")
        return room

    def rooms(self, open_only: bool = True) -> list[Room]:
        statement = sa.select(ROOMS).order_by(ROOMS.c.created_at.desc())
        if open_only:
            statement = statement.where(ROOMS.c.closed_at.is_(None))
        return [Room(*r) for r in self._read(statement)]

    def move(self, code: str, from_step: int, to_step: int, *, question: bool) -> Room:
        """Move the room from `from_step` to `to_step` (Moved when it was not at `from_step`); a step with a
        question gets its first vote opened, unless it was voted on before."""
        now = time.time()

        def act(conn):
            done = conn.execute(ROOMS.update().where(ROOMS.c.code == code, ROOMS.c.step == from_step,
                                                     ROOMS.c.closed_at.is_(None))
                                .values(step=to_step, step_at=now, moves=ROOMS.c.moves + 1)).rowcount
            if done and question:
                seen = conn.execute(sa.select(sa.func.count()).select_from(VOTES).where(
                    VOTES.c.room == code, VOTES.c.step == to_step)).scalar()
                if not seen:
                    conn.execute(VOTES.insert().values(room=code, step=to_step, round=FIRST, state=OPEN,
                                                       opened_at=now, closed_at=None))
            return done

        if not self._write(act):
            room = self.room(code)
            if room is None:
                raise UnknownRoom(f"No room has the code {code}.")
            raise Moved(room)
        return self.room(code)

    def close_room(self, code: str) -> None:
        self._write(lambda conn: conn.execute(ROOMS.update().where(ROOMS.c.code == code)
                                              .values(closed_at=time.time(), moves=ROOMS.c.moves + 1)))

    # ------------------------------------------------------------------ students
    def join(self, code: str, name: str = "") -> Student:
        """A new student of the open room `code` (UnknownRoom otherwise), numbered in joining order; an empty
        name is "Student N" (anonymous by default)."""
        room = self.find(code)
        name = " ".join(str(name).split())[:40]
        for _ in range(20):
            token = secrets.token_hex(8)

            def act(conn, t=token):
                number = (conn.execute(sa.select(sa.func.max(STUDENTS.c.number)).where(
                    STUDENTS.c.room == room.code)).scalar() or 0) + 1
                conn.execute(STUDENTS.insert().values(token=t, room=room.code, number=number,
                                                      name=name or f"Student {number}", joined_at=time.time()))
                return number

            try:
                self._write(act)
            except StoreError as err:
                if "UNIQUE" in str(err).upper() or "duplicate" in str(err).lower():
                    continue  # two joined at once and drew the same number: draw again
                raise
            return self.student(token)
        raise StoreError(f"could not join the room {room.code}: too many students joining at once, try again")

    def student(self, token: str) -> Student | None:
        rows = self._read(sa.select(STUDENTS).where(STUDENTS.c.token == str(token)))
        return Student(*rows[0]) if rows else None

    def students(self, code: str) -> list[Student]:
        return [Student(*r) for r in self._read(sa.select(STUDENTS).where(STUDENTS.c.room == code)
                                                .order_by(STUDENTS.c.number))]

    # ------------------------------------------------------------------ votes
    def vote(self, code: str, step: int, round: int = FIRST) -> Vote | None:
        rows = self._read(sa.select(VOTES).where(VOTES.c.room == code, VOTES.c.step == step, VOTES.c.round == round))
        return Vote(*rows[0]) if rows else None

    def votes(self, code: str) -> list[Vote]:
        return [Vote(*r) for r in self._read(sa.select(VOTES).where(VOTES.c.room == code)
                                             .order_by(VOTES.c.step, VOTES.c.round))]

    def open_vote(self, code: str, step: int, round: int = FIRST) -> None:
        """Open a vote (the revote: round 2); a vote already there is opened again."""
        now = time.time()

        def act(conn):
            done = conn.execute(VOTES.update().where(VOTES.c.room == code, VOTES.c.step == step,
                                                     VOTES.c.round == round)
                                .values(state=OPEN, closed_at=None)).rowcount
            if not done:
                conn.execute(VOTES.insert().values(room=code, step=step, round=round, state=OPEN, opened_at=now,
                                                   closed_at=None))
            conn.execute(ROOMS.update().where(ROOMS.c.code == code).values(moves=ROOMS.c.moves + 1))

        self._write(act)

    def close_vote(self, code: str, step: int, round: int = FIRST) -> bool:
        """Close an open vote; False when it was not open (closed already, by another instructor perhaps)."""

        def act(conn):
            done = conn.execute(VOTES.update().where(VOTES.c.room == code, VOTES.c.step == step,
                                                     VOTES.c.round == round, VOTES.c.state == OPEN)
                                .values(state=CLOSED, closed_at=time.time())).rowcount
            conn.execute(ROOMS.update().where(ROOMS.c.code == code).values(moves=ROOMS.c.moves + 1))
            return done

        return bool(self._write(act))

    # ------------------------------------------------------------------ answers
    def answer(self, code: str, step: int, round: int, student: str, answer: Any, correct: bool) -> None:
        """Store a student's answer while its vote is open, replacing their earlier answer in that round (a second
        tab of the same student counts once). VoteClosed, with the reason, when the vote is not open."""
        now, text = time.time(), json.dumps(answer)
        is_open = sa.select(VOTES.c.state).where(VOTES.c.room == code, VOTES.c.step == step,
                                                 VOTES.c.round == round, VOTES.c.state == OPEN).exists()
        values = sa.select(sa.literal(code), sa.literal(step), sa.literal(round), sa.literal(student),
                           sa.literal(text), sa.literal(bool(correct)), sa.literal(now)).where(is_open)

        def act(conn):
            conn.execute(ANSWERS.delete().where(ANSWERS.c.room == code, ANSWERS.c.step == step,
                                                ANSWERS.c.round == round, ANSWERS.c.student == student))
            done = conn.execute(ANSWERS.insert().from_select(
                ["room", "step", "round", "student", "answer", "correct", "at"], values)).rowcount
            if not done:
                raise _Refused()
            return done

        for _ in range(3):
            try:
                self._write(act)
                return
            except _Refused:
                vote = self.vote(code, step, round)
                if vote is None:
                    raise VoteClosed("This vote has not been opened: wait for the instructor.") from None
                raise VoteClosed("The vote is closed: your answer came after the instructor closed it, and was not "
                                 "counted. The room's answers are on the board.") from None
            except StoreError as err:
                if "UNIQUE" not in str(err).upper() and "duplicate" not in str(err).lower():
                    raise
                # the same student's other tab answered between the delete and the insert: replace it again

    def answers(self, code: str, step: int | None = None, round: int | None = None) -> list[StoredAnswer]:
        statement = sa.select(ANSWERS.c.step, ANSWERS.c.round, ANSWERS.c.student, ANSWERS.c.answer,
                              ANSWERS.c.correct, ANSWERS.c.at).where(ANSWERS.c.room == code)
        if step is not None:
            statement = statement.where(ANSWERS.c.step == step)
        if round is not None:
            statement = statement.where(ANSWERS.c.round == round)
        rows = self._read(statement.order_by(ANSWERS.c.step, ANSWERS.c.round, ANSWERS.c.id))
        return [StoredAnswer(s, r, who, json.loads(a), bool(c), at) for s, r, who, a, c, at in rows]

    def answer_count(self, code: str, step: int, round: int) -> int:
        return int(self._read(sa.select(sa.func.count()).select_from(ANSWERS).where(
            ANSWERS.c.room == code, ANSWERS.c.step == step, ANSWERS.c.round == round))[0][0])

    # ------------------------------------------------------------------ gallery
    def publish(self, code: str, step: int, student: str, *, run_id: str, status: str, at_step: int,
                changes: dict, metric: float | None, metric_step: int | None, picture: bytes | None) -> None:
        """A student's run as the board shows it (replacing their earlier entry for the step)."""
        row = dict(room=code, step=step, student=student, run_id=run_id, status=status, at_step=int(at_step),
                   changes=json.dumps(changes, sort_keys=True, default=str), metric=metric, metric_step=metric_step,
                   picture=picture, updated_at=time.time())

        def act(conn):
            conn.execute(GALLERY.delete().where(GALLERY.c.room == code, GALLERY.c.step == step,
                                                GALLERY.c.student == student))
            conn.execute(GALLERY.insert().values(**row))

        for _ in range(3):
            try:
                self._write(act)
                return
            except StoreError as err:
                if "UNIQUE" not in str(err).upper() and "duplicate" not in str(err).lower():
                    raise

    def gallery(self, code: str, step: int) -> list[GalleryEntry]:
        rows = self._read(sa.select(GALLERY.c.step, GALLERY.c.student, GALLERY.c.run_id, GALLERY.c.status,
                                    GALLERY.c.at_step, GALLERY.c.changes, GALLERY.c.metric, GALLERY.c.metric_step,
                                    GALLERY.c.picture, GALLERY.c.updated_at)
                          .where(GALLERY.c.room == code, GALLERY.c.step == step).order_by(GALLERY.c.student))
        return [GalleryEntry(s, who, run, status, at, json.loads(ch), m, ms, pic, up)
                for s, who, run, status, at, ch, m, ms, pic, up in rows]

    def gallery_version(self, code: str, step: int) -> tuple[int, float]:
        count, last = self._read(sa.select(sa.func.count(), sa.func.max(GALLERY.c.updated_at)).where(
            GALLERY.c.room == code, GALLERY.c.step == step))[0]
        return int(count), float(last or 0.0)


class _Refused(Exception):
    """The conditional insert found the vote not open."""


def make_store(url: str) -> LessonStore:
    """A store (opened) on `url`, as tests and benches make one."""
    store = LessonStore(sa.create_engine(url))
    store.open()
    return store


__all__ = ["LessonStore", "Room", "Student", "Vote", "StoredAnswer", "GalleryEntry", "UnknownRoom", "VoteClosed",
           "Moved", "StoreError", "make_store", "normal_code", "FIRST", "REVOTE", "OPEN", "CLOSED"]
