"""The exercise catalogue's data types: one frozen dataclass per TOML table.

Everything an exercise needs to be counted and coached is data (see ``catalogue/*.toml``); the loader
(:mod:`formcheck.exercises.loader`) validates a file into these records, so the counting and feedback code
never sees an unchecked value.

Angles and thresholds are in the unit of their metric (degrees for ``*_deg``, a plain ratio for ``*_ratio``)
and use the sign conventions of :mod:`formcheck.geometry`; sides are the person's own left and right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

#: Rep modes. ``up``/``down``: a rep is a movement of the metric above/below neutral and back.
#: ``sides``: a movement either way is a rep for the side given by its sign (e.g. rotation left/right).
#: ``cycle``: one rep is a movement each way (e.g. cat then cow).
REP_MODES = ("up", "down", "sides", "cycle")
PRESCRIPTION_KINDS = ("reps", "holds")
VIEWS = ("front", "back", "side")
SIDES = ("left", "right")


@dataclass(frozen=True)
class ViewSpec:
    """Where the camera must be and what it must see.

    Attributes:
        allowed: camera views in which the exercise is counted (``front``, ``back``, ``side``).
        parts: body parts that must be inside the picture (names as in ``geometry.BODY_PARTS``).
        min_visibility: lowest landmark visibility in [0, 1] of each metric used for it to count.
    """

    allowed: tuple[str, ...]
    parts: tuple[str, ...]
    min_visibility: float = 0.5


@dataclass(frozen=True)
class RepSpec:
    """How a rep (or a hold attempt) is recognised on one metric, with hysteresis.

    A rep starts when the metric moves past ``enter`` (away from ``neutral``) and ends when it comes back
    past ``exit``; ``enter`` lies further from neutral than ``exit``, so a value hovering at either threshold
    cannot start and end reps. A rep shorter than ``min_duration_s`` is jitter and is dropped.

    For ``up`` and ``down`` the thresholds are values of the metric; for ``sides`` and ``cycle`` they are
    distances from ``neutral`` (the same on both sides).

    Attributes:
        metric: the metric that moves (a name from ``geometry.METRIC_NAMES``).
        mode: one of :data:`REP_MODES`.
        neutral: the metric's value at the start position; progress is measured from it.
        enter: threshold that starts a rep.
        exit: threshold that ends it.
        min_duration_s: shortest rep that counts.
        positive: name of the phase / side on the positive side of neutral (``sides``, ``cycle``).
        negative: name of the phase / side on the negative side of neutral (``sides``, ``cycle``).
    """

    metric: str
    mode: str
    neutral: float
    enter: float
    exit: float
    min_duration_s: float
    positive: str = ""
    negative: str = ""

    def progress(self, value: float) -> tuple[float, int]:
        """How far ``value`` is from neutral in the rep's direction, and on which side (+1 / -1).

        ``up``: ``value - neutral``; ``down``: ``neutral - value``; ``sides`` / ``cycle``:
        ``|value - neutral|`` with the sign of ``value - neutral``. NaN stays NaN.
        """
        d = value - self.neutral
        if self.mode == "up":
            return d, 1
        if self.mode == "down":
            return -d, 1
        return abs(d), (1 if d >= 0 else -1)

    def threshold_progress(self, threshold: float) -> float:
        """A threshold from the file (``enter``, ``exit``, a target edge) as progress from neutral."""
        if self.mode == "up":
            return threshold - self.neutral
        if self.mode == "down":
            return self.neutral - threshold
        return threshold

    def phase_name(self, sign: int) -> str:
        """The side / phase name for a sign (empty for ``up`` / ``down``)."""
        return self.positive if sign > 0 else self.negative

    @property
    def has_sides(self) -> bool:
        return self.mode == "sides"


@dataclass(frozen=True)
class TargetSpec:
    """The target band of one metric, and where its numbers come from.

    For ``sides`` / ``cycle`` exercises whose target metric is the rep metric, ``lo`` and ``hi`` are distances
    from neutral on either side; otherwise they are values of the metric.

    Attributes:
        metric: the metric the band applies to (often the rep metric; plank: the hip line).
        lo: lower edge of the band.
        hi: upper edge of the band.
        margin: hysteresis of the in-target status: once inside, the status leaves only ``margin`` beyond
            an edge (no flicker at the edge). Hold timing uses the band itself.
        source: where the numbers come from, in words.
    """

    metric: str
    lo: float
    hi: float
    margin: float
    source: str

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi


@dataclass(frozen=True)
class Prescription:
    """What to do: how many reps or holds, how long each hold, how many sets, on which sides.

    Attributes:
        kind: ``reps`` (movements) or ``holds`` (positions held for ``hold_s``).
        count: reps or holds per set (per side when ``per_side``).
        hold_s: seconds to hold each rep in the target band (0: no hold, just reach it).
        sets: number of sets.
        per_side: count each side separately (left and right).
        source: where the numbers come from, in words.
    """

    kind: str
    count: int
    hold_s: float
    sets: int
    per_side: bool
    source: str


#: Seconds of neutral posture learnt at the start of an analysis of an exercise that starts upright.
NEUTRAL_CALIBRATION_S = 1.0


#: How an exercise's neutral is found in a whole recording (``setup.neutral_from``).
#: ``centre``: midway between the rep metric's extremes (two-way movements: rotation left and right, cat and
#: cow); ``rest``: the end of the movement the person returns to between reps (one-way movements).
NEUTRAL_FROM = ("centre", "rest")


@dataclass(frozen=True)
class SetupSpec:
    """When the person counts as in position, and how their neutral is found.

    Attributes:
        posture: start postures (names from :data:`formcheck.posture.POSTURES`); counting starts once the
            body has been in one of them for ``settle_s`` (empty: any posture).
        settle_s: seconds in the start posture before counting starts (no stillness needed: real people
            start mid-movement and never pause).
        still_s: seconds the rep metric must stay within ``still_range`` for the live coach to learn the
            neutral (a camera cannot see the rest of the session, so it asks the person to keep still).
        still_range: largest spread (max - min) of the rep metric that still counts as still.
        calibrate_neutral: angles are measured from the person's own neutral (found in a recording from
            where they rest, see ``neutral_from``; learnt by the live coach while they keep still); False for
            exercises whose targets are absolute angles of a position on the floor (plank, bridge...).
        neutral_from: how a recording's neutral is found (:data:`NEUTRAL_FROM`; "" = from the rep mode:
            ``centre`` for ``sides`` / ``cycle``, ``rest`` for ``up`` / ``down``).
        neutral_range: the raw rep-metric values a neutral may have, ``(lo, hi)``: a neutral outside it is
            already turned, curled or lifted, and is refused (live) or not learnt from (analyze). None: any.
    """

    posture: tuple[str, ...] = ()
    settle_s: float = 0.3
    still_s: float = 1.0
    still_range: float = 6.0
    calibrate_neutral: bool = True
    neutral_from: str = ""
    neutral_range: tuple[float, float] | None = None

    def neutral_method(self, rep_mode: str) -> str:
        """``centre`` or ``rest`` (see :data:`NEUTRAL_FROM`)."""
        return self.neutral_from or ("centre" if rep_mode in ("sides", "cycle") else "rest")


@dataclass(frozen=True)
class FormRule:
    """A compensation to watch for, as data.

    The rule fires when the metric (its absolute value if ``absolute``; minus its value at set-up if
    ``from_start``) is above ``above`` or below ``below`` for at least ``min_duration_s``. The metric
    ``rep_duration_s`` is special: it is checked once, when a rep ends (tempo).

    Attributes:
        name: short identifier (used in logs and tests).
        metric: metric name, or ``rep_duration_s``.
        cue: the text shown when it fires (imperative, calm, never urging through pain).
        priority: 1 is the most important; the highest-priority active cue is shown.
        above: fires when the value is above this (NaN: no upper limit).
        below: fires when the value is below this (NaN: no lower limit).
        absolute: compare the absolute value.
        from_start: compare the change from the value when the person was ready (their own start).
        only_in_rep: check only during a rep.
        min_duration_s: how long the condition must hold before the cue fires.
    """

    name: str
    metric: str
    cue: str
    priority: int
    above: float = math.nan
    below: float = math.nan
    absolute: bool = False
    from_start: bool = False
    only_in_rep: bool = False
    min_duration_s: float = 0.3

    def violated(self, value: float) -> bool:
        """Whether ``value`` (already made relative / absolute as the rule asks) breaks the rule."""
        if math.isnan(value):
            return False
        v = abs(value) if self.absolute else value
        return (not math.isnan(self.above) and v > self.above) or (not math.isnan(self.below) and v < self.below)


@dataclass(frozen=True)
class Condition:
    """One metric's limit in a :class:`VariantSpec`: the value is above ``above`` and / or below ``below``."""

    metric: str
    above: float = math.nan
    below: float = math.nan

    def holds(self, value: float, slack: float = 0.0) -> bool:
        """Whether ``value`` lies within the limits, each widened by ``slack`` (False for NaN)."""
        if math.isnan(value):
            return False
        return (math.isnan(self.above) or value > self.above - slack) and (
            math.isnan(self.below) or value < self.below + slack)


@dataclass(frozen=True)
class VariantSpec:
    """Another way of being in the exercise's target position, seen on other metrics than the rep metric.

    Some exercises have variants whose position the rep metric does not reach: an extended child's pose with
    the hips above the heels bends the hips only as far as on hands and knees, yet it is the same kneeling
    forward fold with the arms reaching. While every condition holds, a rep is under way (or starts) and the
    person is in the target, whatever the rep metric reads; the rep's reported peak stays the rep metric's.

    Attributes:
        name: short identifier (logs, tests).
        when: conditions that must all hold.
        margin: hysteresis, in the conditions' units: once in the variant, each limit is widened by this
            much before the person counts as out of it (no flicker at an edge).
    """

    name: str
    when: tuple[Condition, ...]
    margin: float = 0.0


@dataclass(frozen=True)
class StatusCues:
    """Cue text for the plain statuses (shown when no form rule or view guidance is more important).

    Attributes:
        ready: before the person is in position and still.
        start: in position, between reps.
        below: during a rep, short of the target band.
        in_target: inside the target band.
        above: beyond the target band.
        done: the prescription is complete.
    """

    ready: str
    start: str
    below: str
    in_target: str
    above: str
    done: str


@dataclass(frozen=True)
class Exercise:
    """One exercise of the catalogue.

    Attributes:
        name: identifier used on the command line (``seated-thoracic-rotation``).
        title: human title.
        summary: one line on what it is for.
        view: camera view and visibility needs.
        rep: how reps are recognised.
        target: the target band.
        prescription: reps / holds, hold seconds, sets, sides.
        setup: when the person counts as ready.
        rules: compensations to watch for, most important first.
        cues: status cue texts.
        instructions: how to do it, step by step.
        safety: safety notes for this exercise.
        source_file: the file it was loaded from.
        variants: other ways of being in the target position (:class:`VariantSpec`).
    """

    name: str
    title: str
    summary: str
    view: ViewSpec
    rep: RepSpec
    target: TargetSpec
    prescription: Prescription
    setup: SetupSpec
    rules: tuple[FormRule, ...]
    cues: StatusCues
    instructions: tuple[str, ...]
    safety: tuple[str, ...]
    source_file: Path
    variants: tuple[VariantSpec, ...] = ()

    @property
    def metrics(self) -> tuple[str, ...]:
        """The primary metrics: the rep metric, then the target metric if it differs."""
        if self.target.metric == self.rep.metric:
            return (self.rep.metric,)
        return (self.rep.metric, self.target.metric)

    @property
    def sides(self) -> tuple[str, ...]:
        """Names the counts are kept under: ``("left", "right")`` for sided exercises, else ``("",)``."""
        if self.rep.has_sides:
            return (self.rep.positive, self.rep.negative)
        return ("",)

    @property
    def neutral_calibration_s(self) -> float | None:
        """Seconds of neutral posture an analysis learns at the start (:data:`NEUTRAL_CALIBRATION_S`) when the
        exercise starts upright (``setup.calibrate_neutral``), else None (absolute angles)."""
        return NEUTRAL_CALIBRATION_S if self.setup.calibrate_neutral else None

    @property
    def target_is_rep_metric(self) -> bool:
        return self.target.metric == self.rep.metric
