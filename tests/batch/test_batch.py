"""Many videos: `formcheck analyze A B FOLDER --out OUT [--jobs N]` and formcheck.analyze_many()."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_helpers import run_formcheck

import formcheck
from formcheck.batch.index import EXIT_SOME_FAILED, BatchIndex, BatchRow, read_index
from formcheck.batch.local import find_videos, output_names

SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the two shortest sample clips and a text file named .mp4."""
    folder = tmp_path_factory.mktemp("clips")
    shutil.copy(SAMPLES / "astronaut_clip.mp4", folder / "astronaut_clip.mp4")  # 30 frames
    shutil.copy(SAMPLES / "empty_room.mp4", folder / "empty_room.mp4")  # 75 frames, nobody in it
    (folder / "bad.mp4").write_text("not a video\n")
    (folder / "notes.txt").write_text("not looked at: not a video extension\n")
    return folder


def _rows(out: Path) -> dict[str, dict[str, str]]:
    return {Path(r["video"]).name: r for r in read_index(out / "batch.csv")}


def test_find_videos_searches_folders_by_extension(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.mp4", "b.MOV", "sub/c.mkv", "d.txt"):
        (tmp_path / name).write_bytes(b"")
    found = find_videos([tmp_path, tmp_path / "a.mp4", tmp_path / "d.txt"])
    assert [p.name for p in found] == ["a.mp4", "b.MOV", "c.mkv", "d.txt"]


def test_output_names_cannot_collide(tmp_path):
    videos = [tmp_path / "x" / "clip.mp4", tmp_path / "y" / "clip.mov", tmp_path / "other.mp4"]
    names = output_names(videos)
    assert len(set(names)) == 3
    assert names[2] == "other" and names[0].startswith("clip-") and names[1].startswith("clip-")
    assert output_names(videos) == names  # stable from run to run


def test_index_is_written_whole(tmp_path):
    index = BatchIndex(tmp_path / "batch.csv")
    index.set(BatchRow(Path("a.mp4"), tmp_path / "a", "failed", error="cannot read\nit"))
    index.write()
    assert not (tmp_path / "batch.csv.partial").exists()
    [row] = read_index(tmp_path / "batch.csv")
    assert row["status"] == "failed" and row["error"] == "cannot read it"


@pytest.mark.model
def test_batch_bad_file_rerun_force_and_jobs(clips, tmp_path):
    out = tmp_path / "out"
    first = run_formcheck("analyze", str(clips), "--out", str(out), "--no-video", "-q")
    assert first.returncode == EXIT_SOME_FAILED, first.stderr
    assert "Traceback" not in first.stderr
    errors = [line for line in first.stderr.splitlines() if line.startswith("formcheck: error:")]
    assert len(errors) == 1 and "bad.mp4" in errors[0]
    rows = _rows(out)
    assert set(rows) == {"astronaut_clip.mp4", "empty_room.mp4", "bad.mp4"}
    assert rows["bad.mp4"]["status"] == "failed" and rows["bad.mp4"]["error"]
    for name, frames in (("astronaut_clip", 30), ("empty_room", 75)):
        row = rows[f"{name}.mp4"]
        assert row["status"] == "done" and int(row["frames"]) == frames and row["error"] == ""
        assert json.loads((out / name / "summary.json").read_text())["frames"] == frames
    assert not (out / "bad").exists()

    again = run_formcheck("analyze", str(clips), "--out", str(out), "--no-video", "-q")
    assert again.returncode == EXIT_SOME_FAILED
    rows = _rows(out)
    assert rows["astronaut_clip.mp4"]["status"] == rows["empty_room.mp4"]["status"] == "skipped"
    assert rows["astronaut_clip.mp4"]["frames"] == "30"

    # the API, with --force and two worker processes: the same files as the one-process run
    out2 = tmp_path / "out2"
    batch = formcheck.analyze_many([clips / "astronaut_clip.mp4", clips / "empty_room.mp4"], out=out2, jobs=2,
                                   write_video=False, force=True)
    assert batch.exit_code == 0 and [r.status for r in batch.rows] == ["done", "done"]
    assert [r.frames for r in batch.results] == [30, 75]
    for name in ("astronaut_clip", "empty_room"):
        assert (out2 / name / "frames.csv").read_bytes() == (out / name / "frames.csv").read_bytes()
        a = json.loads((out / name / "summary.json").read_text())
        b = json.loads((out2 / name / "summary.json").read_text())
        assert (a["frames"], a["frames_with_person"], a["metrics"]) == (b["frames"], b["frames_with_person"],
                                                                         b["metrics"])
    redo = formcheck.analyze_many([clips / "astronaut_clip.mp4"], out=out2, write_video=False, force=True)
    assert [r.status for r in redo.rows] == ["done"]
    skip = formcheck.analyze_many([clips / "astronaut_clip.mp4"], out=out2, write_video=False)
    assert [r.status for r in skip.rows] == ["skipped"]


@pytest.mark.model
def test_batch_with_an_exercise_has_reps_and_jobs_2_matches_jobs_1(tmp_path):
    videos = [SAMPLES / "astronaut_clip.mp4", SAMPLES / "empty_room.mp4"]
    one = formcheck.analyze_many(videos, out=tmp_path / "j1", jobs=1, exercise="plank", write_video=False)
    two = formcheck.analyze_many(videos, out=tmp_path / "j2", jobs=2, exercise="plank", write_video=False)
    for name in ("astronaut_clip", "empty_room"):
        for f in ("frames.csv", "reps.csv"):
            assert (tmp_path / "j1" / name / f).read_bytes() == (tmp_path / "j2" / name / f).read_bytes()
    assert [r.reps for r in one.rows] == [r.reps for r in two.rows]
    assert all(r.reps is not None for r in one.rows)
