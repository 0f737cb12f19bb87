"""``--record FILE``: checked before a live session starts, so a bad name is one line, not a traceback at the
first frame.

The recording is an H.264 ``.mp4`` (:class:`formcheck.sinks.VideoSink`); its errors name ``--record``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from formcheck.errors import ConfigError, OutputError

SUFFIX = ".mp4"


def check_record(record: Path, *, force: bool, source: Path | None = None) -> Path:
    """Checks ``record`` without touching anything; returns it with ``~`` expanded.

    Raises:
        ConfigError: it is a folder, or its name does not end in ``.mp4``.
        OutputError: it exists and ``force`` is False, or it is the video given to ``--source`` (even with
            ``force``: it would be overwritten while it is read).
    """
    path = Path(record).expanduser()
    if path.is_dir():
        raise ConfigError(f"--record {record} is a folder: give a video file in it, e.g. --record "
                          f"{path / ('session' + SUFFIX)}")
    if path.suffix.lower() != SUFFIX:
        raise ConfigError(f"--record {record}: the recording is an H.264 {SUFFIX} video; give a file name ending "
                          f"in {SUFFIX}, e.g. --record session{SUFFIX}")
    if source is not None and path.exists() and Path(source).exists() and path.samefile(source):
        raise OutputError(f"--record {record} is the video given to --source: recording over it would destroy it "
                          "while it is read; choose another file with --record FILE")
    if path.exists() and not force:
        raise OutputError(f"--record {record} already exists: choose another file with --record FILE, or add "
                          "--force to overwrite it")
    return path


def prepare_record(record: Path) -> Path:
    """Creates the folder of ``record`` if needed and checks that it can be written; returns the path.

    Raises:
        OutputError: the folder cannot be created or written.
    """
    path = Path(record).expanduser()
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".formcheck-write-test-"):
            pass
    except OSError as exc:
        raise OutputError(f"--record {record}: cannot write to the folder {folder} ({exc.strerror}): choose "
                          "another file with --record FILE") from None
    return path
