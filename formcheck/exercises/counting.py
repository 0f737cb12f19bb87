"""Counting reps and holds from one metric's values over time. Pure Python, no OpenCV or MediaPipe.

Each counter is an object with one ``update`` method fed one sample at a time (``timestamp_s``, value); NaN
means "not measurable now" (no person, wrong view, body part hidden). Nothing is global.

* :class:`HoldTimer` counts only the time spent inside a target band; a dropout (out of the band, or not
  measurable) shorter than ``dropout_s`` pauses the hold instead of ending it.
* :class:`StillnessGate` says when the person is in position and still (set-up is over).
* :class:`RepCounter` turns the values into :class:`RepRecord` s: with hysteresis (``enter`` / ``exit``), a
  minimum duration, sides from the sign of the angle, partial reps with the share of the target reached,
  and the hold and time in target of each rep.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from formcheck.exercises.model import Exercise, VariantSpec

logger = logging.getLogger(__name__)

#: Dropouts shorter than this do not end a hold (seconds).
DROPOUT_S = 0.5
#: A rep that cannot be measured for longer than this ends at the last time it was seen (seconds), unless it is
#: bridged (:data:`MAX_BRIDGE_S`).
MAX_GAP_S = 1.0
#: A rep out of view (a shoulder out of a portrait picture at the end of a turn, a hand over the camera) for up to
#: this long, last seen and seen again past ``rep.enter`` on the same side, went on while unseen: cut at the gap,
#: its two pieces were each shorter than ``rep.min_duration_s`` and dropped as jitter (a real Russian twist
#: cropped to portrait lost a turn whose far shoulder left the picture for 1.2 s). Longer, the person has left
#: (the session asks for set-up again after 3 s, :data:`formcheck.exercises.session.LOST_RESET_S`) and the rep
#: ends where it was last seen.
MAX_BRIDGE_S = 3.0
#: At the end of a recording a rep still out is on its way back only when it has come back from its peak by more
#: than this many times the noise of the value it is judged on: the last sample, with the rep metric's frame noise
#: (:attr:`RepCounter.noise_deg`: the zero-phase smoother's window shrinks to the frame itself at the end of a
#: recording), or a line through the last frames, with that line's noise (:meth:`RepCounter.close`). Gaussian
#: noise reads three standard deviations below a held value about once in 700 recordings, and the peak, the
#: highest of the held values, sits up to about one more above it.
WAY_BACK_NOISE_FACTOR = 4.0


class HoldTimer:
    """Time held inside a target band, tolerating short dropouts.

    Time is counted between consecutive samples that are both inside the band, so a hold sampled from
    ``t0`` to ``t1`` counts exactly ``t1 - t0``. When samples fall outside (or are not measurable) for less
    than ``dropout_s``, the hold pauses: that time is not counted, but the hold goes on when the person is
    back inside. A dropout of ``dropout_s`` or more (or a gap of that long between samples) ends the hold;
    the next time inside starts a new one. A dropout in which the metric could not be measured at all
    (``measurable=False``: no person found, landmarks hidden), inside the band on both sides of it, is
    counted as held: the person was there before and after, and nobody leaves a held position and comes
    back within half a second (three 0.3 s detection gaps cut a real 5.2 s plank hold to 2.7 s). Such an unseen
    dropout ends the hold only after ``unseen_s`` (default ``dropout_s``): a rep's timer uses the rep's own bridge
    (:data:`MAX_BRIDGE_S`), so a hold goes on through a gap the rep it belongs to goes on through (in a dim room
    one knee of a real child's pose went below the visibility limit for 1.0 s: the rep went on, its hold was cut
    from 27.3 s to 17.9 s).
    """

    def __init__(self, dropout_s: float = DROPOUT_S, unseen_s: float | None = None) -> None:
        self.dropout_s = dropout_s
        self.unseen_s = dropout_s if unseen_s is None else max(dropout_s, unseen_s)
        self.reset()

    def reset(self) -> None:
        self.current_s = 0.0  # the hold going on now (or paused by a short dropout)
        self.best_s = 0.0  # the longest hold since the reset
        self.total_in_s = 0.0  # all time inside since the reset, held or not
        self._prev_t: float | None = None
        self._prev_in = False
        self._out_since: float | None = None  # first sample of the current dropout
        self._last_in_t: float | None = None  # last sample inside before the current dropout
        self._unmeasured_only = True  # the current dropout has had no sample measured outside the band

    def update(self, timestamp_s: float, inside: bool, measurable: bool = True) -> float:
        """Add one sample; returns the current hold in seconds (0 once a hold has ended).

        ``measurable``: False when the metric could not be measured in this sample (``inside`` is then
        False); see the class doc for how such a dropout is counted.
        """
        t = timestamp_s
        if self._prev_t is not None and t - self._prev_t >= self.dropout_s:
            self._end_hold()  # a long gap between samples is a dropout too
            self._prev_in = False
            self._last_in_t = None
        if inside:
            if self._out_since is not None and t - self._out_since >= self._dropout_limit_s():
                self._end_hold()
                self._last_in_t = None
            bridged = (self._out_since is not None and self._unmeasured_only and self._last_in_t is not None
                       and self.current_s > 0)
            if bridged:
                dt = t - self._last_in_t
            elif self._prev_in and self._prev_t is not None:
                dt = t - self._prev_t
            else:
                dt = 0.0
            self._out_since = None
            self._unmeasured_only = True
            self.current_s += dt
            self.total_in_s += dt
            self.best_s = max(self.best_s, self.current_s)
            self._last_in_t = t
        else:
            if self._out_since is None:
                self._out_since = t
                self._unmeasured_only = True
            self._unmeasured_only = self._unmeasured_only and not measurable
            if t - self._out_since >= self._dropout_limit_s():
                self._end_hold()
                self._last_in_t = None
        self._prev_t, self._prev_in = t, inside
        return self.current_s

    def _dropout_limit_s(self) -> float:
        """How long the current dropout may last before it ends the hold: ``unseen_s`` while nothing in it was
        measured (and a hold is going on), else ``dropout_s``."""
        return self.unseen_s if self._unmeasured_only and self.current_s > 0 else self.dropout_s

    def _end_hold(self) -> None:
        self.best_s = max(self.best_s, self.current_s)
        self.current_s = 0.0


class PostureGate:
    """Set-up detector: ready once the body has been in a start posture for ``settle_s`` seconds.

    Real people start mid-movement and never pause, so no stillness is asked for: being in the exercise's
    start posture (on hands and knees, lying on the back, seated or standing upright...; see
    :mod:`formcheck.posture`) with the rep metric measurable is enough. Set-up movement (walking in,
    kneeling down, lying down) is not in the start posture and is not counted. A frame out of the posture or
    without a value restarts the wait. Once ready, it stays ready until :meth:`reset`.

    Args:
        postures: accepted start postures; empty accepts any.
        settle_s: seconds in the posture before counting starts.
    """

    def __init__(self, postures: tuple[str, ...], settle_s: float) -> None:
        self.postures = postures
        self.settle_s = settle_s
        self.reset()

    def reset(self) -> None:
        self.ready = False
        self._since: float | None = None
        self.in_posture = False

    def update(self, timestamp_s: float, value: float, postures: tuple[str, ...]) -> bool:
        """Add one frame (its rep-metric value and the postures it fits); returns whether counting may start."""
        if self.ready:
            return True
        self.in_posture = not self.postures or any(p in postures for p in self.postures)
        if math.isnan(value) or not self.in_posture:
            self._since = None
            return False
        if self._since is None:
            self._since = timestamp_s
        if timestamp_s - self._since >= self.settle_s:
            self.ready = True
        return self.ready


class VariantWatch:
    """Whether the person is in one of an exercise's variants of the target position (:class:`VariantSpec`).

    A variant is entered when all its conditions hold and left when one of them is broken by more than the
    variant's ``margin`` (hysteresis). A condition whose metric is not measured in a frame (NaN, absent)
    does not hold.
    """

    def __init__(self, variants: tuple[VariantSpec, ...]) -> None:
        self.variants = variants
        self.active: VariantSpec | None = None

    def reset(self) -> None:
        self.active = None

    def update(self, angles: dict[str, float]) -> bool:
        """Take one frame's metrics; returns whether the person is in a variant now."""
        if self.active is not None and self._holds(self.active, angles, self.active.margin):
            return True
        self.active = next((v for v in self.variants if self._holds(v, angles, 0.0)), None)
        return self.active is not None

    @staticmethod
    def _holds(variant: VariantSpec, angles: dict[str, float], slack: float) -> bool:
        return all(c.holds(angles.get(c.metric, math.nan), slack) for c in variant.when)


class StillnessGate:
    """Set-up detector: ready once the value has stayed within ``still_range`` for ``still_s`` seconds.

    NaN (not measurable) restarts the wait. Once ready, it stays ready until :meth:`reset`.
    """

    def __init__(self, still_s: float, still_range: float) -> None:
        self.still_s = still_s
        self.still_range = still_range
        self.reset()

    def reset(self) -> None:
        self.ready = False
        self._window: deque[tuple[float, float]] = deque()

    def update(self, timestamp_s: float, value: float) -> bool:
        """Add one sample; returns whether the person is ready."""
        if self.ready:
            return True
        if math.isnan(value):
            self._window.clear()
            return False
        self._window.append((timestamp_s, value))
        values = [v for _, v in self._window]
        while max(values) - min(values) > self.still_range:  # drop the oldest until the window is still
            self._window.popleft()
            values = values[1:]
        if self._window[-1][0] - self._window[0][0] >= self.still_s:
            self.ready = True
        return self.ready

    @property
    def window_values(self) -> list[float]:
        """The values of the current still window (oldest first)."""
        return [v for _, v in self._window]


CSV_COLUMNS = (
    "index", "side", "start_s", "end_s", "duration_s", "peak_deg", "rom_deg", "time_in_target_s", "hold_s",
    "reached_target", "share_of_target", "complete", "cues", "confidence",
)


@dataclass(frozen=True)
class RepRecord:
    """One rep (or hold attempt) as it happened, as the counter made it (full precision); it writes the row of
    ``reps.csv`` that :class:`formcheck.record.RepRow` reads back (see there for the three rep types).

    Attributes:
        index: 1, 2, ... in the order the reps ended.
        side: ``"left"`` / ``"right"`` for sided exercises, else ``""``.
        start_s: when the metric passed ``rep.enter`` (seconds from the start of the source).
        end_s: when it came back past ``rep.exit`` (or was last seen).
        peak_deg: the metric's value at the furthest point from neutral (signed, as geometry gives it;
            for a cat-cow cycle, the cat peak).
        rom_deg: range of motion: the furthest distance from neutral (cycle: cat and cow distances added).
        time_in_target_s: all the time the target metric spent inside the band during the rep.
        hold_s: the longest hold inside the band during the rep (short dropouts tolerated).
        reached_target: the target band was reached at least once (both phases for a cycle).
        share_of_target: how much of the target was reached, 0..1: the distance from neutral over the
            distance to the band's near edge when the band is on the rep metric (mean of the two phases for
            a cycle), else the hold over the prescribed hold (1 or 0 without a hold).
        complete: reached the target and held it for the prescribed time: a full rep; otherwise partial.
        cues: form cues raised during the rep, in the order first raised.
        confidence: how much to trust the rep's numbers, 0-1 (:mod:`formcheck.confidence`); NaN when not
            assessed.
    """

    index: int
    side: str
    start_s: float
    end_s: float
    peak_deg: float
    rom_deg: float
    time_in_target_s: float
    hold_s: float
    reached_target: bool
    share_of_target: float
    complete: bool
    cues: tuple[str, ...] = ()
    confidence: float = math.nan

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @staticmethod
    def csv_header() -> list[str]:
        """Column names of :meth:`csv_row` (for ``reps.csv``)."""
        return list(CSV_COLUMNS)

    def csv_row(self) -> list[str]:
        """The record as CSV cells: times in s to 3 decimals, angles to 1, the share and confidence to 2 (the
        confidence empty when not assessed), cues joined by '; '."""
        return [
            str(self.index), self.side, f"{self.start_s:.3f}", f"{self.end_s:.3f}", f"{self.duration_s:.3f}",
            f"{self.peak_deg:.1f}", f"{self.rom_deg:.1f}", f"{self.time_in_target_s:.3f}", f"{self.hold_s:.3f}",
            str(self.reached_target).lower(), f"{self.share_of_target:.2f}", str(self.complete).lower(),
            "; ".join(self.cues), "" if math.isnan(self.confidence) else f"{self.confidence:.2f}",
        ]


@dataclass
class _Excursion:
    """A movement away from neutral in progress (internal)."""

    start_s: float
    sign: int
    last_seen_s: float
    peak_p: float = -math.inf
    peak_value: float = math.nan
    reached: bool = False
    last_p: float = math.nan
    by_variant: bool = False  # a variant of the target position was reached (VariantWatch)
    under_way: bool = False  # already out on the first sample counted: its start was not seen
    hold: HoldTimer = field(default_factory=HoldTimer)
    cues: list[str] = field(default_factory=list)

    def add_cues(self, cues: Iterable[str]) -> None:
        for cue in cues:
            if cue not in self.cues:
                self.cues.append(cue)


class RepCounter:
    """Turns one exercise's metric values into reps, with hysteresis and a minimum duration.

    A rep starts at the first sample at least ``rep.enter`` from neutral and ends at the first sample back
    within ``rep.exit`` (hysteresis: a value hovering at either threshold neither starts nor ends reps); one
    shorter than ``rep.min_duration_s`` is dropped as jitter (not one already under way on the first sample: its
    start was before counting began, as when a recording starts mid-turn; a real Russian twist's first turn lasted
    0.58 s from there, 0.36 s at a faster pace), and so is one that stays short of the target and
    passes ``enter`` by less than the metric's frame noise (:attr:`noise_deg`): the smoothed values' noise is a
    quarter to a half of the frame noise, so noise hovering at ``enter`` reaches about that far past it (a real
    wall squeeze clip at rest passed ``enter`` by 0.05 deg, noise 0.16; at a slower tempo that lasted long enough
    to be a rep). Not-measurable samples (NaN) pause a rep; after
    :data:`MAX_GAP_S` without a value the rep ends where it was last seen, unless it was last seen and is seen
    again past ``enter`` on the same side within :data:`MAX_BRIDGE_S`: then it went on unseen. (Last seen on the
    way back, inside ``enter``, the person may have come back and gone out again unseen: a real Russian twist
    went to the other side and back in a 1.2 s gap.) In ``sides`` mode the sign of the
    angle gives the side; in ``cycle`` mode a rep is one movement each way (in either order).

    Call :meth:`update` once per sample, and :meth:`close` at the end of the stream.
    """

    def __init__(self, exercise: Exercise, *, dropout_s: float = DROPOUT_S, max_gap_s: float = MAX_GAP_S,
                 noise_deg: float = 0.0) -> None:
        self.exercise = exercise
        #: The rep metric's frame noise in this recording (a standard deviation, in the metric's unit; 0: not
        #: measured), used to judge a rep still out at the end (:meth:`close`).
        self.noise_deg = noise_deg
        self.rep = exercise.rep
        self.target = exercise.target
        self.dropout_s = dropout_s
        self.max_gap_s = max_gap_s
        self._enter_p = self.rep.threshold_progress(self.rep.enter)
        self._exit_p = self.rep.threshold_progress(self.rep.exit)
        self._two_way = self.rep.mode in ("sides", "cycle")
        if exercise.target_is_rep_metric:
            edges = (self.rep.threshold_progress(self.target.lo), self.rep.threshold_progress(self.target.hi))
            self._target_near_p: float | None = min(edges)
        else:
            self._target_near_p = None
        self.records: list[RepRecord] = []
        self._active: _Excursion | None = None
        self._pending: RepRecord | None = None  # cycle mode: the first phase, waiting for the other
        self._pending_sign = 0
        self._last_sign = 0
        self._last_t = -math.inf  # the last sample's time

    # ------------------------------------------------------------------------------------------ state
    @property
    def in_rep(self) -> bool:
        """A rep is in progress (between its start and its end)."""
        return self._active is not None

    @property
    def current_hold_s(self) -> float:
        return self._active.hold.current_s if self._active is not None else 0.0

    @property
    def current_rep_done(self) -> bool:
        """The rep in progress has reached the target and held it for the prescribed time."""
        ex = self._active
        if ex is None or not ex.reached:
            return False
        return max(ex.hold.best_s, ex.hold.current_s) >= self.exercise.prescription.hold_s

    @property
    def current_side(self) -> str:
        """Side (or phase) of the rep in progress, else of the last one; ``""`` before any."""
        if self._active is not None:
            return self.rep.phase_name(self._active.sign) if self._two_way else ""
        return self.rep.phase_name(self._last_sign) if (self._two_way and self._last_sign) else ""

    def in_target(self, value: float, target_value: float) -> bool:
        """Whether the target metric is inside the band (on the rep metric's progress for two-way modes)."""
        if math.isnan(target_value):
            return False
        if self.exercise.target_is_rep_metric and self._two_way:
            return self.target.contains(self.rep.progress(value)[0])
        return self.target.contains(target_value)

    # ----------------------------------------------------------------------------------------- update
    def update(self, timestamp_s: float, value: float, target_value: float | None = None,
               cues: Iterable[str] = (), *, variant: bool = False) -> RepRecord | None:
        """Add one sample.

        Args:
            timestamp_s: time of the sample in seconds.
            value: the rep metric (NaN when it cannot be measured now).
            target_value: the target metric, when it differs from the rep metric (NaN when not measurable).
            cues: form cues showing now; they are attached to the rep in progress.
            variant: the person is in a variant of the target position (:class:`VariantWatch`): a rep is
                under way (or starts) and it is in the target, whatever the rep metric reads.

        Returns:
            The rep that ended with this sample, if one did (in ``cycle`` mode: the completed cycle).
        """
        t = timestamp_s
        first = self._last_t == -math.inf
        self._last_t = t
        if target_value is None:
            target_value = value
        active = self._active
        if math.isnan(value):
            if active is not None:
                if t - active.last_seen_s > MAX_BRIDGE_S:
                    logger.debug("rep lost from view for %.1f s; ending it at %.2f s", t - active.last_seen_s,
                                 active.last_seen_s)
                    return self._finish(active.last_seen_s)
                active.hold.update(t, False, measurable=False)
            return None
        p, sign = self.rep.progress(value)
        ended: RepRecord | None = None
        if active is not None and t - active.last_seen_s > self.max_gap_s:  # seen again after a long gap
            still_out = (not self._two_way or sign == active.sign) and min(p, active.last_p) >= self._enter_p
            if t - active.last_seen_s > MAX_BRIDGE_S or not (still_out or variant):
                logger.debug("rep lost from view for %.1f s; ending it at %.2f s", t - active.last_seen_s,
                             active.last_seen_s)
                ended = self._finish(active.last_seen_s)
                active = None
        if active is not None and self._two_way and sign != active.sign and p >= self._exit_p:
            ended = self._finish(t)  # jumped straight across neutral between two samples
            active = None
        if active is not None and p < self._exit_p and not variant:
            return self._finish(t)
        if active is None:
            if p < self._enter_p and not variant:
                return ended
            active = self._active = _Excursion(start_s=t, sign=sign, last_seen_s=t,
                                               hold=HoldTimer(self.dropout_s, unseen_s=MAX_BRIDGE_S),
                                               under_way=first)
        active.last_seen_s = t
        active.last_p = p
        if p > active.peak_p:
            active.peak_p, active.peak_value = p, value
        inside = variant or self.in_target(value, target_value)
        active.by_variant = active.by_variant or variant
        active.reached = active.reached or inside
        active.hold.update(t, inside)
        active.add_cues(cues)
        return ended

    def close(self, timestamp_s: float | None = None, *, keep_unfinished: bool = True,
              end: tuple[float, float] | None = None) -> list[RepRecord]:
        """End of the stream: end a rep in progress (where it was last seen) and flush a half cycle.

        Args:
            timestamp_s: when the stream ended (default: where the rep in progress was last seen).
            keep_unfinished: record a rep that has not come back to neutral; False drops it (logged).
            end: the rep metric at the last sample as a straight line through the recording's last frames reads
                it, and that reading's noise (a standard deviation), when known: a rep seen on the last sample
                is judged on it rather than on the last sample alone (see :meth:`_on_its_way_back`).

        Returns:
            The records this produced (possibly none).
        """
        out: list[RepRecord] = []
        lost = self._active is not None and self._last_t - self._active.last_seen_s > self.max_gap_s
        if (self._active is not None and not keep_unfinished and not lost
                and not self._on_its_way_back(self._active, end)):
            logger.info("a movement still out at the end (from %.2f s) did not come back: not counted as a rep",
                        self._active.start_s)
            self._active = None
        if self._active is not None:  # a rep lost from view ends where it was last seen, as in update
            end_s = self._active.last_seen_s if timestamp_s is None or lost else timestamp_s
            record = self._finish(end_s)
            if record is not None:
                out.append(record)
        if self._pending is not None:
            out.append(self._emit(self._pending_as_partial()))
            self._pending = None
        return out

    # --------------------------------------------------------------------------------------- internal
    def _on_its_way_back(self, ex: _Excursion, end: tuple[float, float] | None = None) -> bool:
        """The recording ended on the way back (a rep that is done), not at the peak (one that may be cut off).

        On the way back: it has come back from its peak by more than the metric's noise in this recording
        (:data:`WAY_BACK_NOISE_FACTOR` times :attr:`noise_deg`), and either the movement reached the target and
        came back out of it, below the band's near edge, or it has come back by more than the rep's hysteresis
        (``enter`` - ``exit``, the noise a value may have without starting or ending a rep), which a held peak
        does not. A real wall W retraction coming off the wall in its last 0.5 s had come back 3.1 deg
        (hysteresis 0.3, noise 0.16 deg; at a hysteresis below the noise, noise alone ended a held squeeze
        "on its way back"). With ``end`` (a straight line through the last frames, and its noise), the way back is
        judged on that line's end, which a steady return reads as well as the last frame and with less noise (a
        real Russian twist's last turn, under 2.85 deg of frame noise, had come back 6.6 deg at the last frame
        alone). A real Russian twist
        whose last turn is returning in the last 0.7 s of the clip had come back 16 deg (hysteresis 6) and
        was lost whenever its peak fell short of the band; held peaks cut off by the end of real clips came
        back 0-4.5 deg (a twist, hysteresis 6), 1.7 deg (a bridge, hysteresis 5) and none (a cat-cow).
        """
        last_p, noise = ex.last_p, self.noise_deg
        if end is not None and all(math.isfinite(v) for v in end) and ex.last_seen_s == self._last_t:
            p, sign = self.rep.progress(end[0])
            last_p, noise = (p if not self._two_way or sign == ex.sign else -p), end[1]
        if not math.isfinite(last_p):
            return False
        back = ex.peak_p - last_p
        if back <= WAY_BACK_NOISE_FACTOR * noise:
            return False  # as far back as the metric's noise reads on a held peak
        near = self._target_near_p
        if ex.reached and near is not None and last_p < near:
            return True
        hysteresis = abs(self._enter_p - self._exit_p)
        return hysteresis > 0 and back > hysteresis

    def _share(self, peak_p: float, hold_s: float, reached: bool, by_variant: bool = False) -> float:
        if self._target_near_p is not None:  # how far towards the band: all the way in a variant of it
            return 1.0 if by_variant else max(0.0, min(1.0, peak_p / self._target_near_p))
        hold_needed = self.exercise.prescription.hold_s
        if hold_needed > 0:
            return max(0.0, min(1.0, hold_s / hold_needed))
        return 1.0 if reached else 0.0

    def _finish(self, end_s: float) -> RepRecord | None:
        ex = self._active
        assert ex is not None
        self._active = None
        if end_s - ex.start_s < self.rep.min_duration_s and not ex.under_way:
            logger.debug("dropped a %.2f s movement (shorter than %.2f s): jitter, not a rep",
                         end_s - ex.start_s, self.rep.min_duration_s)
            return None
        if not (ex.reached or ex.by_variant) and ex.peak_p - self._enter_p < self.noise_deg:
            logger.debug("dropped a movement %.2f past enter (noise %.2f): noise at the threshold, not a rep",
                         ex.peak_p - self._enter_p, self.noise_deg)
            return None
        self._last_sign = ex.sign
        hold_s = max(ex.hold.best_s, ex.hold.current_s)
        record = RepRecord(
            index=0,
            side=self.rep.phase_name(ex.sign) if self.rep.mode == "sides" else "",
            start_s=ex.start_s,
            end_s=end_s,
            peak_deg=ex.peak_value,
            rom_deg=ex.peak_p,
            time_in_target_s=ex.hold.total_in_s,
            hold_s=hold_s,
            reached_target=ex.reached,
            share_of_target=self._share(ex.peak_p, hold_s, ex.reached, ex.by_variant),
            complete=ex.reached and hold_s >= self.exercise.prescription.hold_s,
            cues=tuple(ex.cues),
        )
        if self.rep.mode != "cycle":
            return self._emit(record)
        return self._cycle(record, ex.sign)

    def _cycle(self, phase: RepRecord, sign: int) -> RepRecord | None:
        """Cycle mode: pair this phase with the pending one of the other sign."""
        if self._pending is None:
            self._pending, self._pending_sign = phase, sign
            return None
        if self._pending_sign == sign:  # the same phase twice: the first cycle stopped half-way
            partial = self._emit(self._pending_as_partial())
            self._pending, self._pending_sign = phase, sign
            return partial
        first, self._pending = self._pending, None
        pos, neg = (phase, first) if sign > 0 else (first, phase)
        cues = tuple(dict.fromkeys(first.cues + phase.cues))
        return self._emit(RepRecord(
            index=0,
            side="",
            start_s=first.start_s,
            end_s=phase.end_s,
            peak_deg=pos.peak_deg,
            rom_deg=pos.rom_deg + neg.rom_deg,
            time_in_target_s=first.time_in_target_s + phase.time_in_target_s,
            hold_s=min(first.hold_s, phase.hold_s),
            reached_target=first.reached_target and phase.reached_target,
            share_of_target=(first.share_of_target + phase.share_of_target) / 2,
            complete=first.complete and phase.complete,
            cues=cues,
        ))

    def _pending_as_partial(self) -> RepRecord:
        half = self._pending
        assert half is not None
        return replace(half, reached_target=False, complete=False, share_of_target=half.share_of_target / 2)

    def _emit(self, record: RepRecord) -> RepRecord:
        record = replace(record, index=len(self.records) + 1)
        self.records.append(record)
        logger.debug("rep %d %s: peak %.1f, hold %.1f s, %s", record.index, record.side or "-", record.peak_deg,
                     record.hold_s, "complete" if record.complete else "partial")
        return record

    def attach_confidence(self, record: RepRecord, confidence: float) -> RepRecord:
        """Set a finished record's confidence (:mod:`formcheck.confidence`); returns the new record."""
        updated = replace(record, confidence=confidence)
        self.records[record.index - 1] = updated
        return updated

    def attach_cue(self, record: RepRecord, cue: str) -> RepRecord:
        """Add a cue to a finished record (e.g. a tempo cue decided when it ended); returns the new record."""
        if cue in record.cues:
            return record
        updated = replace(record, cues=record.cues + (cue,))
        self.records[record.index - 1] = updated
        return updated
