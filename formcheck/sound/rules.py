"""The sound coach's rules as data: ``sound.toml`` beside this module, loaded and checked into named records.

Each kind of message (``count``, ``countdown``, ``switch``, ``view``...) has a priority, a staleness, a
cooldown, fixed words or none, and a beep; the tones and the timing of speech are there too.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from pathlib import Path
from typing import Any

from formcheck.errors import ConfigError

RULES_FILE = Path(__file__).with_name("sound.toml")


class Priority(IntEnum):
    """Lower goes first: safety, then what blocks the view, then form, then counts and the session's flow."""

    SAFETY = 0
    VIEW = 1
    FORM = 2
    COUNT = 3


@dataclass(frozen=True)
class MessageRule:
    """How one kind of message is scheduled (see ``sound.toml``)."""

    what: str
    priority: Priority
    stale_s: float
    cooldown_s: float
    text: str
    tone: str


@dataclass(frozen=True)
class Tone:
    frequency_hz: float
    duration_s: float


@dataclass(frozen=True)
class Timing:
    seconds_per_char: float
    seconds_per_utterance: float
    words_per_minute: int
    gap_s: float
    settle_s: float
    countdown_from: int

    def speech_s(self, text: str) -> float:
        """How long ``text`` takes to say: ``seconds_per_utterance + seconds_per_char * len(text)``."""
        return round(self.seconds_per_utterance + self.seconds_per_char * len(text), 3)


@dataclass(frozen=True)
class SoundRules:
    messages: dict[str, MessageRule]
    tones: dict[str, Tone]
    timing: Timing

    def rule(self, what: str) -> MessageRule:
        return self.messages[what]


#: The kinds of message the event finder (:mod:`formcheck.sound.events`) makes; the file must define each.
MESSAGE_KINDS = ("safety", "view", "ready", "form", "calibrate", "get_ready", "start", "count", "countdown",
                 "hold_start", "hold_end", "switch", "rest", "done")


def _number(table: dict[str, Any], key: str, where: str, *, minimum: float = 0.0) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ConfigError(f"{where}: key {key!r} must be a number >= {minimum:g}, not {value!r}")
    return float(value)


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: key {key!r} must be a string, not {value!r}")
    return value


def parse_rules(data: dict[str, Any], where: str = str(RULES_FILE)) -> SoundRules:
    """The rules from the TOML's tables.

    Raises:
        ConfigError: a kind of message missing, an unknown priority or tone, a number out of range.
    """
    tones = {}
    for name, table in (data.get("tones") or {}).items():
        at = f"{where}: [tones.{name}]"
        tones[name] = Tone(_number(table, "frequency_hz", at, minimum=20.0), _number(table, "duration_s", at))
    messages = {}
    raw = data.get("messages") or {}
    for what in MESSAGE_KINDS:
        if what not in raw:
            raise ConfigError(f"{where}: [messages.{what}] is missing; every kind of message needs its rules")
    for what, table in raw.items():
        at = f"{where}: [messages.{what}]"
        priority = _text(table, "priority", at)
        if priority.upper() not in Priority.__members__:
            raise ConfigError(f"{at}: priority must be one of {', '.join(p.name.lower() for p in Priority)}, "
                              f"not {priority!r}")
        tone = _text(table, "tone", at)
        if tone and tone not in tones:
            raise ConfigError(f"{at}: unknown tone {tone!r}; the tones are {', '.join(sorted(tones))}")
        messages[what] = MessageRule(what, Priority[priority.upper()], _number(table, "stale_s", at),
                                     _number(table, "cooldown_s", at), _text(table, "text", at), tone)
    t = data.get("timing") or {}
    at = f"{where}: [timing]"
    timing = Timing(_number(t, "seconds_per_char", at), _number(t, "seconds_per_utterance", at),
                    int(_number(t, "words_per_minute", at, minimum=60)), _number(t, "gap_s", at),
                    _number(t, "settle_s", at), int(_number(t, "countdown_from", at)))
    return SoundRules(messages, tones, timing)


@cache
def load_rules(path: Path = RULES_FILE) -> SoundRules:
    """The rules in ``path`` (the shipped ``sound.toml`` by default)."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read the sound rules {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return parse_rules(data, str(path))
