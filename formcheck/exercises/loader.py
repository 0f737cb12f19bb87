"""Load and validate exercise files (TOML, one exercise per file) into :class:`~.model.Exercise` records.

The shipped catalogue lives in ``formcheck/exercises/catalogue/*.toml``. A user or physiotherapist adds or
overrides exercises with their own file (``--exercise-file PATH``): a file whose ``name`` is new adds an
exercise, one whose ``name`` is already known replaces it, and ``extends = "NAME"`` starts from a known
exercise and changes only the keys the file gives (tables are merged key by key, lists replaced).

Every problem raises :class:`~formcheck.errors.ConfigError` naming the file, the key and what is allowed;
numbers have upper limits as well as lower ones (:data:`MAX_COUNT`, :data:`MAX_HOLD_S`, ...).
"""

from __future__ import annotations

import logging
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from formcheck.errors import ConfigError
from formcheck.exercises.model import (
    PRESCRIPTION_KINDS,
    REP_MODES,
    SIDES,
    VIEWS,
    Condition,
    Exercise,
    NEUTRAL_FROM,
    FormRule,
    Prescription,
    RepSpec,
    SetupSpec,
    StatusCues,
    TargetSpec,
    VariantSpec,
    ViewSpec,
)
from formcheck.geometry import BODY_PARTS, METRICS_BY_NAME

logger = logging.getLogger(__name__)

#: Folder of the shipped exercise files.
CATALOGUE_DIR = Path(__file__).parent / "catalogue"

#: Metrics an exercise may name that geometry does not compute yet, with the views they will be valid in.
#: An exercise using one loads (its form rules still work) but cannot be counted until geometry has it.
PENDING_METRICS: dict[str, tuple[str, ...]] = {
    "scapular_retraction_deg": ("back", "side"),
}

#: Pseudo-metric a form rule may use: the duration of the rep just finished, checked when it ends (tempo).
REP_DURATION = "rep_duration_s"

#: Words formcheck never shows: it must never urge anyone on through pain.
FORBIDDEN_PHRASES = (
    "push through",
    "push past",
    "work through",
    "fight through",
    "through the pain",
    "ignore the pain",
    "no pain",
    "embrace the pain",
    "feel the burn",
)

NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# Upper limits of an exercise file's numbers: beyond them a value is a slip of the keyboard (``count = 1e24``,
# ``hold_s = 1e308``), not a prescription, and would overflow the coach's counts and timers.
#: Reps or holds per set (per side).
MAX_COUNT = 100
#: Sets in a session.
MAX_SETS = 20
#: A hold, and a rule's tempo limit on a rep's duration (seconds): ten minutes.
MAX_HOLD_S = 600.0
#: How long something must last before it counts: a rep, a rule's breach, settling, keeping still (seconds).
MAX_PHASE_S = 60.0
#: Angles (degrees): thresholds, bands, margins and limits, either way from zero.
MAX_ANGLE_DEG = 360.0
#: Ratio metrics (``*_ratio``), either way from zero.
MAX_RATIO = 10.0
#: A form rule's priority (1 is the most important).
MAX_PRIORITY = 1000

_REQUIRED = object()


def metric_views(metric: str) -> tuple[str, ...] | None:
    """Views a metric is valid in, or None if formcheck knows no such metric."""
    if metric in METRICS_BY_NAME:
        return METRICS_BY_NAME[metric].views
    return PENDING_METRICS.get(metric)


def value_limit(metric: str) -> float:
    """How far from zero a value of ``metric`` may be in an exercise file (its threshold, band or limit)."""
    if metric.endswith("_ratio"):
        return MAX_RATIO
    if metric.endswith("_s"):  # a rule on the rep's duration
        return MAX_HOLD_S
    return MAX_ANGLE_DEG


def known_metrics() -> tuple[str, ...]:
    """Every metric name an exercise file may use (measured now, or pending in geometry)."""
    return tuple(METRICS_BY_NAME) + tuple(PENDING_METRICS)


class _Table:
    """Typed access to one TOML table, remembering which keys were read to report unknown ones."""

    def __init__(self, path: Path, data: Mapping[str, Any], prefix: str = "") -> None:
        self.path = path
        self.data = data
        self.prefix = prefix
        self.read: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def error(self, name: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: key '{self.key(name)}': {message}")

    def _raw(self, name: str, default: Any, what: str) -> Any:
        self.read.add(name)
        if name not in self.data:
            if default is _REQUIRED:
                raise ConfigError(f"{self.path}: missing key '{self.key(name)}' ({what})")
            return default
        return self.data[name]

    def _bad(self, name: str, what: str, value: Any) -> ConfigError:
        return self.error(name, f"must be {what}, got {value!r} ({type(value).__name__})")

    def text(self, name: str, default: Any = _REQUIRED, allowed: Iterable[str] | None = None) -> str:
        value = self._raw(name, default, "a string")
        if not isinstance(value, str):
            raise self._bad(name, "a string", value)
        if allowed is not None:
            allowed = tuple(allowed)
            if value not in allowed:
                raise self.error(name, f"must be one of {', '.join(allowed)}; got {value!r}")
        return value

    def number(self, name: str, default: Any = _REQUIRED, minimum: float | None = None,
               maximum: float | None = None) -> float:
        value = self._raw(name, default, "a number")
        if name not in self.data:
            return float(value)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self._bad(name, "a finite number", value)
        self._check_range(name, value, minimum, maximum)
        return float(value)

    def integer(self, name: str, default: Any = _REQUIRED, minimum: int | None = None,
                maximum: int | None = None) -> int:
        value = self._raw(name, default, "a whole number")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(name, "a whole number", value)
        self._check_range(name, value, minimum, maximum)
        return value

    def _check_range(self, name: str, value: float, minimum: float | None, maximum: float | None) -> None:
        if minimum is not None and value < minimum:
            raise self.error(name, f"must be at least {minimum:g}; got {value!r}")
        if maximum is not None and value > maximum:
            raise self.error(name, f"must be at most {maximum:g}; got {value!r}")

    def flag(self, name: str, default: Any = _REQUIRED) -> bool:
        value = self._raw(name, default, "true or false")
        if not isinstance(value, bool):
            raise self._bad(name, "true or false", value)
        return value

    def texts(self, name: str, default: Any = _REQUIRED, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
        value = self._raw(name, default, "a list of strings")
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self._bad(name, "a list of strings", value)
        if allowed is not None:
            allowed = tuple(allowed)
            wrong = [v for v in value if v not in allowed]
            if wrong:
                raise self.error(name, f"{', '.join(map(repr, wrong))} not allowed; choose from {', '.join(allowed)}")
        return tuple(value)

    def table(self, name: str, required: bool = True) -> _Table:
        value = self._raw(name, _REQUIRED if required else {}, "a table")
        if not isinstance(value, Mapping):
            raise self._bad(name, f"a table ([{self.key(name)}])", value)
        return _Table(self.path, value, f"{self.key(name)}.")

    def tables(self, name: str) -> list[_Table]:
        value = self._raw(name, [], "a list of tables")
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self._bad(name, f"a list of tables ([[{self.key(name)}]])", value)
        return [_Table(self.path, v, f"{self.key(name)}[{i}].") for i, v in enumerate(value)]

    def finish(self) -> None:
        """Raise for keys the schema does not know (typos must not be silently ignored)."""
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            raise ConfigError(
                f"{self.path}: unknown key '{self.key(unknown[0])}'; allowed keys here: {', '.join(sorted(self.read))}"
            )


def _check_text(table: _Table, name: str, text: str) -> str:
    lowered = text.lower()
    for phrase in FORBIDDEN_PHRASES:
        if phrase in lowered:
            raise table.error(name, f"must not urge anyone on through pain (contains {phrase!r}); "
                                    "cues are calm and a safety reminder is fine")
    return text


def _metric(table: _Table, name: str, views: tuple[str, ...], default: Any = _REQUIRED,
            extra: tuple[str, ...] = (), every_view: bool = True) -> str:
    """A metric name, checked against geometry's registry and the exercise's views.

    ``every_view``: the metric must be valid in every allowed view (rep and target metrics); otherwise in at
    least one (form rules, which are only checked in the views their metric is valid in).
    """
    metric = table.text(name, default)
    if metric in extra:
        return metric
    valid_views = metric_views(metric)
    if valid_views is None:
        raise table.error(name, f"unknown metric {metric!r}; known metrics: {', '.join(known_metrics() + extra)}")
    wrong = [v for v in views if v not in valid_views]
    if (wrong if every_view else len(wrong) == len(views)):
        raise table.error(name, f"metric {metric!r} is measured in the {'/'.join(valid_views)} view, "
                                f"but view.allowed includes {', '.join(wrong)}")
    return metric


def _view(t: _Table) -> ViewSpec:
    allowed = t.texts("allowed", allowed=VIEWS)
    if not allowed:
        raise t.error("allowed", f"needs at least one view; choose from {', '.join(VIEWS)}")
    parts = t.texts("parts", default=[], allowed=tuple(BODY_PARTS))
    min_vis = t.number("min_visibility", default=0.5, minimum=0.0)
    if min_vis > 1.0:
        raise t.error("min_visibility", f"must be between 0 and 1; got {min_vis}")
    t.finish()
    return ViewSpec(allowed=allowed, parts=parts, min_visibility=min_vis)


def _rep(t: _Table, views: tuple[str, ...]) -> RepSpec:
    metric = _metric(t, "metric", views)
    if not metric.endswith("_deg"):
        raise t.error("metric", f"must be an angle (a metric ending in _deg); got {metric!r}")
    mode = t.text("mode", allowed=REP_MODES)
    two_way = mode in ("sides", "cycle")
    rep = RepSpec(
        metric=metric,
        mode=mode,
        neutral=t.number("neutral", default=0.0, minimum=-MAX_ANGLE_DEG, maximum=MAX_ANGLE_DEG),
        enter=t.number("enter", minimum=0.0 if two_way else -MAX_ANGLE_DEG, maximum=MAX_ANGLE_DEG),
        exit=t.number("exit", minimum=0.0 if two_way else -MAX_ANGLE_DEG, maximum=MAX_ANGLE_DEG),
        min_duration_s=t.number("min_duration_s", default=0.5, minimum=0.0, maximum=MAX_PHASE_S),
        positive=t.text("positive", default=""),
        negative=t.text("negative", default=""),
    )
    enter_p, exit_p = rep.threshold_progress(rep.enter), rep.threshold_progress(rep.exit)
    if not enter_p > exit_p:
        relation = {"up": "above", "down": "below"}.get(mode, "further from neutral than")
        raise t.error("enter", f"must be {relation} rep.exit for mode {mode!r} (hysteresis: a rep starts further "
                               f"from neutral than it ends); got enter={rep.enter:g}, exit={rep.exit:g}")
    if exit_p < 0:
        raise t.error("exit", f"must be on the rep's side of neutral ({rep.neutral:g}) for mode {mode!r}; "
                              f"got {rep.exit:g}")
    if mode == "sides":
        for key, value in (("positive", rep.positive), ("negative", rep.negative)):
            if value not in SIDES:
                raise t.error(key, f"must be one of {', '.join(SIDES)} (the person's own side) for mode 'sides'; "
                                   f"got {value!r}")
        if rep.positive == rep.negative:
            raise t.error("negative", "must differ from rep.positive")
    elif mode == "cycle":
        for key, value in (("positive", rep.positive), ("negative", rep.negative)):
            if not value:
                raise t.error(key, "must name the phase (e.g. 'cat', 'cow') for mode 'cycle'")
        if rep.positive == rep.negative:
            raise t.error("negative", "must differ from rep.positive")
    else:
        for key, value in (("positive", rep.positive), ("negative", rep.negative)):
            if value:
                raise t.error(key, f"is only allowed for modes 'sides' and 'cycle', not {mode!r}")
    t.finish()
    return rep


def _target(t: _Table, rep: RepSpec, views: tuple[str, ...]) -> TargetSpec:
    metric = _metric(t, "metric", views, default=rep.metric)
    limit = value_limit(metric)
    target = TargetSpec(
        metric=metric,
        lo=t.number("lo", minimum=-limit, maximum=limit),
        hi=t.number("hi", minimum=-limit, maximum=limit),
        margin=t.number("margin", default=2.0, minimum=0.0, maximum=limit),
        source=t.text("source"),
    )
    if not target.lo < target.hi:
        raise t.error("lo", f"must be below target.hi; got lo={target.lo:g}, hi={target.hi:g}")
    if target.metric == rep.metric:
        if rep.mode in ("sides", "cycle") and target.lo < 0:
            raise t.error("lo", f"is a distance from neutral for mode {rep.mode!r} and must be >= 0; got {target.lo:g}")
        near = min(rep.threshold_progress(target.lo), rep.threshold_progress(target.hi))
        if near < rep.threshold_progress(rep.enter):
            raise t.error("lo" if rep.mode != "down" else "hi",
                          f"the target band must start at or beyond rep.enter ({rep.enter:g}), "
                          "or the person would be in target before a rep starts")
    t.finish()
    return target


def _prescription(t: _Table, rep: RepSpec) -> Prescription:
    p = Prescription(
        kind=t.text("kind", allowed=PRESCRIPTION_KINDS),
        count=t.integer("count", minimum=1, maximum=MAX_COUNT),
        hold_s=t.number("hold_s", default=0.0, minimum=0.0, maximum=MAX_HOLD_S),
        sets=t.integer("sets", default=1, minimum=1, maximum=MAX_SETS),
        per_side=t.flag("per_side", default=False),
        source=t.text("source"),
    )
    if p.kind == "holds" and p.hold_s <= 0:
        raise t.error("hold_s", "must be above 0 when prescription.kind is 'holds'")
    if p.per_side and rep.mode != "sides":
        raise t.error("per_side", f"needs rep.mode 'sides' (got {rep.mode!r}): only then are sides told apart")
    t.finish()
    return p


def _setup(t: _Table) -> SetupSpec:
    from formcheck.posture import POSTURES

    neutral_range = None
    raw = t._raw("neutral_range", None, "a list of two numbers [lo, hi]")
    if raw is not None:
        if (not isinstance(raw, list) or len(raw) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in raw)
                or raw[0] >= raw[1]):
            raise t.error("neutral_range", f"must be two finite numbers [lo, hi] with lo < hi; got {raw!r}")
        if max(abs(raw[0]), abs(raw[1])) > MAX_ANGLE_DEG:
            raise t.error("neutral_range", f"must lie within -{MAX_ANGLE_DEG:g}..{MAX_ANGLE_DEG:g} degrees; "
                                           f"got {raw!r}")
        neutral_range = (float(raw[0]), float(raw[1]))
    s = SetupSpec(posture=t.texts("posture", default=[], allowed=POSTURES),
                  settle_s=t.number("settle_s", default=0.3, minimum=0.0, maximum=MAX_PHASE_S),
                  still_s=t.number("still_s", default=1.0, minimum=0.0, maximum=MAX_PHASE_S),
                  still_range=t.number("still_range", default=6.0, minimum=0.0, maximum=MAX_ANGLE_DEG),
                  calibrate_neutral=t.flag("calibrate_neutral", default=True),
                  neutral_from=t.text("neutral_from", default="", allowed=("", *NEUTRAL_FROM)),
                  neutral_range=neutral_range)
    t.finish()
    return s


def _rule(t: _Table, views: tuple[str, ...]) -> FormRule:
    name = t.text("name")
    metric = _metric(t, "metric", views, extra=(REP_DURATION,), every_view=False)
    limit = value_limit(metric)
    rule = FormRule(
        name=name,
        metric=metric,
        cue=_check_text(t, "cue", t.text("cue")),
        priority=t.integer("priority", minimum=1, maximum=MAX_PRIORITY),
        above=t.number("above", default=math.nan, minimum=-limit, maximum=limit),
        below=t.number("below", default=math.nan, minimum=-limit, maximum=limit),
        absolute=t.flag("absolute", default=False),
        from_start=t.flag("from_start", default=False),
        only_in_rep=t.flag("only_in_rep", default=False),
        min_duration_s=t.number("min_duration_s", default=0.3, minimum=0.0, maximum=MAX_PHASE_S),
    )
    if math.isnan(rule.above) and math.isnan(rule.below):
        raise t.error("above", "a rule needs 'above' and/or 'below' (the limits of the metric)")
    if not math.isnan(rule.above) and not math.isnan(rule.below) and rule.below >= rule.above:
        raise t.error("below", f"must be below 'above' (got below={rule.below:g}, above={rule.above:g}): "
                               "the rule fires outside [below, above]")
    t.finish()
    return rule


def _condition(t: _Table, views: tuple[str, ...]) -> Condition:
    metric = _metric(t, "metric", views, every_view=False)
    limit = value_limit(metric)
    c = Condition(metric=metric, above=t.number("above", default=math.nan, minimum=-limit, maximum=limit),
                  below=t.number("below", default=math.nan, minimum=-limit, maximum=limit))
    if math.isnan(c.above) and math.isnan(c.below):
        raise t.error("above", "a condition needs 'above' and/or 'below'")
    if not math.isnan(c.above) and not math.isnan(c.below) and c.below <= c.above:
        raise t.error("below", f"must be above 'above' (got below={c.below:g}, above={c.above:g}): "
                               "the condition holds inside (above, below)")
    t.finish()
    return c


def _variant(t: _Table, views: tuple[str, ...]) -> VariantSpec:
    name = t.text("name")
    when = tuple(_condition(c, views) for c in t.tables("when"))
    if not when:
        raise t.error("when", "a variant needs at least one condition ([[variants.when]])")
    margin = t.number("margin", default=0.0, minimum=0.0, maximum=MAX_ANGLE_DEG)
    t.finish()
    return VariantSpec(name=name, when=when, margin=margin)


def _cues(t: _Table) -> StatusCues:
    fields = ("ready", "start", "below", "in_target", "above", "done")
    cues = StatusCues(**{f: _check_text(t, f, t.text(f)) for f in fields})
    t.finish()
    return cues


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_toml(path: Path, kind: str = "exercise", see: str = "") -> dict[str, Any]:
    """The raw table of a TOML file (an ``kind`` file: exercise, routine); ConfigError naming the file if it
    cannot be read or parsed. ``see`` is added to the fix (e.g. where the shipped files are listed)."""
    fix = f"give the path of a .toml {kind} file{see}"
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {kind} file not found; {fix}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder; {fix}") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the {kind} file ({e.strerror}); {fix}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file; {kind} files are TOML text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None


def parse_exercise(data: Mapping[str, Any], path: Path) -> Exercise:
    """Validate one exercise's raw table (as read from ``path``) into an :class:`Exercise`."""
    t = _Table(path, data)
    t.read.add("extends")  # resolved before parsing
    name = t.text("name")
    if not NAME_PATTERN.match(name):
        raise t.error("name", f"must be lower-case words joined by '-' (e.g. 'seated-thoracic-rotation'); got {name!r}")
    view = _view(t.table("view"))
    rep = _rep(t.table("rep"), view.allowed)
    rules = tuple(sorted((_rule(r, view.allowed) for r in t.tables("rules")), key=lambda r: r.priority))
    names = [r.name for r in rules]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise t.error("rules", f"rule names must be unique; repeated: {', '.join(dupes)}")
    exercise = Exercise(
        name=name,
        title=t.text("title"),
        summary=t.text("summary", default=""),
        view=view,
        rep=rep,
        target=_target(t.table("target"), rep, view.allowed),
        prescription=_prescription(t.table("prescription"), rep),
        setup=_setup(t.table("setup", required=False)),
        rules=rules,
        cues=_cues(t.table("cues")),
        instructions=tuple(_check_text(t, "instructions", s) for s in t.texts("instructions")),
        safety=tuple(_check_text(t, "safety", s) for s in t.texts("safety")),
        source_file=path,
        variants=tuple(_variant(v, view.allowed) for v in t.tables("variants")),
    )
    t.finish()
    return exercise


def shipped_files() -> list[Path]:
    """The shipped exercise files, sorted by name."""
    return sorted(CATALOGUE_DIR.glob("*.toml"))


def load_exercise_file(path: str | Path, known: Mapping[str, tuple[Exercise, dict[str, Any]]] | None = None
                       ) -> tuple[Exercise, dict[str, Any]]:
    """Load one exercise file; ``known`` (name -> exercise and raw table) resolves ``extends``.

    Returns:
        The exercise and its raw (merged) table, so later files can extend it.
    """
    path = Path(path)
    data = read_toml(path)
    base_name = data.get("extends")
    if base_name is not None:
        if not isinstance(base_name, str):
            raise ConfigError(f"{path}: key 'extends': must be the name of a known exercise (a string), "
                              f"got {base_name!r}")
        known = known or {}
        if base_name not in known:
            raise ConfigError(f"{path}: key 'extends': unknown exercise {base_name!r}; "
                              f"known exercises: {', '.join(known) or 'none'}")
        data = _deep_merge(known[base_name][1], {k: v for k, v in data.items() if k != "extends"})
        data.setdefault("name", base_name)
    return parse_exercise(data, path), data


def load_catalogue(extra_files: Iterable[str | Path] = ()) -> dict[str, Exercise]:
    """The shipped exercises, then each extra (user) file adding or overriding one, in order.

    Args:
        extra_files: paths of user exercise files (``--exercise-file``), applied in the order given.

    Returns:
        Exercise name -> exercise, shipped ones first (sorted by name), then new ones in file order.

    Raises:
        ConfigError: a file cannot be read, is not valid TOML, or breaks the schema (the message names the
            file, the key and what is allowed).
    """
    known: dict[str, tuple[Exercise, dict[str, Any]]] = {}
    for path in shipped_files():
        exercise, raw = load_exercise_file(path, known)
        known[exercise.name] = (exercise, raw)
    for path in extra_files:
        exercise, raw = load_exercise_file(path, known)
        if exercise.name in known:
            logger.info("%s overrides exercise %r from %s", path, exercise.name, known[exercise.name][0].source_file)
        else:
            logger.info("%s adds exercise %r", path, exercise.name)
        known[exercise.name] = (exercise, raw)
    return {name: exercise for name, (exercise, _) in known.items()}


def get_exercise(catalogue: Mapping[str, Exercise], name: str) -> Exercise:
    """The exercise called ``name``; ConfigError listing the known names otherwise."""
    try:
        return catalogue[name]
    except KeyError:
        raise ConfigError(
            f"unknown exercise {name!r}; choose one of: {', '.join(catalogue)} (see 'formcheck exercises')"
        ) from None
