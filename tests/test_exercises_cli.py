"""`formcheck exercises` and `formcheck analyze --exercise`: the catalogue reaches the user, and an analysis
with an exercise writes reps.csv and the session summary."""

from __future__ import annotations

import csv
import json

import pytest

from formcheck.errors import ConfigError
from formcheck.exercises import RepRecord, load_catalogue
from cli_helpers import assert_one_line_error, run_formcheck
from test_analyze_cli import CLIP


def test_exercises_lists_every_shipped_exercise_and_the_disclaimer():
    result = run_formcheck("exercises")
    assert result.returncode == 0, result.stderr
    for name in load_catalogue():
        assert name in result.stdout
    assert "not a medical device" in result.stdout


def test_exercises_show_prints_targets_view_prescription_and_safety():
    result = run_formcheck("exercises", "show", "thoracic-extension")
    assert result.returncode == 0, result.stderr
    text = result.stdout.lower()
    for needle in ("side", "hold", "numbness", "bladder", "trunk_extension_deg"):
        assert needle in text


@pytest.mark.parametrize("args,needle", [
    (["exercises", "show", "yoga"], "unknown exercise 'yoga'"),
    (["exercises", "show"], "formcheck exercises show NAME"),
    (["analyze", str(CLIP), "--exercise", "yoga"], "unknown exercise"),
])
def test_unknown_exercise_is_one_line(args, needle):
    assert_one_line_error(run_formcheck(*args), ConfigError.exit_code, needle)


def test_malformed_exercise_file_names_file_and_key(tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text('name = "my-rotation"\nextends = "seated-thoracic-rotation"\n[target]\nlo = "far"\n')
    result = run_formcheck("analyze", str(CLIP), "--exercise", "my-rotation", "--exercise-file", str(bad),
                           "--out", str(tmp_path / "o"))
    assert_one_line_error(result, ConfigError.exit_code, "mine.toml", "lo")
    assert not (tmp_path / "o").exists()


def test_user_exercise_file_overrides_a_target(tmp_path):
    mine = tmp_path / "physio.toml"
    mine.write_text('name = "gentle-rotation"\nextends = "seated-thoracic-rotation"\ntitle = "Gentle rotation"\n'
                    '[target]\nlo = 20.0\nhi = 40.0\n')
    result = run_formcheck("exercises", "show", "gentle-rotation", "--exercise-file", str(mine))
    assert result.returncode == 0, result.stderr
    assert "20 to 40" in result.stdout


@pytest.mark.model
def test_analyze_with_an_exercise_writes_reps_and_session_summary(tmp_path):
    out = tmp_path / "o"
    result = run_formcheck("analyze", str(CLIP), "--exercise", "seated-thoracic-rotation", "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    with open(out / "reps.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == RepRecord.csv_header()
    summary = json.loads((out / "summary.json").read_text())
    assert "reps.csv" in summary["outputs"]
    ex = summary["exercise"]
    assert ex["name"] == "seated-thoracic-rotation"
    # The astronaut sits still facing the camera: no rotation reps, on either side.
    assert ex["reps"]["left"]["full"] == ex["reps"]["right"]["full"] == 0
    assert len(rows) == 1 + ex["reps_total"]


@pytest.mark.model
def test_analyze_prints_the_session_counts(tmp_path):
    result = run_formcheck("analyze", str(CLIP), "--exercise", "seated-thoracic-rotation", "--out", str(tmp_path / "o"),
                           "--no-video")
    assert result.returncode == 0, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("seated-thoracic-rotation: Left: 0/3 holds") and "; Right: 0/3 holds" in last
