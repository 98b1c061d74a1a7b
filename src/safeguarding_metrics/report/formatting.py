"""Words and numbers as a report shows them: one place, so HTML, Excel and drafts agree."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from ..engine import display_round
from ..indicator import Unit

__all__ = [
    "DIRECTION_ARROWS",
    "DIRECTION_WORDS",
    "STATUS_WORDS",
    "WINDOW_WORDS",
    "format_change",
    "format_value",
    "is_missing",
    "period_name",
]

#: Arrows for the direction of travel (text, so they read without colour).
DIRECTION_ARROWS = {
    "improving": "▲",
    "worsening": "▼",
    "unchanged": "►",
    "up": "▲",
    "down": "▼",
}
#: The direction of travel in words (``up``/``down``: measures with no better direction).
DIRECTION_WORDS = {
    "improving": "improving",
    "worsening": "worsening",
    "unchanged": "no change",
    "up": "up",
    "down": "down",
    "within the band": "within the band",
}
#: Red/amber/green status in words (always shown beside any colour).
STATUS_WORDS = {"green": "On target", "amber": "Near target", "red": "Off target"}
#: How each window is described.
WINDOW_WORDS = {
    "period": "in the period",
    "ytd": "year to date",
    "rolling12": "rolling 12 months",
}


def is_missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(value: Any, unit: str | Unit, *, with_unit: bool = True) -> str:
    """A value at display precision: ``29.3%``, ``412 days``, ``18.4`` cases, ``55``.

    Missing values are an en dash; the rounding is the engine's (half away from zero), so a
    report never disagrees with ``calculate`` at display precision.
    """
    if is_missing(value):
        return "–"
    unit = Unit(unit)
    number = float(value)
    if math.isinf(number):
        return "–"
    decimals = unit.decimals
    text = f"{display_round(number, decimals):,.{decimals}f}"
    if not with_unit:
        return text
    if unit == Unit.PERCENT:
        return f"{text}%"
    if unit == Unit.DAYS:
        return f"{text} days"
    return text


def format_change(change: float, unit: str | Unit) -> str:
    """A movement: ``3.2 percentage points``, ``14 days``, ``5``."""
    unit = Unit(unit)
    size = format_value(abs(change), unit, with_unit=False)
    if unit == Unit.PERCENT:
        return f"{size} percentage point{'' if size == '1.0' else 's'}"
    if unit == Unit.DAYS:
        return f"{size} day{'' if size == '1' else 's'}"
    return size


def period_name(start: Any, end: Any) -> str:
    """How a period is named in prose: "December 2015", "Q3 2015-16 (October to December 2015)".

    Calendar months are named by month and year; financial quarters and years by their
    label; any other span by its two dates.
    """
    start_day = pd.Timestamp(start).date()
    end_day = pd.Timestamp(end).date()
    next_day = end_day + dt.timedelta(days=1)
    if start_day.day == 1 and next_day.day == 1:
        months = (next_day.year - start_day.year) * 12 + next_day.month - start_day.month
        if months == 1:
            return f"{start_day:%B %Y}"
        fy_start = start_day.year if start_day.month >= 4 else start_day.year - 1
        fy = f"{fy_start}-{(fy_start + 1) % 100:02d}"
        if months == 3 and start_day.month in (1, 4, 7, 10):
            quarter = (start_day.month - 4) % 12 // 3 + 1
            return f"Q{quarter} {fy} ({start_day:%B} to {end_day:%B %Y})"
        if months == 12 and start_day.month == 4:
            return f"the year {fy}"
        return f"{start_day:%B %Y} to {end_day:%B %Y}"
    return f"{start_day:%d %B %Y} to {end_day:%d %B %Y}"
