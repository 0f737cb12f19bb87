"""``formcheck exercises`` and ``formcheck routines``: the same list-or-show command over a catalogue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from formcheck.errors import ConfigError

T = TypeVar("T")


def list_or_show(action: str, name: str | None, catalogue: Mapping[str, T], *, get: Callable[[Mapping[str, T], str], T],
                 format_one: Callable[[T], str], format_list: Callable[[Mapping[str, T]], str], command: str,
                 noun: str) -> str:
    """The text that ``formcheck COMMAND [show NAME]`` prints: the list, or the one entry called ``name``.

    Raises:
        ConfigError: ``show`` without a name, a name without ``show``, or (from ``get``) an unknown name.
    """
    if action == "show":
        if name is None:
            raise ConfigError(f"say which {noun} to show: formcheck {command} show NAME (names: formcheck {command})")
        return format_one(get(catalogue, name))
    if name is not None:
        raise ConfigError(f"unexpected {name!r}: did you mean 'formcheck {command} show {name}'?")
    return format_list(catalogue)
