"""formcheck.history.store: the SQLite history (issue 13): where it lives, migrations, no duplicates,
two writers at once, a writer killed mid-transaction, and foreign or corrupt files left untouched."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from formcheck.errors import HistoryError
from formcheck.history.store import APPLICATION_ID, SCHEMA_VERSION, HistoryStore, default_history_path
from formcheck.record import SessionRecord

WORKER = textwrap.dedent("""
    import dataclasses, hashlib, sys, time, uuid
    from pathlib import Path
    from formcheck.history.store import HistoryStore
    from formcheck.record import SessionRecord

    db, base, tag, n, mode = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    base = SessionRecord.from_json(Path(base).read_text())

    def record(k):
        key = hashlib.sha256(f"{tag}-{k}".encode()).hexdigest()
        return dataclasses.replace(base, analysis_key=key, session_id=str(uuid.UUID(key[:32])))

    store = HistoryStore(Path(db))
    if mode == "race":
        go = Path(db + ".go")
        while not go.exists():
            time.sleep(0.005)
        for k in range(n):
            store.add(record(k))
    else:  # "hang": add n sessions in one transaction, say so, and wait to be killed before it commits
        with store.transaction():
            for k in range(n):
                store.add(record(k))
            print("inside", flush=True)
            time.sleep(120)
    store.close()
""")


@pytest.fixture(scope="module")
def base_record(result_dirs: list[Path]) -> SessionRecord:
    return SessionRecord.from_result_dir(result_dirs[0])


def _variant(base: SessionRecord, tag: str) -> SessionRecord:
    key = hashlib.sha256(tag.encode()).hexdigest()
    return dataclasses.replace(base, analysis_key=key, session_id=str(uuid.UUID(key[:32])))


def _worker(db: Path, base_json: Path, tag: str, n: int, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WORKER, str(db), str(base_json), tag, str(n), mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_default_path_follows_formcheck_home_else_the_platform_data_folder(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMCHECK_HOME", str(tmp_path / "fc"))
    assert default_history_path() == tmp_path / "fc" / "history.sqlite3"
    monkeypatch.delenv("FORMCHECK_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if sys.platform.startswith("linux"):
        assert default_history_path() == tmp_path / "data" / "formcheck" / "history.sqlite3"


def test_a_new_history_is_wal_migrated_and_marked_as_ours(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "h.sqlite3"
    with HistoryStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION and len(store) == 0
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("SELECT version FROM formcheck_schema").fetchall() == [(1,)]
    conn.close()


def test_add_get_list_delete_and_no_duplicates(tmp_path: Path, result_dirs: list[Path]) -> None:
    records = [SessionRecord.from_result_dir(d) for d in result_dirs[:3]]
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        ids = [store.add(r) for r in records]
        assert all(a.added for a in ids)
        again = store.add(SessionRecord.from_result_dir(result_dirs[0]))  # the same analysis
        assert again.id == ids[0].id and not again.added
        assert len(store) == 3
        assert store.get(ids[1].id).record == records[1]
        assert store.get(records[1].session_id[:8]).id == ids[1].id
        assert [s.record.exercise for s in store.sessions(exercise="seated-thoracic-rotation")] == [
            r.exercise for r in records]
        store.delete(ids[0].id)
        assert len(store) == 2
        with pytest.raises(HistoryError, match="no session '99'"):
            store.get(99)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO formcheck_schema VALUES (99, 'later')")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match="newer formcheck"):
        HistoryStore(path)


def test_two_processes_adding_at_once_lose_no_rows(tmp_path: Path, base_record: SessionRecord) -> None:
    db, base = tmp_path / "h.sqlite3", tmp_path / "base.json"
    base.write_text(base_record.to_json())
    n = 60
    workers = [_worker(db, base, tag, n, "race") for tag in ("a", "b")]
    time.sleep(1.5)  # both have opened (and one has created) the database and wait at the line
    Path(str(db) + ".go").touch()
    for w in workers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
    with HistoryStore(db) as store:
        assert len(store) == 2 * n


def test_a_writer_killed_mid_transaction_leaves_the_history_as_it_was(tmp_path: Path,
                                                                       base_record: SessionRecord) -> None:
    db, base = tmp_path / "h.sqlite3", tmp_path / "base.json"
    base.write_text(base_record.to_json())
    with HistoryStore(db) as store:
        store.add(base_record)
    before = db.read_bytes()
    worker = _worker(db, base, "killed", 25, "hang")
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "inside"  # 25 sessions written, not committed
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    with HistoryStore(db) as store:
        assert [s.record.session_id for s in store.sessions()] == [base_record.session_id]
        assert store.add(_variant(base_record, "after")).added  # and it takes new sessions
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert before[:16] == b"SQLite format 3\x00"


FOREIGN = {
    "text": lambda p: p.write_text("my shopping list\n"),
    "other_sqlite": lambda p: (lambda c: (c.execute("CREATE TABLE notes (t TEXT)"), c.commit(), c.close()))(
        sqlite3.connect(p)),
    "corrupt": lambda p: p.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 20),
}


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_a_foreign_or_corrupt_file_is_refused_and_left_untouched(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    FOREIGN[kind](path)
    before = path.read_bytes()
    with pytest.raises(HistoryError) as err:
        HistoryStore(path)
    message = str(err.value)
    assert "\n" not in message and "not a formcheck history" in message and "--history PATH" in message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]  # no -wal, -shm or copy made
