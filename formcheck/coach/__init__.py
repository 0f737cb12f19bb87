"""The on-screen coach: what a person sees while they exercise, drawn on a frame. OpenCV only.

A package: ``state`` (what to draw, colours, the person's box), ``text`` (fitting text and translucent
panels), ``layout`` (measuring each piece and placing it off the person), ``draw`` (putting it on the frame).

Everything here is a pure function of ``(image, data) -> new image``: the input image is never changed, so
the live coach (:mod:`formcheck.live`) and ``formcheck analyze --exercise`` draw exactly the same thing from
the same data. The layout (where each piece goes) is memoised on what decides it (``layout.LayoutInputs``:
the frame's size, the texts, the person's box snapped to a grid), so a frame that changes only the angle, the
hold time or the frame rate costs no measuring or placing (0.75 against 4.1 ms of CPU a frame at 640x480).

Layout (sizes, margins and fonts scale with the frame's short side; text is wrapped or shrunk to fit):

* top left: the exercise, the set and side, the counts against the prescription (``L 6/10  R 5/10``);
* top right: the frame rate;
* middle: view guidance ("turn side-on", "step back") on a dark panel, when there is any;
* bottom: one cue in large text, the hold timer bar (fills while the angle is in range), and the gauge of
  the current angle against the target band (grey track, green band, a marker that is white inside the band
  and amber outside it).

Panels are translucent. When the state carries the person's box (:func:`person_box`), a piece that would
cover the person moves where the person is not (:func:`coach_layout`): someone lying down in the bottom of
a wide frame gets the cue and gauge at the top, someone standing in the middle gets them beside them.
Callers hold the box over a second or two (:class:`SteadyBox`, the one thing here that remembers) so the
panels do not follow every swing of an arm.

Colours are module constants so tests can look for them in a screenshot.
"""

from formcheck.coach.draw import draw_card, draw_coach
from formcheck.coach.layout import HINT_ALPHA, PANEL_ALPHA, CoachLayout, coach_layout, gauge_range, gauge_rect, hold_rect
from formcheck.coach.state import (
    CUE_BGR,
    FONT,
    GAUGE_BAND_BGR,
    GAUGE_TRACK_BGR,
    HINT_BGR,
    HOLD_BG_BGR,
    HOLD_FILL_BGR,
    MARKER_IN_BGR,
    MARKER_OUT_BGR,
    PANEL_BGR,
    WHITE_BGR,
    CoachState,
    Image,
    Rect,
    SideCount,
    SteadyBox,
    person_box,
    scale_for,
    set_text,
    side_label,
    two_sided_gauge_deg,
)

__all__ = [
    "CUE_BGR", "FONT", "GAUGE_BAND_BGR", "GAUGE_TRACK_BGR", "HINT_ALPHA", "HINT_BGR", "HOLD_BG_BGR",
    "HOLD_FILL_BGR", "MARKER_IN_BGR", "MARKER_OUT_BGR", "PANEL_ALPHA", "PANEL_BGR", "WHITE_BGR", "CoachLayout",
    "CoachState", "Image", "Rect", "SideCount", "SteadyBox", "coach_layout", "draw_card", "draw_coach",
    "gauge_range", "gauge_rect", "hold_rect", "person_box", "scale_for", "set_text", "side_label",
    "two_sided_gauge_deg",
]
