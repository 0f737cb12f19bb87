"""The batch index ``OUT/batch.csv``: one row per video, rewritten atomically as videos finish."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from formcheck.api import AnalysisResult

INDEX_NAME = "batch.csv"
COLUMNS = ("video", "output", "status", "frames", "detection_rate", "reps", "seconds", "error")

#: Statuses: ``done`` (analysed now), ``skipped`` (complete results already there), ``failed`` (the error
#: column says why), ``truncated`` (the video is cut short: the frames before the damage are analysed),
#: ``interrupted`` (stopped by Ctrl-C: the frames so far are saved; a re-run redoes it), ``pending``.
OK_STATUSES = ("done", "skipped")

#: Exit code of a batch that finished with one or more videos failed or truncated (their rows say why).
EXIT_SOME_FAILED = 8


@dataclass(frozen=True)
class BatchRow:
    """One video's line in ``batch.csv``."""

    video: Path
    output: Path
    status: str = "pending"
    frames: int | None = None
    detection_rate: float | None = None
    reps: int | None = None
    seconds: float | None = None
    error: str = ""

    @classmethod
    def from_summary(cls, video: Path, output: Path, status: str, summary: dict[str, Any], error: str = ""
                     ) -> BatchRow:
        reps = None
        if summary.get("exercise"):
            reps = sum(int(f.get("full", 0)) + int(f.get("partial", 0))
                       for f in summary["exercise"].get("reps", {}).values())
        return cls(video=video, output=output, status=status, frames=summary.get("frames"),
                   detection_rate=summary.get("detection_rate"), reps=reps,
                   seconds=(summary.get("processing") or {}).get("seconds"), error=error)

    def cells(self) -> list[str]:
        def fmt(value: object, spec: str = "") -> str:
            return "" if value is None else format(value, spec)

        return [str(self.video), str(self.output), self.status, fmt(self.frames), fmt(self.detection_rate, ".4f"),
                fmt(self.reps), fmt(self.seconds, ".3f"), " ".join(self.error.split())]


@dataclass
class BatchIndex:
    """The rows of a batch in input order; :meth:`write` replaces ``batch.csv`` atomically."""

    path: Path
    rows: dict[Path, BatchRow] = field(default_factory=dict)

    def set(self, row: BatchRow) -> None:
        self.rows[row.video] = row

    def write(self) -> None:
        tmp = self.path.with_name(self.path.name + ".partial")
        with tmp.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(COLUMNS)
            for row in self.rows.values():
                writer.writerow(row.cells())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


def read_index(path: Path) -> list[dict[str, str]]:
    """The rows of a ``batch.csv`` as dicts (for scripts and tests)."""
    with Path(path).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class BatchResult:
    """What :func:`formcheck.analyze_many` did.

    Attributes:
        out_dir: the batch folder (``batch.csv`` and one folder per video).
        rows: every video's row, in input order.
        results: the analyses done or skipped (complete results), in input order.
        interrupted: Ctrl-C stopped the batch; the rows of the videos not reached say ``pending``.
    """

    out_dir: Path
    rows: tuple[BatchRow, ...]
    results: tuple[AnalysisResult, ...]
    interrupted: bool = False

    @property
    def index_path(self) -> Path:
        return self.out_dir / INDEX_NAME

    @property
    def failed(self) -> tuple[BatchRow, ...]:
        return tuple(r for r in self.rows if r.status in ("failed", "truncated"))

    @property
    def exit_code(self) -> int:
        """0: every video done or skipped; 130: interrupted; 8: one or more failed (see ``batch.csv``)."""
        if self.interrupted:
            return 130
        return EXIT_SOME_FAILED if self.failed else 0
