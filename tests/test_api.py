"""The Python API: formcheck.analyze() returns what the command line writes, typed."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from cli_helpers import run_formcheck

import formcheck
from formcheck.api import AnalysisResult, RepRow
from formcheck.record import Rep

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
VOLATILE = ("processing",)  # timings differ from run to run


def _stable(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in VOLATILE}


def test_import_stays_light():
    code = ("import sys, formcheck; f = formcheck.analyze; import formcheck.api; "
            "assert 'mediapipe' not in sys.modules, 'mediapipe loaded on import'; "
            "assert callable(formcheck.analyze) and callable(formcheck.analyze_many)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_analyze_is_callable_after_the_submodule_is_imported():
    import formcheck.analyze

    assert callable(formcheck.analyze)


def test_rep_row_from_csv_row():
    row = {"index": "2", "side": "left", "start_s": "1.000", "end_s": "3.500", "duration_s": "2.500",
           "peak_deg": "-40.5", "rom_deg": "38.0", "time_in_target_s": "1.200", "hold_s": "1.000",
           "reached_target": "true", "share_of_target": "1.00", "complete": "false", "cues": "a; b"}
    rep = RepRow.from_csv_row(row)
    assert rep == RepRow(2, "left", 1.0, 3.5, 2.5, -40.5, 38.0, 1.2, 1.0, True, 1.0, False, ("a", "b"))


def test_the_records_rep_is_the_rows_subset():
    """record.Rep (record.json, the history) is taken from the reps.csv row: the same values, without the row's
    duration and time in target, side 'all' for an unsided exercise."""
    row = RepRow(1, "", 0.5, 2.5, 2.0, 30.0, 30.0, 1.5, 1.0, True, 1.0, True, ("c",), 0.8)
    rep = Rep.of_row(row)
    assert rep.side == "all"
    kept = {f.name for f in fields(Rep)}
    assert kept == {f.name for f in fields(RepRow)} - {"duration_s", "time_in_target_s"}
    assert all(getattr(rep, name) == getattr(row, name) for name in kept - {"side"})


@pytest.mark.model
def test_api_gives_the_cli_summary_and_typed_reps(tmp_path):
    """The CLI and the API on the plank clip's first 8 s (a hold is under way there: its row is in reps.csv)."""
    sys.path.insert(0, str(Path(__file__).parent / "routines"))
    from routine_clips import cut_clip

    video = cut_clip(SAMPLES / "plank_side.mp4", tmp_path / "plank_8s.mp4", 8.0)
    cli_out = tmp_path / "cli"
    result = run_formcheck("analyze", str(video), "--out", str(cli_out), "--exercise", "plank", "--no-video",
                           "--no-history", "-q")
    assert result.returncode == 0, result.stderr
    api = formcheck.analyze(video, exercise="plank", out=tmp_path / "api", write_video=False)
    assert isinstance(api, AnalysisResult)
    cli_summary = json.loads((cli_out / "summary.json").read_text())
    assert _stable(api.summary) == _stable(cli_summary)
    assert api.out_dir == tmp_path / "api" and api.video == video
    assert api.frames == cli_summary["frames"] and not api.interrupted
    assert (tmp_path / "api" / "frames.csv").read_text() == (cli_out / "frames.csv").read_text()
    assert api.reps and all(isinstance(r, RepRow) for r in api.reps)
    reps_csv = (cli_out / "reps.csv").read_text().splitlines()
    assert len(api.reps) == len(reps_csv) - 1
    counted = sum(f["full"] + f["partial"] for f in api.summary["exercise"]["reps"].values())
    assert len(api.reps) == counted
