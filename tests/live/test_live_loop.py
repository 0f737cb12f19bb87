"""The live loop without a camera or a model: synthetic poses with known angles, a scripted display and a
fake clock. Checks mirroring (drawn picture only), keys, calibration and counting through the real exercise
session, and the files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from builders import synthetic_pose_arrays
from formcheck.exercises import ExerciseSession, get_exercise, load_catalogue
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.live.app import LiveLoop, live_frames_header, mirror_pose
from formcheck.live.capture import Captured
from formcheck.live.flow import FlowTimings, Phase
from formcheck.live.inference import Processed
from formcheck.overlay import LEFT_BGR
from formcheck.rotation import TrunkRotationEstimator
from formcheck.sinks import CsvSink
from formcheck.types import Frame, Pose
from live_helpers import read_csv

WH = (640, 480)
EXERCISE = get_exercise(load_catalogue(), "seated-thoracic-rotation")
TIMINGS = FlowTimings(instructions_s=0.0, settle_s=0.1, countdown_s=0.5, switch_s=0.5, summary_s=0.0)
FPS = 20


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ScriptedDisplay:
    """Keeps what was shown; gives the keys of ``keys`` (frame number -> key) after that frame."""

    def __init__(self, keys: dict[int, str] | None = None) -> None:
        self.keys = keys or {}
        self.shown: list[np.ndarray] = []

    def show(self, image_bgr: np.ndarray) -> None:
        self.shown.append(image_bgr)

    def poll_key(self) -> str | None:
        return self.keys.get(len(self.shown) - 1)

    def close(self) -> None:
        pass


def processed(index: int, t_s: float, rotation_deg: float) -> Processed:
    xy, xyz = synthetic_pose_arrays(rotation_deg=rotation_deg, resolution_wh=WH)
    pose = Pose(xy_px=xy, z_px=np.zeros(NUM_LANDMARKS), world_xyz_m=xyz, visibility=np.ones(NUM_LANDMARKS),
                presence=np.ones(NUM_LANDMARKS), resolution_wh=WH)
    ms = int(round(t_s * 1000))
    frame = Frame(np.full((WH[1], WH[0], 3), 90, np.uint8), ms, index)
    return Processed(Captured(frame, t_s, ms), pose)


def rotation_script(t_s: float) -> float:
    """Still for 3 s (calibration, countdown, set-up), then one 12 s hold turned 45 deg to the left."""
    if t_s < 3.0:
        return 0.0
    if t_s < 4.0:
        return 45.0 * (t_s - 3.0)
    if t_s < 16.0:
        return 45.0
    return max(0.0, 45.0 - 45.0 * (t_s - 16.0))


def run_loop(tmp_path: Path, *, mirror: bool, seconds: float, keys: dict[int, str] | None = None,
             script=rotation_script) -> tuple[LiveLoop, ScriptedDisplay, list[dict[str, str]]]:
    clock = Clock()
    display = ScriptedDisplay(keys)
    path = tmp_path / f"frames-{mirror}.csv"
    with CsvSink(path, live_frames_header()) as sink:
        loop = LiveLoop(EXERCISE, lambda: ExerciseSession(EXERCISE), display, sink, None, mirror=mirror,
                        calibrate_s=1.0, timings=TIMINGS, clock=clock)
        loop.measurer.rotation = TrunkRotationEstimator.exact(1.0)  # exact landmarks: no MediaPipe gains
        key = None
        for i in range(int(seconds * FPS)):
            clock.now = i / FPS
            loop.step(processed(i, clock.now, script(clock.now)), key)
            key = display.poll_key()
            if key == "q":  # as the app's loop does
                loop.idle(key, source_ended=False)
            if loop.done:
                break
        loop.rows.release()
    loop.session.close()
    return loop, display, read_csv(path)


def orange_x(image: np.ndarray) -> float:
    ys, xs = np.nonzero((np.abs(image[:300].astype(int) - np.array(LEFT_BGR)) <= 10).all(axis=-1))
    return float(xs.mean())


@pytest.mark.parametrize("mirror", [True, False])
def test_mirroring_changes_the_picture_only(tmp_path: Path, mirror: bool) -> None:
    loop, display, rows = run_loop(tmp_path, mirror=mirror, seconds=18.0)
    # The metrics are the person's own: turned to their left is positive, mirrored or not.
    turned = [float(r["trunk_rotation_deg"]) for r in rows if 5.0 < float(r["time_s"]) < 15.0]
    assert turned and min(turned) > 40.0
    # One full 10 s hold on the person's left, counted as left.
    counts = {c.side: c.full for c in loop.session.counts()}
    assert counts == {"left": 1, "right": 0}
    # The drawn picture: the person's left shoulder (orange) is at x on the camera's image, w - x mirrored.
    x_cam = synthetic_pose_arrays(resolution_wh=WH)[0][int(L.LEFT_SHOULDER), 0]
    expected = WH[0] - x_cam if mirror else x_cam
    first = display.shown[0]
    assert orange_x(first) == pytest.approx(expected, abs=8)


def test_phases_come_in_order_and_the_summary_counts(tmp_path: Path) -> None:
    loop, _, rows = run_loop(tmp_path, mirror=True, seconds=18.0)
    phases = [r["phase"] for r in rows]
    firsts = list(dict.fromkeys(phases))
    assert firsts == ["position", "calibrate", "countdown", "active"]
    assert loop.neutral is not None and abs(loop.neutral["trunk_rotation_deg"]) < 1.0
    summary = loop._session_summary()
    assert summary["reps"]["left"]["full"] == 1 and summary["best_rom_deg"]["left"] == pytest.approx(45.0, abs=1.0)
    lines = loop.summary_lines()
    assert lines[0].startswith("Left: 1/3 holds") and "best range 45 deg" in lines[0]


def test_keys_recalibrate_reset_next_side_and_quit(tmp_path: Path) -> None:
    # frame 80 (4 s, in the sets): c; 120: r; 200: n; 260: q
    keys = {80: "c", 120: "r", 200: "n", 260: "q"}
    loop, display, rows = run_loop(tmp_path, mirror=True, seconds=30.0, keys=keys,
                                   script=lambda t: 0.0)
    by_frame = {int(r["frame_index"]): r["phase"] for r in rows}
    assert by_frame[81] == "calibrate" and loop.recalibrations == 1
    assert by_frame[121] == "countdown" and loop.resets == 1
    assert by_frame[201] == "switch" and loop.flow.side_index == 1
    assert loop.done and loop.ended_by == "quit" and len(rows) == 261


def test_pause_stops_counting(tmp_path: Path) -> None:
    keys = {70: " "}  # paused from 3.5 s, before the hold: nothing is counted
    loop, _, rows = run_loop(tmp_path, mirror=True, seconds=18.0, keys=keys)
    assert all(r["phase"] == "active paused" for r in rows[71:])
    assert [c.full for c in loop.session.counts()] == [0, 0]


def test_mirror_pose_maps_x_and_keeps_names() -> None:
    pose = processed(0, 0.0, 30.0).pose
    mirrored = mirror_pose(pose)
    assert np.allclose(mirrored.xy_px[:, 0], WH[0] - pose.xy_px[:, 0])
    assert np.array_equal(mirrored.xy_px[:, 1], pose.xy_px[:, 1])
    assert np.array_equal(mirrored.world_xyz_m, pose.world_xyz_m)
    empty = Pose.empty(WH)
    assert mirror_pose(empty) is empty and not math.isfinite(mirror_pose(empty).xy_px[0, 0])


def test_calibration_leaves_out_frames_turned_away_from_the_start_position(tmp_path: Path) -> None:
    def script(t_s: float) -> float:  # turned 30 deg to the left at first, then facing forward (2 deg off)
        return 30.0 if t_s < 2.0 else 2.0

    loop, display, rows = run_loop(tmp_path, mirror=True, seconds=5.0, script=script)
    assert loop.neutral["trunk_rotation_deg"] == pytest.approx(2.0, abs=0.5)
    calibrating = [r for r in rows if r["phase"] == "calibrate"]
    assert float(calibrating[-1]["time_s"]) >= 2.9  # 1 s (calibrate_s) of frames in the start position, from 2 s on
