"""Small pieces the local measures share, built on the library's public building blocks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding_metrics import Periods
from safeguarding_metrics.cohort import days, latest_on_or_before, rows_open_at_period_ends

__all__ = ["NAT", "latest_event", "open_per_child"]

NAT = np.datetime64("NaT", "D")


def open_per_child(plans: pd.DataFrame, id_column: str, periods: Periods) -> pd.DataFrame:
    """The children with a record (a plan) open at each period's end, one row per child.

    Open on ``end``: ``start_date <= end`` and (``end_date`` missing or ``end_date > end``).
    When a child has several open records (overlapping plans, a data fault), the earliest
    started counts: its start (``start``) and id (``record``; the lowest id among records
    starting that day); ``open`` is how many were open.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``child``, ``start`` (``datetime64[D]``), ``record``, ``open``, ``end``
        (the period's last day), sorted by period and child.
    """
    start, stop = days(plans["start_date"]), days(plans["end_date"])
    period, row = rows_open_at_period_ends(start, stop, periods)
    frame = pd.DataFrame(
        {
            "period": period,
            "child": plans["child"].to_numpy(np.int64)[row],
            "start": start[row],
            "record": plans[id_column].astype(str).to_numpy(dtype=object)[row],
        }
    )
    frame = frame.sort_values(["period", "child", "start", "record"], kind="stable")
    counts = frame.groupby(["period", "child"], sort=False)["record"].transform("size")
    frame = frame.assign(open=counts.to_numpy(np.int64))
    frame = frame.drop_duplicates(["period", "child"], keep="first").reset_index(drop=True)
    frame["start"] = days(frame["start"])
    frame["end"] = periods.end[frame["period"].to_numpy(np.int64)]
    return frame


def latest_event(
    event_child: np.ndarray, event_day: np.ndarray, child: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """For each (child, day), the day of the child's latest event on or before it (``NaT``)."""
    event_day = days(event_day)
    hit = latest_on_or_before(event_child, event_day, child, day)
    out = np.full(len(hit), NAT)
    found = hit >= 0
    out[found] = event_day[hit[found]]
    return out
