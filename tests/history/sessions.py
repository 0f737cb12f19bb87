"""Result folders of real ``analyze --exercise`` runs on the sample clips, fast: the model's pass is replayed
from the committed landmark cache (``benchmarks/landmarks``), everything after it (measuring, counting,
frames.csv, reps.csv, summary.json) is analyze's own code."""

from __future__ import annotations

import contextlib
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from formcheck.pose import default_model_path
from formcheck.series import PoseSeries

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_videos"
CACHE = ROOT / "benchmarks" / "landmarks"

#: (clip, calibrate_s): every clip of an exercise once with the default neutral, and the seated rotation
#: clips again with --calibrate (another analysis of the same video), so one exercise has a trend.
ANALYSES: list[tuple[str, float | None]] = [
    ("seated_rotation_front", None), ("seated_rotation_oblique30", None), ("seated_rotation_front", 2.0),
    ("seated_rotation_oblique30", 2.0), ("seated_rotation_front", 3.0),
    ("standing_rotation_front", None), ("standing_rotation_partly_out_of_frame", None),
    ("thoracic_extension_side", None), ("thoracic_extension_side_facing_left", None),
    ("cat_cow_side", None), ("glute_bridge_side", None), ("plank_side", None),
]
#: When each analysis "happened": one every other day from 1 March 2026, 08:00 UTC.
FIRST_DAY = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
#: Pain before / after per session (the fourth rises by 3: a warning).
PAIN = [(3, 2), (2, 2), (4, 3), (2, 5), (3, 3), (None, None), (2, 1), (1, 1), (3, 2), (2, 2), (1, 0), (2, 2)]


def clip_exercise(clip: str) -> str:
    truth = json.loads((SAMPLES / f"{clip}.truth.json").read_text())
    return truth["exercise"]


class ReplayEstimator:
    """Stands in for :class:`formcheck.pose.PoseEstimator`: the cached pose of each frame, by frame index."""

    def __init__(self, series: PoseSeries) -> None:
        self.series = series
        self.model_path = default_model_path()
        self._by_index = {f: i for i, f in enumerate(series.frame_indices)}

    def detect(self, frame):  # noqa: ANN001, ANN201
        return self.series.pose(self._by_index[frame.index])

    def detect_input(self, item):  # noqa: ANN001, ANN201
        """The pipelined pass hands the model a scaled picture (:class:`formcheck.pose.ModelInput`)."""
        return self.series.pose(self._by_index[item.index])

    def __enter__(self) -> ReplayEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def close(self) -> None:
        pass


def analyze_from_cache(clip: str, out: Path, *, calibrate_s: float | None = None) -> Path:
    """``formcheck analyze sample_videos/CLIP.mp4 --exercise EX --no-video`` into ``out``, model replayed."""
    import formcheck.analyze as analyze
    from formcheck.exercises import get_exercise, load_catalogue

    series, _ = PoseSeries.load_npz(CACHE / f"{clip}.npz")
    exercise = get_exercise(load_catalogue(), clip_exercise(clip))
    saved = analyze.PoseEstimator
    analyze.PoseEstimator = lambda model_path=None: ReplayEstimator(series)  # type: ignore[assignment]
    try:
        analyze.analyze_video(SAMPLES / f"{clip}.mp4", out, progress=False, write_video=False, exercise=exercise,
                              calibrate_s=calibrate_s, chunks=1)  # the cache is one landmark pass
    finally:
        analyze.PoseEstimator = saved
    return out


def build_result_dirs(base: Path) -> list[Path]:
    """Every analysis of :data:`ANALYSES` in its own folder under ``base``."""
    dirs = []
    for k, (clip, calibrate_s) in enumerate(ANALYSES):
        suffix = f"-c{calibrate_s:g}" if calibrate_s else ""
        dirs.append(analyze_from_cache(clip, base / f"{k:02d}-{clip}{suffix}", calibrate_s=calibrate_s))
    return dirs


def started_at(k: int) -> datetime:
    return FIRST_DAY + timedelta(days=2 * k, minutes=7 * k)


