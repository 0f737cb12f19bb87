"""``formcheck live`` end to end, headless: the whole live path on a sample video, and the error cases.

Each error gives one line on stderr that says what is wrong and how to fix it, and a non-zero exit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from formcheck.errors import ConfigError, DisplayError, SourceError
from formcheck.live.app import live_frames_header
from formcheck.sinks import VideoSink
from formcheck.sources import VideoFileSource
from live_helpers import (CLIP, assert_one_line_error, env_without_display, exercise_clip, looped_clip, read_csv,
                          run_formcheck, run_formcheck_together)

EXERCISE = "seated-thoracic-rotation"
PHASE_ORDER = ["instructions", "position", "calibrate", "countdown", "active"]


@pytest.fixture(scope="module")
def session_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample video of the exercise when one is committed, else the astronaut clip looped to 15 s."""
    folder = tmp_path_factory.mktemp("clip")
    sample = exercise_clip(EXERCISE)
    if sample is not None:
        return sample
    return looped_clip(folder / "looped.mp4", 5)


COMMON_KEYS = ["schema_version", "session_id", "started_at", "mode", "formcheck_version", "note", "source", "model",
               "interrupted", "frames", "frames_with_person", "detection_rate", "person_detected", "views", "neutral",
               "exercise", "metrics", "outputs"]


@pytest.fixture(scope="module")
def live_run(session_clip: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("live") / "session"
    record = out.parent / "recorded.mp4"
    result = run_formcheck("live", "--exercise", EXERCISE, "--source", str(session_clip), "--headless",
                           "--out", str(out), "--record", str(record), "--history", str(out.parent / "history.sqlite3"),
                           "--pain-before", "2", "--pain-after", "5", env=env_without_display())
    return out, record, result


@pytest.mark.model
def test_headless_live_runs_the_whole_session_and_saves_it(live_run) -> None:
    out, record, result = live_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads((out / "summary.json").read_text())
    rows = read_csv(out / "frames.csv")
    assert list(rows[0].keys()) == live_frames_header()
    assert summary["mode"] == "live" and summary["ended_by"] == "source_ended" and not summary["interrupted"]
    live = summary["live"]
    assert summary["frames"] == len(rows) == live["frames_shown"] <= live["frames_processed"]
    assert live["frames_captured"] == live["frames_shown"] + live["frames_dropped"]
    assert summary["neutral"]["neutral"]["trunk_rotation_deg"] is not None
    assert "not a medical device" in summary["note"]
    # The phases come in their order (headless: no instructions card) and the sets were reached.
    phases = [r["phase"] for r in rows]
    order = [PHASE_ORDER.index(p.split()[0]) for p in phases]
    assert order == sorted(order) and phases[-1] == "active"
    indices = [int(r["frame_index"]) for r in rows]
    assert indices == sorted(set(indices))
    assert read_csv(out / "reps.csv") is not None and (out / "reps.csv").read_text().startswith("index,side,")
    assert record.stat().st_size > 0 and str(record) in summary["outputs"]
    with VideoFileSource(record) as recorded:  # encoded on its own thread: every frame shown is in it
        assert sum(1 for _ in recorded) == live["frames_shown"]


@pytest.mark.model
def test_live_counts_what_analyze_counts_on_the_same_file(live_run, session_clip, tmp_path) -> None:
    """``formcheck analyze --exercise`` over the same file counts the same reps per side (full and partial),
    from about the same neutral, with about the same peaks.

    Analyze counts from the first frame, live only after its calibration and countdown (and its first rep
    may begin mid-turn), so both are compared from the end of live's first rep, when the person is back in
    the start position in both, or from the start of live's sets when it counted none.

    The neutrals are found differently and are compared as what should agree, the person's rest: analyze
    (no --calibrate) takes the centre of where the person dwells over the whole recording, live the first
    second the person keeps still in the start posture (its frames may spread ``still_range`` = 6 deg). On
    seated_rotation_front the raw trunk rotation neutral read -5.35 deg (analyze, 144 rest frames) and -5.49
    (live, 16 frames from 0.0 to 1.0 s); analyze --calibrate 2 (the first 2 s) read -4.95. The peaks of the
    reps compared then read 44.1 / 44.9 / 45.5 deg (analyze, zero-phase smoothed over 5 frames) and
    45.3 / 45.6 / 46.6 (live, not smoothed: it cannot see the next frames).
    """
    out, _, result = live_run
    assert result.returncode == 0, result.stderr
    analysed = tmp_path / "analysed"
    done = run_formcheck("analyze", str(session_clip), "--exercise", EXERCISE, "--no-video", "-q",
                         "--out", str(analysed))
    assert done.returncode == 0, done.stderr
    rows = read_csv(out / "frames.csv")
    live_reps = read_csv(out / "reps.csv")
    active_from_s = next(float(r["time_s"]) for r in rows if r["phase"] == "active")
    since_s = float(live_reps[0]["end_s"]) if live_reps else active_from_s
    live_after = [r for r in live_reps if float(r["start_s"]) > since_s]
    analyze_after = [r for r in read_csv(analysed / "reps.csv") if float(r["start_s"]) > since_s + 0.1]
    summary = json.loads((out / "summary.json").read_text())
    slack = 0 if summary["live"]["frames_dropped"] == 0 else 1
    if exercise_clip(EXERCISE) is not None:  # the sample clip turns each way after live's countdown
        assert {r["side"] for r in live_after} == {"left", "right"}
    for side in ("left", "right"):
        for complete in ("true", "false"):
            want = sum(r["side"] == side and r["complete"] == complete for r in analyze_after)
            got = sum(r["side"] == side and r["complete"] == complete for r in live_after)
            assert abs(got - want) <= slack, (side, complete, got, want)
    analysed_summary = json.loads((analysed / "summary.json").read_text())
    # one summary.json shape for both commands (docs/record.md): the same keys first, the same exercise block
    assert list(summary)[:len(COMMON_KEYS)] == list(analysed_summary)[:len(COMMON_KEYS)] == COMMON_KEYS
    assert set(summary["exercise"]) == set(analysed_summary["exercise"])
    assert summary["session_id"] != analysed_summary["session_id"] and summary["schema_version"] == 1
    live_neutral = summary["neutral"]["neutral"]["trunk_rotation_deg"]
    analyze_neutral = analysed_summary["neutral"]["values"]["trunk_rotation_deg"]
    assert abs(live_neutral - analyze_neutral) <= 3.0, (live_neutral, analyze_neutral)
    if slack == 0 and [r["side"] for r in live_after] == [r["side"] for r in analyze_after]:
        for live_rep, analyze_rep in zip(live_after, analyze_after, strict=True):
            assert abs(float(live_rep["peak_deg"]) - float(analyze_rep["peak_deg"])) <= 3.0, (live_rep, analyze_rep)


def test_no_camera_at_that_index_says_how_to_choose_one(tmp_path: Path) -> None:
    result = run_formcheck("live", "--exercise", EXERCISE, "--camera", "7", "--headless", "--out", str(tmp_path / "o"))
    assert_one_line_error(result, SourceError.exit_code, "no camera", "--camera N", "--source FILE")
    assert not (tmp_path / "o").exists()


def test_a_source_file_that_is_missing(tmp_path: Path) -> None:
    result = run_formcheck("live", "--exercise", EXERCISE, "--source", str(tmp_path / "none.mp4"), "--headless",
                           "--out", str(tmp_path / "o"))
    assert_one_line_error(result, SourceError.exit_code, "not found")


def test_no_display_suggests_headless(tmp_path: Path) -> None:
    result = run_formcheck("live", "--exercise", EXERCISE, "--source", str(CLIP), "--out", str(tmp_path / "o"),
                           env=env_without_display())
    assert_one_line_error(result, DisplayError.exit_code, "no display", "--headless")
    env = env_without_display() | {"DISPLAY": ":87"}  # nothing listens there
    result = run_formcheck("live", "--exercise", EXERCISE, "--source", str(CLIP), "--out", str(tmp_path / "o"), env=env)
    assert_one_line_error(result, DisplayError.exit_code, "cannot connect to the display ':87'", "--headless")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["--exercise", "juggling"], "unknown exercise 'juggling'"),
     (["--exercise", EXERCISE, "--camera", "1", "--source", "x.mp4"], "not allowed with argument"),
     ([], "--exercise")],
)
def test_bad_options(args: list[str], needle: str, tmp_path: Path) -> None:
    result = run_formcheck("live", "--headless", "--source", str(CLIP), *args, "--out", str(tmp_path / "o"))
    assert_one_line_error(result, ConfigError.exit_code, needle)


@pytest.mark.parametrize("order", ["camera-first", "source-first"])
def test_camera_and_source_are_refused_alike_whatever_the_camera(order: str, tmp_path: Path) -> None:
    """``--camera 0 --source FILE`` used to start a session from the file (0 is the default, which argparse
    took for absent) while ``--camera 1 --source FILE`` was refused."""
    lines = []
    for camera in ("0", "1"):
        pair = [["--camera", camera], ["--source", str(CLIP)]]
        first, second = pair if order == "camera-first" else pair[::-1]
        result = run_formcheck("live", "--exercise", EXERCISE, *first, *second, "--headless",
                               "--out", str(tmp_path / "o"))
        lines.append(assert_one_line_error(result, ConfigError.exit_code, "not allowed with argument"))
    assert lines[0] == lines[1]
    assert not (tmp_path / "o").exists()


@pytest.mark.model
def test_camera_unplugged_mid_session_saves_the_session_and_exits_with_one_line(tmp_path: Path) -> None:
    # OpenCV opens a video file like a camera; when the file ends, reads fail as with an unplugged camera.
    out = tmp_path / "o"
    result = run_formcheck("live", "--exercise", EXERCISE, "--camera", str(CLIP), "--headless", "--out", str(out))
    assert_one_line_error(result, SourceError.exit_code, "stopped giving pictures", "saved in", str(out))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["source"]["lost"] and summary["frames"] >= 1
    assert len(read_csv(out / "frames.csv")) == summary["frames"]
    assert (out / "reps.csv").exists()


@pytest.mark.model
def test_a_source_file_cut_short_keeps_the_session_and_says_so(tmp_path: Path) -> None:
    whole = tmp_path / "faststart.mp4"  # formcheck's own sink writes the index first, so a cut file opens
    with VideoFileSource(CLIP) as source, VideoSink(whole, source.info.resolution_wh, source.info.fps) as sink:
        for frame in source:
            sink.write(frame.image_bgr, frame.timestamp_ms)
    cut = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    out = tmp_path / "o"
    result = run_formcheck("live", "--exercise", EXERCISE, "--source", str(cut), "--headless", "--out", str(out))
    assert_one_line_error(result, SourceError.exit_code, "cut short", "saved in")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ended_by"] == "source_lost" and summary["frames"] >= 1


@pytest.mark.model
def test_the_live_session_lands_in_the_history_with_its_pain_warning(live_run) -> None:
    """A headless live session on a sample clip is added to the history given with --history, with the pain
    ratings given as flags (headless: nothing is asked) and the warning for their rise of 3."""
    out, _, result = live_run
    assert result.returncode == 0, result.stderr
    history = out.parent / "history.sqlite3"
    assert "formcheck: warning: Your pain rose by 3 points" in result.stderr and "bladder or bowel" in result.stderr
    assert f"session #1 added to the history {history}" in result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["pain"]["before"], summary["pain"]["after"]) == (2, 5) and "tingling" in summary["pain"]["warning"]
    record = json.loads((out / "record.json").read_text())
    assert (record["session_id"], record["started_at"], record["mode"]) == (
        summary["session_id"], summary["started_at"], "live")
    assert len(record["reps"]) == len(read_csv(out / "reps.csv"))
    listed = run_formcheck("history", "--history", str(history))
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.splitlines()
    assert rows[0].split()[:3] == ["ID", "date", "exercise"] and EXERCISE in rows[1] and "2->5 !" in rows[1]
    again = run_formcheck("history", "--history", str(history), "import", str(out))  # the same session: once
    assert again.returncode == 0 and "already in the history" in again.stdout and "0 sessions added" in again.stdout


@pytest.mark.model
def test_live_keeps_its_history_in_formcheck_home_unless_told_not_to(tmp_path: Path) -> None:
    """Without --history the session goes to $FORMCHECK_HOME/history.sqlite3; with --no-history nowhere.
    The two sessions (each FORMCHECK_HOME given on its command line) play the 3 s clip side by side."""
    runs, envs = {}, {}
    for home, extra in ((tmp_path / "home", []), (tmp_path / "none", ["--no-history"])):
        runs[home.name] = ["live", "--exercise", EXERCISE, "--source", str(CLIP), "--headless",
                           "--out", str(tmp_path / home.name / "session"), *extra]
        envs[home.name] = env_without_display() | {"FORMCHECK_HOME": str(home)}
    for name, result in run_formcheck_together(runs, envs=envs).items():
        assert result.returncode == 0, (name, result.stderr)
    listed = run_formcheck("history", env=dict(os.environ, FORMCHECK_HOME=str(tmp_path / "home")))
    assert len(listed.stdout.splitlines()) == 2 and EXERCISE in listed.stdout.splitlines()[1]
    assert not (tmp_path / "none" / "history.sqlite3").exists()
    assert (tmp_path / "none" / "session" / "record.json").is_file()  # the record is kept beside the session
