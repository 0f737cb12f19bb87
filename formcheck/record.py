"""A session's record: one typed schema for what ``analyze --exercise`` and ``live`` produce, and what the
history stores, reports and exports.

Both commands write one ``summary.json`` shape (:mod:`formcheck.summary`: schema version, session id, start
time, the exercise's counts under ``"exercise"``, the neutral under ``"neutral"``). :meth:`SessionRecord.
from_result_dir` reads it (``summary.json`` + ``reps.csv``, and ``frames.csv`` for the measurement confidence)
into one :class:`SessionRecord`, and also the shapes written before it (live's ``"session"`` and
``"calibration"`` blocks); :meth:`SessionRecord.to_json` / :meth:`SessionRecord.from_json` round-trip it. The
schema is documented field by field in ``docs/record.md``.

Schema (version :data:`SCHEMA_VERSION`), top level:

- ``schema_version``, ``session_id`` (a UUID derived from ``analysis_key``), ``analysis_key`` (sha256 of what
  makes two analyses the same: the video's sha256, exercise, target, prescription, neutral, model and
  formcheck version; for a live session the session's own files), ``started_at`` (ISO 8601 with offset),
  ``mode`` (``analyze`` or ``live``);
- ``source`` (name, sha256, duration_s, fps, frames), ``exercise`` (name, title, metric, target band,
  prescription), ``neutral`` (how it was found, and its values);
- ``counts`` (full / partial / prescribed per side), ``reps`` (each with ``rom_deg``), ``best_rom_deg`` per
  side, ``asymmetry`` (``deg`` = left - right, ``percent`` = 100 |L - R| / max(L, R)), ``holds``, ``cues``;
- ``confidence`` (detection rate, mean visibility of the rep metric), ``pain`` (0-10 before / after and the
  warning when it rose by :data:`PAIN_RISE_WARNING` or more), ``formcheck_version``, ``model`` (path, sha256),
  ``interrupted``, ``result_dir``.

Angles are degrees (``_deg``), times seconds (``_s``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from formcheck import __version__
from formcheck.errors import FormcheckError

SCHEMA_VERSION = 1
SUMMARY_NAME = "summary.json"
REPS_NAME = "reps.csv"
FRAMES_NAME = "frames.csv"
#: The record a run leaves beside its outputs (written when the session is added to the history).
RECORD_NAME = "record.json"
#: A rise of pain (after - before, 0-10 scale) from which the session carries a warning.
PAIN_RISE_WARNING = 2
PAIN_WARNING = (
    "Your pain rose by {rise} points during this session. Do not push further: stop this exercise for today. "
    "If the pain stays, see a physiotherapist or doctor; get care at once for tingling, numbness, weakness "
    "in an arm or leg, or loss of bladder or bowel control."
)


class RecordError(FormcheckError):
    """A result folder that cannot be read as a session (missing or malformed ``summary.json``)."""

    exit_code = 2


@dataclass(frozen=True)
class Target:
    """The exercise's target band on ``metric`` (degrees, relative to neutral unless absolute)."""

    metric: str
    lo_deg: float
    hi_deg: float


@dataclass(frozen=True)
class Prescription:
    """What was prescribed: ``count`` reps (or holds of ``hold_s``) in ``sets`` sets, per side or not."""

    kind: str
    count: int
    hold_s: float
    sets: int
    per_side: bool


@dataclass(frozen=True)
class SideCount:
    """Full and partial reps on one side (``"all"`` for unsided exercises) against ``prescribed``."""

    side: str
    full: int
    partial: int
    prescribed: int


@dataclass(frozen=True)
class RepRow:
    """One row of ``reps.csv`` read back, typed: every column, at the file's precision (what
    :attr:`formcheck.AnalysisResult.reps` gives a script, and what :class:`Rep` is taken from).

    The three rep types differ for a reason: :class:`formcheck.exercises.counting.RepRecord` is the counter's
    rep as it happened (full precision; it writes this row, ``duration_s`` derived, ``confidence`` NaN when not
    assessed); this is that row read back from the file (``confidence`` None when not assessed); :class:`Rep`
    is a rep of the session record (``record.json``, the history), the versioned subset ``docs/record.md``
    documents, with ``side`` ``"all"`` for an unsided exercise.
    """

    index: int
    side: str
    start_s: float
    end_s: float
    duration_s: float
    peak_deg: float
    rom_deg: float
    time_in_target_s: float
    hold_s: float
    reached_target: bool
    share_of_target: float
    complete: bool
    cues: tuple[str, ...] = ()
    confidence: float | None = None  #: 0-1 (docs/confidence.md); None when not assessed

    @classmethod
    def from_csv_row(cls, row: dict[str, str]) -> RepRow:
        """From a ``csv.DictReader`` row; KeyError or ValueError when a column is missing or malformed."""
        def num(name: str) -> float:
            return float(row[name])

        def flag(name: str) -> bool:
            return row[name].strip().lower() == "true"

        cues = tuple(c for c in (row.get("cues") or "").split("; ") if c)
        return cls(index=int(row["index"]), side=row["side"], start_s=num("start_s"), end_s=num("end_s"),
                   duration_s=num("duration_s"), peak_deg=num("peak_deg"), rom_deg=num("rom_deg"),
                   time_in_target_s=num("time_in_target_s"), hold_s=num("hold_s"),
                   reached_target=flag("reached_target"), share_of_target=num("share_of_target"),
                   complete=flag("complete"), cues=cues,
                   confidence=float(row["confidence"]) if row.get("confidence") else None)


@dataclass(frozen=True)
class Rep:
    """One rep of the session record (``record.json``, the history; ``docs/record.md``): ``rom_deg`` is the
    furthest distance from neutral. Taken from a :class:`RepRow` (:meth:`of_row`), without the row's
    ``duration_s`` and ``time_in_target_s``, ``side`` ``"all"`` for an unsided exercise; changing its fields
    changes the record's schema (:data:`SCHEMA_VERSION`)."""

    index: int
    side: str
    start_s: float
    end_s: float
    peak_deg: float
    rom_deg: float
    hold_s: float
    reached_target: bool
    share_of_target: float
    complete: bool
    cues: tuple[str, ...] = ()
    #: how much to trust the rep's numbers, 0-1 (docs/confidence.md); None when not assessed
    confidence: float | None = None

    @classmethod
    def of_row(cls, row: RepRow) -> Rep:
        return cls(index=row.index, side=row.side or "all", start_s=row.start_s, end_s=row.end_s,
                   peak_deg=row.peak_deg, rom_deg=row.rom_deg, hold_s=row.hold_s, reached_target=row.reached_target,
                   share_of_target=row.share_of_target, complete=row.complete, cues=row.cues,
                   confidence=row.confidence)


@dataclass(frozen=True)
class Holds:
    """Holds against the prescription: every rep's longest hold, how many lasted ``prescribed_s``."""

    prescribed_s: float
    held_s: tuple[float, ...]
    full: int
    best_s: float


@dataclass(frozen=True)
class Pain:
    """Pain on a 0-10 scale before and after the session (None: not asked or skipped)."""

    before: int | None = None
    after: int | None = None

    def __post_init__(self) -> None:
        for name in ("before", "after"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int) and 0 <= value <= 10):
                raise ValueError(f"pain {name} must be a whole number from 0 to 10, got {value!r}")

    @property
    def rise(self) -> int | None:
        return None if self.before is None or self.after is None else self.after - self.before

    @property
    def warning(self) -> str | None:
        """The advice to stop and seek care when pain rose by :data:`PAIN_RISE_WARNING` points or more."""
        rise = self.rise
        return PAIN_WARNING.format(rise=rise) if rise is not None and rise >= PAIN_RISE_WARNING else None


@dataclass(frozen=True)
class Source:
    """Where the frames came from: a file's name (as given), its sha256 when known, length and rate."""

    name: str
    sha256: str | None
    duration_s: float
    fps: float
    frames: int


@dataclass(frozen=True)
class Confidence:
    """How much to trust the numbers: share of frames with a person, the mean landmark visibility (0-1)
    of the rep metric over the frames with a person (None when ``frames.csv`` is not there), and the reps'
    confidence (docs/confidence.md: the mean over the reps, and how many fell below the trust threshold;
    None when the reps were not assessed)."""

    detection_rate: float
    metric_visibility: float | None = None
    reps_mean: float | None = None
    reps_untrusted: int | None = None

    @classmethod
    def of(cls, detection_rate: float, metric_visibility: float | None, reps: tuple[Rep, ...],
           trust_min: float) -> Confidence:
        values = [r.confidence for r in reps if r.confidence is not None]
        if not values:
            return cls(detection_rate, metric_visibility)
        return cls(detection_rate, metric_visibility, round(sum(values) / len(values), 3),
                   sum(v < trust_min for v in values))


@dataclass(frozen=True)
class SessionRecord:
    """One session of one exercise (see the module docstring and ``docs/record.md``)."""

    session_id: str
    analysis_key: str
    started_at: str
    mode: str
    source: Source
    exercise: str
    title: str
    metric: str
    target: Target
    prescription: Prescription
    counts: tuple[SideCount, ...]
    reps: tuple[Rep, ...]
    best_rom_deg: dict[str, float | None]
    asymmetry_deg: float | None
    asymmetry_percent: float | None
    holds: Holds | None
    cues: dict[str, int]
    neutral: dict[str, Any] | None
    confidence: Confidence
    formcheck_version: str
    model_sha256: str
    model_path: str = ""
    pain: Pain = field(default_factory=Pain)
    interrupted: bool = False
    result_dir: str = ""
    schema_version: int = SCHEMA_VERSION

    # ------------------------------------------------------------------------------------- derived
    @property
    def started(self) -> datetime:
        return datetime.fromisoformat(self.started_at)

    @property
    def sides(self) -> tuple[str, ...]:
        return tuple(c.side for c in self.counts)

    def count(self, side: str) -> SideCount | None:
        return next((c for c in self.counts if c.side == side), None)

    @property
    def pain_warning(self) -> str | None:
        return self.pain.warning

    def with_pain(self, pain: Pain) -> SessionRecord:
        return replace(self, pain=pain)

    # ------------------------------------------------------------------------------------- (de)serialising
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["pain"]["warning"] = self.pain.warning
        return d

    def to_json(self, *, indent: int | None = 2) -> str:
        """The record as JSON (no NaN: missing values are null)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SessionRecord:
        version = d.get("schema_version")
        if version != SCHEMA_VERSION:
            raise RecordError(f"a session record of schema version {version!r}; this formcheck reads version "
                              f"{SCHEMA_VERSION}: upgrade formcheck")
        d = dict(d)
        pain = dict(d.pop("pain") or {})
        pain.pop("warning", None)
        holds = d.pop("holds")
        return cls(
            **{k: v for k, v in d.items() if k not in {"source", "target", "prescription", "counts", "reps",
                                                         "confidence"}},
            source=Source(**d["source"]),
            target=Target(**d["target"]),
            prescription=Prescription(**d["prescription"]),
            counts=tuple(SideCount(**c) for c in d["counts"]),
            reps=tuple(Rep(**(r | {"cues": tuple(r.get("cues") or ())})) for r in d["reps"]),
            holds=None if holds is None else Holds(**(holds | {"held_s": tuple(holds["held_s"])})),
            confidence=Confidence(**d["confidence"]),
            pain=Pain(**pain),
        )

    @classmethod
    def from_json(cls, text: str) -> SessionRecord:
        return cls.from_dict(json.loads(text))

    # ------------------------------------------------------------------------------------- from a run
    @classmethod
    def from_result_dir(cls, result_dir: Path, *, video_sha256: str | None = None, started_at: datetime | None = None,
                        pain: Pain | None = None, use_saved: bool = True) -> SessionRecord:
        """The record of the session an ``analyze --exercise`` or ``live`` run wrote into ``result_dir``.

        A ``record.json`` already there (left when the session was added to the history) is read as it is.
        Otherwise ``summary.json`` and ``reps.csv`` are read (either command's shape), and ``frames.csv`` for
        the confidence when present.

        Args:
            video_sha256: the analysed video's sha256; default: hashed from ``source.name`` when that file is
                still there (relative names are tried from the result folder's parent and the current folder).
            started_at: when the session happened; default: a live session's end (``summary.json``'s time)
                minus its length, an analysed video's modification time, else ``summary.json``'s time.
            pain: pain before / after (overrides what a ``record.json`` holds).
            use_saved: read a ``record.json`` found there; False: build the record afresh from the run's
                files (right after a run, when a ``record.json`` there may be an earlier run's).

        Raises:
            RecordError: no ``summary.json``, or not a session of an exercise.
        """
        result_dir = Path(result_dir)
        saved = result_dir / RECORD_NAME
        if use_saved and saved.is_file():
            record = cls.from_json(saved.read_text(encoding="utf-8"))
            record = replace(record, result_dir=str(result_dir.resolve()))
            if started_at is not None:
                record = replace(record, started_at=_iso(started_at))
            return record.with_pain(pain) if pain is not None else record
        summary_path = result_dir / SUMMARY_NAME
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RecordError(f"{result_dir} has no {SUMMARY_NAME}: give the folder that formcheck analyze or "
                              "formcheck live wrote its results into") from None
        except (OSError, ValueError) as exc:
            raise RecordError(f"{summary_path} cannot be read as JSON ({exc}): re-run the analysis") from None
        live = summary.get("mode") == "live"
        ex = summary_exercise(summary)
        if ex is None:
            raise RecordError(f"{result_dir} holds no exercise session: analyse with --exercise NAME to count one")
        reps = _read_reps(result_dir / REPS_NAME)
        src = summary.get("source") or {}
        video = None
        if not live and video_sha256 is None:
            video_sha256 = src.get("sha256")  # analyze writes it since schema version 1
            video = _find_video(str(src.get("name", "")), result_dir) if video_sha256 is None else None
            if video is not None:
                video_sha256 = file_sha256(video)
        if started_at is None and summary.get("started_at"):
            started_at = datetime.fromisoformat(str(summary["started_at"]))
        if started_at is None:  # a folder written before summary.json had its start time
            if live:
                seconds = float((summary.get("live") or {}).get("seconds") or 0.0)
                started_at = _mtime(summary_path) - _timedelta(seconds)
            else:
                video = video or _find_video(str(src.get("name", "")), result_dir)
                started_at = _mtime(video) if video is not None else _mtime(summary_path)
        neutral = summary_neutral(summary)
        model = summary.get("model") or {}
        target = ex.get("target") or {}
        p = ex.get("prescription") or {}
        holds = ex.get("holds")
        asym = ex.get("asymmetry") or {}
        key = analysis_key(summary, video_sha256) if not live else None
        key = key or _files_key(result_dir, live=live)
        return cls(
            session_id=str(summary.get("session_id") or session_id_of(key)),
            analysis_key=key,
            started_at=_iso(started_at),
            mode="live" if live else "analyze",
            source=Source(name=str(src.get("name", "")), sha256=video_sha256,
                          duration_s=float(src.get("duration_s") or 0.0), fps=float(src.get("fps") or 0.0),
                          frames=int(summary.get("frames") or 0)),
            exercise=str(ex.get("exercise") or ex.get("name")),
            title=str(ex.get("title", "")),
            metric=str(ex.get("metric", "")),
            target=Target(metric=str(target.get("metric", "")), lo_deg=float(target.get("lo", math.nan)),
                          hi_deg=float(target.get("hi", math.nan))),
            prescription=Prescription(kind=str(p.get("kind", "")), count=int(p.get("count", 0)),
                                      hold_s=float(p.get("hold_s", 0.0)), sets=int(p.get("sets", 1)),
                                      per_side=bool(p.get("per_side", False))),
            counts=tuple(SideCount(side=side, full=int(f["full"]), partial=int(f["partial"]),
                                   prescribed=int(f["prescribed"])) for side, f in ex["reps"].items()),
            reps=reps,
            best_rom_deg={k: (None if v is None else float(v)) for k, v in (ex.get("best_rom_deg") or {}).items()},
            asymmetry_deg=asym.get("deg"),
            asymmetry_percent=asym.get("percent"),
            holds=None if not holds else Holds(prescribed_s=float(holds["prescribed_s"]),
                                               held_s=tuple(float(h) for h in holds["held_s"]),
                                               full=int(holds["full"]), best_s=float(holds["best_s"])),
            cues={str(k): int(v) for k, v in (ex.get("cues") or {}).items()},
            neutral=neutral,
            confidence=Confidence.of(float(summary.get("detection_rate") or 0.0),
                                     _metric_visibility(result_dir / FRAMES_NAME, str(ex.get("metric", ""))), reps,
                                     float((ex.get("confidence") or {}).get("trust_min", 0.5))),
            formcheck_version=str(summary.get("formcheck_version", "")),
            model_sha256=str(model.get("sha256", "")),
            model_path=str(model.get("path", "")),
            pain=pain or _summary_pain(summary),
            interrupted=bool(summary.get("interrupted", False)),
            result_dir=str(result_dir.resolve()),
        )

    def save(self, result_dir: Path) -> Path:
        """Writes the record as ``record.json`` into ``result_dir`` (beside the run's other outputs)."""
        path = Path(result_dir) / RECORD_NAME
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.to_json() + "\n", encoding="utf-8")
        tmp.replace(path)
        return path


# ----------------------------------------------------------------------------------------- helpers
def _iso(t: datetime) -> str:
    if t.tzinfo is None:
        t = t.astimezone()  # a naive time is local time
    return t.isoformat(timespec="seconds")


def _timedelta(seconds: float):  # noqa: ANN202
    from datetime import timedelta

    return timedelta(seconds=seconds)


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).astimezone()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _find_video(name: str, result_dir: Path) -> Path | None:
    if not name:
        return None
    path = Path(name)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, result_dir.resolve().parent / path,
                                                     result_dir.resolve().parent.parent / path]
    return next((c for c in candidates if c.is_file()), None)


def summary_exercise(summary: dict[str, Any]) -> dict[str, Any] | None:
    """``summary.json``'s exercise block (``"exercise"``; a live session before schema version 1: ``"session"``),
    or None when the run counted no exercise."""
    for key in ("exercise", "session"):
        ex = summary.get(key)
        if isinstance(ex, dict) and "reps" in ex:
            return ex
    return None


def summary_neutral(summary: dict[str, Any]) -> Any:  # noqa: ANN401
    """``summary.json``'s neutral (``"neutral"``; a live session before schema version 1: ``"calibration"``)."""
    return summary["neutral"] if "neutral" in summary else summary.get("calibration")


def session_id_of(key: str) -> str:
    """The session id made from an analysis key (the same analysis has the same id)."""
    return str(uuid.UUID(key[:32]))


def new_session_id() -> str:
    """A live session's id: a random UUID (a live session is only ever the same as itself)."""
    return str(uuid.uuid4())


def analysis_key(summary: dict[str, Any], video_sha256: str | None) -> str | None:
    """sha256 of what makes two analyses of a video the same (None without the video's sha256)."""
    ex = summary_exercise(summary) or {}
    neutral = summary_neutral(summary)
    if not video_sha256:
        return None
    same = {
        "video_sha256": video_sha256,
        "exercise": ex.get("exercise") or ex.get("name"),
        "metric": ex.get("metric"),
        "target": {k: (ex.get("target") or {}).get(k) for k in ("metric", "lo", "hi")},
        "prescription": ex.get("prescription"),
        "neutral": None if not isinstance(neutral, dict) else {k: neutral.get(k) for k in ("method", "metric",
                                                                                            "values")},
        "model_sha256": (summary.get("model") or {}).get("sha256"),
        "formcheck_version": summary.get("formcheck_version"),
        "interrupted": summary.get("interrupted"),
    }
    return hashlib.sha256(json.dumps(same, sort_keys=True).encode()).hexdigest()


def _files_key(result_dir: Path, *, live: bool) -> str:
    """A live session (or an analysis whose video is gone) is only ever the same as itself: its files' sha256."""
    digest = hashlib.sha256(b"live\0" if live else b"analyze-without-video\0")
    for name in (SUMMARY_NAME, REPS_NAME):
        path = result_dir / name
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _summary_pain(summary: dict[str, Any]) -> Pain:
    """The ratings a live session asked for (``summary.json``'s ``pain``), else none."""
    given = summary.get("pain") or {}
    return Pain(given.get("before"), given.get("after"))


def read_rep_rows(path: Path) -> tuple[RepRow, ...]:
    """The rows of a ``reps.csv``; none when there is no such file. KeyError or ValueError when a row is
    missing a column or holds a malformed value."""
    if not path.is_file():
        return ()
    with open(path, newline="", encoding="utf-8") as f:
        return tuple(RepRow.from_csv_row(row) for row in csv.DictReader(f))


def _read_reps(path: Path) -> tuple[Rep, ...]:
    try:
        return tuple(Rep.of_row(row) for row in read_rep_rows(path))
    except (KeyError, ValueError) as exc:
        raise RecordError(f"{path} is not a reps.csv formcheck wrote ({exc}): re-run the analysis") from None


def _metric_visibility(path: Path, metric: str) -> float | None:
    """Mean visibility of ``metric`` over the frames with a person in ``frames.csv`` (None if not there)."""
    if not path.is_file() or not metric:
        return None
    column = f"{metric}_visibility"
    total, n = 0.0, 0
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or column not in reader.fieldnames:
            return None
        for row in reader:
            if row.get("detected") not in ("True", "true", "1"):
                continue
            try:
                v = float(row[column])
            except (TypeError, ValueError):
                continue
            if math.isfinite(v):
                total += v
                n += 1
    return round(total / n, 3) if n else None
