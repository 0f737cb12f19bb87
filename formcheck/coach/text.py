"""Text and panel helpers of the coach: translucent rectangles, text that fits its width."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from formcheck.coach.state import FONT, Image


def _blend_rect(image: Image, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int], alpha: float) -> None:
    """Darkens/tints a rectangle in place: ``alpha`` of ``colour`` over the picture."""
    h, w = image.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    if colour[0] == colour[1] == colour[2]:  # a grey: one saturating multiply-add, the fast path
        roi[:] = cv2.convertScaleAbs(roi, alpha=1.0 - alpha, beta=colour[0] * alpha)
    else:
        roi[:] = cv2.addWeighted(roi, 1.0 - alpha, np.full_like(roi, colour), alpha, 0.0)


def _text(image: Image, text: str, org: tuple[int, int], size: float, colour: tuple[int, int, int], thick: int) -> None:
    cv2.putText(image, text, org, FONT, size, colour, thick, cv2.LINE_AA)


def _fit_size(text: str, max_width: int, size: float, thick: int) -> float:
    """The largest font size up to ``size`` at which ``text`` fits in ``max_width`` pixels."""
    width = cv2.getTextSize(text, FONT, size, thick)[0][0]
    return size if width <= max_width else max(0.3, size * max_width / width)


@lru_cache(maxsize=1024)
def _width(text: str, size: float, thick: int) -> int:
    """Width in pixels of ``text`` (kept: the live coach asks for the same cue, labels and hold text every frame)."""
    return int(cv2.getTextSize(text, FONT, size, thick)[0][0])


def _line_metrics(size: float, thick: int) -> tuple[int, int]:
    """Height above the baseline and depth below it of a line of text at ``size``."""
    (_, above), below = cv2.getTextSize("Ag", FONT, size, thick)
    return int(above), int(below)


def _shrink_to(lines: list[str], max_width: int, size: float, thick: int) -> float:
    """``size``, made smaller until every line is at most ``max_width`` pixels wide (no lower limit)."""
    for _ in range(40):
        if max(_width(t, size, thick) for t in lines) <= max_width:
            break
        size *= 0.9
    return size


def _fit_lines(text: str, max_width: int, size: float, thick: int, max_lines: int = 2) -> tuple[list[str], float]:
    """``text`` as at most ``max_lines`` lines no wider than ``max_width``: whole at ``size`` when it fits,
    else wrapped at spaces, else wrapped at a smaller size (down to 0.6 of it), else one line shrunk to fit."""
    max_width = max(1, max_width)
    if _width(text, size, thick) <= max_width:
        return [text], size
    k = size
    while k >= 0.6 * size:
        lines = _wrap([text], max_width, k, thick)
        if len(lines) <= max_lines and max(_width(t, k, thick) for t in lines) <= max_width:
            return lines, k
        k *= 0.9
    lines = _wrap([text], max_width, k, thick)
    if len(lines) > max_lines:
        lines = [text]
    return lines, _shrink_to(lines, max_width, k, thick)


def _wrap(lines: list[str] | tuple[str, ...], max_width: int, size: float, thick: int) -> list[str]:
    """``lines`` broken at spaces so each fits in ``max_width`` pixels (a single long word still shrinks)."""
    out: list[str] = []
    for line in lines:
        words, current = line.split(" "), ""
        for word in words:
            candidate = f"{current} {word}" if current else word
            if current and cv2.getTextSize(candidate, FONT, size, thick)[0][0] > max_width:
                out.append(current)
                current = word
            else:
                current = candidate
        out.append(current)
    return out
