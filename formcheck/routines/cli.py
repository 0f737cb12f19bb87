"""The ``routines`` and ``routine`` commands. :mod:`formcheck.cli` registers them (:func:`add_commands`) and
calls them (:data:`COMMANDS`); the work is in :mod:`.runner`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from formcheck import NOT_MEDICAL_DEVICE
from formcheck.errors import ConfigError, DisplayError, SourceError
from formcheck.history.cli import _pain as pain_rating  # the same 0-10 check as live's and analyze's
from formcheck.sound.cli import add_sound_options

EXIT_INTERRUPTED = 130


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 <= value <= 600:
        raise argparse.ArgumentTypeError(f"expected seconds from 0 to 600, got {text!r}")
    return value


def add_commands(sub: Any, *, camera: Callable[[str], int | str],  # noqa: ANN401 (argparse's _SubParsersAction)
                 exercise_file: Callable[[argparse.ArgumentParser], None]) -> None:
    """Registers ``routines`` (list, show) and ``routine NAME``; ``camera`` parses ``--camera`` and
    ``exercise_file`` adds ``--exercise-file``, as ``live`` has them."""
    routines = sub.add_parser("routines", help="list the routines, or show one",
                              description="List the routines (several exercises in a row), or show one's "
                              "exercises, prescriptions and rests.")
    routines.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    routines.add_argument("name", nargs="?", default=None, metavar="NAME", help="the routine to show")
    _routine_file(routines)
    exercise_file(routines)

    routine = sub.add_parser("routine", help="coach a routine live: several exercises in a row",
                             description="Coach a routine live: each exercise with its instructions card, view "
                             "check, neutral, countdown and sets, a rest between them, one summary card at the "
                             "end. Keys: n next exercise, q end the routine, space pause, c recalibrate, r reset. "
                             "Saved as one folder per exercise and routine.json; each exercise goes into the "
                             "history. " + NOT_MEDICAL_DEVICE)
    routine.add_argument("name", nargs="?", default=None, metavar="NAME",
                         help="the routine, e.g. thoracic-mobility (see: formcheck routines); may be left out "
                         "when one --routine-file is given")
    where = routine.add_mutually_exclusive_group()
    where.add_argument("--camera", type=camera, default=None, metavar="N",
                       help="camera index (default 0) or a device path such as /dev/video2")
    where.add_argument("--source", type=Path, action="append", default=[], metavar="FILE",
                       help="play a video file as the camera for one exercise: give it once per exercise, in the "
                       "routine's order (for tests and demonstrations)")
    _routine_file(routine)
    exercise_file(routine)
    routine.add_argument("--headless", action="store_true", help="no window (on video files: no rests either)")
    routine.add_argument("--rest", type=_seconds, default=None, metavar="SECONDS",
                         help="seconds of rest between exercises (default: the routine's)")
    routine.add_argument("--out", type=Path, default=None, metavar="DIR",
                         help="output folder (default: formcheck-out/routine-<name>-<date-time>)")
    routine.add_argument("--no-mirror", action="store_true", help="do not mirror the picture like a selfie")
    routine.add_argument("--model", type=Path, default=None, metavar="PATH",
                         help="a pose landmarker .task bundle (default: the bundled full model)")
    routine.add_argument("--force", action="store_true", help="overwrite an earlier routine's files in the folder")
    routine.add_argument("--history", type=Path, default=None, metavar="PATH",
                         help="the history database (default: as for 'formcheck history')")
    routine.add_argument("--no-history", action="store_true", help="do not add the exercises to the history")
    routine.add_argument("--pain-before", type=pain_rating, default=None, metavar="N",
                         help="your pain before the routine, 0 (none) to 10 (worst); asked in the window in front "
                         "of a camera when not given")
    routine.add_argument("--pain-after", type=pain_rating, default=None, metavar="N",
                         help="your pain after the routine, 0-10; a rise of 2 or more prints a warning")
    add_sound_options(routine)


def _routine_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--routine-file", type=Path, action="append", default=[], metavar="PATH",
                        help="a TOML file that adds or replaces a routine (may be given more than once)")


def _load(args: argparse.Namespace) -> dict[str, Any]:
    from formcheck.exercises import load_catalogue
    from formcheck.routines import load_routines

    return load_routines(load_catalogue(args.exercise_file), args.routine_file)


def run_routines(args: argparse.Namespace) -> int:
    """``formcheck routines [show NAME]``."""
    from formcheck.listing import list_or_show
    from formcheck.routines import format_routine, format_routine_list, get_routine

    print(list_or_show(args.action, args.name, _load(args), get=get_routine, format_one=format_routine,
                       format_list=format_routine_list, command="routines", noun="routine"))
    return 0


def _chosen(args: argparse.Namespace, routines: dict[str, Any]) -> Any:  # noqa: ANN401
    from formcheck.routines import get_routine, load_routine_file
    from formcheck.exercises import load_catalogue

    if args.name is not None:
        return get_routine(routines, args.name)
    if len(args.routine_file) == 1:
        return load_routine_file(args.routine_file[0], load_catalogue(args.exercise_file))
    raise ConfigError("say which routine to run: formcheck routine NAME (names: formcheck routines), or give "
                      "your own with --routine-file PATH")


def run_routine_command(args: argparse.Namespace) -> int:
    """``formcheck routine NAME``: runs it; exit 0, or 6 (window lost), 2 (camera lost), 130 (Ctrl-C)."""
    from formcheck.routines.runner import RoutineOptions, run_routine

    routine = _chosen(args, _load(args))
    out = args.out if args.out is not None else Path("formcheck-out") / time.strftime(
        f"routine-{routine.name}-%Y%m%d-%H%M%S")
    options = RoutineOptions(routine=routine, out_dir=out, camera=0 if args.camera is None else args.camera,
                             sources=tuple(args.source), headless=args.headless, mirror=not args.no_mirror,
                             model_path=args.model, force=args.force, rest_s=args.rest, history=args.history,
                             add_to_history=not args.no_history, pain_before=args.pain_before,
                             pain_after=args.pain_after, sound=args.sound, sound_log=args.sound_log)
    result = run_routine(options)
    for part in result["parts"]:
        print(_part_line(part), file=sys.stderr)
    if result["pain"]["warning"]:
        print(f"formcheck: warning: {result['pain']['warning']}", file=sys.stderr)
    ended_by = result["ended_by"]
    if ended_by in ("display_lost", "source_lost"):
        print(f"formcheck: error: {result['problem']}; the routine so far is saved in {out}", file=sys.stderr)
        return DisplayError.exit_code if ended_by == "display_lost" else SourceError.exit_code
    if ended_by == "interrupted":
        print(f"formcheck: interrupted; the routine so far is saved in {out}", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"routine saved in {out}", file=sys.stderr)
    return 0


def _part_line(part: dict[str, Any]) -> str:
    counts = "  ".join(f"{'' if side in ('', 'all') else side + ' '}{c['full']}/{c['prescribed']}"
                       for side, c in part["counts"].items())
    saved = f"; history #{part['history_id']}" if part.get("history_id") is not None else ""
    return f"{part['index'] + 1}. {part['exercise']}: {part['ended_by'] or 'not started'}" + (
        f", {counts}" if counts else "") + saved


COMMANDS = {"routines": run_routines, "routine": run_routine_command}
