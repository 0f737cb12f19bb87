"""The ``history`` and ``report`` commands, and what ``analyze`` and ``live`` add to the history.

:mod:`formcheck.cli` only registers these (:func:`add_commands`, :func:`add_session_options`) and calls them
(:data:`COMMANDS`, :func:`check_analyze_options`, :func:`record_session`); the work is here and in the
store, report and export modules.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from formcheck.errors import ConfigError, HistoryError
from formcheck.history.store import HistoryStore, StoredSession
from formcheck.record import SUMMARY_NAME, Pain, RecordError, SessionRecord


# --------------------------------------------------------------------------------------------- parsing
def _pain(text: str) -> int:
    if not text.strip().isdigit() or not 0 <= int(text) <= 10:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 (no pain) to 10 (worst), got {text!r}")
    return int(text)


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2026-03-01, got {text!r}") from None


def _history_option(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    # In the subcommands the default is SUPPRESS so that 'history --history X show 1' keeps X.
    parser.add_argument("--history", type=Path, default=argparse.SUPPRESS if suppress else None, metavar="PATH",
                        help="the history database (default: $FORMCHECK_HOME/history.sqlite3, else "
                        "~/.local/share/formcheck/history.sqlite3 or the platform's data folder)")


def _filters(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--exercise", default=default, metavar="NAME", help="only this exercise's sessions")
    parser.add_argument("--since", type=_date, default=default, metavar="DATE",
                        help="only sessions from DATE on (e.g. 2026-03-01)")


def add_session_options(parser: argparse.ArgumentParser) -> None:
    """``analyze``'s and ``live``'s history options: ``--history PATH``, ``--no-history``,
    ``--pain-before/after N``."""
    _history_option(parser)
    analyze = parser
    analyze.add_argument("--no-history", action="store_true",
                         help="do not add this session to the history")
    analyze.add_argument("--pain-before", type=_pain, default=None, metavar="N",
                         help="your pain before the session, 0 (none) to 10 (worst); kept in the history")
    analyze.add_argument("--pain-after", type=_pain, default=None, metavar="N",
                         help="your pain after the session, 0-10; a rise of 2 or more prints a warning")


def add_commands(sub: Any) -> None:  # noqa: ANN401 (argparse's private _SubParsersAction)
    """Registers ``history`` (list, show, delete, import, export) and ``report`` on the main parser."""
    history = sub.add_parser("history", help="your past sessions: list, show, delete, import, export",
                             description="Your past sessions, one line each: date, exercise, reps per side against "
                             "the prescription, best range of motion per side, asymmetry, pain before/after.")
    _history_option(history)
    _filters(history)
    actions = history.add_subparsers(dest="history_action", metavar="ACTION", parser_class=type(history))
    show = actions.add_parser("show", help="one session in full")
    show.add_argument("id", metavar="ID", help="the session's ID (first column of 'formcheck history')")
    show.add_argument("--json", action="store_true", help="print the session record as JSON")
    delete = actions.add_parser("delete", help="remove one session from the history")
    delete.add_argument("id", metavar="ID", help="the session's ID")
    imp = actions.add_parser("import", help="add result folders of earlier analyze or live runs")
    imp.add_argument("dirs", nargs="+", type=Path, metavar="DIR",
                     help="a result folder (with summary.json), or a folder holding several")
    export = actions.add_parser("export", help="export the sessions as CSV, JSON or a FHIR R4 Bundle")
    export.add_argument("--format", choices=["csv", "json", "fhir"], default="csv")
    export.add_argument("--out", type=Path, default=None, metavar="FILE", help="write to FILE (default: print)")
    export.add_argument("--force", action="store_true", help="replace FILE if it exists")
    for p in (show, delete, imp, export):
        _history_option(p, suppress=True)
    _filters(export, suppress=True)

    report = sub.add_parser("report", help="an HTML report of your progress, for you and your physiotherapist",
                            description="One self-contained HTML file (plots embedded, no network): per exercise, "
                            "range of motion per session against the target, left vs right, reps and holds against "
                            "the prescription, the days exercised, pain before/after and the measurements' "
                            "confidence.")
    _history_option(report)
    _filters(report)
    report.add_argument("--out", type=Path, default=Path("formcheck-report.html"), metavar="FILE",
                        help="the HTML file (default: formcheck-report.html)")
    report.add_argument("--force", action="store_true", help="replace FILE if it exists")


# --------------------------------------------------------------------------------------------- analyze
def check_analyze_options(args: argparse.Namespace) -> None:
    """Before an analysis: pain needs an exercise (it belongs to a session)."""
    pain_given = getattr(args, "pain_before", None) is not None or getattr(args, "pain_after", None) is not None
    if pain_given and getattr(args, "exercise", None) is None:
        raise ConfigError("--pain-before / --pain-after belong to an exercise session: add --exercise NAME")


def record_session(args: argparse.Namespace, out: Path, summary: dict[str, Any], *,
                   announce: bool = True) -> SessionRecord | None:
    """After ``analyze --exercise`` or ``live``: the session's record (with the pain ratings) goes to
    ``OUT/record.json`` and, unless ``--no-history``, into the history. A pain rise of 2 or more prints the
    warning. ``announce``: say that the session was added (not when the run ends with an error line).

    An analysis stopped half-way (Ctrl-C) is not kept: the video can be analysed again. A live session stopped
    by Ctrl-C is (marked ``interrupted``): the reps it counted happened and cannot be recorded again.
    """
    live = summary.get("mode") == "live"
    if not summary.get("exercise") or (summary.get("interrupted") and not live):
        return None  # no session, or an analysis stopped half-way: nothing to keep
    # live: the ratings asked in the window or given as flags are in summary.json's pain
    pain = None if live else Pain(getattr(args, "pain_before", None), getattr(args, "pain_after", None))
    record = SessionRecord.from_result_dir(out, pain=pain, use_saved=False)
    record.save(out)
    if record.pain.warning:
        print(f"formcheck: warning: {record.pain.warning}", file=sys.stderr)
    if getattr(args, "no_history", False):
        return record
    try:
        with HistoryStore(getattr(args, "history", None)) as store:
            added = store.add(record)
    except HistoryError as exc:
        raise HistoryError(f"{exc} (the session itself is saved in {out})") from None
    if announce and not getattr(args, "quiet", False):
        verb = "added to" if added.added else "already in"
        print(f"session #{added.id} {verb} the history {store.path}", file=sys.stderr)
    return record


# --------------------------------------------------------------------------------------------- history
def run_history(args: argparse.Namespace) -> int:
    action = getattr(args, "history_action", None)
    with HistoryStore(args.history) as store:
        if action is None:
            sessions = store.sessions(exercise=args.exercise, since=args.since)
            print(format_table(sessions) if sessions else
                  f"no sessions in the history {store.path} yet: analyse one with formcheck analyze VIDEO "
                  "--exercise NAME, or add earlier results with formcheck history import DIR")
            return 0
        if action == "show":
            stored = store.get(args.id)
            print(stored.record.to_json() if args.json else format_session(stored))
            return 0
        if action == "delete":
            record = store.delete(args.id)
            print(f"deleted session {args.id}: {record.exercise} of {_when(record)}")
            return 0
        if action == "import":
            return _import(store, args.dirs)
        if action == "export":
            return _export(store, args)
    raise ConfigError(f"unknown history action {action!r} (see: formcheck history --help)")


def _import(store: HistoryStore, dirs: Sequence[Path]) -> int:
    found: list[Path] = []
    for d in dirs:
        if not d.is_dir():
            raise ConfigError(f"{d} is not a folder: give result folders that formcheck analyze or live wrote")
        found += [d] if (d / SUMMARY_NAME).is_file() else sorted(p.parent for p in d.rglob(SUMMARY_NAME))
    if not found:
        raise ConfigError(f"no summary.json in {', '.join(map(str, dirs))}: give the folders formcheck analyze "
                          "or formcheck live wrote their results into")
    added = 0
    for folder in found:
        try:
            record = SessionRecord.from_result_dir(folder)
        except RecordError as exc:
            print(f"skipped {folder}: {exc}")
            continue
        result = store.add(record)
        added += result.added
        verb = "added" if result.added else "already in the history"
        print(f"#{result.id} {verb}: {record.exercise} of {_when(record)} ({folder})")
    print(f"{added} session{'s' if added != 1 else ''} added to {store.path}")
    return 0


def _export(store: HistoryStore, args: argparse.Namespace) -> int:
    from formcheck.history.export import export, write_new_file

    sessions = store.sessions(exercise=getattr(args, "exercise", None), since=getattr(args, "since", None))
    text = export(sessions, args.format)
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_new_file(args.out, text, force=args.force)
        print(f"{len(sessions)} sessions exported to {args.out}", file=sys.stderr)
    return 0


def run_report(args: argparse.Namespace) -> int:
    from formcheck.history.export import write_new_file
    from formcheck.history.report import render_report

    with HistoryStore(args.history) as store:
        sessions = store.sessions(exercise=args.exercise, since=args.since)
    if not sessions:
        raise HistoryError("no sessions to report" + (f" for {args.exercise}" if args.exercise else "")
                           + (f" since {args.since:%Y-%m-%d}" if args.since else "")
                           + ": see formcheck history")
    write_new_file(args.out, render_report(sessions), force=args.force)
    print(f"report of {len(sessions)} sessions in {args.out}", file=sys.stderr)
    return 0


COMMANDS = {"history": run_history, "report": run_report}


# --------------------------------------------------------------------------------------------- formatting
def _when(record: SessionRecord) -> str:
    return f"{record.started.astimezone():%Y-%m-%d %H:%M}"


def _side_letter(side: str) -> str:
    return {"left": "L", "right": "R"}.get(side, "")


def _reps_cell(record: SessionRecord) -> str:
    parts = []
    for c in record.counts:
        text = f"{_side_letter(c.side)} {c.full}/{c.prescribed}".strip()
        parts.append(text + (f"+{c.partial}p" if c.partial else ""))
    return "  ".join(parts)


def _rom_cell(record: SessionRecord) -> str:
    parts = [f"{_side_letter(side)} {rom:.0f}".strip() for side, rom in record.best_rom_deg.items() if rom is not None]
    return "  ".join(parts) or "-"


def _pain_cell(record: SessionRecord) -> str:
    p = record.pain
    if p.before is None and p.after is None:
        return "-"
    text = f"{'-' if p.before is None else p.before}->{'-' if p.after is None else p.after}"
    return text + (" !" if p.warning else "")


def format_table(sessions: Sequence[StoredSession]) -> str:
    """The ``formcheck history`` table. Reps: full/prescribed per side, ``+Np`` partial; ROM: best per side in
    degrees; asymmetry: best left - best right in degrees; pain: before->after, ``!`` a rise of 2 or more."""
    header = ["ID", "date", "exercise", "reps (full/prescribed)", "best ROM deg", "asym deg", "pain"]
    rows = [[str(s.id), _when(s.record), s.record.exercise, _reps_cell(s.record), _rom_cell(s.record),
             "-" if s.record.asymmetry_deg is None else f"{s.record.asymmetry_deg:+.1f}", _pain_cell(s.record)]
            for s in sessions]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) if i == 0 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             .rstrip() for row in [header, *rows]]
    warned = sum(bool(s.record.pain.warning) for s in sessions)
    if warned:
        lines.append(f"! pain rose by 2 or more in {warned} session{'s' if warned > 1 else ''}: "
                     "see formcheck history show ID")
    return "\n".join(lines)


def format_session(stored: StoredSession) -> str:
    """``formcheck history show ID``: the session in full, for a person."""
    r = stored.record
    lines = [f"#{stored.id}  {r.title or r.exercise}  {_when(r)}  ({r.mode}: {r.source.name})",
             f"session id {r.session_id}",
             f"target {r.metric} {r.target.lo_deg:g}-{r.target.hi_deg:g} deg; prescribed "
             f"{r.prescription.count} {r.prescription.kind}"
             + (f" of {r.prescription.hold_s:g} s" if r.prescription.hold_s else "")
             + (" per side" if r.prescription.per_side else "") + f" x {r.prescription.sets} set(s)",
             f"reps: {_reps_cell(r)}; best ROM: {_rom_cell(r)} deg"
             + ("" if r.asymmetry_deg is None else f"; asymmetry {r.asymmetry_deg:+.1f} deg ({r.asymmetry_percent}%)")]
    if r.holds:
        lines.append(f"holds: {r.holds.full} of {r.prescription.count * r.prescription.sets * len(r.counts)} "
                     f"lasted {r.holds.prescribed_s:g} s; longest {r.holds.best_s:.1f} s")
    for rep in r.reps:
        lines.append(f"  rep {rep.index:2d} {rep.side:5s} {rep.start_s:6.1f}-{rep.end_s:6.1f} s  ROM {rep.rom_deg:5.1f} "
                     f"deg  hold {rep.hold_s:4.1f} s  {'full' if rep.complete else 'partial'}"
                     + ("" if rep.confidence is None else f"  confidence {rep.confidence:.2f}")
                     + (f"  ({'; '.join(rep.cues)})" if rep.cues else ""))
    vis = r.confidence.metric_visibility
    lines.append(f"confidence: person in {r.confidence.detection_rate:.0%} of frames"
                 + ("" if vis is None else f", landmark visibility {vis:.2f}")
                 + ("" if r.confidence.reps_mean is None else f", reps' confidence {r.confidence.reps_mean:.2f}"
                    + (f" ({r.confidence.reps_untrusted} not measured well enough to trust)"
                       if r.confidence.reps_untrusted else "")))
    lines.append(f"pain before/after: {_pain_cell(r)}")
    if r.pain.warning:
        lines.append(f"warning: {r.pain.warning}")
    lines.append(f"formcheck {r.formcheck_version}, model sha256 {r.model_sha256[:12]}")
    return "\n".join(lines)
