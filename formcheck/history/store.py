"""The history of sessions in SQLite (the standard library's ``sqlite3``).

Where: ``$FORMCHECK_HOME/history.sqlite3`` when ``FORMCHECK_HOME`` is set, else in the platform's data folder
(``$XDG_DATA_HOME/formcheck`` or ``~/.local/share/formcheck`` on Linux, ``~/Library/Application
Support/formcheck`` on macOS, ``%LOCALAPPDATA%\\formcheck`` on Windows); ``--history PATH`` picks any file.

Safety:

- WAL mode and a busy timeout: two processes adding sessions at once both land (each add is one
  ``BEGIN IMMEDIATE`` transaction, so writers queue instead of failing);
- every change is one transaction: a process killed in the middle leaves the database as it was;
- a file at the path that is not a formcheck history (not SQLite, another program's SQLite, or corrupt)
  raises :class:`~formcheck.errors.HistoryError` with one line and is never written to: formcheck's
  databases carry :data:`APPLICATION_ID` in their header and a ``formcheck_schema`` table;
- the same analysis added twice (same ``analysis_key``: video hash, exercise and options, see
  :mod:`formcheck.record`) is stored once.

Schema: ``formcheck_schema(version, applied_at)`` holds one row per applied migration (:data:`MIGRATIONS`);
``sessions`` holds one row per session with its :class:`~formcheck.record.SessionRecord` as JSON and the
columns the listing filters and sorts on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from formcheck.errors import HistoryError
from formcheck.record import RecordError, SessionRecord

log = logging.getLogger(__name__)

HISTORY_NAME = "history.sqlite3"
#: ``PRAGMA application_id`` of a formcheck history ("fchk"): tells our databases from other programs'.
APPLICATION_ID = 0x6663686B
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30.0

#: Migrations by the schema version they bring the database to; applied in order, each in the transaction that
#: records it in ``formcheck_schema``.
MIGRATIONS: dict[int, str] = {
    1: """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL UNIQUE,
            analysis_key TEXT NOT NULL UNIQUE,
            started_at TEXT NOT NULL,       -- ISO 8601 with the local offset, as recorded
            started_utc TEXT NOT NULL,      -- the same instant in UTC, for sorting and --since
            exercise TEXT NOT NULL,
            mode TEXT NOT NULL,             -- analyze | live
            added_at TEXT NOT NULL,
            record TEXT NOT NULL            -- formcheck.record.SessionRecord.to_json()
        );
        CREATE INDEX sessions_by_exercise ON sessions (exercise, started_utc);
        CREATE INDEX sessions_by_time ON sessions (started_utc);
    """,
}
SCHEMA_VERSION = max(MIGRATIONS)


def default_history_path() -> Path:
    """``$FORMCHECK_HOME/history.sqlite3``, else the file in the platform's data folder."""
    home = os.environ.get("FORMCHECK_HOME")
    if home:
        return Path(home).expanduser() / HISTORY_NAME
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "formcheck" / HISTORY_NAME


@dataclass(frozen=True)
class StoredSession:
    """A session in the history: its row number (``formcheck history show ID``) and record."""

    id: int
    record: SessionRecord
    added_at: str


@dataclass(frozen=True)
class Added:
    """What :meth:`HistoryStore.add` did: the session's row ``id``; ``added`` False when it was already there."""

    id: int
    added: bool


class HistoryStore:
    """The history database at ``path`` (default: :func:`default_history_path`), opened and migrated.

    Use as a context manager, or call :meth:`close`.

    Raises:
        HistoryError: the file is not a formcheck history, is corrupt, or was made by a newer formcheck.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_history_path()
        self._check_header()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot open the history {self.path} ({exc}): check the folder's permissions "
                               "or choose another file with --history PATH") from None
        self._depth = 0
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._check_ours()
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA foreign_keys=ON")
                self._migrate()
                break
            except sqlite3.OperationalError as exc:
                # Another process is creating or migrating the same file (switching to WAL does not wait on
                # the busy timeout): wait for it, it is not a foreign file.
                if _is_busy(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                self._conn.close()
                raise self._foreign(f"it cannot be read as a database: {exc}") from None
            except sqlite3.DatabaseError as exc:
                self._conn.close()
                raise self._foreign(f"it cannot be read as a database: {exc}") from None
            except HistoryError:
                self._conn.close()
                raise

    # ------------------------------------------------------------------------------------------- opening
    def _foreign(self, why: str) -> HistoryError:
        return HistoryError(f"{self.path} is not a formcheck history ({why}); it was left as it is: move it away "
                            "or choose another file with --history PATH")

    def _check_header(self) -> None:
        if not self.path.exists():
            return
        if not self.path.is_file():
            raise self._foreign("it is not a file")
        try:
            with open(self.path, "rb") as f:
                head = f.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise HistoryError(f"cannot read the history {self.path} ({exc.strerror}): check its permissions") from None
        if head and head != SQLITE_HEADER:
            raise self._foreign("not an SQLite database")

    def _check_ours(self) -> None:
        app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app_id not in (0, APPLICATION_ID) or (tables and "formcheck_schema" not in tables):
            raise self._foreign("another program's SQLite database")
        if tables:
            check = self._conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise self._foreign(f"the database is damaged: {check}")

    def _version(self) -> int:
        tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "formcheck_schema" not in tables:
            return 0
        return int(self._conn.execute("SELECT COALESCE(MAX(version), 0) FROM formcheck_schema").fetchone()[0])

    def _migrate(self) -> None:
        if self._version() == SCHEMA_VERSION:
            return
        with self.transaction():  # another process may be migrating the same new file: re-read inside
            version = self._version()
            if version > SCHEMA_VERSION:
                raise HistoryError(f"the history {self.path} was written by a newer formcheck (schema {version}, "
                                   f"this one knows {SCHEMA_VERSION}): upgrade formcheck")
            if version == 0:
                self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self._conn.execute("CREATE TABLE formcheck_schema (version INTEGER NOT NULL PRIMARY KEY, "
                                   "applied_at TEXT NOT NULL)")
            for target in sorted(v for v in MIGRATIONS if v > version):
                for statement in _statements(MIGRATIONS[target]):
                    self._conn.execute(statement)
                self._conn.execute("INSERT INTO formcheck_schema (version, applied_at) VALUES (?, ?)",
                                   (target, _now()))
                log.debug("history %s: migrated to schema %d", self.path, target)

    @property
    def schema_version(self) -> int:
        return self._version()

    # ------------------------------------------------------------------------------------------- writing
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE``): all of the block's changes land, or none do."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
        finally:
            self._depth = 0

    def add(self, record: SessionRecord) -> Added:
        """Adds the session unless the same analysis is already there; returns its row id either way."""
        started_utc = record.started.astimezone(timezone.utc).isoformat(timespec="seconds")
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO sessions (session_id, analysis_key, started_at, started_utc, exercise, mode, added_at, "
                "record) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (record.session_id, record.analysis_key, record.started_at, started_utc, record.exercise,
                 record.mode, _now(), record.to_json(indent=None)))
            added = cur.rowcount == 1
            row = self._conn.execute("SELECT id FROM sessions WHERE analysis_key = ? OR session_id = ?",
                                     (record.analysis_key, record.session_id)).fetchone()
        return Added(id=int(row[0]), added=added)

    def delete(self, session: int | str) -> SessionRecord:
        """Removes one session (by row id or session id); returns its record."""
        stored = self.get(session)
        with self.transaction():
            self._conn.execute("DELETE FROM sessions WHERE id = ?", (stored.id,))
        return stored.record

    # ------------------------------------------------------------------------------------------- reading
    def get(self, session: int | str) -> StoredSession:
        """One session by row id (``3``) or session id (its first 8 or more characters)."""
        text = str(session).strip()
        if text.isdigit():
            rows = self._conn.execute("SELECT id, record, added_at FROM sessions WHERE id = ?", (int(text),)).fetchall()
        elif len(text) >= 8:
            rows = self._conn.execute("SELECT id, record, added_at FROM sessions WHERE session_id LIKE ? || '%'",
                                      (text.lower(),)).fetchall()
        else:
            rows = []
        if len(rows) != 1:
            what = "several sessions match" if rows else "no session"
            raise HistoryError(f"{what} {text!r} in the history {self.path}: give an ID from 'formcheck history'")
        return self._stored(rows[0])

    def sessions(self, *, exercise: str | None = None, since: datetime | None = None) -> list[StoredSession]:
        """Every session, oldest first; only one exercise's, or those from ``since`` on, when given."""
        sql = "SELECT id, record, added_at FROM sessions WHERE 1 = 1"
        args: list[object] = []
        if exercise is not None:
            sql += " AND exercise = ?"
            args.append(exercise)
        if since is not None:
            since = since if since.tzinfo is not None else since.astimezone()
            sql += " AND started_utc >= ?"
            args.append(since.astimezone(timezone.utc).isoformat(timespec="seconds"))
        sql += " ORDER BY started_utc, id"
        return [self._stored(r) for r in self._conn.execute(sql, args)]

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0])

    def _stored(self, row: tuple[int, str, str]) -> StoredSession:
        try:
            record = SessionRecord.from_json(row[1])
        except (RecordError, ValueError, TypeError, KeyError) as exc:
            raise HistoryError(f"session #{row[0]} in {self.path} cannot be read ({exc}): delete it with "
                               f"'formcheck history delete {row[0]}'") from None
        return StoredSession(id=int(row[0]), record=record, added_at=row[2])

    # ------------------------------------------------------------------------------------------- closing
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _statements(script: str) -> list[str]:
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
