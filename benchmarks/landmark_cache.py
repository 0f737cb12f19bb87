"""Per-clip caches of MediaPipe's landmarks, keyed by the video's sha256.

The model is the slow part of an analysis; the measuring and counting passes are fast. Caching each clip's
:class:`~formcheck.series.PoseSeries` lets the benchmarks and the regression gates re-run formcheck's own
measuring-and-counting path (:func:`formcheck.passes.measure_and_count`) on every clip in seconds.
"""

from __future__ import annotations

from pathlib import Path

from formcheck.analyze import file_sha256 as sha256
from formcheck.series import PoseSeries


def cache_file(cache_dir: Path, video: Path) -> Path:
    return cache_dir / f"{video.stem}.npz"


def build(video: Path, cache_dir: Path) -> Path:
    """Runs the pose stage over every frame of ``video`` (as analyze's first pass does) and stores it."""
    from formcheck.passes import landmark_pass
    from formcheck.pose import PoseEstimator
    from formcheck.sources import VideoFileSource

    with VideoFileSource(video) as source, PoseEstimator() as estimator:
        series = landmark_pass(source, estimator)
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = cache_file(cache_dir, video)
    series.save_npz(out, video_sha256=sha256(video))
    return out


def load(video: Path, cache_dir: Path) -> tuple[PoseSeries, str]:
    """The cached series of ``video`` and the sha256 of the video it was made from."""
    series, extra = PoseSeries.load_npz(cache_file(cache_dir, video))
    return series, str(extra.get("video_sha256", ""))


def is_fresh(video: Path, cache_dir: Path) -> bool:
    path = cache_file(cache_dir, video)
    if not path.is_file():
        return False
    return load(video, cache_dir)[1] == sha256(video)


def ensure(video: Path, cache_dir: Path, *, refresh: bool = False, log=print) -> PoseSeries:  # noqa: ANN001
    """The clip's series, running the model first when there is no cache or the video changed."""
    if refresh or not is_fresh(video, cache_dir):
        log(f"running MediaPipe on {video.name} ...")
        build(video, cache_dir)
    return load(video, cache_dir)[0]
