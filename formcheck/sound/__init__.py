"""Sound in the live coach: what is said (:mod:`.events`), when (:mod:`.scheduler`), where it plays
(:mod:`.engines`: the speakers in a worker process, the sound log), wired as an observer of the live session
(:mod:`.coach`). The rules per kind of message are data: ``sound.toml``.
"""

from __future__ import annotations

from formcheck.sound.coach import SoundCoach
from formcheck.sound.scheduler import MODES, Scheduler, Sound

__all__ = ["MODES", "Scheduler", "Sound", "SoundCoach"]
