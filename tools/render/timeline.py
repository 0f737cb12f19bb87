"""Exercise timelines: phases with eased amounts, rep index and side, as data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Segment:
    """``amount`` eases from ``start`` to ``end`` over ``duration_s`` (cosine ease)."""

    phase: str  # setup / neutral / moving / hold / return / rest
    duration_s: float
    start: float
    end: float
    rep: int = 0  # 1-based rep index within its side; 0 outside reps
    side: str = "none"  # left / right / none


@dataclass(frozen=True)
class Sample:
    time_s: float
    phase: str
    rep: int
    side: str
    amount: float
    in_segment_s: float  # time since the segment began


def reps(sides: list[str], move_s: float, hold_s: float, return_s: float, rest_s: float,
         setup_s: float = 1.0, end_s: float = 1.0, peak: float = 1.0) -> list[Segment]:
    """Setup, then for each entry of ``sides`` a rep: moving, hold, return, rest; then a final rest."""
    segments = [Segment("setup", setup_s, 0.0, 0.0)]
    count: dict[str, int] = {}
    for side in sides:
        count[side] = count.get(side, 0) + 1
        n = count[side]
        segments.append(Segment("moving", move_s, 0.0, peak, n, side))
        if hold_s > 0:
            segments.append(Segment("hold", hold_s, peak, peak, n, side))
        segments.append(Segment("return", return_s, peak, 0.0, n, side))
        if rest_s > 0:
            segments.append(Segment("rest", rest_s, 0.0, 0.0))
    if end_s > 0:
        segments.append(Segment("rest", end_s, 0.0, 0.0))
    return segments


def duration_s(segments: list[Segment]) -> float:
    return sum(s.duration_s for s in segments)


def sample(segments: list[Segment], fps: float) -> list[Sample]:
    """One sample per frame at ``t = i / fps``."""
    n = int(round(duration_s(segments) * fps))
    out = []
    for i in range(n):
        t = i / fps
        begin = 0.0
        for seg in segments:
            if t < begin + seg.duration_s - 1e-9 or seg is segments[-1]:
                u = min(max((t - begin) / seg.duration_s, 0.0), 1.0)
                ease = 0.5 - 0.5 * np.cos(np.pi * u)
                amount = seg.start + (seg.end - seg.start) * ease
                out.append(Sample(t, seg.phase, seg.rep, seg.side, float(amount), t - begin))
                break
            begin += seg.duration_s
    return out


def hold_intervals(segments: list[Segment]) -> list[dict]:
    out, begin = [], 0.0
    for seg in segments:
        if seg.phase == "hold":
            out.append({"start_s": round(begin, 4), "end_s": round(begin + seg.duration_s, 4), "side": seg.side,
                        "rep": seg.rep})
        begin += seg.duration_s
    return out


def reps_per_side(segments: list[Segment]) -> dict[str, int]:
    out: dict[str, int] = {}
    for seg in segments:
        if seg.phase == "moving":
            out[seg.side] = max(out.get(seg.side, 0), seg.rep)
    return out


def breathing(t: float, amplitude: float = 1.0, period_s: float = 4.0) -> float:
    """A slow breathing oscillation in [-amplitude, amplitude]."""
    return amplitude * float(np.sin(2 * np.pi * t / period_s))
