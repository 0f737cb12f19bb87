"""What the analysis of one video is asked to do: :class:`AnalysisOptions`.

One frozen value, built once (by :func:`formcheck.analyze`'s keywords, or by the command line from its flags)
and handed whole to :func:`formcheck.api.analyze_with`, to the batch's worker processes and to its Ray tasks,
so that an option is added in one place and a misspelt one is refused where it is given, not in a worker.

Each field's metadata says how the command line sets it (``cli``: the ``formcheck analyze`` flag) or why it
does not (``api_only``); ``tests/test_api_options.py`` fails when a field has neither, or when
:func:`formcheck.analyze`'s keywords and these fields drift apart.

Where the results go (``out``) and whether a progress bar is drawn (``progress``) are the call's, not the
analysis's: a batch has its own folder per video and its own bar.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formcheck.errors import ConfigError
from formcheck.sinks import VIDEO_LONG_SIDE_PX

if TYPE_CHECKING:
    from formcheck.exercises import Exercise

__all__ = ["MIN_VIDEO_SIZE_PX", "AnalysisOptions"]

#: The smallest annotated video's long side: the coach's panels need room.
MIN_VIDEO_SIZE_PX = 160


def _cli(flag: str) -> dict[str, str]:
    return {"cli": flag}


@dataclass(frozen=True)
class AnalysisOptions:
    """Every per-video option of an analysis; picklable (it crosses process and Ray boundaries).

    Values are checked when it is made (:class:`~formcheck.errors.ConfigError`, saying what to give instead);
    paths become :class:`~pathlib.Path` and ``exercise_files`` a tuple.
    """

    exercise: str | Exercise | None = field(default=None, metadata=_cli("--exercise"))
    """An exercise name from the catalogue (``formcheck exercises``), or an Exercise; None measures the angles
    only, without counting reps (no ``reps.csv``)."""

    exercise_files: tuple[Path, ...] = field(default=(), metadata=_cli("--exercise-file"))
    """Extra exercise TOML files that add to or override the catalogue ``exercise`` is looked up in."""

    calibrate_s: float | None = field(default=None, metadata=_cli("--calibrate"))
    """Learn the person's neutral from the first this many seconds with a person in view; None: from where
    the person rests over the whole recording."""

    write_video: bool = field(default=True, metadata=_cli("--no-video"))
    """Write the annotated video ``annotated.mp4`` (about a third of the run's time)."""

    video_size: int | None = field(default=VIDEO_LONG_SIDE_PX, metadata=_cli("--video-size"))
    """The annotated video's long side at most, in pixels (at least :data:`MIN_VIDEO_SIZE_PX`); None keeps the
    source's size. ``frames.csv`` is in the source's pixels either way."""

    model: Path | None = field(default=None, metadata=_cli("--model"))
    """A pose landmarker ``.task`` bundle; None: the bundled full model."""

    force: bool = field(default=False, metadata=_cli("--force"))
    """Replace an earlier run's results in the output folder (refused without it); in a batch, also redo the
    videos whose complete results are already there instead of skipping them."""

    chunks: int | None = field(default=None, metadata={
        "api_only": "a tuning knob for benchmarks and scripts; the command line leaves it to the video's length "
                    "and size and the machine's CPUs (docs/performance.md)"})
    """Run the landmark pass in this many stretches of the video at once; 1 reads it in one pass; None: by the
    video's length and size and this machine's CPUs (a batch running several videos at once uses 1)."""

    def __post_init__(self) -> None:
        from formcheck.exercises import Exercise

        if self.exercise is not None and not (isinstance(self.exercise, Exercise)
                                              or (isinstance(self.exercise, str) and self.exercise.strip())):
            raise ConfigError(f"exercise must be an exercise name such as 'plank' (see: formcheck exercises), an "
                              f"Exercise, or None to measure angles only; got {self.exercise!r}")
        files = self.exercise_files
        if isinstance(files, (str, os.PathLike)):
            raise ConfigError(f"exercise_files must be a list of TOML files, got the single {files!r}: write "
                              f"exercise_files=[{str(files)!r}]")
        if not isinstance(files, Iterable):
            raise ConfigError(f"exercise_files must be a list of TOML files, got {files!r}")
        object.__setattr__(self, "exercise_files", tuple(_path("exercise_files", f) for f in files))
        if self.calibrate_s is not None and not (_is_number(self.calibrate_s) and 0 < self.calibrate_s < math.inf):
            raise ConfigError(f"calibrate_s (--calibrate) must be a positive number of seconds, or None to take "
                              f"the neutral where the person rests; got {self.calibrate_s!r}")
        for name in ("write_video", "force"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.video_size is not None and not (_is_int(self.video_size) and self.video_size >= MIN_VIDEO_SIZE_PX):
            raise ConfigError(f"video_size (--video-size) must be a whole number of pixels, {MIN_VIDEO_SIZE_PX} or "
                              f"more, or None to keep the source's size; got {self.video_size!r}")
        if self.chunks is not None and not (_is_int(self.chunks) and self.chunks >= 1):
            raise ConfigError(f"chunks must be a whole number, 1 or more, or None to choose by the video and the "
                              f"CPUs; got {self.chunks!r}")
        for name in ("video_size", "chunks"):  # numpy's integers too, stored as int
            if getattr(self, name) is not None:
                object.__setattr__(self, name, int(getattr(self, name)))
        if self.calibrate_s is not None:
            object.__setattr__(self, "calibrate_s", float(self.calibrate_s))
        if self.model is not None:
            object.__setattr__(self, "model", _path("model", self.model))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The fields' names, in order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_keywords(cls, keywords: dict[str, Any]) -> AnalysisOptions:
        """Built from keyword arguments (``analyze_many(..., write_video=False)``); a name that is not an option
        is a TypeError that lists the options."""
        unknown = sorted(set(keywords) - set(cls.names()))
        if unknown:
            raise TypeError(f"unknown analysis option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: the "
                            f"options are {', '.join(cls.names())}")
        return cls(**keywords)


def _path(name: str, value: Any) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise ConfigError(f"{name} must be a file path, got {value!r}")
    return Path(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
