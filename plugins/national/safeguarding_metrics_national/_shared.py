"""Pieces the children in need census measures share: referrals counted once per child and day,
and the collection year a definition follows.

The general building blocks the measures once shared here (``count_flow``, ``count_open``,
``once_per_child_day``, ``rows_within``, ``bool_column``, ``int_column``, ``nullable_int``) are
public in :mod:`safeguarding_metrics.cohort`, and the working-day deadline in
:mod:`safeguarding_metrics.declared`; they are imported from there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import ParameterError, Periods
from safeguarding_metrics.calendar import collection_year
from safeguarding_metrics.cohort import days, once_per_child_day, take_text, text_values

__all__ = [
    "CollectionYear",
    "referrals_once_per_day",
    "year_of_definition",
]


def referrals_once_per_day(referrals: pd.DataFrame, columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Referrals counted once per child and referral date, as ``national.rereferrals_12m`` does.

    Of two referrals of one child on one day the one with the lowest ``referral_id`` is kept
    (with its own values of ``columns``). Sorted by child, day, id.
    """
    child = referrals["child"].to_numpy(np.int64)
    day = days(referrals["referral_date"])
    ids = text_values(referrals["referral_id"])  # Arrow strings stay so: no string per row
    keep = once_per_child_day(child, day, ids)
    frame = pd.DataFrame({"child": child[keep], "day": day[keep], "id": ids[keep]})
    for column in columns:
        values = referrals[column]
        text = isinstance(values.dtype, pd.StringDtype)
        frame[column] = take_text(values, keep) if text else values.to_numpy()[keep]
    return frame


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
