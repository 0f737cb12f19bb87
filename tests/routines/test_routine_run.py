"""``formcheck routine`` end to end, headless, on sample clips (real MediaPipe): each exercise runs as a live
session in its own folder, the routine is saved in ``routine.json`` and each exercise is in the history."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import run_formcheck
from routine_clips import SAMPLES, write_routine

from formcheck.history import HistoryStore
from formcheck.record import SessionRecord

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def routine_run(short_routine_run):
    """The routine run shared with tests/sound (tests/conftest.py: ``short_routine_run``)."""
    return short_routine_run.out, short_routine_run.history, short_routine_run.result


def test_a_routine_runs_each_exercise_in_turn_and_saves_each(routine_run) -> None:
    out, _, result = routine_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and f"routine saved in {out}" in result.stderr
    routine = json.loads((out / "routine.json").read_text())
    assert routine["mode"] == "routine" and routine["routine"]["name"] == "short-test"
    assert routine["ended_by"] == "finished" and not routine["interrupted"] and routine["completed"]
    assert "not a medical device" in routine["note"]
    # the pain given for the whole routine rose by 3: the stop-and-seek-care warning, never a nudge to go on
    assert routine["pain"]["before"] == 2 and routine["pain"]["after"] == 5
    assert "stop this exercise" in routine["pain"]["warning"]
    assert f"formcheck: warning: {routine['pain']['warning']}" in result.stderr
    parts = routine["parts"]
    assert [p["folder"] for p in parts] == ["01-plank", "02-glute-bridge"]
    # the plank's clip ended while it was held (the hold in hand is counted); the bridge was done before its
    # clip ended, and the routine moved on (no rest when headless on files)
    assert [p["ended_by"] for p in parts] == ["source_ended", "finished"]
    assert all(p["started_sets"] and p["completed"] and p["rest_s"] == 0.0 for p in parts)
    for part, exercise, kind in zip(parts, ["plank", "glute-bridge"], ["holds", "reps"]):
        folder = out / part["folder"]
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["mode"] == "live" and summary["ended_by"] == part["ended_by"]
        with open(folder / "reps.csv", newline="") as f:
            reps = list(csv.DictReader(f))
        assert any(r["complete"] == "true" for r in reps)  # a bridge caught half-way is partial
        with open(folder / "frames.csv", newline="") as f:
            phases = {row["phase"].split()[0] for row in csv.DictReader(f)}
        assert "active" in phases and "instructions" not in phases  # headless: no cards
        record = SessionRecord.from_json((folder / "record.json").read_text())
        assert record.exercise == exercise and record.mode == "live" and record.prescription.kind == kind
        # the routine's dose, not the catalogue's (3 holds of 20 s; 10 bridges held 1 s in 2 sets)
        assert record.prescription.count == 1 and record.prescription.sets == 1
        assert [(c.full, c.prescribed) for c in record.counts] == [(1, 1)]
        assert part["counts"] == {"all": {"full": 1, "partial": record.counts[0].partial, "prescribed": 1}}


def test_each_exercise_of_the_routine_is_in_the_history(routine_run) -> None:
    out, history, result = routine_run
    assert result.returncode == 0, result.stderr
    parts = json.loads((out / "routine.json").read_text())["parts"]
    with HistoryStore(history) as store:
        sessions = store.sessions()
    assert [s.record.exercise for s in sessions] == ["plank", "glute-bridge"]
    assert [s.id for s in sessions] == [p["history_id"] for p in parts]
    assert [Path(s.record.result_dir) for s in sessions] == [(out / p["folder"]).resolve() for p in parts]
    listed = run_formcheck("history", "--history", str(history))
    assert listed.returncode == 0 and "plank" in listed.stdout and "glute-bridge" in listed.stdout


def test_ctrl_c_ends_the_routine_and_leaves_complete_files(tmp_path: Path) -> None:
    """SIGINT during the first exercise's sets: that exercise is saved and kept in the history marked
    interrupted (its reps happened, as ``live`` keeps one), the next never starts, ``routine.json`` says so,
    exit 130."""
    routine_file = write_routine(tmp_path)
    out, history = tmp_path / "out", tmp_path / "history.sqlite3"
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "routine", "--routine-file", str(routine_file),
                             "--source", str(SAMPLES / "plank_side.mp4"), "--source",
                             str(SAMPLES / "glute_bridge_side.mp4"), "--headless", "--out", str(out), "--history",
                             str(history)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    frames = out / "01-plank" / "frames.csv"
    deadline = time.monotonic() + 60
    # the rows are written once the neutral is settled: wait for the plank's sets (about 4 s into its clip)
    while not (frames.is_file() and ",active" in frames.read_text()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and f"interrupted; the routine so far is saved in {out}" in stderr
    routine = json.loads((out / "routine.json").read_text())
    assert routine["ended_by"] == "interrupted" and routine["interrupted"] and not routine["completed"]
    assert [p["ended_by"] for p in routine["parts"]] == ["interrupted", ""]
    assert not (out / "02-glute-bridge").exists()
    summary = json.loads((out / "01-plank" / "summary.json").read_text())
    with open(frames, newline="") as f:
        rows = list(csv.DictReader(f))
    assert summary["interrupted"] and summary["frames"] == len(rows) > 0
    with HistoryStore(history) as store:
        (stored,) = store.sessions()
    assert stored.id == routine["parts"][0]["history_id"]
    assert stored.record.exercise == "plank" and stored.record.interrupted
