"""Picture size benchmark: how small can a video be before MediaPipe's landmarks degrade?

Each sample clip is downscaled (OpenCV's area filter, aspect kept) to a series of heights and run through
the very passes ``formcheck analyze`` runs (:func:`formcheck.passes.landmark_pass` and
:func:`~formcheck.passes.measure_and_count`). Against the same clip at full size it prints, per height:
the detection rate; the median and 90th-percentile distance of the 12 body landmarks (shoulders to ankles)
in % of the torso length (shoulder midpoint to hip midpoint); the median and 90th-percentile absolute
difference of the exercise's rep metric in degrees; and the rep counts (full, partial per side).

``formcheck.pose.MIN_RELIABLE_SHORT_SIDE_PX`` (the size below which ``formcheck`` warns) comes from this table.
It takes about 15 minutes for all clips and heights.

    .venv/bin/python benchmarks/picture_size.py [--heights 480,360,240,180,144,120,96,80,64,48] [CLIP ...]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from formcheck.exercises import Exercise, get_exercise, load_catalogue
from formcheck.passes import Counted, landmark_pass, measure_and_count
from formcheck.pose import PoseEstimator
from formcheck.series import PoseSeries
from formcheck.sources import SourceInfo, VideoFileSource
from formcheck.types import Frame

ROOT = Path(__file__).resolve().parents[1]
CLIPS = {
    "seated_rotation_front": "seated-thoracic-rotation",
    "standing_rotation_front": "standing-thoracic-rotation",
    "cat_cow_side": "cat-cow",
    "glute_bridge_side": "glute-bridge",
    "scapular_squeeze_side": "scapular-squeeze",
    "thoracic_extension_side": "thoracic-extension",
}
HEIGHTS = (480, 360, 240, 180, 144, 120, 96, 80, 64, 48)
BODY = [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]  # shoulders, elbows, wrists, hips, knees, ankles


class _Frames:
    """A list of frames as a source (what :func:`landmark_pass` reads)."""

    def __init__(self, frames: list[Frame], info: SourceInfo) -> None:
        self.frames, self.info = frames, info

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)


def _run(frames: list[Frame], info: SourceInfo, exercise: Exercise) -> tuple[PoseSeries, Counted]:
    with PoseEstimator() as estimator:
        series = landmark_pass(_Frames(frames, info), estimator)  # type: ignore[arg-type]
    return series, measure_and_count(series, exercise)


def measure_clip(clip: str, exercise: Exercise, heights: tuple[int, ...]) -> None:
    with VideoFileSource(ROOT / "sample_videos" / f"{clip}.mp4") as source:
        full = list(source)
        info = source.info
    width, height = info.resolution_wh
    ref_series, ref_counted = _run(full, info, exercise)
    ref = np.array([ref_series.pose(i).xy_px for i in range(len(ref_series))])
    torso_px = np.nanmean(np.linalg.norm((ref[:, 11] + ref[:, 12]) / 2 - (ref[:, 23] + ref[:, 24]) / 2, axis=1))
    metric = exercise.metrics[0]
    ref_angle = np.array([m.angles.get(metric, np.nan) for m in ref_counted.measurements], float)
    print(f"\n{clip} ({exercise.name}, {metric}; torso {torso_px:.0f} px at {width}x{height})")
    print(f"{'size':>9} {'detected':>8} {'lm med %':>8} {'lm p90 %':>8} {'deg med':>7} {'deg p90':>7}  reps")
    for h in heights:
        w = round(width * h / height)
        if h == height:
            series, counted = ref_series, ref_counted
        else:
            small = [Frame(cv2.resize(f.image_bgr, (w, h), interpolation=cv2.INTER_AREA), f.timestamp_ms, f.index)
                     for f in full]
            small_info = SourceInfo(info.name, (w, h), info.fps, info.frame_count, info.duration_s, info.codec)
            series, counted = _run(small, small_info, exercise)
        xy = np.array([series.pose(i).xy_px for i in range(len(series))]) * (height / h)
        err_pct = np.linalg.norm(xy[:, BODY] - ref[:, BODY], axis=2) / torso_px * 100
        angle = np.array([m.angles.get(metric, np.nan) for m in counted.measurements], float)
        diff_deg = np.abs(angle - ref_angle)
        reps = counted.session_summary.get("reps", {})
        reps_text = " ".join(f"{side or 'all'} {r['full']}+{r['partial']}p" for side, r in reps.items())
        print(f"{w:>4}x{h:<4} {np.mean(~np.isnan(xy[:, 0, 0])):>8.0%} {np.nanmedian(err_pct):>8.2f} "
              f"{np.nanpercentile(err_pct, 90):>8.2f} {np.nanmedian(diff_deg):>7.2f} "
              f"{np.nanpercentile(diff_deg, 90):>7.2f}  {reps_text}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", default=list(CLIPS), metavar="CLIP", help="sample clip names")
    parser.add_argument("--heights", default=",".join(map(str, HEIGHTS)), help="picture heights to try")
    args = parser.parse_args(argv)
    heights = tuple(int(h) for h in args.heights.split(","))
    catalogue = load_catalogue()
    for clip in args.clips:
        measure_clip(clip, get_exercise(catalogue, CLIPS[clip]), heights)
    return 0


if __name__ == "__main__":
    sys.exit(main())
