"""Routines: several exercises live in a row (``formcheck routine NAME``).

* The routines are data: one commented TOML file per routine in ``catalogue/``, validated on load against the
  exercise catalogue (:mod:`.loader`, :mod:`.model`); ``--routine-file PATH`` adds one's own.
* :mod:`.runner`: runs each exercise as a live session (:func:`formcheck.live.session.run_session`) on one
  window, with a rest between them, and saves the routine: a folder per exercise and ``routine.json``.
* :mod:`.cards`: the rest and summary cards. :mod:`.describe`: text for ``formcheck routines``.
"""

from __future__ import annotations

from formcheck.routines.describe import format_routine, format_routine_list
from formcheck.routines.loader import get_routine, load_routine_file, load_routines
from formcheck.routines.model import Routine, RoutineStep

__all__ = ["Routine", "RoutineStep", "format_routine", "format_routine_list", "get_routine", "load_routine_file",
           "load_routines"]
