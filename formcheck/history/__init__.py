"""The history of sessions: a SQLite store (:mod:`.store`), the HTML report (:mod:`.report`) and the CSV, JSON
and FHIR exports (:mod:`.export`); :mod:`.cli` holds the ``history`` and ``report`` commands."""

from __future__ import annotations

from formcheck.history.store import HistoryStore, StoredSession, default_history_path

__all__ = ["HistoryStore", "StoredSession", "default_history_path"]
