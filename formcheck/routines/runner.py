"""``formcheck routine NAME``: each exercise of a routine as a live session, in order, on one window.

Each exercise runs as ``formcheck live`` runs one (:func:`formcheck.live.session.run_session`): its
instructions card, the view check, its own neutral, the countdown and its sets. Between two exercises comes a
rest with its card (what is next and a countdown); at the end one summary card. Keys: ``n`` ends the
exercise and moves on to the next (the rest card: starts the next now), ``q`` ends the routine, the others as
in ``live``.

Saved in the output folder: one folder per exercise (``01-cat-cow/``: ``frames.csv``, ``reps.csv``,
``summary.json`` and ``record.json``, as ``live`` writes them) and ``routine.json``, the routine's own
summary (how each exercise ended, its counts, its history id, the pain before and after the whole routine:
asked in a window in front of a camera, as ``live`` asks it, or given), rewritten after each exercise so an
interrupted routine leaves a complete file. Every exercise whose sets began is added to the history (one
stopped by Ctrl-C too, marked interrupted, as ``live`` keeps one).

Sources: a camera, opened once for the whole routine; or one video file per exercise (``--source`` given once
per exercise, in the routine's order), played as a camera, for tests and demonstrations.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from formcheck import NOT_MEDICAL_DEVICE, __version__
from formcheck.errors import ConfigError, HistoryError
from formcheck.interrupt import StopRequest
from formcheck.live.app import Display, LiveOptions
from formcheck.live.display import DisplayLost, HeadlessDisplay, WindowDisplay, check_display
from formcheck.live.flow import FlowTimings
from formcheck.live.pain import PainCheck
from formcheck.live.sources import CameraSource, PacedFileSource
from formcheck.routines.cards import rest_card, summary_card
from formcheck.routines.model import Routine, RoutineStep
from formcheck.sinks import prepare_output_dir, write_json
from formcheck.sound.coach import SoundCoach
from formcheck.sound.engines import check_sound_log
from formcheck.sources import VideoFileSource

log = logging.getLogger(__name__)

ROUTINE_NAME = "routine.json"
#: The keys line on each exercise's cards during a routine.
ROUTINE_KEYS_HELP = "q end routine   space pause   c recalibrate   n next exercise   r reset"
#: The key that ends the exercise in hand and moves on, and how its end is recorded.
SKIP_KEY, SKIPPED = "n", "skipped"
#: How an exercise's end stops the whole routine (``ended_by`` of the exercise's session).
STOPS_ROUTINE = ("quit", "interrupted", "display_lost", "source_lost")
#: Seconds between two frames of a card.
CARD_FRAME_S = 0.1


@dataclass(frozen=True)
class RoutineOptions:
    """What ``formcheck routine`` was asked to do.

    Attributes:
        routine: the routine (from :func:`formcheck.routines.load_routines`).
        out_dir: where the routine is saved (a folder per exercise and ``routine.json``).
        camera: camera index or device path (used when ``sources`` is empty).
        sources: one video file per exercise, in order, played as a camera.
        headless: no window (and, on video files, no rests: nobody is there to rest).
        mirror, model_path: as for ``live``.
        force: overwrite an earlier routine's files in ``out_dir``.
        rest_s: every rest, in seconds; None: the routine's (0 when headless on video files).
        summary_s: how long the summary card stays (a key closes it sooner; no card when headless).
        timings: each exercise's phases; None: ``live``'s (no cards when headless).
        history: the history database; None: the default one.
        add_to_history: add each exercise to the history.
        pain_before, pain_after: the pain (0-10) before and after the whole routine, given on the command line.
        ask_pain: ask for the pain before the first exercise and after the last in the window; None: when there
            is a window in front of a camera (as ``live`` asks it), never headless.
        sound, sound_log: as for ``live``: one sound coach speaks through the whole routine, and its log holds
            every exercise's sounds in one file.
    """

    routine: Routine
    out_dir: Path
    camera: int | str = 0
    sources: tuple[Path, ...] = ()
    headless: bool = False
    mirror: bool = True
    model_path: Path | None = None
    force: bool = False
    rest_s: float | None = None
    summary_s: float = 8.0
    timings: FlowTimings | None = None
    history: Path | None = None
    add_to_history: bool = True
    pain_before: int | None = None
    pain_after: int | None = None
    ask_pain: bool | None = None
    sound: str = "off"
    sound_log: Path | None = None

    def part_folder(self, index: int) -> str:
        """The folder of exercise ``index`` (from 0): ``01-cat-cow``."""
        return f"{index + 1:02d}-{self.routine.steps[index].name}"

    def rest_after(self, step: RoutineStep) -> float:
        if self.rest_s is not None:
            return self.rest_s
        return 0.0 if self.headless and self.sources else step.rest_s

    def part_options(self, index: int, out: Path) -> LiveOptions:
        step = self.routine.steps[index]
        options = LiveOptions(exercise=step.name, out_dir=out / self.part_folder(index), camera=self.camera,
                              source=self.sources[index] if self.sources else None, headless=self.headless,
                              mirror=self.mirror, model_path=self.model_path, force=True, timings=self.timings)
        # one summary card for the whole routine, none per exercise
        return dataclasses.replace(options, timings=dataclasses.replace(options.flow_timings(), summary_s=0.0))


@dataclass
class PartResult:
    """How one exercise of the routine went (a row of ``routine.json``'s ``parts``)."""

    index: int
    exercise: str
    title: str
    folder: str
    ended_by: str = ""
    completed: bool = False
    started_sets: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    history_id: int | None = None
    rest_s: float = 0.0

    def line(self) -> str:
        """``2. Thoracic extension: 3/3 holds`` (+ how it ended when not all done)."""
        counts = "  ".join(f"{'' if side in ('', 'all') else side[0].upper() + ' '}{c['full']}/{c['prescribed']}"
                           for side, c in self.counts.items())
        how = {"": "not started", SKIPPED: "skipped", "quit": "ended", "source_ended": "video ended",
               "interrupted": "interrupted", "display_lost": "window lost", "source_lost": "camera lost"}
        text = f"{self.index + 1}. {self.title}: {counts or '-'}"
        return text if self.completed else f"{text} ({how.get(self.ended_by, self.ended_by)})"


def check_sources(routine: Routine, sources: tuple[Path, ...]) -> None:
    """One readable video file per exercise, or none (a camera).

    Raises:
        ConfigError: another number of files than of exercises.
        SourceError: a file that cannot be read as a video.
    """
    if sources and len(sources) != len(routine.steps):
        raise ConfigError(f"{routine.name} has {len(routine.steps)} exercises ({', '.join(routine.exercise_names)}): "
                          f"give --source once per exercise, in that order (got {len(sources)})")
    for path in sources:
        VideoFileSource(path).close()


def run_routine(options: RoutineOptions, *, display: Display | None = None,
                clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """Runs the routine to its end and saves it in ``options.out_dir``; returns ``routine.json``'s content.

    Raises:
        ConfigError, SourceError, DisplayError, ModelError, OutputError, HistoryError: with the fix.
    """
    from formcheck.history import HistoryStore

    routine = options.routine
    check_sources(routine, options.sources)
    if options.sound_log is not None:
        check_sound_log(options.sound_log, force=options.force)
    if display is None and not options.headless:
        check_display()
    folders = [options.part_folder(i) for i in range(len(routine.steps))]
    with contextlib.ExitStack() as stack:
        # the camera first: a missing one is reported before any folder or history file is made
        camera = None if options.sources else stack.enter_context(contextlib.closing(CameraSource(options.camera)))
        out = prepare_output_dir(options.out_dir, [ROUTINE_NAME, *folders], force=options.force)
        store = stack.enter_context(HistoryStore(options.history)) if options.add_to_history else None
        if display is None:
            display = HeadlessDisplay() if options.headless else WindowDisplay(f"formcheck - {routine.title}")
        stack.callback(display.close)
        sound = stack.enter_context(SoundCoach(options.sound, options.sound_log))
        with StopRequest() as stop:
            result = RoutineRun(options, out, display, camera, store, clock, sound).run(stop)
    return result


class RoutineRun:
    """One run of a routine: its exercises, rests and cards, and ``routine.json``."""

    def __init__(self, options: RoutineOptions, out: Path, display: Display, camera: CameraSource | None,
                 store: Any, clock: Callable[[], float], sound: Any = None) -> None:  # noqa: ANN401 (a HistoryStore or None; a SoundCoach)
        self.options = options
        self.sound = sound
        self.routine = options.routine
        self.out = out
        self.display = display
        self.camera = camera
        self.store = store
        self.clock = clock
        self.started_at = datetime.now(timezone.utc).astimezone()
        self.parts = [PartResult(i, s.name, s.exercise.title, options.part_folder(i))
                      for i, s in enumerate(self.routine.steps)]
        self.ended_by = ""
        self.problem: str | None = None
        self.size_wh = camera.info.resolution_wh if camera is not None else (640, 480)
        ask = options.ask_pain if options.ask_pain is not None else camera is not None
        self.pain = PainCheck(ask=ask and not options.headless, given_before=options.pain_before,
                              given_after=options.pain_after, title=self.routine.title)

    def run(self, stop: StopRequest) -> dict[str, Any]:
        steps = self.routine.steps
        with contextlib.suppress(DisplayLost):  # a window gone while asking: the first exercise reports it
            self.pain.before(self.display, self.size_wh)
        for i, step in enumerate(steps):
            if stop.requested:  # Ctrl-C between two exercises (while the model loads)
                self.ended_by = "interrupted"
                break
            summary = self._exercise(i, step)
            part = self.parts[i]
            part.ended_by = str(summary.get("ended_by", ""))
            if part.ended_by in STOPS_ROUTINE:
                self.ended_by = part.ended_by
                self.problem = (summary.get("display") or {}).get("problem") or (summary.get("source") or {}).get(
                    "problem")
                self._save()
                break
            if i + 1 < len(steps):
                part.rest_s, why = self._rest(stop, self.options.rest_after(step), i + 1)
                if why:
                    self.ended_by = why
                    self._save()
                    break
            self._save()
        else:
            self.ended_by = "finished"
        if self.ended_by not in ("interrupted", "display_lost"):
            with contextlib.suppress(DisplayLost):  # asked after the routine, with the warning card on a rise
                self.pain.after(self.display, self.size_wh)
            if not self.options.headless:
                self._summary_card(stop)
        return self._save()

    # ------------------------------------------------------------------------------------------ exercises
    def _exercise(self, index: int, step: RoutineStep) -> dict[str, Any]:
        """Runs exercise ``index`` as a live session in its folder; records it; returns its summary."""
        from formcheck.live.session import prepare_session, run_session
        from formcheck.pose import PoseEstimator

        options = self.options.part_options(index, self.out)
        source = self.camera if self.camera is not None else PacedFileSource(options.source)  # type: ignore[arg-type]
        self.size_wh = source.info.resolution_wh
        try:
            prepare_session(options)
            with PoseEstimator(options.model_path) as estimator:
                summary = run_session(options, step.exercise, source, estimator, self.display,
                                      keys_help=ROUTINE_KEYS_HELP, end_keys={SKIP_KEY: SKIPPED}, observer=self.sound)
        finally:
            if self.camera is None:
                source.close()
        self._record(index, Path(options.out_dir), summary)
        return summary

    def _record(self, index: int, folder: Path, summary: dict[str, Any]) -> None:
        """The exercise's record (``record.json``), its counts, and its row in the history when its sets began
        (an exercise skipped before it began is not a session to keep)."""
        from formcheck.record import SessionRecord

        part = self.parts[index]
        part.completed = bool(summary.get("completed"))  # every prescribed rep or hold done
        part.started_sets = _sets_began(folder)
        # kept even when Ctrl-C stopped it (marked interrupted), as live keeps one: its reps happened
        record = SessionRecord.from_result_dir(folder, use_saved=False)
        part.counts = {c.side: {"full": c.full, "partial": c.partial, "prescribed": c.prescribed}
                       for c in record.counts}
        record.save(folder)
        if self.store is not None and part.started_sets:
            try:
                part.history_id = self.store.add(record).id
            except HistoryError as exc:
                raise HistoryError(f"{exc} (the routine so far is saved in {self.out})") from None

    # ------------------------------------------------------------------------------------------ cards
    def _rest(self, stop: StopRequest, rest_s: float, next_index: int) -> tuple[float, str]:
        """The rest before exercise ``next_index``: its card until the time is up or a key starts it.

        Returns the seconds rested and why the routine ends ("" when it goes on)."""
        if rest_s <= 0:
            return 0.0, ""
        started_s = self.clock()
        step = self.routine.steps[next_index]
        while (left := rest_s - (self.clock() - started_s)) > 0:
            key, why = self._card(stop, rest_card(self.size_wh, step, next_index + 1, len(self.routine.steps),
                                                  math.ceil(left)))
            if why or key == "q":
                return round(self.clock() - started_s, 2), why or "quit"
            if key in (" ", SKIP_KEY):
                break
        return round(self.clock() - started_s, 2), ""

    def _summary_card(self, stop: StopRequest) -> None:
        if self.options.summary_s <= 0:
            return
        lines = [p.line() for p in self.parts] + [f"Saved in {self.out}"]
        image = summary_card(self.size_wh, self.routine.title, lines)
        started_s = self.clock()
        while self.clock() - started_s < self.options.summary_s:
            key, why = self._card(stop, image)
            if why or key in ("q", " ", "\r", "\n"):
                return

    def _card(self, stop: StopRequest, image: Any) -> tuple[str | None, str]:  # noqa: ANN401
        """Shows one frame of a card and waits a little; the key pressed, and why the routine must end."""
        try:
            self.display.show(image)
            time.sleep(CARD_FRAME_S)
            key = self.display.poll_key()
        except DisplayLost as exc:
            self.problem = str(exc)
            return None, "display_lost"
        return key, "interrupted" if stop.requested else ""

    # ------------------------------------------------------------------------------------------ saving
    def _save(self) -> dict[str, Any]:
        """Writes ``routine.json`` (atomically) and returns it."""
        data = {
            "formcheck_version": __version__,
            "note": NOT_MEDICAL_DEVICE,
            "mode": "routine",
            "routine": {"name": self.routine.name, "title": self.routine.title,
                        "file": str(self.routine.source_file) if self.routine.source_file else None},
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "ended_by": self.ended_by or "running",
            "interrupted": self.ended_by == "interrupted",
            "problem": self.problem,
            "completed": all(p.completed for p in self.parts),
            "parts": [dataclasses.asdict(p) for p in self.parts],
            "pain": self.pain.as_dict(),
            "history": str(self.store.path) if self.store is not None else None,
        }
        write_json(self.out / ROUTINE_NAME, data)
        return data


def _sets_began(folder: Path) -> bool:
    """The session reached its sets (a ``frames.csv`` row in the active phase)."""
    path = folder / "frames.csv"
    if not path.is_file():
        return False
    with open(path, newline="", encoding="utf-8") as f:
        return any(row.get("phase", "").startswith("active") for row in csv.DictReader(f))
