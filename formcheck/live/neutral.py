"""The live coach's neutral: learnt only while the person is set up for the exercise, and checked first.

``formcheck analyze`` finds the neutral over the whole recording, from where the person rests
(:func:`formcheck.passes.find_neutral`). A camera only sees what has happened so far, so the live coach asks
the person to keep still in the start posture and learns the neutral from those frames. The same
per-exercise rules decide both (the exercise's ``setup``, :class:`formcheck.exercises.model.SetupSpec`):

* ``calibrate_neutral = false`` (plank, bridge, child's pose, bird dog...): the angles are absolute, exactly
  as analyze reports them; there is nothing to learn and no calibration phase.
* otherwise a frame may be learnt from only when (in this order, the first that fails is said on screen):

  1. the camera sees what the exercise needs (:func:`formcheck.exercises.feedback.view_guidance`'s blocking
     guidance: "Step back: your hips are out of frame", "Turn side-on to the camera");
  2. the person is in one of ``setup.posture`` (any when empty): "Get onto your hands and knees";
  3. the raw rep metric lies inside ``setup.neutral_range`` when one is given: a start that is already
     turned, curled or lifted is refused ("You look turned already: come back to the middle");
  4. the raw rep metric has stayed within ``setup.still_range`` over the last ``setup.still_s`` seconds (a
     rolling window): "Hold still a moment".

  The neutral is learnt once a whole window of ``setup.still_s`` (or ``learn_s``) passes all four: each
  metric's neutral is its median over the window's frames, and the trunk rotation estimator learns from
  the same frames (:meth:`formcheck.measure.Measurer.learn`), as analyze does from its rest frames.

The scapular squeeze (``shoulders_back_deg``) is read against the body's up learnt with the neutral (the median
hip -> shoulder axis of its frames), as analyze reads it, so a camera tipped or rolled reads the same. Before the
neutral there is no such up: the measurement leaves it blank (NaN) while the other metrics are raw, and the
frames the neutral is learnt from (their rows held back by :class:`HeldRows`) are written with the raw values it
is the median of, the squeeze against that up (:attr:`LiveNeutral.learnt_angles`). The checks above read the raw
rep metric as measured (the squeeze against the camera's up: a tip shifts it alike on every frame, so it is as
still).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from formcheck.exercises.feedback import view_guidance
from formcheck.exercises.model import Exercise
from formcheck.measure import Measurer
from formcheck.posture import POSTURE_INSTRUCTIONS
from formcheck.types import Measurement, Pose

#: What blocks learning the neutral on a frame (``NeutralStatus.reason``); "" when nothing does.
VIEW, POSTURE, AWAY, MOVING = "view", "posture", "away", "moving"
REASONS = (VIEW, POSTURE, AWAY, MOVING)

HOLD_STILL = "Hold still a moment"
#: The rep metric cannot be measured although the view check passes (landmarks found but not usable).
UNMEASURED = "Move so the camera can see you clearly"
#: How a start outside ``setup.neutral_range`` looks, by rep mode.
AWAY_WORDS = {"sides": "turned", "cycle": "curled or arched", "up": "lifted", "down": "lifted"}
#: ... and where to go back to.
AWAY_RETURN = {"sides": "come back to the middle", "cycle": "come back to the middle",
               "up": "come back to the start position", "down": "come back to the start position"}


def posture_instruction(postures: Sequence[str]) -> str:
    """What to tell a person who is in none of ``postures``: "Get onto your hands and knees, or sit or stand
    up tall"."""
    text = ", or ".join(POSTURE_INSTRUCTIONS.get(p, p) for p in postures)
    return text[:1].upper() + text[1:]


def away_message(rep_mode: str) -> str:
    """What to tell a person whose start is outside the exercise's ``neutral_range``."""
    word = AWAY_WORDS.get(rep_mode, "moved")
    return f"You look {word} already: {AWAY_RETURN.get(rep_mode, 'come back to the start position')}"


@dataclass(frozen=True)
class NeutralStatus:
    """The neutral check's answer for one frame.

    Attributes:
        ready: the neutral is known (always for an exercise measured in absolute angles).
        reason: what blocked learning on this frame (:data:`REASONS`), "" when nothing did.
        message: what to say on screen about it ("" when nothing blocks).
        progress: share of the still window already held, 0..1.
        learnt_now: the neutral was learnt on this frame.
    """

    ready: bool
    reason: str = ""
    message: str = ""
    progress: float = 0.0
    learnt_now: bool = False


@dataclass(frozen=True)
class _Sample:
    t_ms: int  # the frame's time for the still window
    value: float
    measurement: Measurement
    pose: Pose


class LiveNeutral:
    """Learns one exercise's neutral for the live coach; ``update(raw_measurement, pose)`` once per frame.

    Args:
        exercise: the exercise (its ``setup`` and ``rep`` decide).
        measurer: the measuring stage the neutral is set into (:meth:`Measurer.learn`); a new one when None.
        learn_s: seconds of still frames to learn from (default ``setup.still_s``).
    """

    def __init__(self, exercise: Exercise, measurer: Measurer | None = None, *, learn_s: float | None = None) -> None:
        self.exercise = exercise
        self.measurer = measurer if measurer is not None else Measurer()
        self.learn_s = float(exercise.setup.still_s if learn_s is None else learn_s)
        self.absolute = not exercise.setup.calibrate_neutral
        self.reset()

    def reset(self) -> None:
        """Forgets the neutral (the ``c`` key, or a new calibration phase); learning starts over."""
        self.measurer.recalibrate()
        self._window: deque[_Sample] = deque()  # the run of frames that pass 1-3, back to still_s ago
        self.learnt: tuple[_Sample, ...] = ()
        self.blocked = dict.fromkeys(REASONS, 0)

    @property
    def ready(self) -> bool:
        """The angles are in their final basis: absolute, or relative to a learnt neutral."""
        if self.absolute:
            return True
        cal, rot = self.measurer.calibration, self.measurer.rotation
        return cal is not None and cal.is_ready and (rot is None or rot.is_ready)

    @property
    def learnt_ms(self) -> frozenset[int]:
        """Timestamps of the frames the neutral was learnt from."""
        return frozenset(s.measurement.timestamp_ms for s in self.learnt)

    @property
    def learnt_angles(self) -> dict[int, dict[str, float]]:
        """Each frame the neutral was learnt from, by timestamp: its raw angles in the neutral's basis, which the
        neutral is the median of (:meth:`formcheck.measure.Measurer.in_basis`); its ``frames.csv`` row holds them."""
        return {s.measurement.timestamp_ms: dict(s.measurement.angles) for s in self.learnt}

    def measure(self, raw: Measurement, pose: Pose) -> Measurement:
        """``raw`` (:func:`formcheck.measure.raw_measurement`) in the exercise's basis once :attr:`ready`; before
        (the person is still setting up) raw, with ``shoulders_back_deg`` blank: no body up yet
        (:meth:`formcheck.measure.Measurer.apply`). Absolute exercises: as is."""
        return raw if self.absolute else self.measurer.apply(raw, pose)

    def update(self, m: Measurement, pose: Pose, t_s: float | None = None) -> NeutralStatus:
        """Checks one frame (``m``: the raw measurement, with its postures) and learns when the window is full.

        ``t_s``: the frame's time in seconds (default: the measurement's timestamp).
        """
        if self.ready:
            return NeutralStatus(True)
        t_ms = m.timestamp_ms if t_s is None else round(t_s * 1000.0)
        reason, message = self._blocked(m)
        if reason:
            self.blocked[reason] += 1
            self._window.clear()
            return NeutralStatus(False, reason, message)
        window = self._window
        window.append(_Sample(t_ms, m.angles[self.exercise.rep.metric], m, pose))
        while len(window) > 1 and window[1].t_ms <= t_ms - self.learn_s * 1000.0:
            window.popleft()  # the first frame kept is the last one at least still_s old: the window spans it
        values = [s.value for s in self._window]
        if max(values) - min(values) > self.exercise.setup.still_range:
            self.blocked[MOVING] += 1
            return NeutralStatus(False, MOVING, HOLD_STILL)
        held_s = (t_ms - window[0].t_ms) / 1000.0
        if held_s < self.learn_s:
            return NeutralStatus(False, progress=held_s / self.learn_s if self.learn_s > 0 else 1.0)
        samples = tuple(self._window)
        if not self.measurer.learn([s.measurement for s in samples], [s.pose for s in samples]):
            self.measurer.recalibrate()  # no usable pose among them (should not happen: every frame passed)
            self._window.clear()
            return NeutralStatus(False, VIEW, UNMEASURED)
        self.learnt = tuple(replace(s, measurement=self.measurer.in_basis(s.measurement, s.pose)) for s in samples)
        self._window.clear()
        return NeutralStatus(True, progress=1.0, learnt_now=True)

    def _blocked(self, m: Measurement) -> tuple[str, str]:
        ex = self.exercise
        blocking, _ = view_guidance(ex, m)
        if blocking:
            return VIEW, blocking
        postures = ex.setup.posture
        if postures and not any(p in m.posture for p in postures):
            return POSTURE, posture_instruction(postures)
        value = m.angles.get(ex.rep.metric, math.nan)
        if not math.isfinite(value):
            return VIEW, UNMEASURED
        rng = ex.setup.neutral_range
        if rng is not None and not rng[0] <= value <= rng[1]:
            return AWAY, away_message(ex.rep.mode)
        return "", ""

    def _camera_yaw_deg(self) -> float | None:
        rotation = self.measurer.rotation
        yaw = rotation.camera_yaw_deg if rotation is not None and rotation.is_ready else math.nan
        return round(yaw, 3) if math.isfinite(yaw) else None

    def as_dict(self) -> dict[str, Any]:
        """How the neutral was learnt, for ``summary.json``'s ``calibration``."""
        setup = self.exercise.setup
        if self.absolute:
            return {"basis": "absolute", "method": None, "neutral": None,
                    "about": "this exercise is measured in absolute angles (setup.calibrate_neutral = false), "
                             "as analyze reports it: no neutral is learnt"}
        times = [s.t_ms / 1000.0 for s in self.learnt]
        neutral = self.measurer.calibration.neutral if self.measurer.calibration is not None else None
        rep_values = [s.measurement.angles[self.exercise.rep.metric] for s in self.learnt]  # as the rows hold them
        return {
            "basis": "neutral",
            "method": "still",
            "metric": self.exercise.rep.metric,
            "duration_s": self.learn_s,
            "still_range": setup.still_range,
            "postures": list(setup.posture),
            "neutral_range": list(setup.neutral_range) if setup.neutral_range is not None else None,
            "frames": len(self.learnt),
            "first_s": round(min(times), 3) if times else None,
            "last_s": round(max(times), 3) if times else None,
            "seconds": round(max(times) - min(times), 3) if times else None,
            "rep_metric_raw": {"median": round(float(np.median(rep_values)), 3),
                               "min": round(min(rep_values), 3), "max": round(max(rep_values), 3)}
            if rep_values else None,
            "neutral": {k: round(v, 3) for k, v in neutral.items()} if neutral is not None else None,
            "camera_yaw_deg": self._camera_yaw_deg(),
            "blocked_frames": dict(self.blocked),
            "about": "metrics relative to the neutral are reported minus it from the countdown on (rows of "
                     "frames.csv before it are raw; neutral_frame marks the frames it was learnt from). "
                     "shoulders_back_deg is read against the body's up learnt with the neutral (the median hip -> "
                     "shoulder axis of its frames), as analyze reads it: blank in the rows before the neutral's "
                     "frames, which hold it against that up",
        }


class HeldRows:
    """``frames.csv`` rows held back while the neutral may still be learnt from their frames, so the frames
    it was learnt from can be marked (``neutral_frame``) as analyze marks them. At most ``learn_s`` seconds
    of rows are held (and the row just before), and only while learning."""

    def __init__(self, write: Callable[[dict[str, Any]], None]) -> None:
        self._write = write
        self._rows: deque[tuple[int, dict[str, Any]]] = deque()

    def add(self, timestamp_ms: int, row: dict[str, Any], *, hold_s: float,
            learnt: Mapping[int, Mapping[str, float]] | None = None) -> None:
        """Adds a row; writes every row older than ``hold_s`` before it (all of them when ``hold_s`` is 0).
        With ``learnt`` (the neutral was learnt on this frame: :attr:`LiveNeutral.learnt_angles`) every row is
        written, those frames marked."""
        self._rows.append((timestamp_ms, row))
        if learnt:
            self.release(learnt)
            return
        while len(self._rows) > 1 and self._rows[1][0] <= timestamp_ms - hold_s * 1000.0:
            self._write(self._rows.popleft()[1])  # as LiveNeutral's window: it may still take the row kept
        if hold_s <= 0:
            self.release()

    def release(self, learnt: Mapping[int, Mapping[str, float]] | None = None) -> None:
        """Writes every held row; those whose frame the neutral was learnt from (keys of ``learnt``) are marked
        and hold that frame's angles in the neutral's basis (the squeeze, blank until then, against the body's up)."""
        learnt = learnt or {}
        while self._rows:
            ts, row = self._rows.popleft()
            if ts in learnt:
                row.update(learnt[ts])
                row["neutral_frame"] = True
            self._write(row)
