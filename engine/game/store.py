"""Every answer of the room, in a database through SQLAlchemy: an embedded SQLite file by default, any SQLAlchemy URL
(PostgreSQL, ...) by configuration. The page hands over the Engine of `st.connection`; tests and benches make one
with `make_engine`.

SQLite with many writers (every browser session is a thread of the server; several servers may share the file):
the file is in WAL mode (readers never block the writer), each connection waits up to `busy_timeout_ms` for the
write lock, and a write that still finds the database locked is retried with a growing random pause, so no answer
is lost (tested with 20 threads x 50 answers, and with a 1 ms busy timeout that forces the retries).
`synchronous=NORMAL`: in WAL mode a commit survives a crash of the server, not necessarily a power cut.

A missing file is made afresh; a file that is not a readable database is moved aside (`<name>.corrupt-<time>`) and a
fresh one started; both say so in a note, never with a traceback.
"""

from __future__ import annotations

import dataclasses
import os
import random
import sqlite3
import time
from pathlib import Path
from typing import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError

from engine.game.rounds import Answer

FILE_NAME = "real_or_fake.sqlite"
METADATA = sa.MetaData()
ANSWERS = sa.Table(
    "answers", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),  # unix time of the answer
    sa.Column("player", sa.String(64), nullable=False),  # anonymous id of a browser session
    sa.Column("round", sa.String(400), nullable=False),
    sa.Column("model", sa.String(400), nullable=False),
    sa.Column("model_label", sa.String(400), nullable=False),
    sa.Column("family", sa.String(64), nullable=False),
    sa.Column("tricks", sa.Text, nullable=False),  # JSON: the settings the model changed from its family's defaults
    sa.Column("image", sa.String(400), nullable=False),
    sa.Column("truth", sa.String(8), nullable=False),
    sa.Column("answer", sa.String(8), nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),  # time to answer
    sa.Column("exposure_ms", sa.Integer, nullable=True),  # the timed mode's exposure, else NULL
    sa.Column("shown", sa.String(8), nullable=False),  # "single" or "pair"
    sqlite_autoincrement=True,  # ids never reused after a reset: (count, highest id) identifies a state
)
COLUMNS = [f.name for f in dataclasses.fields(Answer)]


class StoreError(RuntimeError):
    """The answer store cannot do what was asked; the message says why in words."""


def default_url(root: str | Path | None = None) -> str:
    """The embedded SQLite file: `real_or_fake.sqlite` in `root` (default $GENLAB_RUNS_DIR or runs/)."""
    root = Path(root or os.environ.get("GENLAB_RUNS_DIR", "runs")).resolve()
    return f"sqlite:///{root / FILE_NAME}"


def make_engine(url: str) -> Engine:
    """An Engine for `url` as `st.connection(..., type="sql", url=url)` makes it."""
    return sa.create_engine(url)


def _first_line(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    return str(orig).strip().splitlines()[0][:300] if str(orig).strip() else type(orig).__name__


def _is_busy(err: OperationalError) -> bool:
    text = str(err.orig).lower()
    return "locked" in text or "busy" in text


def _is_corrupt(err: DatabaseError) -> bool:
    """SQLite's "file is not a database" and "database disk image is malformed" (not a lock, not a missing folder)."""
    return isinstance(err.orig, sqlite3.DatabaseError) and not isinstance(err.orig, sqlite3.OperationalError)


class _Corrupt(Exception):
    """PRAGMA quick_check found damage."""


class SqlStore:
    """Tables on `engine` with the settings, opening, retries and messages every GenLab store shares: `open`
    (once), `check` (cheap, before use), `_write` (one transaction, retried while the database is locked), `_read`.
    A subclass names its TABLES and what it holds (WHAT, for messages). One store per Engine and kind (it installs
    the engine's SQLite settings); the page keeps it."""

    TABLES: tuple[sa.Table, ...] = ()
    WHAT = "database"

    def __init__(self, engine: Engine, *, busy_timeout_ms: int = 10_000, retries: int = 12):
        self.engine = engine
        self.retries = retries
        self.retried = 0  # writes that found the database locked and were tried again
        self.busy_timeout_ms = int(busy_timeout_ms)
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self.path = Path(database).resolve() if database and database != ":memory:" else None
        if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", self._sqlite_settings):
            event.listen(engine, "connect", self._sqlite_settings)
            engine.dispose()  # connections made before the listener would miss the settings

    def _sqlite_settings(self, dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @property
    def where(self) -> str:
        """Where the data is, for messages (the password of a URL hidden)."""
        return str(self.path) if self.path else self.engine.url.render_as_string(hide_password=True)

    # ------------------------------------------------------------------ opening
    def open(self) -> str | None:
        """Make the tables if needed; a note when the database had to be started afresh (missing, or unreadable
        and moved aside). StoreError when it cannot be opened at all (a folder that cannot be written, a server
        that does not answer)."""
        note = None
        if self.path is not None:
            if not self.path.exists():
                note = f"No {self.WHAT} at {self.path} yet: a fresh one was started."
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreError(f"cannot make the folder of the {self.WHAT} {self.path}: {err}") from None
        try:
            self._create()
        except (DatabaseError, _Corrupt) as err:
            corrupt = isinstance(err, _Corrupt) or _is_corrupt(err)
            if self.path is None or not corrupt:
                raise StoreError(f"cannot open the {self.WHAT} {self.where}: {_first_line(err)}") from None
            moved = self._move_aside()
            self._create()
            note = (f"The {self.WHAT} {self.path} could not be read ({_first_line(err)}): it was moved to "
                    f"{moved.name} and a fresh one was started.")
        return note

    def check(self) -> str | None:
        """Before use: a SQLite file deleted while the server runs is started afresh (with a note)."""
        if self.path is None or self.path.exists():
            return None
        self.engine.dispose()  # the pool's connections still point at the deleted file
        for side in self._side_files():
            side.unlink(missing_ok=True)  # a stale WAL must not be replayed into the new file
        try:
            self._create()
        except (SQLAlchemyError, _Corrupt) as err:
            raise StoreError(f"cannot start the {self.WHAT} {self.where} afresh: {_first_line(err)}") from None
        return (f"The {self.WHAT} {self.path} was missing (deleted?): a fresh one was started. Earlier answers "
                "are only in CSV exports.")

    def _create(self) -> None:
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "sqlite":
                found = conn.exec_driver_sql("PRAGMA quick_check").scalars().all()
                if found != ["ok"]:
                    raise _Corrupt("; ".join(map(str, found[:3])))
            for table in self.TABLES:
                conn.execute(sa.schema.CreateTable(table, if_not_exists=True))
                for index in table.indexes:
                    conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))

    def _side_files(self) -> list[Path]:
        return [self.path.with_name(self.path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]

    def _move_aside(self) -> Path:
        self.engine.dispose()
        moved = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(self.path, moved)
        for side in self._side_files():
            if side.exists():
                os.replace(side, moved.with_name(moved.name + side.name[len(self.path.name):]))
        return moved

    def _write(self, act):
        for attempt in range(self.retries + 1):
            try:
                with self.engine.begin() as conn:
                    return act(conn)
            except OperationalError as err:
                if not _is_busy(err) or attempt == self.retries:
                    raise StoreError(f"could not write to the {self.WHAT} {self.where}: {_first_line(err)}"
                                     ) from None
                self.retried += 1
                time.sleep(min(0.5, 0.002 * 2**attempt) * (0.5 + random.random()))
            except SQLAlchemyError as err:
                raise StoreError(f"could not write to the {self.WHAT} {self.where}: {_first_line(err)}"
                                 ) from None

    def _read(self, statement) -> list:
        try:
            with self.engine.connect() as conn:
                return conn.execute(statement).all()
        except SQLAlchemyError as err:
            raise StoreError(f"could not read the {self.WHAT} {self.where}: {_first_line(err)}") from None


class AnswerStore(SqlStore):
    """The answers table on `engine`: `open` (once), `check` (cheap, before use), `add`, `frame`, `version`,
    `reset`, `to_csv`."""

    TABLES = (ANSWERS,)
    WHAT = "answer database"

    # ------------------------------------------------------------------ writing
    def add(self, answers: Sequence[Answer]) -> None:
        """Store `answers` in one transaction; retried while the database is locked. StoreError if it cannot."""
        rows = [dataclasses.asdict(a) for a in answers]
        if rows:
            self._write(lambda conn: conn.execute(ANSWERS.insert(), rows))

    def reset(self) -> int:
        """Remove every answer (the instructor's reset); returns how many there were."""
        return self._write(lambda conn: conn.execute(ANSWERS.delete()).rowcount)

    def version(self) -> tuple[int, int]:
        """(number of answers, highest id): changes whenever an answer is added or the store is reset."""
        count, top = self._read(sa.select(sa.func.count(), sa.func.max(ANSWERS.c.id)))[0]
        return int(count), int(top or 0)

    def frame(self) -> pd.DataFrame:
        """Every answer, oldest first, one column per `Answer` field."""
        rows = self._read(sa.select(*(ANSWERS.c[name] for name in COLUMNS)).order_by(ANSWERS.c.id))
        return pd.DataFrame.from_records([tuple(r) for r in rows], columns=COLUMNS)

    def to_csv(self) -> bytes:
        return self.frame().to_csv(index=False).encode()
