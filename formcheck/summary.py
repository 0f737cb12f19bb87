"""What every session writes, the same for ``analyze`` and ``live``: the rows of ``frames.csv``, the statistics
gathered frame by frame, the common part of ``summary.json``, and the one text summary of the counts.

``summary.json`` (schema version :data:`formcheck.record.SCHEMA_VERSION`, documented in ``docs/record.md``)
starts with the same keys for both commands (:func:`session_summary`): ``schema_version``, ``session_id``,
``started_at``, ``mode``, ``formcheck_version``, ``note``, ``source``, ``model``, ``interrupted``, the frame
counts, ``views``, ``neutral``, ``exercise`` (``{"name", "title"}`` and the exercise session's counts, or
null without ``--exercise``) and ``metrics``. Each command then adds its own block: analyze ``processing``,
``interrupted_by`` and ``calibration`` (the ``--calibrate`` check); live ``ended_by``, ``display``,
``completed`` and ``live``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from formcheck import NOT_MEDICAL_DEVICE, __version__, geometry
from formcheck.record import SCHEMA_VERSION, file_sha256
from formcheck.types import Measurement


def frames_header(*extra: str) -> list[str]:
    """Columns of ``frames.csv``: time, detection, view, posture, whether the frame was learnt from as the
    neutral, every metric, then each metric's visibility, then ``extra`` (live adds ``phase``). Every row is in
    the same basis (the summary's ``neutral`` says which metrics are relative to it and how it was found)."""
    names = list(geometry.METRIC_NAMES)
    return ["frame_index", "time_s", "detected", "view", "posture", "neutral_frame", *names,
            *(f"{n}_visibility" for n in names), *extra]


def frames_row(frame_index: int, m: Measurement, *, neutral_frame: bool = False) -> dict[str, object]:
    """One row of ``frames.csv`` (the columns of :func:`frames_header` without the extra ones)."""
    row: dict[str, object] = {
        "frame_index": frame_index,
        "time_s": m.timestamp_ms / 1000.0,
        "detected": m.detected,
        "view": m.view,
        "posture": " ".join(m.posture),
        "neutral_frame": neutral_frame,
    }
    row.update(m.angles)
    row.update({f"{name}_visibility": v for name, v in m.visibility.items()})
    return row


@dataclass
class RunningStats:
    """Min, max and mean of a stream of values, ignoring NaN; ``update`` one value at a time."""

    count: int = 0
    total: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    def update(self, value: float) -> None:
        if math.isfinite(value):
            self.count += 1
            self.total += value
            self.minimum = min(self.minimum, value)
            self.maximum = max(self.maximum, value)

    def as_dict(self) -> dict[str, float | int | None]:
        if not self.count:
            return {"frames": 0, "min": None, "max": None, "mean": None}
        return {"frames": self.count, "min": self.minimum, "max": self.maximum, "mean": self.total / self.count}


@dataclass
class FrameStats:
    """What the summary needs, accumulated frame by frame.

    Each metric's min / max / mean counts only the frames whose camera view suits that metric (e.g. trunk
    extension only in side views); ``frames.csv`` still has every value, beside the view.
    """

    frames: int = 0
    frames_with_person: int = 0
    metrics: dict[str, RunningStats] = field(default_factory=lambda: {n: RunningStats() for n in geometry.METRIC_NAMES})
    views: dict[str, int] = field(default_factory=dict)

    def update(self, m: Measurement) -> None:
        self.frames += 1
        self.views[m.view] = self.views.get(m.view, 0) + 1
        if m.detected:
            self.frames_with_person += 1
        for name, value in m.angles.items():
            # A metric's statistics only count frames seen from a view in which it is valid.
            if m.view in geometry.METRICS_BY_NAME[name].views:
                self.metrics[name].update(value)

    @property
    def detection_rate(self) -> float:
        return self.frames_with_person / self.frames if self.frames else 0.0


def session_summary(*, mode: str, session_id: str, started_at: datetime, source: dict[str, Any], model_path: Path,
                    stats: FrameStats, interrupted: bool, neutral: dict[str, Any] | None,
                    exercise: dict[str, Any] | None, outputs: list[str]) -> dict[str, Any]:
    """The keys every ``summary.json`` starts with (see the module docstring); the command adds its own."""
    if started_at.tzinfo is None:
        started_at = started_at.astimezone()
    return {
        "schema_version": SCHEMA_VERSION,
        "session_id": session_id,
        "started_at": started_at.isoformat(timespec="seconds"),
        "mode": mode,
        "formcheck_version": __version__,
        "note": NOT_MEDICAL_DEVICE,
        "source": source,
        "model": {"path": str(model_path), "sha256": file_sha256(model_path)},
        "interrupted": interrupted,
        "frames": stats.frames,
        "frames_with_person": stats.frames_with_person,
        "detection_rate": stats.detection_rate,
        "person_detected": stats.frames_with_person > 0,
        "views": stats.views,
        "neutral": neutral,
        "exercise": exercise,
        "metrics": {name: s.as_dict() for name, s in stats.metrics.items()},
        "outputs": outputs,
    }


def exercise_block(exercise: Any, session_summary_: dict[str, Any]) -> dict[str, Any]:  # noqa: ANN401
    """``summary.json``'s ``exercise``: the exercise's name and title, then the exercise session's summary."""
    return {"name": exercise.name, "title": exercise.title} | session_summary_


def count_lines(ex: dict[str, Any]) -> list[str]:
    """The session's counts in words, one line each, from ``summary.json``'s ``exercise`` block (or
    ``ExerciseSession.summary()``): reps or holds per side (full of prescribed, partial), best range per side,
    longest hold, left/right asymmetry. The live coach's summary card shows these lines; ``analyze`` prints them
    on one line."""
    kind = (ex.get("prescription") or {}).get("kind", "reps")
    lines: list[str] = []
    best = ex.get("best_rom_deg") or {}
    for side, facts in (ex.get("reps") or {}).items():
        label = "All" if side in ("", "all") else side.capitalize()
        text = f"{label}: {facts.get('full', 0)}/{facts.get('prescribed', 0)} {kind}"
        if facts.get("partial"):
            text += f" (+{facts['partial']} partial)"
        if best.get(side) is not None:
            text += f", best range {best[side]:.0f} deg"
        lines.append(text)
    holds = ex.get("holds")
    if holds and holds.get("best_s"):
        lines.append(f"Longest hold: {holds['best_s']:.1f} s of {holds.get('prescribed_s', 0):.0f} s")
    asym = ex.get("asymmetry")
    if asym:
        lines.append(f"Left/right difference in best range: {abs(asym['deg']):.0f} deg ({asym['percent']:.0f}%)")
    if not lines:
        lines.append(f"No {kind} recorded")
    return lines
