"""Load and validate routine files (TOML, one routine per file) into :class:`~.model.Routine` records.

The shipped routines live in ``formcheck/routines/catalogue/*.toml``; ``--routine-file PATH`` adds one's own
(a file whose ``name`` is already known replaces that routine). A routine names exercises of the catalogue
(with ``--exercise-file``'s additions) and may change their prescription for the routine (``count``,
``hold_s``, ``sets``) within the limits an exercise file has.

Every problem raises :class:`~formcheck.errors.ConfigError` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from formcheck.errors import ConfigError
from formcheck.exercises.loader import MAX_COUNT, MAX_HOLD_S, MAX_SETS, NAME_PATTERN, _check_text, _Table, read_toml
from formcheck.exercises.model import Exercise
from formcheck.routines.model import Routine, RoutineStep, with_prescription

log = logging.getLogger(__name__)

#: Folder of the shipped routine files.
CATALOGUE_DIR = Path(__file__).parent / "catalogue"
#: Exercises in one routine.
MAX_STEPS = 20
#: Rest between two exercises (seconds): ten minutes.
MAX_REST_S = 600.0
#: Rest when a routine gives none (seconds).
DEFAULT_REST_S = 30.0


def shipped_files() -> list[Path]:
    """The shipped routine files, sorted by name."""
    return sorted(CATALOGUE_DIR.glob("*.toml"))


def read_routine_toml(path: Path) -> dict[str, Any]:
    """The raw table of a routine file; ConfigError naming the file if it cannot be read or parsed."""
    return read_toml(path, "routine", " (see 'formcheck routines')")


def parse_routine(data: Mapping[str, Any], path: Path, exercises: Mapping[str, Exercise]) -> Routine:
    """Validates one routine's raw table (read from ``path``) against the exercise catalogue."""
    t = _Table(path, data)
    name = t.text("name")
    if not NAME_PATTERN.match(name):
        raise t.error("name", f"must be lower-case words joined by '-' (e.g. 'thoracic-mobility'); got {name!r}")
    title = _check_text(t, "title", t.text("title"))
    summary = _check_text(t, "summary", t.text("summary", default=""))
    rest_s = t.number("rest_s", default=DEFAULT_REST_S, minimum=0.0, maximum=MAX_REST_S)
    source = _check_text(t, "source", t.text("source", default=""))
    tables = t.tables("steps")
    if not tables:
        raise t.error("steps", "a routine needs at least one exercise: add [[steps]] tables with exercise = \"NAME\"")
    if len(tables) > MAX_STEPS:
        raise t.error("steps", f"at most {MAX_STEPS} exercises in one routine; got {len(tables)}")
    steps = tuple(_step(s, exercises, rest_s) for s in tables)
    t.finish()
    return Routine(name=name, title=title, summary=summary, steps=steps, source=source, source_file=path)


def _step(t: _Table, exercises: Mapping[str, Exercise], rest_s: float) -> RoutineStep:
    name = t.text("exercise")
    if name not in exercises:
        raise t.error("exercise", f"unknown exercise {name!r}; choose one of: {', '.join(exercises)} "
                                  "(see 'formcheck exercises'; add your own with --exercise-file)")
    exercise = exercises[name]
    p = exercise.prescription
    changes: dict[str, object] = {}
    if "count" in t.data:
        changes["count"] = t.integer("count", minimum=1, maximum=MAX_COUNT)
    if "hold_s" in t.data:
        changes["hold_s"] = t.number("hold_s", minimum=0.0, maximum=MAX_HOLD_S)
    if "sets" in t.data:
        changes["sets"] = t.integer("sets", minimum=1, maximum=MAX_SETS)
    if p.kind == "holds" and changes.get("hold_s", p.hold_s) <= 0:
        raise t.error("hold_s", f"must be above 0: {name} is held (its prescription is holds)")
    step = RoutineStep(exercise=with_prescription(exercise, **changes),
                       rest_s=t.number("rest_s", default=rest_s, minimum=0.0, maximum=MAX_REST_S),
                       note=_check_text(t, "note", t.text("note", default="")))
    t.finish()
    return step


def load_routine_file(path: str | Path, exercises: Mapping[str, Exercise]) -> Routine:
    """One routine file, checked against ``exercises`` (the catalogue)."""
    path = Path(path)
    return parse_routine(read_routine_toml(path), path, exercises)


def load_routines(exercises: Mapping[str, Exercise], extra_files: Iterable[str | Path] = ()) -> dict[str, Routine]:
    """The shipped routines (sorted by name), then each extra file adding or replacing one, in order.

    Raises:
        ConfigError: a file cannot be read, is not valid TOML, or breaks the schema.
    """
    routines: dict[str, Routine] = {}
    for path in [*shipped_files(), *map(Path, extra_files)]:
        routine = load_routine_file(path, exercises)
        if routine.name in routines:
            log.info("%s replaces routine %r", path, routine.name)
        routines[routine.name] = routine
    return routines


def get_routine(routines: Mapping[str, Routine], name: str) -> Routine:
    """The routine called ``name``; ConfigError listing the known names otherwise."""
    try:
        return routines[name]
    except KeyError:
        raise ConfigError(f"unknown routine {name!r}; choose one of: {', '.join(routines)} (see 'formcheck "
                          "routines'; give your own with --routine-file PATH)") from None
