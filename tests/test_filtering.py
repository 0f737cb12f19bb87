"""Zero-phase smoothing: no lag, NaN-aware, exact on lines; the streaming stage analyze uses."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from builders import synthetic_pose_arrays

from formcheck.analyze import ALL_OUTPUT_NAMES, _run, output_names
from formcheck.filtering import CentredSmoother, Measured, zero_phase_smooth
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.output_folder import OutputFolder
from formcheck.passes import NO_MIDDLE_REST, measure_series, sides_midpoint
from formcheck.pose import ModelInput
from formcheck.rotation import TrunkRotationEstimator
from formcheck.series import PoseSeries
from formcheck.sources import VideoFileSource
from formcheck.types import Frame, Measurement, Pose


def test_a_line_passes_unchanged_away_from_the_ends():
    x = np.arange(20, dtype=float)
    assert zero_phase_smooth(x, 2)[2:-2] == pytest.approx(x[2:-2])


def test_no_lag_on_a_symmetric_peak():
    t = np.linspace(-1, 1, 41)
    clean = np.exp(-(t**2) / 0.5)
    x = clean + np.where(np.arange(41) % 2 == 0, 0.05, -0.05)  # a peak + frame-to-frame jitter
    y = zero_phase_smooth(x, 2)
    assert int(np.argmax(y)) == 20
    assert np.abs(y - clean)[2:-2].max() < np.abs(x - clean).max() / 2


def test_nan_frames_stay_nan_and_are_left_out_of_the_means():
    x = np.array([1.0, np.nan, 3.0, 3.0, np.nan])
    y = zero_phase_smooth(x, 1)
    assert np.isnan(y[1]) and np.isnan(y[4])
    assert y[0] == pytest.approx(1.0) and y[2] == pytest.approx(3.0)


@pytest.mark.parametrize("bad", [np.zeros((2, 2)), -1])
def test_bad_input(bad):
    with pytest.raises(ValueError):
        if isinstance(bad, int):
            zero_phase_smooth(np.zeros(3), bad)
        else:
            zero_phase_smooth(bad)


# ------------------------------------------------------------------------------ the streaming stage
def measurement(t: int, value: float, *, detected: bool = True, other: float = 1.0) -> Measurement:
    angles = {"trunk_rotation_deg": value, "trunk_extension_deg": other}
    vis = {"trunk_rotation_deg": 0.9, "trunk_extension_deg": 0.8}
    return Measurement(t * 66, detected, angles, vis, "front" if detected else "unknown")


def run_stage(values, half_window=2, *, detected=None, calibrating=None):
    """Streams a series through CentredSmoother; returns (released items, frames released per update)."""
    smoother: CentredSmoother[int] = CentredSmoother(half_window)
    out, per_update = [], []
    for i, v in enumerate(values):
        det = True if detected is None else detected[i]
        cal = False if calibrating is None else calibrating[i]
        item = smoother.update(Measured(measurement(i, v, detected=det), cal, i))
        per_update.append(item)
        if item is not None:
            out.append(item)
    out.extend(smoother.flush())
    return out, per_update


def rotation(items) -> np.ndarray:
    return np.array([it.measurement.angles["trunk_rotation_deg"] for it in items])


@pytest.mark.parametrize("half_window", [0, 1, 2, 4])
def test_delay_equals_half_the_window_and_flush_returns_the_tail(half_window):
    values = np.arange(12, dtype=float)
    out, per_update = run_stage(values, half_window)
    assert per_update[:half_window] == [None] * half_window
    # After the first half_window frames each update releases the frame half_window back.
    assert [it.payload for it in per_update[half_window:]] == list(range(12 - half_window))
    assert CentredSmoother(half_window).delay_frames == half_window
    # Every frame comes out once, in order, with its own payload and timestamp.
    assert [it.payload for it in out] == list(range(12))
    assert [it.measurement.timestamp_ms for it in out] == [i * 66 for i in range(12)]


def test_flush_empties_the_stage():
    smoother: CentredSmoother[int] = CentredSmoother(2)
    for i in range(3):
        smoother.update(Measured(measurement(i, float(i)), False, i))
    assert [it.payload for it in smoother.flush()] == [1, 2]
    assert smoother.flush() == []


def test_stream_equals_the_whole_series_rule():
    rng = np.random.default_rng(0)
    values = np.cumsum(rng.normal(size=60))
    values[[10, 30, 31]] = np.nan
    out, _ = run_stage(values, 2)
    assert rotation(out) == pytest.approx(zero_phase_smooth(values, 2), nan_ok=True)


def test_a_step_keeps_its_timing():
    values = np.r_[np.zeros(20), np.full(20, 10.0)]
    y = rotation(run_stage(values, 2)[0])
    assert y[:18] == pytest.approx(0.0) and y[22:] == pytest.approx(10.0)
    assert y[17] < 5.0 < y[22]
    # Symmetric about the step: half way between the last 0 and the first 10.
    assert y[19] + y[20] == pytest.approx(10.0)
    assert int(np.argmax(y >= 5.0)) == 20


def test_a_peak_is_not_shifted_and_noise_is_reduced():
    n = 61
    t = np.arange(n)
    clean = 30.0 * np.exp(-(((t - 30) / 8.0) ** 2))
    noise = np.random.default_rng(1).normal(scale=1.0, size=n)
    y = rotation(run_stage(clean + noise, 2)[0])
    assert abs(int(np.argmax(y)) - 30) <= 1
    assert int(np.argmax(rotation(run_stage(clean, 2)[0]))) == 30
    err_raw, err_smooth = noise[2:-2], (y - clean)[2:-2]
    assert np.std(np.diff(err_smooth)) < 0.5 * np.std(np.diff(err_raw))  # jitter at least halved
    assert np.mean(np.abs(err_smooth)) < np.mean(np.abs(err_raw))


def test_nan_frames_stay_nan_and_no_mean_crosses_a_gap_without_a_person():
    values = np.r_[np.zeros(6), [np.nan, np.nan], np.full(6, 10.0)]
    detected = [bool(np.isfinite(v)) for v in values]
    y = rotation(run_stage(values, 2, detected=detected)[0])
    assert np.isnan(y[6:8]).all()
    assert y[:6] == pytest.approx(0.0) and y[8:] == pytest.approx(10.0)  # nothing leaks over the gap


def test_a_frame_without_a_person_ends_the_window_even_if_values_are_finite():
    values = np.r_[np.zeros(5), 50.0, np.zeros(5)]
    detected = [i != 5 for i in range(11)]
    y = rotation(run_stage(values, 2, detected=detected)[0])
    assert y[:5] == pytest.approx(0.0) and y[6:] == pytest.approx(0.0)


def test_no_mean_mixes_raw_and_calibrated_frames():
    values = np.r_[np.full(5, 40.0), np.zeros(5)]  # raw while calibrating, then relative to the neutral
    calibrating = [i < 5 for i in range(10)]
    out, _ = run_stage(values, 2, calibrating=calibrating)
    assert rotation(out) == pytest.approx(values)
    assert [it.calibrating for it in out] == calibrating


def test_only_metric_values_change():
    values = np.array([0.0, 4.0, 0.0, 4.0, 0.0])
    out, _ = run_stage(values, 1)
    m = out[2].measurement
    assert m.angles["trunk_rotation_deg"] == pytest.approx(8.0 / 3.0)
    assert m.angles["trunk_extension_deg"] == pytest.approx(1.0)
    assert m.visibility == {"trunk_rotation_deg": 0.9, "trunk_extension_deg": 0.8}
    assert (m.view, m.detected, m.timestamp_ms) == ("front", True, 2 * 66)


def test_bad_half_window():
    with pytest.raises(ValueError):
        CentredSmoother(-1)


# --------------------------------------------------------------------- analyze with the stage in its loop
class FakeEstimator:
    """Stands in for MediaPipe: a synthetic person turning, absent in a few frames."""

    def __init__(self, model_path: Path, rotations: list[float]) -> None:
        self.model_path = model_path
        self.rotations = rotations

    def detect(self, frame: Frame | ModelInput) -> Pose:
        r = self.rotations[frame.index]
        if not np.isfinite(r):
            return Pose.empty(frame.resolution_wh)
        xy, xyz = synthetic_pose_arrays(rotation_deg=r)
        ones = np.ones(NUM_LANDMARKS)
        return Pose(xy, np.zeros(NUM_LANDMARKS), xyz, ones, ones, frame.resolution_wh)

    detect_input = detect  # analyze's landmark pass hands the model pictures already converted


def test_analyze_writes_every_source_frame_smoothed(tmp_path):
    av = pytest.importorskip("av")
    n = 23
    video = tmp_path / "in.mp4"
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for i in range(n):
            image = np.full((480, 640, 3), 10 * i, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    rng = np.random.default_rng(2)
    rotations = list(30.0 * np.sin(np.arange(n) / 4.0) + rng.normal(scale=2.0, size=n))
    rotations[11] = np.nan  # no person in frame 11
    model = tmp_path / "model.task"
    model.write_bytes(b"fake")
    estimator = FakeEstimator(model, rotations)
    out = tmp_path / "out"
    out.mkdir()
    source = VideoFileSource(video)
    try:
        with OutputFolder(out, output_names(write_video=True, exercise=False), known_names=ALL_OUTPUT_NAMES,
                          force=False) as folder:
            summary = _run(source, estimator, folder, progress=False, calibrate_s=None, write_video=True,  # type: ignore[arg-type]
                           exercise=None)
    finally:
        source.close()
    with open(out / "frames.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with av.open(str(out / "annotated.mp4")) as container:
        video_frames = sum(1 for _ in container.decode(video=0))
    assert summary["frames"] == len(rows) == video_frames == n
    assert [int(r["frame_index"]) for r in rows] == list(range(n))
    # The CSV holds, frame for frame, what the measuring pass gives for the landmark series (the fused
    # trunk rotation against the recording's neutral, smoothed zero-phase), in one basis.
    series = PoseSeries(resolution_wh=(640, 480))
    for i in range(n):
        fr = Frame(np.zeros((480, 640, 3), np.uint8), int(i * 1000 / 15), i)
        series.append(estimator.detect(fr), fr.timestamp_ms, i)
    expected, neutral = measure_series(series, None)
    assert neutral is not None and neutral.method == "centre"
    written = [float(r["trunk_rotation_deg"]) if r["trunk_rotation_deg"] else np.nan for r in rows]
    assert written == pytest.approx([m.angles["trunk_rotation_deg"] for m in expected], nan_ok=True, abs=1e-3)
    # ... which is the fused estimate against the neutral frames, smoothed zero-phase (5 frames at 15 fps);
    # this turning series never rests in the middle, so it is centred midway between its turns.
    estimator = TrunkRotationEstimator()
    assert estimator.learn([series.pose(i) for i in neutral.frames])
    unsmoothed = np.array([estimator.measure(series.pose(i)) for i in range(n)])
    assert neutral.note == NO_MIDDLE_REST
    unsmoothed -= sides_midpoint(unsmoothed)
    assert written == pytest.approx(list(zero_phase_smooth(unsmoothed, 2)), nan_ok=True, abs=1e-3)
    assert rows[11]["detected"] in ("0", "False") and rows[11]["trunk_rotation_deg"] == ""
