"""The live coach's pain question, before and after the session: 0 (no pain) to 10 (worst), typed with the
number keys, Enter to answer.

Keys: ``0``-``9`` type the rating (``1`` then ``0`` is 10; another digit starts over), Backspace clears, Enter
answers (Enter with nothing typed skips the question), ``q`` skips it too. Nobody answering for
:data:`ANSWER_TIMEOUT_S` skips it. A rise of :data:`formcheck.record.PAIN_RISE_WARNING` points or more from
before to after shows the warning (:class:`formcheck.record.Pain`) on a card of its own; the coach never
suggests going on.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from formcheck.coach import draw_card
from formcheck.live.display import DisplayLost
from formcheck.record import SUMMARY_NAME, Pain
from formcheck.sinks import write_json

Image = NDArray[np.uint8]

#: Seconds without a key after which the question is skipped (nobody at the keyboard).
ANSWER_TIMEOUT_S = 60.0
#: Seconds the warning card stays up unless a key closes it.
WARNING_S = 20.0
#: The plain background the questions and the warning are drawn on (no camera picture behind them).
BACKGROUND_BGR = (48, 48, 48)
ENTER_KEYS = ("\r", "\n")
CLEAR_KEYS = ("\x08", "\x7f")
SKIP_KEYS = ("q",)
QUESTIONS = {
    "before": "Before you start: how much pain do you have right now?",
    "after": "Now that you have finished: how much pain do you have right now?",
}
HELP_LINES = ("0 = none at all, 10 = the worst pain you can imagine.",
              "Type the number (1 then 0 for 10) and press Enter.",
              "Enter alone skips the question.")


class Screen(Protocol):
    def show(self, image_bgr: Image) -> None: ...

    def poll_key(self) -> str | None: ...


@dataclass
class PainPrompt:
    """The rating typed so far; one ``update(key)`` per key. ``done`` once answered or skipped; ``answer`` is
    the rating (None: skipped)."""

    typed: str = ""
    done: bool = False
    answer: int | None = None

    def update(self, key: str | None) -> bool:
        """Takes one key (None: none pressed); returns :attr:`done`."""
        if self.done or key is None:
            return self.done
        if key.isdigit():
            self.typed = "10" if self.typed == "1" and key == "0" else key
        elif key in CLEAR_KEYS:
            self.typed = ""
        elif key in ENTER_KEYS:
            self.answer, self.done = (int(self.typed) if self.typed else None), True
        elif key in SKIP_KEYS:
            self.answer, self.done = None, True
        return self.done


def ask_pain(screen: Screen, background: Image, when: str, *, title: str,
             clock: Callable[[], float] = time.monotonic, timeout_s: float = ANSWER_TIMEOUT_S) -> int | None:
    """Shows the question on ``background`` until it is answered or skipped; returns the rating (None: skipped).

    Raises:
        DisplayLost: the window went away (from ``screen``).
    """
    prompt = PainPrompt()
    last_key_s = clock()
    while not prompt.done and clock() - last_key_s < timeout_s:
        screen.show(draw_card(background, f"{title}: pain {when}", [QUESTIONS[when], "", *HELP_LINES],
                              big_text=prompt.typed or "_", footer="Enter: answer   q: skip"))
        key = screen.poll_key()
        if key is not None:
            last_key_s = clock()
            prompt.update(key)
        else:
            time.sleep(0.03)
    return prompt.answer


def show_warning(screen: Screen, background: Image, warning: str, *, clock: Callable[[], float] = time.monotonic,
                 seconds: float = WARNING_S) -> None:
    """The pain-rise warning on a card, until a key is pressed or ``seconds`` have passed."""
    card = draw_card(background, "Your pain went up", [warning, "", "formcheck is not a medical device."],
                     footer="any key: close")
    end_s = clock() + seconds
    while clock() < end_s:
        screen.show(card)
        if screen.poll_key() is not None:
            return
        time.sleep(0.05)


@dataclass
class PainCheck:
    """The pain ratings of one live session: given on the command line (``--pain-before/--pain-after``) or asked
    in the window (``ask``: only where someone can answer, i.e. a window in front of a camera by default).

    ``before(screen, resolution_wh)`` before the session starts, ``after(...)`` once it has ended, then
    :meth:`as_dict` for ``summary.json``'s ``pain`` (``before``, ``after``, ``warning``).
    """

    ask: bool
    given_before: int | None = None
    given_after: int | None = None
    title: str = "formcheck"

    def __post_init__(self) -> None:
        self.pain = Pain(self.given_before, self.given_after)

    @classmethod
    def for_options(cls, options: Any, title: str) -> PainCheck:  # noqa: ANN401 (formcheck.live.LiveOptions)
        """Asked in a window in front of a camera unless ``options.ask_pain`` says otherwise; never headless."""
        ask = options.ask_pain if options.ask_pain is not None else options.source is None
        return cls(ask=ask and not options.headless, given_before=options.pain_before,
                   given_after=options.pain_after, title=title)

    def before(self, screen: Screen, resolution_wh: tuple[int, int]) -> None:
        if self.ask and self.given_before is None:
            answer = ask_pain(screen, _blank(resolution_wh), "before", title=self.title)
            self.pain = replace(self.pain, before=answer)

    def after(self, screen: Screen, resolution_wh: tuple[int, int]) -> None:
        """Asks after the session (unless given), then shows the warning when the pain rose by 2 or more."""
        if self.ask and self.given_after is None:
            answer = ask_pain(screen, _blank(resolution_wh), "after", title=self.title)
            self.pain = replace(self.pain, after=answer)
        if self.ask and self.pain.warning:
            show_warning(screen, _blank(resolution_wh), self.pain.warning)

    def as_dict(self) -> dict[str, int | str | None]:
        return {"before": self.pain.before, "after": self.pain.after, "warning": self.pain.warning}


def _blank(resolution_wh: tuple[int, int]) -> Image:
    w, h = resolution_wh
    return np.full((max(h, 240), max(w, 320), 3), BACKGROUND_BGR, np.uint8)


def record_pain(pain: PainCheck, summary: dict[str, Any], screen: Screen, resolution_wh: tuple[int, int],
                out: Path) -> dict[str, Any]:
    """After a session: asks for the pain after (not when the session was stopped by Ctrl-C or lost its
    window), and writes the ratings into ``summary.json``'s ``pain``; returns the summary."""
    if not summary.get("interrupted") and not (summary.get("display") or {}).get("lost"):
        with contextlib.suppress(DisplayLost):  # the window went away while asking: the session is kept
            pain.after(screen, resolution_wh)
    summary["pain"] = pain.as_dict()
    write_json(out / SUMMARY_NAME, summary)
    return summary
