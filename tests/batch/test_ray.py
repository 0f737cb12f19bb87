"""The Ray backend: `formcheck analyze ... --backend ray [--ray-address ADDR]` and
formcheck.analyze_many(..., backend="ray"), on a local Ray started once for this module (num_cpus=2), compared
file for file with the in-process batch."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run_formcheck
from options_helpers import check_batch_passes_every_option

import formcheck
from formcheck.batch.index import COLUMNS, EXIT_SOME_FAILED, read_index
from formcheck.batch.ray_backend import INSTALL_HINT, ray_session
from formcheck.errors import ConfigError

try:
    import ray  # noqa: F401  (part of the test extra: a missing Ray fails these tests, it does not skip them)
except ImportError as exc:  # pragma: no cover
    raise ImportError(f"Ray is part of the test extra: pip install -e '.[test]' ({exc})") from None

SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"
TIMING = {"seconds"}  # batch.csv's column that depends on the machine's load
FILES = ("summary.json", "reps.csv", "frames.csv")


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """One local Ray for the module, started as formcheck starts one (127.0.0.1, no dashboard, no usage report),
    with 2 CPUs; its address, for the command line's --ray-address."""
    with ray_session(None, num_cpus=2) as started:
        context = started.get_runtime_context()
        assert started.cluster_resources()["CPU"] == 2
        yield context.gcs_address


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two shortest sample clips and a text file named .mp4."""
    folder = tmp_path_factory.mktemp("ray_clips")
    shutil.copy(SAMPLES / "astronaut_clip.mp4", folder / "astronaut_clip.mp4")  # 30 frames
    shutil.copy(SAMPLES / "empty_room.mp4", folder / "empty_room.mp4")  # 75 frames, nobody in it
    (folder / "bad.mp4").write_text("not a video\n")
    return folder


def _index_without_timing(out: Path) -> list[dict[str, str]]:
    rows = read_index(out / "batch.csv")
    for row in rows:
        row["output"] = Path(row["output"]).name
        for column in TIMING:
            del row[column]
    return rows


def _summary_without_timing(path: Path) -> dict:
    summary = json.loads(path.read_text())
    assert summary["processing"]["seconds"] > 0
    del summary["processing"]
    return summary


@pytest.mark.model
def test_ray_batch_matches_the_in_process_batch_file_for_file(ray_address, clips, tmp_path):
    videos = [clips / "astronaut_clip.mp4", clips / "empty_room.mp4", clips / "bad.mp4"]
    local = formcheck.analyze_many(videos, out=tmp_path / "local", exercise="plank", write_video=False)
    on_ray = formcheck.analyze_many(videos, out=tmp_path / "ray", backend="ray", exercise="plank",
                                    write_video=False)
    assert local.exit_code == on_ray.exit_code == EXIT_SOME_FAILED
    assert [r.status for r in on_ray.rows] == ["done", "done", "failed"]
    assert "bad.mp4" in on_ray.rows[2].error
    with (tmp_path / "ray" / "batch.csv").open(newline="") as f:
        assert next(csv.reader(f)) == list(COLUMNS)
    assert _index_without_timing(tmp_path / "ray") == _index_without_timing(tmp_path / "local")
    for name in ("astronaut_clip", "empty_room"):
        assert sorted(p.name for p in (tmp_path / "ray" / name).iterdir()) == sorted(FILES)
        assert (_summary_without_timing(tmp_path / "ray" / name / "summary.json")
                == _summary_without_timing(tmp_path / "local" / name / "summary.json"))
        for f in ("reps.csv", "frames.csv"):
            assert (tmp_path / "ray" / name / f).read_bytes() == (tmp_path / "local" / name / f).read_bytes()
    assert not (tmp_path / "ray" / "bad").exists()
    assert [r.frames for r in on_ray.results] == [30, 75]

    # a re-run skips the complete results, force redoes them; jobs caps the videos at once
    again = formcheck.analyze_many(videos[:2], out=tmp_path / "ray", backend="ray", exercise="plank",
                                   write_video=False)
    assert [r.status for r in again.rows] == ["skipped", "skipped"] and again.exit_code == 0
    forced = formcheck.analyze_many(videos[:1], out=tmp_path / "ray", backend="ray", jobs=1, exercise="plank",
                                    write_video=False, force=True)
    assert [r.status for r in forced.rows] == ["done"]
    assert (tmp_path / "ray" / "astronaut_clip" / "frames.csv").read_bytes() == (
        tmp_path / "local" / "astronaut_clip" / "frames.csv").read_bytes()


@pytest.mark.model
def test_a_ray_batch_passes_every_option_to_each_video(ray_address, tmp_path):
    """Every option away from its default: each video's Ray task writes the files of analysing it alone with
    the same options, and each option shows in them."""
    check_batch_passes_every_option(tmp_path, backend="ray")


@pytest.mark.model
def test_cli_on_a_cluster_by_address_with_relative_paths(ray_address, clips, tmp_path):
    """The CLI as a second driver of the module's Ray; its working folder is not the workers' (they were
    started from pytest's), so the relative video and --out names must still mean what they mean here."""
    work = tmp_path / "work"
    shutil.copytree(clips, work / "clips")
    args = ("analyze", "clips", "--out", "out", "--no-video", "-q", "--backend", "ray", "--ray-address", ray_address)
    first = run_formcheck(*args, cwd=work)
    assert first.returncode == EXIT_SOME_FAILED, first.stderr
    assert "Traceback" not in first.stderr
    errors = [line for line in first.stderr.splitlines() if line.startswith("formcheck: error:")]
    assert len(errors) == 1 and "bad.mp4" in errors[0]
    rows = {r["video"]: r for r in read_index(work / "out" / "batch.csv")}
    assert set(rows) == {"clips/astronaut_clip.mp4", "clips/bad.mp4", "clips/empty_room.mp4"}
    assert rows["clips/astronaut_clip.mp4"]["output"] == "out/astronaut_clip"
    assert (rows["clips/astronaut_clip.mp4"]["status"], rows["clips/astronaut_clip.mp4"]["frames"]) == ("done", "30")
    assert json.loads((work / "out" / "astronaut_clip" / "summary.json").read_text())["source"]["name"] == (
        "clips/astronaut_clip.mp4")
    assert rows["clips/bad.mp4"]["status"] == "failed" and rows["clips/bad.mp4"]["error"]

    again = run_formcheck(*args, cwd=work)
    assert again.returncode == EXIT_SOME_FAILED
    statuses = {r["video"]: r["status"] for r in read_index(work / "out" / "batch.csv")}
    assert statuses == {"clips/astronaut_clip.mp4": "skipped", "clips/empty_room.mp4": "skipped",
                        "clips/bad.mp4": "failed"}


def _sigint_ignored() -> None:
    """Starts the batch as a shell script's ``formcheck analyze ... &`` does, with SIGINT ignored (Python then
    leaves it ignored): the batch must still stop on Ctrl-C, as one video's analysis does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.model
def test_ctrl_c_leaves_the_index_complete_for_what_finished(ray_address, tmp_path):
    videos = [SAMPLES / "astronaut_clip.mp4", SAMPLES / "plank_side.mp4", SAMPLES / "childs_pose_side.mp4"]
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "analyze", *map(str, videos), "--out", str(out),
                             "--no-video", "-q", "--backend", "ray", "--ray-address", ray_address, "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_sigint_ignored)
    deadline = time.monotonic() + 120
    lock = out / "plank_side" / ".formcheck.lock"  # the second video's analysis has its folder
    try:
        while time.monotonic() < deadline and not lock.exists():
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        time.sleep(1.5)  # into its landmark pass (210 frames: several seconds); the third one waits (--jobs 1)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    rows = read_index(out / "batch.csv")
    assert [Path(r["video"]).name for r in rows] == [v.name for v in videos]
    assert rows[0]["status"] == "done" and rows[0]["frames"] == "30"
    assert rows[2]["status"] == "pending" and not (out / "childs_pose_side").exists()
    # the video in progress stopped at the frame in hand and saved its frames so far (on a slow machine it may
    # not have reached its first frame, or have just finished): its row says which, and its folder agrees
    status = rows[1]["status"]
    assert status in ("interrupted", "pending", "done")
    summary_path = out / "plank_side" / "summary.json"
    if status == "pending":
        assert not summary_path.exists()
    else:
        summary = json.loads(summary_path.read_text())
        assert summary["interrupted"] == (status == "interrupted")
        assert int(rows[1]["frames"]) == summary["frames"] > 0
    assert not list(out.rglob("*.partial")) and not list(out.rglob(".formcheck.lock"))


def test_without_ray_installed_one_line_says_how_to_install_it(tmp_path):
    """Ray hidden from the import system (as in an install without the extra): the config exit code."""
    code = ("import sys; sys.modules['ray'] = None; from formcheck.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", code, "analyze", str(SAMPLES / "astronaut_clip.mp4"), "--out",
                             str(tmp_path / "out"), "--backend", "ray"], capture_output=True, text=True,
                            timeout=120, env={**os.environ})
    assert_one_line_error(result, ConfigError.exit_code, INSTALL_HINT)
    assert not (tmp_path / "out").exists()


def test_ray_address_needs_the_ray_backend(tmp_path):
    result = run_formcheck("analyze", str(SAMPLES / "astronaut_clip.mp4"), "--out", str(tmp_path / "out"),
                           "--ray-address", "127.0.0.1:6379")
    assert_one_line_error(result, ConfigError.exit_code, "--backend ray")
    assert not (tmp_path / "out").exists()


def test_an_address_nothing_answers_is_one_line_and_nothing_written(tmp_path):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_formcheck("analyze", str(SAMPLES / "astronaut_clip.mp4"), "--out", str(tmp_path / "out"),
                           "--backend", "ray", "--ray-address", f"127.0.0.1:{port}", timeout=60)
    assert_one_line_error(result, ConfigError.exit_code, f"cannot reach the Ray cluster at 127.0.0.1:{port}",
                          "--ray-address")
    assert not (tmp_path / "out").exists()
