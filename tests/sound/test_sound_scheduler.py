"""The scheduler's rules on synthetic message streams: priority, one at a time, cooldown, staleness, modes."""

from __future__ import annotations

import random

import pytest

from formcheck.sound.events import Message
from formcheck.sound.rules import Priority, load_rules
from formcheck.sound.scheduler import Scheduler, Sound

RULES = load_rules()
TICK_S = 1 / 15  # the live loop's turns on a 15 fps source


def run(stream: dict[float, list[Message]], until_s: float, mode: str = "voice",
        busy: tuple[float, float] | None = None) -> list[Sound]:
    """Offers each message at its time and asks for what starts on every tick, like the live loop."""
    sched = Scheduler(RULES, mode)
    said: list[Sound] = []
    times = sorted(stream)
    k = 0
    for i in range(int(until_s / TICK_S) + 1):
        now = round(i * TICK_S, 6)
        while k < len(times) and times[k] <= now:
            sched.offer(stream[times[k]])
            k += 1
        playing = busy is not None and busy[0] <= now < busy[1]
        if (sound := sched.update(now, busy=playing)) is not None:
            said.append(sound)
    return said


def assert_no_overlap(said: list[Sound]) -> None:
    for a, b in zip(said, said[1:]):
        assert b.t_s >= a.t_s + a.duration_s + RULES.timing.gap_s - 1e-9, (a, b)


@pytest.mark.parametrize("first, second", [("safety", "view"), ("view", "form"), ("form", "count"),
                                           ("safety", "count")])
def test_the_more_important_of_two_goes_first(first: str, second: str) -> None:
    t = 1.0
    said = run({t: [Message(second, f"{second} words", t), Message(first, f"{first} words", t)]}, until_s=10)
    assert [s.what for s in said] == [first, second]
    assert said[0].t_s == pytest.approx(t, abs=TICK_S) and said[0].priority < said[1].priority
    assert_no_overlap(said)


def test_when_four_come_together_the_least_important_go_stale() -> None:
    t = 1.0
    said = run({t: [Message("count", "three", t, "count:left"), Message("form", "Keep your hips still", t),
                    Message("view", "Turn side-on to the camera", t), Message("safety", "Ease back a little", t)]},
               until_s=10)
    # safety (1.3 s) and view (1.8 s) leave no time within the form cue's and the count's staleness
    assert [s.what for s in said] == ["safety", "view"]
    assert_no_overlap(said)


def test_a_count_that_has_moved_on_replaces_the_one_waiting() -> None:
    # "Switch sides" is playing when two counts on the left come in quick succession: only the newer is said
    stream = {0.0: [Message("switch", "Switch sides", 0.0)], 0.3: [Message("count", "one", 0.3, "count:left")],
              0.6: [Message("count", "two", 0.6, "count:left")], 0.7: [Message("count", "one", 0.7, "count:right")]}
    said = run(stream, until_s=5)
    assert [s.text for s in said] == ["Switch sides", "two", "one"]
    assert said[1].due_s == pytest.approx(0.6) and said[2].due_s == pytest.approx(0.7)
    assert_no_overlap(said)


def test_nothing_starts_late_past_its_staleness() -> None:
    # the audio worker is still busy with something long: the countdown seconds pass and are dropped
    stream = {1.0: [Message("countdown", "three", 1.0, "countdown")], 2.0: [Message("countdown", "two", 2.0, "countdown")],
              3.0: [Message("countdown", "one", 3.0, "countdown")], 4.0: [Message("hold_end", "", 4.0)]}
    said = run(stream, until_s=6, busy=(0.0, 2.7))
    assert [s.text for s in said] == ["one", "hold_end"]
    assert said[0].t_s == pytest.approx(3.0, abs=TICK_S)
    for s in said:
        assert s.t_s - s.due_s <= RULES.rule(s.what).stale_s + 1e-9


def test_the_same_words_wait_for_their_cooldown() -> None:
    # view guidance offered on every frame for 30 s is said again only after its cooldown
    stream = {round(i * TICK_S, 6): [Message("view", "Turn side-on to the camera", round(i * TICK_S, 6))]
              for i in range(int(30 / TICK_S))}
    said = run(stream, until_s=30)
    starts = [s.t_s for s in said]
    cooldown = RULES.rule("view").cooldown_s
    assert len(starts) == pytest.approx(30 / cooldown, abs=1.01)
    assert all(b - a >= cooldown - 1e-9 for a, b in zip(starts, starts[1:]))
    assert all(b - a <= cooldown + TICK_S + 1e-9 for a, b in zip(starts, starts[1:]))


def test_a_random_stream_never_overlaps_and_respects_every_rule() -> None:
    rng = random.Random(14)
    kinds = ["count", "countdown", "hold_start", "hold_end", "form", "view", "safety", "switch", "start"]
    stream: dict[float, list[Message]] = {}
    for _ in range(300):
        t = round(rng.uniform(0, 60), 3)
        what = rng.choice(kinds)
        text = "" if what.startswith("hold") else f"{what} {rng.randint(1, 3)}"
        stream.setdefault(t, []).append(Message(what, text, t, "count:left" if what == "count" else ""))
    said = run(stream, until_s=70)
    assert len(said) > 20
    assert_no_overlap(said)
    last: dict[tuple[str, str], float] = {}
    for s in said:
        assert s.t_s >= s.due_s and s.t_s - s.due_s <= RULES.rule(s.what).stale_s + 1e-9
        if (s.kind, s.text) in last:
            assert s.t_s - last[(s.kind, s.text)] >= RULES.rule(s.what).cooldown_s - 1e-9
        last[(s.kind, s.text)] = s.t_s


def test_modes_decide_words_beeps_or_nothing() -> None:
    stream = {0.0: [Message("count", "one", 0.0, "count:")], 1.0: [Message("hold_start", "", 1.0)],
              2.0: [Message("form", "Keep your hips still", 2.0)], 5.0: [Message("done", "Session done", 5.0)]}
    voice = run(stream, until_s=8, mode="voice")
    beeps = run(stream, until_s=8, mode="beeps")
    off = run(stream, until_s=8, mode="off")
    assert [(s.kind, s.text) for s in voice] == [("speech", "one"), ("beep", "hold_start"),
                                                 ("speech", "Keep your hips still"), ("speech", "Session done")]
    # beeps: a tone per message that has one (the count's, the hold's, the end's); a form cue has none
    assert [(s.kind, s.text) for s in beeps] == [("beep", "count"), ("beep", "hold_start"), ("beep", "done")]
    assert off == []
    assert beeps[0].duration_s == RULES.tones["count"].duration_s


def test_shipped_rules_cover_every_kind_and_bad_rules_say_what_is_wrong(tmp_path) -> None:
    from formcheck.errors import ConfigError
    from formcheck.sound.rules import MESSAGE_KINDS, RULES_FILE, load_rules as load

    rules = load(RULES_FILE)
    assert set(MESSAGE_KINDS) <= set(rules.messages)
    assert [rules.rule(k).priority for k in ("safety", "view", "form", "count")] == sorted(Priority)
    bad = tmp_path / "bad.toml"
    bad.write_text(RULES_FILE.read_text().replace('priority = "form"', 'priority = "loud"'))
    with pytest.raises(ConfigError, match="priority must be one of safety, view, form, count"):
        load(bad)
    bad.write_text(RULES_FILE.read_text().replace('tone = "tick"', 'tone = "gong"', 1))
    with pytest.raises(ConfigError, match="unknown tone 'gong'"):
        load(bad)
