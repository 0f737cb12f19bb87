"""Stages beside each other (formcheck.pipeline), and the pipelined analysis giving the sequential results.

The stage tests use plain Python iterables and callables (threads and queues for real). The model tests run
MediaPipe on short sample clips: ``formcheck analyze``'s pipelined path against a plain sequential loop
(decode a frame, detect, next frame) on the same clip, file for file.
"""

from __future__ import annotations

import csv
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.analyze import ALL_OUTPUT_NAMES, analyze_video, frames_header, frames_row
from formcheck.exercises import RepRecord, load_catalogue
from formcheck.passes import landmark_pass, measure_and_count
from formcheck.pipeline import Drain, Prefetch
from formcheck.pose import MODEL_LONG_SIDE_PX, PoseEstimator, model_size_wh
from formcheck.series import PoseSeries
from formcheck.sinks import CsvSink, video_size_wh
from formcheck.sources import VideoFileSource, planar_scaled, whole_factor

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"


# ----------------------------------------------------------------------------- stages
def test_prefetch_yields_every_item_in_order_and_stays_a_bounded_distance_ahead():
    produced: list[int] = []
    lead: list[int] = []

    def items():
        for i in range(50):
            produced.append(i)
            yield i

    got = []
    with Prefetch(items(), depth=3) as ahead:
        for i in ahead:
            time.sleep(0.002)  # a slow consumer: the producer waits on the full queue
            lead.append(len(produced) - len(got))
            got.append(i)
    assert got == list(range(50))
    # At most the queue's 3 items, the one being handed over and the one the producer holds wait ahead.
    assert max(lead) <= 5, max(lead)


def test_prefetch_raises_the_producers_error_in_the_consumer_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("bad frame 3")

    got = []
    with pytest.raises(ValueError, match="bad frame 3"), Prefetch(items()) as ahead:
        for i in ahead:
            got.append(i)
    assert got == [1, 2]


def test_leaving_prefetch_early_closes_the_iterator_on_its_own_thread():
    closed_on: list[str] = []

    def items():
        try:
            for i in range(10_000):
                yield i
        finally:
            closed_on.append(threading.current_thread().name)

    with Prefetch(items(), depth=2, name="producer") as ahead:
        for i in ahead:
            if i == 3:
                break
    assert closed_on == ["producer"]
    assert not any(t.name == "producer" for t in threading.enumerate())


def test_drain_consumes_every_item_in_order_before_the_block_ends():
    seen: list[int] = []

    def slow(i: int) -> None:
        time.sleep(0.001)
        seen.append(i)

    with Drain(slow, depth=2) as drain:
        for i in range(40):
            drain.put(i)
    assert seen == list(range(40))


def test_drain_raises_the_consumers_error_to_the_caller():
    def fails_at_5(i: int) -> None:
        if i == 5:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"), Drain(fails_at_5, depth=1) as drain:
        for i in range(1000):
            drain.put(i)
            time.sleep(0.001)


@pytest.mark.parametrize(("source_wh", "long_side", "expected_wh"), [
    ((640, 480), 1280, (640, 480)),  # small enough: as it is
    ((1080, 1920), 1280, (720, 1280)),  # portrait phone
    ((3840, 2160), 1280, (1280, 720)),  # 4K
    ((3840, 2160), None, (3840, 2160)),  # --video-size source
    ((641, 481), None, (642, 482)),  # odd sides padded to even (yuv420p)
    ((1000, 333), 500, (500, 166)),  # 166.5 rounded
    ((1000, 330), 500, (500, 166)),  # 165 made even
])
def test_the_annotated_videos_size(source_wh, long_side, expected_wh):
    assert video_size_wh(source_wh, long_side) == expected_wh


def test_the_model_gets_large_pictures_scaled_down_and_small_ones_as_they_are():
    assert model_size_wh((640, 480)) == (640, 480)
    assert model_size_wh((1080, 1920)) == (540, 960)
    w, h = model_size_wh((3840, 2160))
    assert max(w, h) == MODEL_LONG_SIDE_PX and abs(w / h - 16 / 9) < 0.01


# ----------------------------------------------------------------------------- the scaler kept (sources)
def pyav_pictures(video: Path, count: int, **convert: object) -> list[np.ndarray]:
    """PyAV's own conversion of each picture (a new scaler every frame): what a source must give."""
    with av.open(str(video)) as container:
        return [f.to_ndarray(**convert) for _, f in zip(range(count), container.decode(video=0))]


def psnr_db(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(float) - b.astype(float)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


@pytest.mark.parametrize("size_wh", [None, (320, 240), (213, 160)])
def test_a_sources_kept_scaler_gives_the_pixels_of_a_new_scaler_every_frame(size_wh):
    """Frames at any size, and the model's pictures at a size that is not a whole factor smaller, are
    FFmpeg's pixels exactly; the model's pictures a whole factor smaller (320x240 from 640x480) are made in
    YUV planes (:func:`planar_scaled`) and stay within 40 dB of FFmpeg's."""
    video = SAMPLES / "seated_rotation_front.mp4"
    area = {} if size_wh is None else {"width": size_wh[0], "height": size_wh[1], "interpolation": "AREA"}
    with VideoFileSource(video) as source:
        frames = [f.image_bgr for _, f in zip(range(30), source.frames(size_wh))]
    with VideoFileSource(video) as source:
        inputs = [m.image_rgb for _, m in zip(range(30), source.model_inputs(size_wh or (640, 480)))]
    bgr, rgb = pyav_pictures(video, 30, format="bgr24", **area), pyav_pictures(video, 30, format="rgb24", **area)
    assert len(frames) == len(inputs) == 30
    assert all(np.array_equal(a, b) for a, b in zip(frames, bgr))
    if size_wh == (320, 240):
        assert min(psnr_db(a, b) for a, b in zip(inputs, rgb)) > 40
    else:
        assert all(np.array_equal(a, b) for a, b in zip(inputs, rgb))


# ----------------------------------------------------------------------------- the model's pictures in YUV planes
def _picture_1920x1080(path: Path, frames: int = 6) -> Path:
    """A short 1920x1080 H.264 clip: a sample's frames upscaled (detail from a real scene, not flat colour)."""
    import cv2

    with av.open(str(SAMPLES / "seated_rotation_front.mp4")) as inp, av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        for _, f in zip(range(frames), inp.decode(video=0)):
            big = cv2.resize(f.to_ndarray(format="bgr24")[60:420], (1920, 1080), interpolation=cv2.INTER_CUBIC)
            for packet in stream.encode(av.VideoFrame.from_ndarray(big, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def test_whole_factor_is_the_common_whole_ratio_of_both_sides_with_even_sides():
    assert whole_factor((1920, 1080), (960, 540)) == 2
    assert whole_factor((1080, 1920), (540, 960)) == 2
    assert whole_factor((3840, 2160), (960, 540)) == 4
    assert whole_factor((1280, 720), (960, 540)) == 0  # 1.33x: FFmpeg scales it
    assert whole_factor((1080, 1920), (720, 1280)) == 0  # 1.5x
    assert whole_factor((1920, 1080), (640, 360)) == 3
    assert whole_factor((1000, 502), (500, 251)) == 0  # odd height: not I420
    assert whole_factor((1920, 1080), (960, 360)) == 0  # not the same factor on both sides


def test_the_models_1080p_pictures_are_averaged_in_yuv_planes_close_to_ffmpegs_scaling(tmp_path: Path):
    """1920x1080 -> 960x540: each plane's 2x2 blocks averaged, converted at the small size. Close to FFmpeg's
    area scaling in one step (mean difference about 1.4 of 255 on the real clips, PSNR 44 dB), not equal to it
    (the conversion is OpenCV's); a size that is not a whole factor smaller is still FFmpeg's."""
    video = _picture_1920x1080(tmp_path / "clip.mp4")
    with VideoFileSource(video) as source:
        inputs = [m.image_rgb for m in source.model_inputs(model_size_wh(source.info.resolution_wh))]
    ffmpeg = pyav_pictures(video, 6, format="rgb24", width=960, height=540, interpolation="AREA")
    assert [a.shape for a in inputs] == [(540, 960, 3)] * 6
    assert not any(np.array_equal(a, b) for a, b in zip(inputs, ffmpeg))  # the planes' path was taken
    assert min(psnr_db(a, b) for a, b in zip(inputs, ffmpeg)) > 40
    assert max(float(np.mean(np.abs(a.astype(int) - b))) for a, b in zip(inputs, ffmpeg)) < 3
    with av.open(str(video)) as container:
        vframe = next(container.decode(video=0))
        assert planar_scaled(vframe, "rgb24", 1280, 720) is None  # 1.5x: FFmpeg's
        assert planar_scaled(vframe, "gray", 960, 540) is None  # only RGB and BGR
        assert planar_scaled(vframe.reformat(format="yuvj420p"), "rgb24", 960, 540) is None  # full range
        bgr = planar_scaled(vframe, "bgr24", 960, 540)
        rgb = planar_scaled(vframe, "rgb24", 960, 540)
        assert bgr is not None and rgb is not None and np.array_equal(bgr[..., ::-1], rgb)


def test_pending_frames_converted_on_two_threads_at_once_get_their_own_pixels():
    """A live source's pictures are converted on the capture thread or the pose thread: each thread has its
    own scaler, so two conversions at once do not mix."""
    video = SAMPLES / "seated_rotation_front.mp4"
    with VideoFileSource(video) as source:
        pending = [p for _, p in zip(range(40), source.pending_frames())]
        got: dict[int, np.ndarray] = {}
        start = threading.Barrier(2)

        def convert(share: list) -> None:
            start.wait()
            for p in share:
                got[p.index] = p.frame().image_bgr

        threads = [threading.Thread(target=convert, args=(pending[k::2],)) for k in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    expected = pyav_pictures(video, 40, format="bgr24")
    assert sorted(got) == list(range(40))
    assert all(np.array_equal(got[i], expected[i]) for i in range(40))


# ----------------------------------------------------------------------------- the model, for real
def sequential_series(video: Path) -> PoseSeries:
    """The plain loop: decode a frame, find its pose, next frame; one thread."""
    with VideoFileSource(video) as source, PoseEstimator() as estimator:
        series = PoseSeries(resolution_wh=source.info.resolution_wh)
        for frame in source:
            series.append(estimator.detect(frame), frame.timestamp_ms, frame.index)
    return series


def write_rows(path: Path, header: list[str], rows: list) -> str:
    with CsvSink(path, header) as sink:
        for row in rows:
            sink.write(row)
    return path.read_text()


@pytest.mark.model
def test_the_pipelined_analysis_writes_the_sequential_loops_frames_csv_and_reps(tmp_path: Path):
    video = SAMPLES / "plank_side.mp4"
    exercise = load_catalogue()["plank"]
    summary = analyze_video(video, tmp_path / "out", progress=False, exercise=exercise, video_long_side_px=320,
                            chunks=1)  # one landmark pass, as the plain loop
    # The reference: the sequential loop's landmarks through the same measuring and counting.
    series = sequential_series(video)
    counted = measure_and_count(series, exercise)
    neutral = set(counted.neutral.frames) if counted.neutral is not None else set()
    frames_csv = write_rows(tmp_path / "frames.csv", frames_header(),
                            [frames_row(series.frame_indices[i], m, neutral_frame=i in neutral)
                             for i, m in enumerate(counted.measurements)])
    reps_csv = write_rows(tmp_path / "reps.csv", RepRecord.csv_header(), [r.csv_row() for r in counted.records])
    assert counted.records, "the clip's hold must give reps.csv a row to compare"
    assert (tmp_path / "out" / "frames.csv").read_text() == frames_csv
    assert (tmp_path / "out" / "reps.csv").read_text() == reps_csv
    # The annotated video at the size asked for (320 px on the long side), one picture per row.
    with av.open(str(tmp_path / "out" / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 240)
        assert sum(1 for _ in container.decode(stream)) == summary["frames"] == len(series)
    assert set(summary["outputs"]) <= set(ALL_OUTPUT_NAMES)


def write_clip(src: Path, dst: Path, size_wh: tuple[int, int], frames: int) -> None:
    """The first ``frames`` of ``src`` at ``size_wh`` (bicubic), nearly lossless (crf 12)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=inp.streams.video[0].average_rate)
        stream.width, stream.height, stream.pix_fmt = *size_wh, "yuv420p"
        stream.options = {"crf": "12"}
        for i, frame in enumerate(inp.decode(video=0)):
            if i >= frames:
                break
            for packet in stream.encode(frame.reformat(width=size_wh[0], height=size_wh[1], interpolation="BICUBIC")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


@pytest.mark.model
def test_landmarks_of_a_large_picture_come_back_in_its_full_resolution_pixels(tmp_path: Path):
    """The same 45 frames at 640x480 and at 1600x1200 (which the model gets at 960x720): the landmarks are
    the same points of the body, in each picture's own pixels (measured: 0.5% of the torso apart)."""
    clips = {"small": ((640, 480), tmp_path / "small.mp4"), "large": ((1600, 1200), tmp_path / "large.mp4")}
    xy = {}
    for name, (size_wh, path) in clips.items():
        write_clip(SAMPLES / "seated_rotation_front.mp4", path, size_wh, 45)
        with VideoFileSource(path) as source, PoseEstimator() as estimator:
            series = landmark_pass(source, estimator)
        assert series.resolution_wh == size_wh and len(series) == 45
        xy[name] = series.arrays()["xy_px"]
    body = slice(11, 29)  # shoulders to ankles
    err = np.linalg.norm(xy["large"][:, body] - 2.5 * xy["small"][:, body], axis=-1)
    torso_px = float(np.linalg.norm(xy["large"][:, 11] - xy["large"][:, 23], axis=-1).mean())
    assert torso_px > 200  # the person, found at the large size
    assert np.median(err) < 0.02 * torso_px, (float(np.median(err)), torso_px)
