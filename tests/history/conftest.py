from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import sessions  # noqa: E402


@pytest.fixture(scope="session")
def result_dirs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Result folders of twelve analyses of the sample clips (see :mod:`sessions`)."""
    return sessions.build_result_dirs(tmp_path_factory.mktemp("results"))


@pytest.fixture(scope="session")
def history_db(result_dirs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A history of the twelve analyses, one every other day from 1 March 2026, with pain ratings
    (:data:`sessions.PAIN`: the fourth rose by 3)."""
    from formcheck.history.store import HistoryStore
    from formcheck.record import Pain, SessionRecord

    db = tmp_path_factory.mktemp("history") / "history.sqlite3"
    with HistoryStore(db) as store:
        for k, folder in enumerate(result_dirs):
            record = SessionRecord.from_result_dir(folder, started_at=sessions.started_at(k),
                                                   pain=Pain(*sessions.PAIN[k]))
            assert store.add(record).added
    return db
