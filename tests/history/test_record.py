"""formcheck.record: one session record from what analyze and live write (issue 13)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from formcheck.record import (PAIN_RISE_WARNING, RECORD_NAME, SCHEMA_VERSION, Pain, RecordError,
                              SessionRecord)

LIVE = Path(__file__).resolve().parents[1] / "data" / "live_session"


def test_an_analysis_becomes_a_record_with_its_reps_and_rom(result_dirs: list[Path]) -> None:
    summary = json.loads((result_dirs[0] / "summary.json").read_text())
    record = SessionRecord.from_result_dir(result_dirs[0])
    assert record.schema_version == SCHEMA_VERSION and record.mode == "analyze"
    assert record.exercise == "seated-thoracic-rotation" == summary["exercise"]["name"]
    assert record.source.sha256 and len(record.source.sha256) == 64  # the video is still there: hashed
    assert [(c.side, c.full, c.partial, c.prescribed) for c in record.counts] == [
        (side, f["full"], f["partial"], f["prescribed"]) for side, f in summary["exercise"]["reps"].items()]
    assert record.best_rom_deg == summary["exercise"]["best_rom_deg"]
    assert max(r.rom_deg for r in record.reps if r.side == "left") == record.best_rom_deg["left"]
    assert record.asymmetry_deg == summary["exercise"]["asymmetry"]["deg"]
    assert (record.target.lo_deg, record.target.hi_deg) == (35.0, 60.0)
    assert record.holds is not None and record.holds.prescribed_s == 10.0
    assert record.model_sha256 == summary["model"]["sha256"]
    assert record.formcheck_version == summary["formcheck_version"]
    assert record.neutral is not None and record.neutral["method"] == "centre"
    assert record.confidence.detection_rate == 1.0 and 0.9 <= record.confidence.metric_visibility <= 1.0
    # every rep's confidence (docs/confidence.md) from reps.csv; the sample clip is clean: all trusted
    assert record.reps and all(r.confidence is not None and 0.5 <= r.confidence <= 1.0 for r in record.reps)
    assert record.confidence.reps_untrusted == 0 == summary["exercise"]["confidence"]["untrusted"]
    assert record.confidence.reps_mean == summary["exercise"]["confidence"]["mean"]
    assert (record.session_id, record.started_at) == (summary["session_id"], summary["started_at"])
    datetime.fromisoformat(record.started_at)  # a time with its offset


def test_a_live_session_becomes_the_same_kind_of_record(tmp_path: Path) -> None:
    folder = shutil.copytree(LIVE, tmp_path / "live")
    record = SessionRecord.from_result_dir(folder)
    assert record.mode == "live" and record.exercise == "seated-thoracic-rotation"
    assert [(c.side, c.full, c.partial) for c in record.counts] == [("left", 0, 2), ("right", 0, 2)]
    assert record.best_rom_deg == {"left": 45.6, "right": 46.6}
    assert len(record.reps) == 4 and record.reps[1].cues  # cues per rep from reps.csv
    assert record.neutral is not None and record.neutral["method"] == "still"
    assert record.confidence.metric_visibility is None  # no frames.csv in the fixture
    summary = json.loads((folder / "summary.json").read_text())
    # started = when the summary was written minus the session's length
    end = datetime.fromtimestamp((folder / "summary.json").stat().st_mtime, tz=timezone.utc)
    assert abs((end - record.started).total_seconds() - summary["live"]["seconds"]) < 1.5


@pytest.mark.parametrize("kind", ["analyze", "live"])
def test_json_round_trip(kind: str, result_dirs: list[Path], tmp_path: Path) -> None:
    folder = result_dirs[5] if kind == "analyze" else shutil.copytree(LIVE, tmp_path / "live")
    record = SessionRecord.from_result_dir(folder, pain=Pain(2, 5))
    text = record.to_json()
    assert json.loads(text)["pain"] == {"before": 2, "after": 5, "warning": record.pain.warning}
    assert SessionRecord.from_json(text) == record


def test_the_same_analysis_has_the_same_key_and_another_option_another(result_dirs: list[Path], tmp_path: Path) -> None:
    a = SessionRecord.from_result_dir(result_dirs[0])
    again = SessionRecord.from_result_dir(shutil.copytree(result_dirs[0], tmp_path / "copy"))
    calibrated = SessionRecord.from_result_dir(result_dirs[2])  # same video, --calibrate 2
    assert (a.analysis_key, a.session_id) == (again.analysis_key, again.session_id)
    assert calibrated.source.sha256 == a.source.sha256 and calibrated.analysis_key != a.analysis_key


def test_a_saved_record_is_read_back_as_it_is(result_dirs: list[Path], tmp_path: Path) -> None:
    folder = shutil.copytree(result_dirs[1], tmp_path / "r")
    record = SessionRecord.from_result_dir(folder, pain=Pain(1, 1))
    record.save(folder)
    assert (folder / RECORD_NAME).is_file()
    assert SessionRecord.from_result_dir(folder) == dataclasses.replace(record, result_dir=str(folder.resolve()))


@pytest.mark.parametrize(("before", "after", "warns"), [(2, 4, True), (0, 9, True), (3, 4, False), (5, 1, False),
                                                         (None, 7, False), (4, None, False)])
def test_pain_rise_of_two_or_more_warns_with_the_red_flags(before, after, warns) -> None:
    warning = Pain(before, after).warning
    assert (warning is not None) is warns
    assert PAIN_RISE_WARNING == 2
    if warns:
        for needle in ("stop", "tingling", "numbness", "weakness", "bladder or bowel"):
            assert needle in warning.lower()


@pytest.mark.parametrize("bad", [-1, 11, 2.5, "3"])
def test_pain_outside_0_to_10_is_refused(bad) -> None:
    with pytest.raises(ValueError, match="0 to 10"):
        Pain(before=bad)


def test_a_folder_without_a_session_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="no summary.json"):
        SessionRecord.from_result_dir(tmp_path)
    (tmp_path / "summary.json").write_text(json.dumps({"frames": 3}))
    with pytest.raises(RecordError, match="--exercise"):
        SessionRecord.from_result_dir(tmp_path)
