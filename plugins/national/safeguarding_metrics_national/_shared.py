"""Pieces the children in need census measures share: working-day counts, counts of rows,
referrals counted once per child and day, and the collection year a definition follows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import ParameterError, Periods
from safeguarding_metrics.calendar import add_working_days, collection_year, is_working_day, wd
from safeguarding_metrics.calendar import wd_inclusive as _wd_inclusive
from safeguarding_metrics.cohort import (
    cohort_frame,
    days,
    flow_cohort,
    rows_open_at_period_ends,
    sort_with_ties,
    text_ids,
)

__all__ = [
    "CollectionYear",
    "bool_column",
    "count_flow",
    "count_open",
    "deadline",
    "int_column",
    "nullable_int",
    "once_per_child_day",
    "referrals_once_per_day",
    "rows_within",
    "working_days",
    "year_of_definition",
]

NAT = np.datetime64("NaT", "D")
_EPOCH = np.datetime64("1800-01-01", "D")


def working_days(start: np.ndarray, end: np.ndarray, count_start_day: bool) -> np.ndarray:
    """Working days from ``start`` to ``end``, elementwise, as int64 [working days].

    ``wd(start, end)`` (elapsed: the start day not counted) or, with ``count_start_day``,
    ``wd_inclusive(start, end)`` (the CIN validator's count). Both may be negative when
    ``end < start``. Missing days must be removed first.
    """
    if len(start) == 0:
        return np.zeros(0, dtype=np.int64)
    count = _wd_inclusive(start, end) if count_start_day else wd(start, end)
    return np.asarray(count, dtype=np.int64)


def deadline(start: np.ndarray, n: int, count_start_day: bool) -> np.ndarray:
    """The last working day of a timescale of ``n`` working days that starts on ``start``.

    Elapsed count: the ``n``-th working day after ``start``. With ``count_start_day`` a working
    ``start`` is day 1, so the deadline is the ``(n - 1)``-th working day after it. ``NaT``
    stays ``NaT``.
    """
    start = days(start)
    out = np.full(len(start), NAT)
    ok = ~np.isnat(start)
    if ok.any():
        first_counts = (
            np.asarray(is_working_day(start[ok]), dtype=bool)
            if count_start_day
            else np.zeros(int(ok.sum()), dtype=bool)
        )
        steps = np.where(first_counts, n - 1, n).astype(np.int64)
        # n - 1 == 0 only for n == 1: the start day itself is then the deadline.
        out[ok] = np.where(steps > 0, add_working_days(start[ok], np.maximum(steps, 1)), start[ok])
    return out


def count_flow(
    frame: pd.DataFrame, day_column: str, id_column: str, periods: Periods
) -> pd.DataFrame:
    """A count cohort: one met row per record whose ``day_column`` falls in the period."""
    day = days(frame[day_column])
    return flow_cohort(
        day,
        periods,
        child=frame["child"].to_numpy(np.int64),
        record=frame[id_column].astype(object).to_numpy(),
        met=True,
    )


def count_open(
    frame: pd.DataFrame, start_column: str, end_column: str, id_column: str, periods: Periods
) -> pd.DataFrame:
    """A count cohort: one met row per record open on the period's last day."""
    start, end = days(frame[start_column]), days(frame[end_column])
    period, row = rows_open_at_period_ends(start, end, periods)
    return cohort_frame(
        period=period,
        child=frame["child"].to_numpy(np.int64)[row],
        record=frame[id_column].astype(object).to_numpy()[row],
        date=start[row],
        met=True,
        extra={end_column: end[row]},
    )


def referrals_once_per_day(referrals: pd.DataFrame, columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Referrals counted once per child and referral date, as ``national.rereferrals_12m`` does.

    Of two referrals of one child on one day the one with the lowest ``referral_id`` is kept
    (with its own values of ``columns``). Sorted by child, day, id.
    """
    child = referrals["child"].to_numpy(np.int64)
    day = days(referrals["referral_date"])
    ids = text_ids(referrals["referral_id"])
    keep = once_per_child_day(child, day, ids)
    frame = pd.DataFrame({"child": child[keep], "day": day[keep], "id": ids[keep]})
    for column in columns:
        frame[column] = referrals[column].to_numpy()[keep]
    return frame


def rows_within(frame: pd.DataFrame, column: str, periods: Periods) -> pd.DataFrame:
    """The rows whose ``column`` falls within the span of all the periods.

    For measures that count rows in the period and need no earlier history: the rows outside
    the span (and those without a date) never count, so they need not be sorted.
    """
    day = days(frame[column])
    if not len(periods):
        return frame.iloc[:0]
    inside = (day >= periods.start.min()) & (day <= periods.end.max())
    return frame if inside.all() else frame.iloc[np.flatnonzero(inside)]


def once_per_child_day(child: np.ndarray, day: np.ndarray, ids: np.ndarray | None) -> np.ndarray:
    """Rows kept when counting once per child and day, sorted by child then day.

    Of the rows of one child on one day the one with the lowest id is kept (with ``ids`` None,
    the first in the input: enough for a count); a missing day sorts after the child's dated
    rows (and counts once). The order of
    ``sort_values(["child", "day", "id"])`` then ``drop_duplicates(["child", "day"])``, with
    ids compared only where a child has two rows on one day.
    """
    offset = np.zeros(len(day), dtype=np.int64)
    dated = ~np.isnat(day)
    offset[dated] = (day[dated] - _EPOCH).astype(np.int64)
    offset[~dated] = 1 << 20  # after every day (day numbers stay below 2**20)
    key = (np.asarray(child, dtype=np.int64) << 21) | offset
    order = np.argsort(key, kind="stable") if ids is None else sort_with_ties(key, ids)
    sorted_key = key[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_key[1:] != sorted_key[:-1]
    return order[first]


# -- collection years ---------------------------------------------------------------------------


class CollectionYear(str):
    """The collection year whose definition to follow: ``"latest"``, ``"period"`` or a year.

    A year is the DfE's ``time_period`` ``YYYY`` (the year ending 31 March ``YYYY``) or
    ``YYYY-YY`` (``"2015"`` and ``"2014-15"`` are the same year). ``"latest"``: the current
    definition for every period. ``"period"``: each period follows the definition in force in
    its own collection year (the year of its last day).
    """

    __slots__ = ()

    def __new__(cls, value: object) -> CollectionYear:
        text = str(value).strip().lower()
        if text in ("latest", "period"):
            return super().__new__(cls, text)
        return super().__new__(cls, str(_parse_year(text)))


def _parse_year(text: str) -> int:
    first, _, second = text.partition("-")
    if first.isdigit() and len(first) == 4:
        year = int(first)
        if not second:
            return year
        if second.isdigit() and len(second) == 2 and (year + 1) % 100 == int(second):
            return year + 1
    raise ValueError(
        f"collection_year is 'latest', 'period', a year YYYY (the year ending 31 March YYYY) or "
        f"YYYY-YY, not {text!r}"
    )


def year_of_definition(value: Any, periods: Periods) -> np.ndarray:
    """For each period, the collection year whose definition applies (``9999`` for latest)."""
    text = CollectionYear(value) if not isinstance(value, int) else str(value)
    if text == "latest":
        return np.full(len(periods), 9999, dtype=np.int64)
    if text == "period":
        return np.array([collection_year(e) for e in periods.end], dtype=np.int64)
    try:
        return np.full(len(periods), int(text), dtype=np.int64)
    except ValueError:  # pragma: no cover - CollectionYear only lets years through
        raise ParameterError(f"collection_year {value!r} is not understood") from None


def bool_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A nullable boolean column as numpy bools, a missing value false."""
    return frame[column].astype("boolean").to_numpy(dtype=bool, na_value=False)


def int_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A nullable integer column as int64, a missing value 0."""
    return frame[column].astype("Int64").to_numpy(dtype=np.int64, na_value=0)


def nullable_int(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
    """Integers as a nullable ``Int64`` array, missing where ``present`` is false."""
    out = pd.array(np.asarray(values, dtype=np.int64), dtype="Int64")
    out[~np.asarray(present, dtype=bool)] = pd.NA
    return out
