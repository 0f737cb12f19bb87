"""The Python API: :func:`analyze` (one video) and :func:`analyze_many` (a batch); their options are one
:class:`~formcheck.options.AnalysisOptions` (:func:`analyze_with` takes it as it is).

What the command line and the batch backends call, and what scripts use::

    import formcheck

    result = formcheck.analyze("plank.mp4", exercise="plank", out="results/plank", write_video=False)
    print(result.summary["frames"], result.detection_rate, len(result.reps))

Importing :mod:`formcheck` stays light: MediaPipe is loaded only when an analysis runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formcheck.options import AnalysisOptions
from formcheck.record import REPS_NAME, SUMMARY_NAME, RepRow, read_rep_rows
from formcheck.sinks import VIDEO_LONG_SIDE_PX

if TYPE_CHECKING:
    from formcheck.batch.index import BatchResult
    from formcheck.exercises import Exercise

__all__ = ["AnalysisOptions", "AnalysisResult", "RepRow", "analyze", "analyze_many", "analyze_with",
           "default_out_dir"]


@dataclass(frozen=True)
class AnalysisResult:
    """What one analysis produced.

    Attributes:
        video: the analysed video.
        out_dir: the folder holding ``summary.json``, ``frames.csv`` (and ``reps.csv``, ``annotated.mp4``).
        summary: the contents of ``summary.json``.
        reps: the reps of ``reps.csv`` (empty without an exercise).
    """

    video: Path
    out_dir: Path
    summary: dict[str, Any] = field(repr=False)
    reps: tuple[RepRow, ...] = ()

    @property
    def frames(self) -> int:
        return int(self.summary["frames"])

    @property
    def detection_rate(self) -> float:
        return float(self.summary["detection_rate"])

    @property
    def interrupted(self) -> bool:
        return bool(self.summary.get("interrupted"))

    @property
    def truncated(self) -> bool:
        return bool(self.summary.get("source", {}).get("truncated"))

    @property
    def seconds(self) -> float | None:
        return (self.summary.get("processing") or {}).get("seconds")

    @classmethod
    def from_folder(cls, video: Path, out_dir: Path, summary: dict[str, Any] | None = None) -> AnalysisResult:
        """Reads a finished output folder (``summary.json`` and ``reps.csv``)."""
        out_dir = Path(out_dir)
        if summary is None:
            summary = json.loads((out_dir / SUMMARY_NAME).read_text(encoding="utf-8"))
        reps = read_rep_rows(out_dir / REPS_NAME) if summary.get("exercise") else ()
        return cls(video=Path(video), out_dir=out_dir, summary=summary, reps=reps)


def default_out_dir(video: str | os.PathLike[str]) -> Path:
    """Where ``formcheck analyze VIDEO`` writes without ``--out``: ``formcheck-out/<stem>``."""
    return Path("formcheck-out") / Path(video).stem


def _resolve_exercise(exercise: str | Exercise | None, exercise_files: Sequence[Path]) -> Exercise | None:
    if exercise is None and not exercise_files:
        return None
    if exercise is not None and not isinstance(exercise, str):
        return exercise
    from formcheck.exercises import get_exercise, load_catalogue

    catalogue = load_catalogue(list(exercise_files))  # the files are checked first, as the CLI always did
    if exercise is None:
        from formcheck.errors import ConfigError

        raise ConfigError("--exercise-file needs --exercise NAME to say which exercise to count")
    return get_exercise(catalogue, exercise)


def analyze(
    video: str | os.PathLike[str],
    *,
    exercise: str | Exercise | None = None,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    write_video: bool = True,
    model: str | os.PathLike[str] | None = None,
    progress: bool = False,
    calibrate_s: float | None = None,
    exercise_files: Sequence[str | os.PathLike[str]] = (),
    video_size: int | None = VIDEO_LONG_SIDE_PX,
    chunks: int | None = None,
) -> AnalysisResult:
    """Analyses one video file; writes ``summary.json``, ``frames.csv`` (``reps.csv`` with an exercise, and
    ``annotated.mp4`` unless ``write_video=False``) into ``out`` (default ``formcheck-out/<stem>``).

    The keywords other than ``out`` and ``progress`` are the fields of :class:`AnalysisOptions` (see each
    field for its meaning), with the same names and defaults; :func:`analyze_with` takes them as one value.

    Args:
        video: the video file.
        exercise: an exercise name from the catalogue (``formcheck exercises``) or an Exercise; None measures
            angles only, without counting reps.
        out: the output folder. An earlier run's results there are refused unless ``force``.
        model: a pose model file (default: the committed one).
        progress: draw a progress bar on stderr.
        calibrate_s: learn the neutral from the first N seconds (default: where the person rests).
        exercise_files: extra exercise TOML files for the catalogue.
        video_size: the annotated video's long side in pixels at most (default 1280); None keeps the source's
            size.
        chunks: run the landmark pass in this many stretches of the video at once (default: by the video's
            length and size and this machine's CPUs, see ``docs/performance.md``); 1 reads it in one pass.

    Raises:
        formcheck.errors.FormcheckError: SourceError, ModelError, OutputError, ConfigError with a message that
            says how to fix it. A stop signal is not an error: the result says ``interrupted``.
    """
    given = locals()  # every option by its name: a keyword added for a new option cannot be left out here
    options = AnalysisOptions(**{name: given[name] for name in AnalysisOptions.names()})
    return analyze_with(video, options, out=out, progress=progress)


def analyze_with(
    video: str | os.PathLike[str],
    options: AnalysisOptions,
    *,
    out: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> AnalysisResult:
    """:func:`analyze` with its options as one :class:`AnalysisOptions` (what the command line, the batch's
    workers and its Ray tasks call)."""
    from formcheck.analyze import analyze_video

    if not isinstance(options, AnalysisOptions):
        raise TypeError(f"options must be a formcheck.AnalysisOptions, got {type(options).__name__}")
    chosen = _resolve_exercise(options.exercise, options.exercise_files)
    out_dir = Path(out) if out is not None else default_out_dir(video)
    summary = analyze_video(Path(video), out_dir, model_path=options.model, force=options.force, progress=progress,
                            calibrate_s=options.calibrate_s, write_video=options.write_video, exercise=chosen,
                            video_long_side_px=options.video_size, chunks=options.chunks)
    return AnalysisResult.from_folder(Path(video), out_dir, summary)


def analyze_many(
    videos: Iterable[str | os.PathLike[str]],
    *,
    out: str | os.PathLike[str],
    options: AnalysisOptions | None = None,
    jobs: int | None = None,
    backend: str = "local",
    ray_address: str | None = None,
    progress: bool = False,
    **option_keywords: Any,
) -> BatchResult:
    """Analyses many videos (files, or folders searched for video files) into one folder each under ``out``,
    with the index ``out/batch.csv`` (video, status, frames, detection rate, reps, seconds, error).

    A video that fails gets its row and its one-line error; the others go on. Videos whose complete results
    are already there are skipped (``force`` redoes them). Ctrl-C stops the batch with the index complete for
    what finished.

    Args:
        options: what each video's analysis does (:class:`AnalysisOptions`); or give its fields as keywords
            (``write_video=False``), as :func:`analyze` takes them, not both.
        jobs: how many videos at once (see ``backend``).
        backend: ``"local"``: this process (``jobs`` 1, the default) or ``jobs`` worker processes (spawned,
            the model loaded once per worker). ``"ray"`` (needs ``pip install 'formcheck[ray]'``): one Ray task
            per video, at most ``jobs`` at once (default: the cluster's CPUs), the model loaded once per Ray
            worker, on the cluster at ``ray_address`` or, without one, on a Ray started on this machine for the
            batch (a Ray this process already started with ``ray.init`` is used as it is). The videos and
            ``out`` must be at the same paths on every node (see :mod:`formcheck.batch.ray_backend`).
        ray_address: the Ray cluster (``HOST:PORT``, ``auto``, ``ray://HOST:10001``); only with ``"ray"``.
        progress: a progress bar over the whole batch on stderr (the videos draw none of their own).

    Raises:
        formcheck.errors.ConfigError: no videos, a bad option, an unknown exercise; Ray not installed or its
            cluster not reachable.
        TypeError: a keyword that is not an option, or ``options`` and option keywords both.
    """
    from formcheck.batch.local import run_batch

    if options is None:
        options = AnalysisOptions.from_keywords(option_keywords)
    elif not isinstance(options, AnalysisOptions):
        raise TypeError(f"options must be a formcheck.AnalysisOptions, got {type(options).__name__}")
    elif option_keywords:
        raise TypeError(f"give the options as options=AnalysisOptions(...) or as keywords, not both (got "
                        f"options and {', '.join(sorted(option_keywords))})")
    return run_batch(videos, out=Path(out), options=options, jobs=jobs, backend=backend, ray_address=ray_address,
                     progress=progress)
