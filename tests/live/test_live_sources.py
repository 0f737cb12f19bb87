"""Live sources and the capture thread: camera checks, unplugging, pacing, newest frame wins."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from live_fakes import FakeCapture
from formcheck.errors import SourceError
from formcheck.live.capture import LatestFrameGrabber
from formcheck.live.sources import MAX_FAILED_READS, CameraSource, PacedFileSource
from formcheck.sources import PendingFrame, SourceInfo
from formcheck.types import Frame

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "sample_videos" / "astronaut_clip.mp4"


@pytest.mark.parametrize(
    ("capture", "needle"),
    [(FakeCapture(10, opened=False), "no camera found at camera 3"),
     (FakeCapture(10, first_ok=False), "opened but gave no picture")],
)
def test_camera_that_cannot_be_used_says_how_to_choose_another(capture: FakeCapture, needle: str) -> None:
    with pytest.raises(SourceError) as info:
        CameraSource(3, capture_factory=lambda device: capture)
    message = str(info.value)
    assert needle in message and "--camera N" in message and "--source FILE" in message
    assert capture.released


def test_unplugged_camera_ends_the_frames_and_says_so() -> None:
    capture = FakeCapture(7)
    source = CameraSource(0, capture_factory=lambda device: capture)
    assert source.info.resolution_wh == (64, 48) and source.info.fps == 30.0
    frames = list(source)
    assert [f.index for f in frames] == list(range(7))
    assert source.lost and "stopped giving pictures" in source.problem
    assert capture.reads == 7 + MAX_FAILED_READS
    ts = [f.timestamp_ms for f in frames]
    assert ts == sorted(ts)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_file_played_as_a_camera_waits_for_each_frame_at_its_own_time() -> None:
    clock = FakeClock()
    source = PacedFileSource(CLIP, clock=clock, sleep=clock.sleep)
    try:
        frames = list(source)
    finally:
        source.close()
    assert len(frames) == 30 and source.info.fps == 10
    assert clock.sleeps == pytest.approx([0.1] * 29, abs=1e-6)  # 10 fps: each frame 100 ms after the last
    assert clock.now == pytest.approx(100.0 + 2.9)


def test_file_played_as_a_camera_does_not_wait_for_frames_already_late() -> None:
    clock = FakeClock()
    source = PacedFileSource(CLIP, clock=clock, sleep=clock.sleep)
    try:
        for frame in source:
            clock.now += 0.25  # the reader takes 250 ms a frame: every frame is already due
    finally:
        source.close()
    assert clock.sleeps == []


class ListSource:
    """A frame source that yields ``n`` frames ``period_s`` apart on the real clock."""

    def __init__(self, n: int, period_s: float) -> None:
        self.n = n
        self.period_s = period_s
        self.info = SourceInfo("list", (8, 8), 1 / period_s, n, n * period_s, "raw")
        self.closed = False

    def __iter__(self) -> Iterator[Frame]:
        for i in range(self.n):
            time.sleep(self.period_s)
            yield Frame(np.zeros((8, 8, 3), np.uint8), timestamp_ms=i * 1000, index=i)

    def close(self) -> None:
        self.closed = True


def test_slow_consumer_gets_the_newest_frame_and_the_rest_are_dropped() -> None:
    source = ListSource(40, 0.005)
    taken: list[int] = []
    with LatestFrameGrabber(source) as grabber:
        while True:
            item = grabber.get(timeout_s=1.0)
            if item is None:
                break
            taken.append(item.frame.index)
            time.sleep(0.03)  # processing 6x slower than capture
    assert grabber.ended and grabber.exhausted
    assert taken == sorted(taken) and taken[-1] == 39  # always the newest; the last frame is never lost
    assert len(taken) < 20
    assert grabber.captured == 40 and grabber.taken == len(taken) and grabber.dropped == 40 - len(taken)
    assert not source.closed  # the caller owns the source


def test_frames_are_restamped_on_the_monotonic_capture_clock() -> None:
    source = ListSource(5, 0.02)
    with LatestFrameGrabber(source) as grabber:
        items = []
        while (item := grabber.get(timeout_s=1.0)) is not None:
            items.append(item)
    stamps = [i.frame.timestamp_ms for i in items]
    assert stamps == sorted(stamps) and stamps[-1] < 1000  # not the source's 1000 ms steps
    assert [i.source_timestamp_ms for i in items] == [i.frame.index * 1000 for i in items]


def test_a_source_error_on_the_capture_thread_reaches_the_consumer() -> None:
    class Broken(ListSource):
        def __iter__(self) -> Iterator[Frame]:
            yield from super().__iter__()
            raise SourceError("broken file")

    with LatestFrameGrabber(Broken(2, 0.001)) as grabber:
        time.sleep(0.05)
        assert grabber.get() is not None
        with pytest.raises(SourceError, match="broken file"):
            grabber.get()


def test_stop_ends_the_capture_thread_promptly() -> None:
    grabber = LatestFrameGrabber(ListSource(10_000, 0.001)).start()
    time.sleep(0.02)
    started = time.monotonic()
    grabber.stop()
    assert time.monotonic() - started < 1.0
    assert not grabber.running
    assert threading.active_count() >= 1


class FakeEstimator:
    """Finds nobody, slowly; fails from frame ``fail_at`` on."""

    def __init__(self, delay_s: float = 0.0, fail_at: int = -1) -> None:
        self.delay_s = delay_s
        self.fail_at = fail_at
        self.seen: list[int] = []

    def detect(self, frame: Frame):
        from formcheck.types import Pose

        if 0 <= self.fail_at <= frame.index:  # from that frame on (a frame can be dropped under load)
            raise RuntimeError("model failed")
        time.sleep(self.delay_s)
        self.seen.append(frame.index)
        return Pose.empty(frame.resolution_wh)

    detect_input = detect  # the pose thread hands the model its picture already converted (a ModelInput)


def test_pose_worker_hands_over_the_newest_result_and_ends_with_the_source() -> None:
    from formcheck.live.inference import PoseWorker

    source = ListSource(30, 0.002)
    estimator = FakeEstimator(delay_s=0.01)
    with LatestFrameGrabber(source) as grabber, PoseWorker(grabber, estimator) as worker:
        got = []
        while (item := worker.get(timeout_s=1.0)) is not None:
            got.append(item.captured.frame.index)
            assert not item.pose.detected
            time.sleep(0.02)  # the main thread is slower still
    assert worker.exhausted and got[-1] == 29 and got == sorted(got)
    assert worker.processed == len(estimator.seen) == grabber.taken
    assert grabber.captured == len(got) + grabber.dropped + worker.dropped


def test_pose_worker_error_reaches_the_main_thread() -> None:
    from formcheck.live.inference import PoseWorker

    with LatestFrameGrabber(ListSource(5, 0.01)) as grabber, PoseWorker(grabber, FakeEstimator(fail_at=2)) as worker:
        with pytest.raises(RuntimeError, match="model failed"):
            while worker.get(timeout_s=1.0) is not None:
                pass


class PendingListSource(ListSource):
    """``ListSource`` offering its frames unconverted, as a video file played as a camera does; counts the
    conversions and the thread each ran on."""

    def __init__(self, n: int, period_s: float) -> None:
        super().__init__(n, period_s)
        self.converted_on: list[tuple[int, str]] = []

    def pending(self) -> Iterator[PendingFrame]:
        for i in range(self.n):
            time.sleep(self.period_s)
            yield PendingFrame(self._converter(i), timestamp_ms=i * 1000, index=i)

    def _converter(self, i: int):  # noqa: ANN202
        def convert() -> np.ndarray:
            self.converted_on.append((i, threading.current_thread().name))
            time.sleep(0.002)  # a conversion takes a little while
            return np.full((8, 8, 3), i % 256, np.uint8)
        return convert


def test_only_the_frames_the_consumer_takes_are_converted() -> None:
    """Frames at 200 a second, a consumer taking one every 25 ms: most frames are dropped unconverted, every
    frame taken is converted (its picture is its own), nearly all of them on the capture thread before the
    consumer takes them."""
    source = PendingListSource(120, 0.005)
    taken: list[Frame] = []
    with LatestFrameGrabber(source) as grabber:
        while (item := grabber.get(timeout_s=1.0)) is not None:
            taken.append(item.frame)
            time.sleep(0.025)
    converted = [i for i, _ in source.converted_on]
    assert len(converted) == len(set(converted)) == grabber.converted  # each frame converted at most once
    assert {f.index for f in taken} <= set(converted)
    assert all(int(f.image_bgr[0, 0, 0]) == f.index % 256 for f in taken)
    assert len(taken) < 40 and grabber.captured == 120
    wasted = len(converted) - len(taken)  # converted, then replaced by a newer frame before it was taken
    assert wasted <= 0.25 * len(taken), (len(converted), len(taken))
    ahead = sum(name == "formcheck-capture" for _, name in source.converted_on)
    assert ahead == grabber.converted_ahead and ahead >= 0.7 * len(taken)


def test_the_picture_to_draw_on_is_prepared_on_the_capture_thread_while_the_consumer_waits() -> None:
    """The grabber's ``canvas`` (the live loop's mirrored copy) is made with the model's picture on the capture
    thread for the frames the consumer is expected to take, once a frame: the consumer, which draws as soon as
    it has the frame's pose, finds it made. A canvas the grabber was not given is made on the caller's thread."""
    made_on: list[tuple[int, str]] = []

    def mirrored(image: np.ndarray) -> np.ndarray:
        made_on.append((int(image[0, 0, 0]), threading.current_thread().name))
        return image[:, ::-1].copy()

    source = PendingListSource(60, 0.005)
    taken: list[int] = []
    with LatestFrameGrabber(source, canvas=mirrored) as grabber:
        while (item := grabber.get(timeout_s=1.0)) is not None:
            time.sleep(0.02)  # the model
            canvas = item.canvas(mirrored)
            assert canvas is item.canvas(mirrored) and int(canvas[0, 0, 0]) == item.frame.index % 256
            taken.append(item.frame.index)
            other = item.canvas(lambda image: image.copy())
            assert other is not canvas and int(other[0, 0, 0]) == item.frame.index % 256
    made = [i for i, _ in made_on]
    assert len(made) == len(set(made)) and set(taken) <= set(made)  # each frame's canvas made once
    ahead = [i for i, name in made_on if name == "formcheck-capture" and i in taken]
    assert len(ahead) >= 0.7 * len(taken), (len(ahead), len(taken))


def test_a_source_without_pending_frames_is_delivered_as_it_comes() -> None:
    source = ListSource(5, 0.002)
    with LatestFrameGrabber(source) as grabber:
        while (item := grabber.get(timeout_s=1.0)) is not None:
            assert isinstance(item.picture, Frame)
    assert grabber.converted == grabber.converted_ahead == 5


def test_a_pending_frame_is_converted_once_whoever_asks() -> None:
    calls: list[str] = []

    def convert() -> np.ndarray:
        calls.append(threading.current_thread().name)
        time.sleep(0.05)
        return np.zeros((4, 4, 3), np.uint8)

    pending = PendingFrame(convert, timestamp_ms=40, index=2)
    other = threading.Thread(target=pending.frame, name="other")
    other.start()
    time.sleep(0.01)
    frame = pending.frame()  # waits for the other thread's conversion
    other.join()
    assert calls == ["other"] and pending.converted
    assert (frame.timestamp_ms, frame.index) == (40, 2) and frame is pending.frame()


def test_a_file_played_as_a_camera_gives_the_same_pictures_converted_late() -> None:
    """Pictures converted after later ones were decoded (as the capture thread leaves them) are the file's
    own: the decoder does not reuse a picture that is still held."""
    from formcheck.sources import VideoFileSource

    with VideoFileSource(CLIP) as file:
        expected = [(f.timestamp_ms, f.index, f.image_bgr) for f in file]
    source = PacedFileSource(CLIP, clock=FakeClock(), sleep=lambda s: None)
    try:
        pending = list(source.pending())  # every picture decoded first, none converted
        late = [(p.timestamp_ms, p.index, p.frame().image_bgr) for p in reversed(pending)][::-1]
    finally:
        source.close()
    assert len(late) == len(expected) > 10
    for (ts, i, image), (ts_e, i_e, image_e) in zip(late, expected):
        assert (ts, i) == (ts_e, i_e) and np.array_equal(image, image_e)
