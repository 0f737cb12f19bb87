"""The pass-through check of the batch backends: one AnalysisOptions with every field away from its default,
what each field leaves in a result folder, and a batch of two short sample clips compared with analysing
each clip on its own with the same options."""

from __future__ import annotations

import json
import shutil
from dataclasses import fields
from pathlib import Path
from typing import Any

import cv2

import formcheck
import formcheck.api
from formcheck.options import AnalysisOptions
from formcheck.pose import default_model_path

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"
VIDEOS = ("astronaut_clip.mp4", "empty_room.mp4")  # 30 frames (3 s, a person) and 75 frames (5 s, nobody)
TIMING = ("seconds", "fps", "passes_s")  # summary.json's processing keys that depend on the machine's load
#: Fields left at their default in :func:`every_option`, and why.
KEPT_DEFAULT = {"write_video": "on: video_size shows in the annotated video (the other batch tests use False)"}


def every_option(tmp: Path) -> AnalysisOptions:
    """Every option away from its default (except :data:`KEPT_DEFAULT`), each one visible in the results
    (:func:`assert_applied`): an exercise only the extra exercise file defines, a copy of the model, ..."""
    exercise_file = tmp / "mine.toml"
    exercise_file.write_text('name = "my-plank"\nextends = "plank"\ntitle = "My plank"\n')
    model = tmp / "copy_of_the_model.task"
    shutil.copy(default_model_path(), model)
    options = AnalysisOptions(exercise="my-plank", exercise_files=(exercise_file,), calibrate_s=0.5,
                              write_video=True, video_size=320, model=model, force=True, chunks=2)
    default = AnalysisOptions()
    varied = {f.name for f in fields(options) if getattr(options, f.name) != getattr(default, f.name)}
    assert varied | set(KEPT_DEFAULT) == set(AnalysisOptions.names()), (
        "a new analysis option: give it a value other than its default here, and check it in assert_applied")
    return options


def assert_applied(out_dir: Path, options: AnalysisOptions) -> dict[str, Any]:
    """Each option shows in what the analysis wrote (``force``: the caller put an earlier run there);
    returns the summary."""
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["exercise"]["name"] == options.exercise  # defined only in options.exercise_files
    assert (summary["calibration"] or {}).get("requested_s") == options.calibrate_s
    assert Path(summary["model"]["path"]) == Path(options.model).resolve()
    assert summary["processing"]["landmark_chunks"] == options.chunks
    assert (out_dir / "annotated.mp4").is_file() == options.write_video
    capture = cv2.VideoCapture(str(out_dir / "annotated.mp4"))
    try:
        size_px = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    finally:
        capture.release()
    assert max(size_px) == options.video_size, size_px
    return summary


def _without_timing(summary: dict[str, Any]) -> dict[str, Any]:
    return summary | {"processing": {k: v for k, v in summary["processing"].items() if k not in TIMING}}


def check_batch_passes_every_option(tmp: Path, **batch: Any) -> None:
    """``analyze_many(..., **batch)`` with :func:`every_option` gives, per video, the files of
    ``analyze_with`` with the same options; ``force`` replaces an earlier run already in a video's folder."""
    options = every_option(tmp)
    videos = [SAMPLES / name for name in VIDEOS]
    out = tmp / "batch"
    earlier = formcheck.analyze(videos[0], out=out / videos[0].stem, write_video=False)
    assert earlier.summary["exercise"] is None  # an earlier run the batch must replace (force), not refuse
    result = formcheck.analyze_many(videos, out=out, options=options, **batch)
    assert [r.status for r in result.rows] == ["done", "done"], [r.error for r in result.rows]
    for video in videos:
        alone = formcheck.api.analyze_with(video, options, out=tmp / "alone" / video.stem)
        in_batch = assert_applied(out / video.stem, options)
        assert assert_applied(alone.out_dir, options) == alone.summary
        assert _without_timing(in_batch) == _without_timing(alone.summary)
        for name in ("frames.csv", "reps.csv"):
            assert (out / video.stem / name).read_bytes() == (alone.out_dir / name).read_bytes()
