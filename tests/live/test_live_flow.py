"""The live session's flow as a state machine: phases, keys, sides and sets (no pictures, no model)."""

from __future__ import annotations

import pytest

from formcheck.live.flow import Action, FlowInput, FlowTimings, Phase, SessionFlow

TIMINGS = FlowTimings(instructions_s=5.0, settle_s=0.5, countdown_s=3.0, switch_s=2.0, summary_s=4.0)


def drive_to_active(flow: SessionFlow, t: float = 0.0) -> float:
    """Instructions (space), position, calibration, countdown: returns the time the sets began."""
    assert flow.update(FlowInput(t, key=" ")).phase == Phase.POSITION
    assert flow.update(FlowInput(t + 0.1, view_ok=True)).phase == Phase.POSITION  # settling
    step = flow.update(FlowInput(t + 0.7, view_ok=True))
    assert (step.phase, step.action) == (Phase.CALIBRATE, Action.CALIBRATE)
    step = flow.update(FlowInput(t + 2.8, view_ok=True, calibrated=True))
    assert step.phase == Phase.COUNTDOWN and step.seconds_left == pytest.approx(3.0)
    assert flow.update(FlowInput(t + 4.0, view_ok=True, calibrated=True)).seconds_left == pytest.approx(1.8)
    step = flow.update(FlowInput(t + 5.9, view_ok=True, calibrated=True))
    assert (step.phase, step.action) == (Phase.ACTIVE, Action.START)
    return t + 5.9


def test_instructions_advance_after_their_time_without_a_key() -> None:
    flow = SessionFlow(timings=TIMINGS)
    assert flow.update(FlowInput(0.0)).phase == Phase.INSTRUCTIONS
    assert flow.update(FlowInput(4.9)).seconds_left == pytest.approx(0.1)
    assert flow.update(FlowInput(5.0)).phase == Phase.POSITION


def test_whole_flow_with_two_sides_and_two_sets() -> None:
    flow = SessionFlow(("left", "right"), sets=2, timings=TIMINGS)
    t = drive_to_active(flow)
    step = flow.update(FlowInput(t + 1, calibrated=True, side_complete=True))
    assert (step.phase, step.action, step.side_index, step.set_index) == (Phase.SWITCH, Action.NEXT_SIDE, 1, 0)
    assert flow.update(FlowInput(t + 3.1, calibrated=True)).phase == Phase.ACTIVE
    step = flow.update(FlowInput(t + 4, calibrated=True, side_complete=True))
    assert (step.phase, step.side_index, step.set_index) == (Phase.SWITCH, 0, 1)
    flow.update(FlowInput(t + 6.1, calibrated=True))
    flow.update(FlowInput(t + 7, calibrated=True, side_complete=True))
    assert flow.update(FlowInput(t + 9.1, calibrated=True)).side_index == 1
    step = flow.update(FlowInput(t + 10, calibrated=True, side_complete=True))
    assert step.phase == Phase.SUMMARY
    step = flow.update(FlowInput(t + 14.1, calibrated=True))
    assert (step.phase, step.action) == (Phase.DONE, Action.QUIT)


def test_stepping_out_of_view_during_calibration_goes_back_to_position() -> None:
    flow = SessionFlow(timings=TIMINGS)
    flow.update(FlowInput(0.0, key=" "))
    flow.update(FlowInput(0.1, view_ok=True))
    assert flow.update(FlowInput(0.7, view_ok=True)).phase == Phase.CALIBRATE
    step = flow.update(FlowInput(1.0, view_ok=False))
    assert (step.phase, step.action) == (Phase.POSITION, Action.CALIBRATE)


@pytest.mark.parametrize(
    ("key", "phase", "action"),
    [
        ("q", Phase.DONE, Action.QUIT),
        ("c", Phase.CALIBRATE, Action.CALIBRATE),
        ("r", Phase.COUNTDOWN, Action.RESET),
        ("n", Phase.SWITCH, Action.NEXT_SIDE),
        ("x", Phase.ACTIVE, Action.NONE),
    ],
)
def test_keys_in_the_sets(key: str, phase: Phase, action: Action) -> None:
    flow = SessionFlow(("left", "right"), timings=TIMINGS)
    t = drive_to_active(flow)
    step = flow.update(FlowInput(t + 1, key=key, calibrated=True))
    assert (step.phase, step.action) == (phase, action)


def test_space_pauses_and_resumes_and_a_paused_side_does_not_switch() -> None:
    flow = SessionFlow(("left", "right"), timings=TIMINGS)
    t = drive_to_active(flow)
    assert flow.update(FlowInput(t + 1, key=" ")).paused
    step = flow.update(FlowInput(t + 2, side_complete=True))
    assert step.phase == Phase.ACTIVE and step.paused
    assert not flow.update(FlowInput(t + 3, key=" ")).paused


def test_next_side_on_the_last_side_stays_and_reset_starts_over() -> None:
    flow = SessionFlow(("left", "right"), timings=TIMINGS)
    t = drive_to_active(flow)
    flow.update(FlowInput(t + 1, key="n"))
    flow.update(FlowInput(t + 1.5, key=" "))  # space skips the switch card
    step = flow.update(FlowInput(t + 2, key="n"))
    assert (step.phase, step.side_index) == (Phase.ACTIVE, 1)
    step = flow.update(FlowInput(t + 3, key="r", calibrated=True))
    assert (step.action, step.side_index, step.set_index) == (Action.RESET, 0, 0)


def test_source_ending_shows_the_summary_from_any_phase_and_quits_at_once_without_a_card() -> None:
    flow = SessionFlow(timings=TIMINGS)
    assert flow.update(FlowInput(0.0, source_ended=True)).phase == Phase.SUMMARY
    headless = SessionFlow(timings=FlowTimings(instructions_s=0.0, summary_s=0.0))
    step = headless.update(FlowInput(0.0, source_ended=True))
    assert (step.phase, step.action) == (Phase.DONE, Action.QUIT)
