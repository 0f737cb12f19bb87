"""``formcheck history export``: the history as CSV, JSON or a FHIR R4 Bundle (see ``docs/history.md``).

- CSV: one row per session and side (:data:`CSV_COLUMNS`, documented in ``docs/history.md``);
- JSON: ``{"format": "formcheck-history", "schema_version", "exported_at", "sessions": [{"id", "record"}]}``
  with each :class:`~formcheck.record.SessionRecord` as ``docs/record.md`` describes it;
- FHIR: :func:`formcheck.history.fhir.bundle`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from formcheck.errors import OutputError
from formcheck.history.store import StoredSession
from formcheck.record import SCHEMA_VERSION

FORMATS = ("csv", "json", "fhir")
CSV_COLUMNS = [
    "id", "session_id", "started_at", "exercise", "mode", "metric", "side", "full", "partial", "prescribed",
    "best_rom_deg", "target_lo_deg", "target_hi_deg", "asymmetry_deg", "asymmetry_percent", "prescribed_hold_s",
    "best_hold_s", "holds_full", "pain_before", "pain_after", "pain_warning", "detection_rate",
    "metric_visibility", "rep_confidence_mean", "reps_untrusted", "formcheck_version", "model_sha256", "source_name", "source_sha256",
]


def to_csv(sessions: Sequence[StoredSession]) -> str:
    """One row per session and side (``all`` for exercises without sides); empty cells for missing values."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for s in sessions:
        r = s.record
        for c in r.counts:
            writer.writerow({
                "id": s.id, "session_id": r.session_id, "started_at": r.started_at, "exercise": r.exercise,
                "mode": r.mode, "metric": r.metric, "side": c.side, "full": c.full, "partial": c.partial,
                "prescribed": c.prescribed, "best_rom_deg": _cell(r.best_rom_deg.get(c.side)),
                "target_lo_deg": r.target.lo_deg, "target_hi_deg": r.target.hi_deg,
                "asymmetry_deg": _cell(r.asymmetry_deg), "asymmetry_percent": _cell(r.asymmetry_percent),
                "prescribed_hold_s": _cell(r.holds.prescribed_s if r.holds else None),
                "best_hold_s": _cell(r.holds.best_s if r.holds else None),
                "holds_full": _cell(r.holds.full if r.holds else None),
                "pain_before": _cell(r.pain.before), "pain_after": _cell(r.pain.after),
                "pain_warning": "true" if r.pain.warning else "false",
                "detection_rate": r.confidence.detection_rate,
                "metric_visibility": _cell(r.confidence.metric_visibility),
                "rep_confidence_mean": _cell(r.confidence.reps_mean),
                "reps_untrusted": _cell(r.confidence.reps_untrusted),
                "formcheck_version": r.formcheck_version, "model_sha256": r.model_sha256,
                "source_name": r.source.name, "source_sha256": _cell(r.source.sha256),
            })
    return buf.getvalue()


def to_json(sessions: Sequence[StoredSession]) -> str:
    doc = {
        "format": "formcheck-history",
        "schema_version": SCHEMA_VERSION,
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sessions": [{"id": s.id, "record": s.record.to_dict()} for s in sessions],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def export(sessions: Sequence[StoredSession], fmt: str) -> str:
    """The sessions in ``fmt`` (one of :data:`FORMATS`) as text."""
    if fmt == "csv":
        return to_csv(sessions)
    if fmt == "json":
        return to_json(sessions)
    from formcheck.history.fhir import bundle

    return json.dumps(bundle(sessions), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_new_file(path: Path, text: str, *, force: bool) -> Path:
    """Writes ``text`` to ``path``, refusing to replace a file already there unless ``force`` (atomic)."""
    path = Path(path)
    if path.exists() and not force:
        raise OutputError(f"{path} already exists: choose another --out FILE, or add --force to replace it")
    if path.exists() and not path.is_file():
        raise OutputError(f"{path} is a folder: give a file name with --out FILE")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise OutputError(f"cannot write {path} ({exc.strerror}): check the folder exists and is writable") from None
    return path


def _cell(value: object) -> object:
    return "" if value is None else value
