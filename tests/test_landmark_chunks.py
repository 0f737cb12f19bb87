"""The landmark pass in chunks (formcheck.passes.chunked_landmark_pass) against one pass over the whole video.

Real MediaPipe inference on a 4-second cut of a sample clip, split in two at 2 s: the first chunk's frames are
the one pass's, byte for byte; after the boundary the second chunk's own landmarker (warmed up on the second
before it) gives the same body points within the tolerance ``docs/performance.md`` states; the analysis in
chunks writes complete files.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest

from formcheck import passes
from formcheck.analyze import analyze_video
from formcheck.measure import raw_measurement
from formcheck.passes import (CHUNK_WARMUP_S, MIN_CHUNK_S, chunk_spans, chunked_landmark_pass, landmark_chunks,
                              landmark_pass)
from formcheck.pose import PoseEstimator
from formcheck.series import PoseSeries
from formcheck.sources import SourceInfo, Span, VideoFileSource

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
FRAMES = 60  # 4 s at 15 fps
#: After the boundary, the largest body landmark (shoulders to feet) difference from the one pass, per frame, as
#: a share of the torso: its median and its largest (measured on this cut: see docs/performance.md).
MEDIAN_TOLERANCE_TORSO = 0.04
MAX_TOLERANCE_TORSO = 0.15


def info(duration_s: float, resolution_wh: tuple[int, int] = (640, 480)) -> SourceInfo:
    return SourceInfo("clip.mp4", resolution_wh, 30.0, round(duration_s * 30), duration_s, "h264")


@pytest.mark.parametrize(("duration_s", "resolution_wh", "cpus", "expected"), [
    (30.0, (640, 480), 2, 2),  # two CPUs: two chunks
    (30.0, (640, 480), 1, 1),  # one CPU: one pass
    (30.0, (640, 480), 8, 4),  # at most MAX_CHUNKS
    (2 * MIN_CHUNK_S - 0.1, (640, 480), 2, 1),  # too short for two chunks of MIN_CHUNK_S
    (2 * MIN_CHUNK_S, (1080, 1920), 2, 2),
    (60.0, (3840, 2160), 2, 1),  # 4K: one decoder's pictures are enough memory
    (0.0, (640, 480), 2, 1),  # unknown length
])
def test_the_number_of_chunks_depends_on_the_video_and_the_cpus(duration_s, resolution_wh, cpus, expected):
    assert landmark_chunks(info(duration_s, resolution_wh), cpus) == expected


def test_chunks_split_the_video_at_equal_times_each_after_the_first_warmed_up():
    assert chunk_spans(30.0, 2) == [Span(None, 15.0, 0.0), Span(15.0, None, CHUNK_WARMUP_S)]
    assert [(s.start_s, s.stop_s) for s in chunk_spans(9.0, 3)] == [(None, 3.0), (3.0, 6.0), (6.0, None)]


def test_the_caller_waits_for_the_last_chunk_without_spinning(monkeypatch: pytest.MonkeyPatch):
    """While the last chunk runs alone, the caller waits on it, looking at the progress about ten times a
    second; waiting on a chunk already finished returned at once and spun the caller's thread (and the GIL)."""
    def run_chunk(path, estimator, model_path, part, stop):  # no model: the later chunk runs on alone
        if part.span.start_s is not None:
            time.sleep(0.5)

    monkeypatch.setattr(passes, "_run_chunk", run_chunk)
    polls: list[int] = []
    source = SimpleNamespace(info=info(30.0), path=Path("clip.mp4"))
    series = chunked_landmark_pass(source, SimpleNamespace(model_path=Path("model.task")), 2,
                                   on_frame=lambda n: polls.append(n) is not None)
    assert len(series) == 0
    assert 1 <= len(polls) <= 10, len(polls)  # 0.5 s at ten a second (95533 before)


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 4 s of the seated rotation sample (one key frame: the second chunk seeks to the start and
    decodes up to its warm-up)."""
    dst = tmp_path_factory.mktemp("chunks") / "seated_4s.mp4"
    with av.open(str(SAMPLES / "seated_rotation_front.mp4")) as inp, av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=inp.streams.video[0].average_rate)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        stream.options = {"crf": "12"}
        for i, frame in enumerate(inp.decode(video=0)):
            if i >= FRAMES:
                break
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return dst


def test_a_chunk_skips_unreferenced_pictures_before_its_warmup_and_reads_the_rest_as_a_whole_read(
        short_clip: Path, monkeypatch: pytest.MonkeyPatch):
    """From the key frame to the warm-up, the pictures no other picture refers to are not decoded (the clip
    has B-frames); from the warm-up on, the chunk's pictures are byte for byte the whole read's."""
    size_wh = (640, 480)
    with VideoFileSource(short_clip) as whole:
        by_time = {item.timestamp_ms: item.image_rgb for item in whole.model_inputs(size_wh)}
    decoded: list[int] = []
    original = VideoFileSource._decoded

    def counting(self, skip_nonref_before_pts):
        for vframe in original(self, skip_nonref_before_pts):
            decoded.append(vframe.pts)
            yield vframe

    monkeypatch.setattr(VideoFileSource, "_decoded", counting)
    with VideoFileSource(short_clip) as reader:
        items = list(reader.model_inputs(size_wh, Span(2.0, None, 1.0)))
    warmup_ms = [item.timestamp_ms for item in items if item.warmup]
    assert warmup_ms and min(warmup_ms) == 1000 and len(items) == FRAMES - 15
    assert all(np.array_equal(item.image_rgb, by_time[item.timestamp_ms]) for item in items)
    before_warmup = len(decoded) - len(items)
    assert 0 < before_warmup < 15, before_warmup  # 15 pictures precede the warm-up: only the referenced ones


@pytest.fixture(scope="module")
def one_pass(short_clip: Path) -> PoseSeries:
    with VideoFileSource(short_clip) as source, PoseEstimator() as estimator:
        return landmark_pass(source, estimator)


@pytest.mark.model
def test_joined_chunks_match_one_pass_within_the_stated_tolerance(short_clip: Path, one_pass: PoseSeries):
    measured: list = []
    with VideoFileSource(short_clip) as source, PoseEstimator() as estimator:
        joined = chunked_landmark_pass(source, estimator, 2, measured=measured)
        assert not source.truncated
    assert len(joined) == len(one_pass) == FRAMES
    assert joined.timestamps_ms == one_pass.timestamps_ms
    assert joined.frame_indices == one_pass.frame_indices == list(range(FRAMES))
    a, b = one_pass.arrays(), joined.arrays()
    cut = int(np.searchsorted(np.asarray(one_pass.timestamps_ms), 2000))
    assert cut == 30
    for k in a:  # the first chunk is the one pass, byte for byte
        assert np.array_equal(a[k][:cut], b[k][:cut], equal_nan=True), k
    detected_a, detected_b = np.isfinite(a["xy_px"]).all(axis=(1, 2)), np.isfinite(b["xy_px"]).all(axis=(1, 2))
    assert detected_a.all() and np.array_equal(detected_a, detected_b)
    torso_px = float(np.median(np.linalg.norm(a["xy_px"][:, 11:13].mean(1) - a["xy_px"][:, 23:25].mean(1), axis=-1)))
    err_torso = np.linalg.norm(a["xy_px"][cut:, 11:33] - b["xy_px"][cut:, 11:33], axis=-1).max(axis=1) / torso_px
    assert err_torso.max() > 0  # a landmarker of its own: not the same numbers (else this test proves nothing)
    assert np.median(err_torso) <= MEDIAN_TOLERANCE_TORSO, np.round(err_torso, 3)
    assert err_torso.max() <= MAX_TOLERANCE_TORSO, np.round(err_torso, 3)
    # each frame's raw measurement, made beside the model, is the joined series' own
    assert [m.timestamp_ms for m in measured] == joined.timestamps_ms
    for i in (0, cut - 1, cut, FRAMES - 1):
        assert measured[i] == raw_measurement(joined.pose(i), joined.timestamps_ms[i])


@pytest.mark.model
def test_a_stopped_chunked_pass_keeps_the_frames_from_the_start(short_clip: Path, one_pass: PoseSeries):
    with VideoFileSource(short_clip) as source, PoseEstimator() as estimator:
        joined = chunked_landmark_pass(source, estimator, 2, on_frame=lambda n: n >= 10)
    assert 10 <= len(joined) < 30  # the first chunk's frames read before the stop: no gap
    assert joined.frame_indices == list(range(len(joined)))
    assert np.array_equal(joined.arrays()["xy_px"], one_pass.arrays()["xy_px"][:len(joined)])


@pytest.mark.model
def test_the_analysis_in_chunks_writes_complete_files(short_clip: Path, tmp_path: Path):
    summary = analyze_video(short_clip, tmp_path / "out", progress=False, video_long_side_px=320, chunks=2)
    assert summary["processing"]["landmark_chunks"] == 2
    assert summary["frames"] == FRAMES and not summary["interrupted"] and not summary["source"]["truncated"]
    with (tmp_path / "out" / "frames.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == FRAMES and [float(r["time_s"]) for r in rows] == sorted(float(r["time_s"]) for r in rows)
    assert all(r["detected"] == "1" for r in rows)
    with av.open(str(tmp_path / "out" / "annotated.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == FRAMES
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["frames"] == FRAMES
