"""The sound options that ``formcheck live`` and ``formcheck routine`` share (parsing only: nothing loads)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_sound_options(parser: argparse.ArgumentParser) -> None:
    """``--sound voice|beeps|off`` (default off) and ``--sound-log FILE``."""
    parser.add_argument("--sound", choices=("voice", "beeps", "off"), default="off",
                        help="say counts, countdowns and cues (voice: needs pip install 'formcheck[voice]'), only "
                        "beep (beeps), or stay quiet (off, the default)")
    parser.add_argument("--sound-log", type=Path, default=None, metavar="FILE",
                        help="write every utterance and beep to FILE as JSON lines (with --sound off: what voice "
                        "would say, nothing played)")
