"""The ``formcheck`` command line. The only place that configures logging and turns errors into exits.

Any :class:`~formcheck.errors.FormcheckError` becomes one line on stderr and a non-zero exit; Ctrl-C exits
with 130 after the work so far is saved (``analyze`` also on SIGTERM and SIGHUP: 128 + the signal's number,
143 and 129, as a shell reports a job ended by that signal).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from formcheck import NOT_MEDICAL_DEVICE, __version__
from formcheck.errors import ConfigError, DisplayError, FormcheckError, OutputError, SourceError
from formcheck.sound.cli import add_sound_options
from formcheck.interrupt import exit_code as signal_exit_code
from formcheck.options import MIN_VIDEO_SIZE_PX, AnalysisOptions
from formcheck.sinks import VIDEO_LONG_SIDE_PX

log = logging.getLogger("formcheck")

EXIT_INTERRUPTED = 130
#: The output's reader closed the pipe (``| head``): 128 + SIGPIPE (13), as a shell reports a tool it ended.
EXIT_CLOSED_PIPE = 141


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as ConfigError (one line, exit code of a config error)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ConfigError(f"{message} (see: {self.prog} --help)")


def _video_size(text: str) -> int | None:
    """``--video-size``: a long side in pixels, or ``source`` (None: the source's own size)."""
    if text.strip().lower() == "source":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of pixels such as 1280, or 'source', got {text!r}") from None
    if value < MIN_VIDEO_SIZE_PX:
        raise argparse.ArgumentTypeError(f"expected {MIN_VIDEO_SIZE_PX} pixels or more (or 'source'), got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="formcheck",
        description="Measures trunk rotation and thoracic extension in back-mobility exercises. "
        + NOT_MEDICAL_DEVICE,
    )
    parser.add_argument("--version", action="version", version=f"formcheck {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug messages and MediaPipe's own log")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    from formcheck.history import cli as history_cli  # the history and report commands live there

    analyze = sub.add_parser("analyze", help="analyse a video file (or many)", description="Analyse a video file: "
                             "annotated video, frames.csv and summary.json in the output folder. Given several "
                             "videos or a folder: one folder per video under --out and the index batch.csv.")
    analyze.add_argument("video", type=Path, nargs="+", help="the video file to analyse; or several, or folders "
                         "(searched for video files)")
    analyze.add_argument("--out", type=Path, default=None, metavar="DIR",
                         help="output folder (default: formcheck-out/<video name> in the current folder; for a "
                         "batch, the folder of the video folders and batch.csv, default formcheck-out)")
    analyze.add_argument("--jobs", type=int, default=None, metavar="N",
                         help="a batch: analyse N videos at once in worker processes (default 1)")
    analyze.add_argument("--backend", choices=["local", "ray"], default="local",
                         help="a batch: where it runs; ray: one Ray task per video on a Ray cluster (--ray-address) "
                         "or, without one, on a Ray started on this machine (pip install 'formcheck[ray]'); "
                         "--jobs N then caps the videos at once (default: the cluster's CPUs)")
    analyze.add_argument("--ray-address", default=None, metavar="ADDR",
                         help="with --backend ray: the cluster's head, HOST:PORT, 'auto' (the one 'ray start' runs "
                         "here) or ray://HOST:10001; the videos and --out must be at the same paths on every node")
    analyze.add_argument("--model", type=Path, default=None, metavar="PATH",
                         help="a pose landmarker .task bundle (default: the bundled full model)")
    analyze.add_argument("--calibrate", type=_positive_float, default=None, metavar="SECONDS",
                         help="take the person's neutral from the first SECONDS with a person in view (default: "
                         "where the person rests, found over the whole recording; see summary.json's neutral)")
    analyze.add_argument("--exercise", default=None, metavar="NAME",
                         help="count reps and holds of this exercise and draw form feedback; writes reps.csv "
                         "(see: formcheck exercises)")
    _add_exercise_file(analyze)
    analyze.add_argument("--no-video", action="store_true", help="skip the annotated video (faster)")
    analyze.add_argument("--video-size", type=_video_size, default=VIDEO_LONG_SIDE_PX, metavar="PX|source",
                         help=f"the annotated video's long side at most, in pixels (default {VIDEO_LONG_SIDE_PX}); "
                         "'source' keeps the video's own size")
    analyze.add_argument("--force", action="store_true", help="replace the outputs of an earlier run in the output "
                         "folder (all of them, also those this run does not write: a folder holds one run)")
    analyze.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    history_cli.add_session_options(analyze)

    exercises = sub.add_parser("exercises", help="list the exercise catalogue, or show one exercise",
                               description="List the exercise catalogue, or show one exercise's targets, camera "
                               "view, prescription, instructions and safety notes.")
    exercises.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    exercises.add_argument("name", nargs="?", default=None, metavar="NAME", help="the exercise to show")
    _add_exercise_file(exercises)

    live = sub.add_parser("live", help="coach an exercise live from a camera",
                          description="Coach an exercise live from a camera (or a video file played as one) in a "
                          "window: instructions, view check, neutral calibration, countdown, sets, summary. Keys: "
                          "q quit, space pause, c recalibrate, n next side, r reset. In front of a camera it asks for your "
                          "pain (0-10) before and after. The session is saved like an analysis (frames.csv, reps.csv, "
                          "summary.json) and added to the history. " + NOT_MEDICAL_DEVICE)
    live.add_argument("--exercise", required=True, metavar="NAME", help="the exercise, e.g. seated-thoracic-rotation")
    where = live.add_mutually_exclusive_group()
    # default None, not 0: argparse counts an option given its default value as absent, so "--camera 0
    # --source FILE" slipped past the group's check
    where.add_argument("--camera", type=_camera, default=None, metavar="N",
                       help="camera index (default 0, usually the built-in one) or a device path such as /dev/video2")
    where.add_argument("--source", type=Path, default=None, metavar="FILE",
                       help="play a video file as if it were a camera (at its own frame rate)")
    _add_exercise_file(live)
    live.add_argument("--headless", action="store_true", help="no window (for machines with no display)")
    live.add_argument("--record", type=Path, default=None, metavar="FILE", help="keep the annotated video in FILE (.mp4)")
    live.add_argument("--out", type=Path, default=None, metavar="DIR",
                      help="output folder (default: formcheck-out/live-<exercise>-<date-time> in the current folder)")
    live.add_argument("--no-mirror", action="store_true", help="do not mirror the picture like a selfie")
    live.add_argument("--model", type=Path, default=None, metavar="PATH",
                      help="a pose landmarker .task bundle (default: the bundled full model)")
    live.add_argument("--force", action="store_true", help="overwrite outputs already in the output folder")
    history_cli.add_session_options(live)  # in a window in front of a camera the pain is asked, unless given
    add_sound_options(live)
    history_cli.add_commands(sub)
    from formcheck.routines import cli as routines_cli

    routines_cli.add_commands(sub, camera=_camera, exercise_file=_add_exercise_file)
    return parser


def _add_exercise_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exercise-file", type=Path, action="append", default=[], metavar="PATH",
                        help="a TOML file that adds or overrides exercises (may be given more than once)")


def _camera(text: str) -> int | str:
    """A camera index (``0``, ``1``...) or a device path / URL for OpenCV."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or text.startswith("-"):
        raise argparse.ArgumentTypeError(f"expected a camera number such as 0 or 1, got {text!r}")
    return text


@contextlib.contextmanager
def _native_logs_silenced(enabled: bool) -> Iterator[None]:
    """Sends MediaPipe's and FFmpeg's native log lines (written straight to file descriptor 2) to /dev/null.

    Python's own stderr (progress bar, warnings, errors) keeps writing to the real stderr through a
    duplicate of the original descriptor.
    """
    if not enabled:
        yield
        return
    try:
        sys.stderr.flush()
        saved_fd = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    original_stderr = sys.stderr
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = os.fdopen(os.dup(saved_fd), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        sys.stderr = original_stderr


def _configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("formcheck: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logging.getLogger("formcheck").setLevel(logging.DEBUG if verbose else logging.WARNING)


def analysis_options(args: argparse.Namespace) -> AnalysisOptions:
    """The options of ``formcheck analyze``'s flags (the same for one video and a batch). ``--calibrate``
    absent: the neutral is found where the person rests (:mod:`formcheck.passes`)."""
    return AnalysisOptions(exercise=args.exercise, exercise_files=tuple(args.exercise_file),
                           calibrate_s=args.calibrate, write_video=not args.no_video, video_size=args.video_size,
                           model=args.model, force=args.force)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from formcheck.api import analyze_with, default_out_dir
    from formcheck.history.cli import check_analyze_options, record_session

    options = analysis_options(args)
    if len(args.video) > 1 or _is_dir(args.video[0]) or args.backend != "local" or args.ray_address is not None:
        return _cmd_analyze_many(args, options)
    args.video = args.video[0]  # one video: as it always was
    check_analyze_options(args)
    out = args.out if args.out is not None else default_out_dir(args.video)
    result = analyze_with(args.video, options, out=out, progress=not args.quiet)
    summary = result.summary
    record_session(args, out, summary)  # record.json, the pain warning, and the history (unless --no-history)
    frames = summary["frames"]
    if summary["source"]["truncated"]:
        print(f"formcheck: error: {summary['source']['problem']}; the {frames} frames before that are analysed in "
              f"{out}: re-export or re-record the video to analyse all of it", file=sys.stderr)
        return SourceError.exit_code
    if summary["interrupted"]:
        by = summary.get("interrupted_by") or "SIGINT"
        how = "" if by == "SIGINT" else f" by {by}"
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone: the exit code still tells
            print(f"formcheck: interrupted{how} after {frames} frames; the results so far are saved in {out}",
                  file=sys.stderr)
        return signal_exit_code(signal.Signals[by])
    if not args.quiet:
        print(f"{frames} frames, person detected in {summary['detection_rate']:.0%}; results in {out}",
              file=sys.stderr)
        if summary.get("exercise"):
            from formcheck.summary import count_lines

            print(f"{summary['exercise']['name']}: " + "; ".join(count_lines(summary["exercise"])), file=sys.stderr)
    return 0


def _is_dir(path: Path) -> bool:
    """A folder holding video files (a batch); a folder without any is refused by the one-video path, which says
    that it is a folder."""
    try:
        if not path.is_dir():
            return False
    except OSError:  # a name too long for the system: the single-video path says so
        return False
    from formcheck.batch.local import VIDEO_EXTENSIONS

    return any(p.suffix.lower() in VIDEO_EXTENSIONS for p in path.rglob("*") if p.is_file())


def _cmd_analyze_many(args: argparse.Namespace, options: AnalysisOptions) -> int:
    """Many videos: one folder each under --out and OUT/batch.csv; exit 0, 8 (some failed) or 130 (Ctrl-C)."""
    from formcheck.api import analyze_many

    if args.pain_before is not None or args.pain_after is not None:
        raise ConfigError("--pain-before / --pain-after belong to one session: give them with a single video")
    out = args.out if args.out is not None else Path("formcheck-out")
    batch = analyze_many(args.video, out=out, options=options, jobs=args.jobs, backend=args.backend,
                         ray_address=args.ray_address, progress=not args.quiet)
    for row in batch.failed:
        print(f"formcheck: error: {row.video}: {row.error}", file=sys.stderr)
    counts: dict[str, int] = {}
    for row in batch.rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    text = ", ".join(f"{n} {status}" for status, n in counts.items())
    if batch.interrupted:
        print(f"formcheck: interrupted; {text}; the index is {batch.index_path}", file=sys.stderr)
    elif not args.quiet or batch.failed:
        print(f"{len(batch.rows)} videos: {text}; the index is {batch.index_path}", file=sys.stderr)
    return batch.exit_code


def _cmd_exercises(args: argparse.Namespace) -> int:
    from formcheck.exercises import format_exercise, format_exercise_list, get_exercise, load_catalogue

    from formcheck.listing import list_or_show

    print(list_or_show(args.action, args.name, load_catalogue(args.exercise_file), get=get_exercise,
                       format_one=format_exercise, format_list=format_exercise_list, command="exercises",
                       noun="exercise"))
    return 0


def _cmd_live(args: argparse.Namespace) -> int:
    import time

    from formcheck.history.cli import record_session
    from formcheck.live import LiveOptions, run_live

    out = args.out if args.out is not None else Path("formcheck-out") / time.strftime(f"live-{args.exercise}-%Y%m%d-%H%M%S")
    camera = 0 if args.camera is None else args.camera
    options = LiveOptions(exercise=args.exercise, out_dir=out, camera=camera, source=args.source,
                          headless=args.headless, record=args.record, mirror=not args.no_mirror,
                          model_path=args.model, force=args.force, exercise_files=tuple(args.exercise_file),
                          pain_before=args.pain_before, pain_after=args.pain_after,
                          sound=args.sound, sound_log=args.sound_log)
    summary = run_live(options)
    ended_badly = summary["display"]["lost"] or summary["source"]["lost"] or summary["interrupted"]
    record_session(args, out, summary, announce=not ended_badly)  # record.json, the pain warning, the history
    if summary["display"]["lost"]:
        print(f"formcheck: error: {summary['display']['problem']}; the session so far is saved in {out}",
              file=sys.stderr)
        return DisplayError.exit_code
    if summary["source"]["lost"]:
        print(f"formcheck: error: {summary['source']['problem']}; the session so far is saved in {out}",
              file=sys.stderr)
        return SourceError.exit_code
    if summary["interrupted"]:
        print(f"formcheck: interrupted; the session so far is saved in {out}", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"session saved in {out}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code.

    A reader that goes away before all the output is written (``formcheck exercises show NAME | head -1``) ends
    the run quietly with :data:`EXIT_CLOSED_PIPE`, as a shell reports a Unix tool ended by SIGPIPE.
    """
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # a closed pipe shows here, not as a message when Python exits
    except BrokenPipeError:
        # Python's recipe (signal module, "Note on SIGPIPE"): nothing more goes to the closed pipe
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_CLOSED_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except ConfigError as exc:
        print(f"formcheck: error: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.command is None:  # plain ``formcheck``: the help, as --help gives it; not an error
        parser.print_help()
        return 0
    with _native_logs_silenced(not args.verbose):
        _configure_logging(args.verbose)
        try:
            from formcheck.history.cli import COMMANDS as history_commands
            from formcheck.routines.cli import COMMANDS as routine_commands

            handler = {"analyze": _cmd_analyze, "exercises": _cmd_exercises, "live": _cmd_live,
                       **history_commands, **routine_commands}[args.command]
            return handler(args)
        except FormcheckError as exc:
            print(f"formcheck: error: {exc}", file=sys.stderr)
            return exc.exit_code
        except OSError as exc:
            # Inputs (video, model, exercise files) are checked where they are opened; an output name (--out,
            # --record) longer than the system allows can still surface here.
            if exc.errno != errno.ENAMETOOLONG:
                raise
            name = str(exc.filename or "")
            shown = name if len(name) <= 80 else f"{name[:40]}...{name[-20:]} ({len(name)} characters)"
            print(f"formcheck: error: the name {shown} is longer than this system allows for a file or folder: "
                  "choose a shorter --out (or --record) name", file=sys.stderr)
            return OutputError.exit_code
        except KeyboardInterrupt as exc:  # a second stop signal: stopped at once
            with contextlib.suppress(OSError):
                print("formcheck: interrupted", file=sys.stderr)
            return signal_exit_code(getattr(exc, "signum", None))
