"""One small hierarchy of errors. Each message says what is wrong and how to fix it.

The command line turns any :class:`FormcheckError` into one line on stderr and a non-zero exit.
"""

from __future__ import annotations


class FormcheckError(Exception):
    """Base of every error formcheck raises on purpose. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class SourceError(FormcheckError):
    """A video file or camera cannot be opened or read."""

    exit_code = 2


class ModelError(FormcheckError):
    """The pose model is missing, corrupt or not a pose landmarker bundle."""

    exit_code = 3


class ConfigError(FormcheckError):
    """A bad option value, an unknown exercise, or a malformed exercise file."""

    exit_code = 4


class OutputError(FormcheckError):
    """An output folder or file cannot be written, or would overwrite a user's file."""

    exit_code = 5


class DisplayError(FormcheckError):
    """No display is available for a window."""

    exit_code = 6


class HistoryError(FormcheckError):
    """The history database cannot be opened or written (a foreign or corrupt file at its path, a newer
    schema), or a session in it cannot be found."""

    exit_code = 7
