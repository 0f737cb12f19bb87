"""formcheck history / history show, delete, import, export, and what analyze adds (issue 13)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from cli_helpers import assert_one_line_error, run_formcheck

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "routines"))
from routine_clips import cut_clip  # noqa: E402


@pytest.fixture
def db(history_db: Path, tmp_path: Path) -> Path:
    """A copy of the twelve-session history that a test may change."""
    copy = tmp_path / "history.sqlite3"
    src = sqlite3.connect(history_db)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    return copy


def _first_record(db: Path):  # noqa: ANN202
    from formcheck.history.store import HistoryStore

    with HistoryStore(db) as store:
        return store.sessions()[0].record


def test_history_lists_every_session_with_reps_rom_asymmetry_and_pain(db: Path) -> None:
    r = run_formcheck("history", "--history", str(db))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "date", "exercise", "reps", "(full/prescribed)", "best", "ROM", "deg", "asym",
                                "deg", "pain"]
    assert len(lines) == 1 + 12 + 1 and lines[-1].startswith("! pain rose by 2 or more in 1 session")
    first = lines[1]
    assert first.split()[:4] == ["1", "2026-03-01", "08:00", "seated-thoracic-rotation"] or "2026-03-0" in first
    r1 = _first_record(db)  # the seated rotation of 1 March, as analysed
    best = f"L {r1.best_rom_deg['left']:.0f}  R {r1.best_rom_deg['right']:.0f}"
    assert "L 0/3+2p  R 0/3+2p" in first and best in first and f"{r1.asymmetry_deg:+.1f}" in first and "3->2" in first
    assert "2->5 !" in lines[4]
    only = run_formcheck("history", "--history", str(db), "--exercise", "plank")
    assert len(only.stdout.splitlines()) == 2 and "plank" in only.stdout


def test_show_delete_and_unknown_ids(db: Path) -> None:
    shown = run_formcheck("history", "--history", str(db), "show", "4")
    assert shown.returncode == 0, shown.stderr
    assert "Seated thoracic rotation" in shown.stdout and "warning: Your pain rose by 3" in shown.stdout
    record = json.loads(run_formcheck("history", "show", "4", "--json", "--history", str(db)).stdout)
    assert record["pain"] == {"before": 2, "after": 5, "warning": record["pain"]["warning"]}
    assert run_formcheck("history", "--history", str(db), "delete", "4").returncode == 0
    assert len(run_formcheck("history", "--history", str(db)).stdout.splitlines()) == 1 + 11
    assert_one_line_error(run_formcheck("history", "--history", str(db), "show", "4"), 7, "no session '4'")


def test_import_result_folders_once(result_dirs: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    folders = tmp_path / "results"
    for d in result_dirs:
        shutil.copytree(d, folders / d.name)
    (folders / "not-a-session").mkdir()
    (folders / "not-a-session" / "summary.json").write_text(json.dumps({"frames": 1}))
    r = run_formcheck("history", "import", str(folders), "--history", str(db))
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(" added: ") == 12 and "skipped" in r.stdout and "12 sessions added" in r.stdout
    again = run_formcheck("history", "import", str(folders / result_dirs[0].name), "--history", str(db))
    assert "already in the history" in again.stdout and "0 sessions added" in again.stdout
    assert len(run_formcheck("history", "--history", str(db)).stdout.splitlines()) == 1 + 12


def test_export_csv_and_json_and_never_overwrite(db: Path, tmp_path: Path) -> None:
    r = run_formcheck("history", "export", "--format", "csv", "--history", str(db))
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 5 * 2 + 2 * 2 + 5  # sided sessions give a row per side
    left = _first_record(db).best_rom_deg["left"]
    assert rows[0]["side"] == "left" and float(rows[0]["best_rom_deg"]) == left and rows[0]["pain_before"] == "3"
    assert 0.5 <= float(rows[0]["rep_confidence_mean"]) <= 1 and rows[0]["reps_untrusted"] == "0"
    out = tmp_path / "h.json"
    assert run_formcheck("history", "export", "--format", "json", "--out", str(out), "--history", str(db)).returncode == 0
    doc = json.loads(out.read_text())
    assert doc["format"] == "formcheck-history" and len(doc["sessions"]) == 12
    before = out.read_bytes()
    refused = run_formcheck("history", "export", "--format", "csv", "--out", str(out), "--history", str(db))
    assert_one_line_error(refused, 5, "already exists", "--force")
    assert out.read_bytes() == before
    forced = run_formcheck("history", "export", "--format", "csv", "--out", str(out), "--force", "--history", str(db))
    assert forced.returncode == 0 and out.read_text().startswith("id,session_id")


def test_a_foreign_file_as_history_gives_one_line_and_stays(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n")
    r = run_formcheck("history", "--history", str(path))
    assert_one_line_error(r, 7, "not a formcheck history", "--history PATH")
    assert path.read_text() == "not a database\n"


def test_pain_needs_an_exercise_and_a_0_to_10_rating(tmp_path: Path) -> None:
    video = str(ROOT / "sample_videos" / "plank_side.mp4")
    assert_one_line_error(run_formcheck("analyze", video, "--pain-before", "3", "--out", str(tmp_path / "o")), 4,
                          "--exercise")
    assert_one_line_error(run_formcheck("analyze", video, "--exercise", "plank", "--pain-after", "11"), 4,
                          "0 (no pain) to 10")


@pytest.mark.model
def test_analyze_adds_its_session_to_the_history_and_warns_on_a_pain_rise(tmp_path: Path,
                                                                          _formcheck_home: Path) -> None:
    """Three real analyses of the plank clip's first 2 s (what is checked here is the history, not the
    counting: the whole 14 s clip took three times as long)."""
    video = str(cut_clip(ROOT / "sample_videos" / "plank_side.mp4", tmp_path / "plank_2s.mp4", 2.0))
    r = run_formcheck("analyze", video, "--exercise", "plank", "--no-video", "-q", "--out", str(tmp_path / "o"),
                      "--pain-before", "1", "--pain-after", "4")
    assert r.returncode == 0, r.stderr
    assert "warning: Your pain rose by 3 points" in r.stderr and "bladder or bowel" in r.stderr
    assert (tmp_path / "o" / "record.json").is_file()
    listed = run_formcheck("history")  # FORMCHECK_HOME (the autouse fixture's temporary folder)
    assert len(listed.stdout.splitlines()) == 1 + 1 + 1 and "1->4 !" in listed.stdout
    assert (_formcheck_home / "history.sqlite3").is_file()
    again = run_formcheck("analyze", video, "--exercise", "plank", "--no-video", "-q", "--out", str(tmp_path / "o"),
                          "--force")
    assert again.returncode == 0, again.stderr
    assert len(run_formcheck("history").stdout.splitlines()) == 3  # the same analysis: not added twice
    other = tmp_path / "other.sqlite3"
    skipped = run_formcheck("analyze", video, "--exercise", "plank", "--no-video", "-q", "--out", str(tmp_path / "n"),
                            "--no-history", "--history", str(other))
    assert skipped.returncode == 0 and not other.exists()
