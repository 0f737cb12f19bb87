"""The live coach's pain question (formcheck.live.pain): keys in, a 0-10 rating or a skip out; the rise warning."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.live.display import DisplayLost
from formcheck.live.pain import PainCheck, PainPrompt, ask_pain, record_pain
from formcheck.record import PAIN_RISE_WARNING


class KeyScreen:
    """A window stand-in: hands out ``keys`` one per poll (None between them) and keeps what was shown."""

    def __init__(self, keys: str | list[str], *, lost_after: int | None = None) -> None:
        self.keys = list(keys)
        self.shown: list[np.ndarray] = []
        self.polls = 0
        self.lost_after = lost_after

    def show(self, image_bgr: np.ndarray) -> None:
        self.shown.append(image_bgr)

    def poll_key(self) -> str | None:
        self.polls += 1
        if self.lost_after is not None and self.polls > self.lost_after:
            raise DisplayLost("lost the display ':99' (the X server went away)")
        return self.keys.pop(0) if self.keys else None


@pytest.mark.parametrize(("keys", "answer"), [
    ("3\r", 3), ("0\r", 0), ("10\r", 10), ("1\n", 1), ("5" "7\r", 7),  # another digit starts over
    ("6\x08\r", None), ("\r", None), ("4q", None), ("x2\r", 2),
])
def test_the_prompt_takes_a_rating_from_0_to_10_or_a_skip(keys: str, answer: int | None) -> None:
    prompt = PainPrompt()
    done = [prompt.update(k) for k in keys]
    assert done[-1] and not any(done[:-1])
    assert prompt.answer == answer


def test_ask_pain_shows_the_question_with_what_is_typed_and_returns_the_rating() -> None:
    screen = KeyScreen(["7", None, "\r"])
    background = np.zeros((240, 320, 3), np.uint8)
    assert ask_pain(screen, background, "before", title="Seated rotation") == 7
    assert len(screen.shown) >= 3 and all(img.shape == background.shape for img in screen.shown)
    assert screen.shown[0].max() > 0  # a card is drawn on the black background
    assert not np.array_equal(screen.shown[0], screen.shown[-1])  # the typed 7 shows


def test_nobody_answering_skips_the_question() -> None:
    t = [0.0]

    def clock() -> float:
        t[0] += 1.0
        return t[0]

    assert ask_pain(KeyScreen([]), np.zeros((240, 320, 3), np.uint8), "after", title="x", clock=clock,
                    timeout_s=5.0) is None


def test_a_rise_of_two_shows_the_warning_and_stores_it(tmp_path: Path) -> None:
    check = PainCheck(ask=True, title="Seated rotation")
    check.before(KeyScreen("2\r"), (320, 240))
    screen = KeyScreen(["4", "\r", None, None, " "])
    summary = {"mode": "live", "interrupted": False, "display": {"lost": False}}
    record_pain(check, summary, screen, (320, 240), tmp_path)
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["pain"]["before"] == 2 and saved["pain"]["after"] == 4 == 2 + PAIN_RISE_WARNING
    for words in ("stop", "tingling", "numbness", "weakness", "bladder or bowel"):
        assert words in saved["pain"]["warning"]
    assert "push" not in saved["pain"]["warning"].replace("Do not push", "")  # never urged on
    assert not screen.keys  # the warning card stayed until a key closed it


def test_ratings_given_are_not_asked_and_nothing_is_asked_without_a_window(tmp_path: Path) -> None:
    given = PainCheck(ask=True, given_before=1, given_after=2)
    screen = KeyScreen("9\r9\r")
    given.before(screen, (320, 240))
    record_pain(given, {"interrupted": False}, screen, (320, 240), tmp_path)
    assert (given.pain.before, given.pain.after, given.pain.warning) == (1, 2, None) and not screen.shown
    headless = PainCheck(ask=False)
    headless.before(screen, (320, 240))
    assert record_pain(headless, {"interrupted": False}, screen, (320, 240), tmp_path)["pain"]["before"] is None


def test_after_ctrl_c_or_a_lost_window_the_session_is_kept_without_asking(tmp_path: Path) -> None:
    check = PainCheck(ask=True, given_before=3)
    screen = KeyScreen("5\r")
    summary = record_pain(check, {"interrupted": True}, screen, (320, 240), tmp_path)
    assert summary["pain"] == {"before": 3, "after": None, "warning": None} and not screen.shown
    lost = KeyScreen([], lost_after=2)  # the window goes away while the question is up
    summary = record_pain(PainCheck(ask=True), {"interrupted": False}, lost, (320, 240), tmp_path)
    assert summary["pain"]["after"] is None and (tmp_path / "summary.json").is_file()
