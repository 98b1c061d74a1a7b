"""Re-referrals within 12 months (DfE children in need, table C1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, Parameter, Periods
from safeguarding_metrics.benchmarks import BenchmarkLink
from safeguarding_metrics.calendar import add_months
from safeguarding_metrics.cohort import (
    cohort_frame,
    count_frame,
    days,
    once_per_child_day,
    rows_in_periods,
    text_values,
)


def rereferrals_12m(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Referrals in the period that came within 12 months of the child's previous referral [%].

    Numerator
        Referrals in the period such that the same child has an earlier referral ``p`` with
        ``p < referral_date <= add_months(p, 12)``.
    Denominator
        Referrals with ``referral_date`` in the period, deduplicated on child and date.
    Exclusions
        None: referrals ending in no further action stay in. Referrals without a usable date
        are set aside at load (the data-quality table lists them).

    Parameters
    ----------
    tables
        ``referrals`` with ``referral_id`` and ``referral_date``.
    periods
        The periods; the whole history is always used, a period only chooses what is counted.
    params
        ``per``: ``"referral"`` (the headline rate) or ``"child"`` (children with a referral in
        the period; numerator those with at least one re-referral in it).

    Notes
    -----
    Only the child's latest earlier referral needs checking: ``add_months`` never decreases,
    so if the latest earlier referral is more than 12 months back, every earlier one is too.
    The month rule: a referral on 2016-02-29 is *not* within 12 months of one on 2015-02-28
    (``add_months(2015-02-28, 12) = 2016-02-28``); exactly 12 months after (2015-04-01 to
    2016-04-01) is in. Two referrals of one child on one day count once (the lowest id is
    kept as the record), so a same-day duplicate is never a re-referral of itself.

    References
    ----------
    DfE, Characteristics of children in need, table C1: "a re-referral occurs when a child is
    referred within 12 months of a previous referral"; "if a child has more than one referral
    in a reporting year, each referral is counted".
    """
    counted = _counted(tables, periods, with_ids=params["per"] == "referral")
    if params["per"] == "referral":
        return cohort_frame(
            period=counted.period,
            child=counted.child,
            record=counted.record,
            date=counted.day,
            met=counted.met,
            extra={"previous_referral_date": counted.previous},
        )
    return _per_child(counted, cohort_frame)


def rereferrals_12m_counts(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """The count form of :func:`rereferrals_12m`: the same rows, no ids or details.

    Which of two referrals of a child on one day stands for both does not change a count, so
    the identifiers are not read.
    """
    counted = _counted(tables, periods, with_ids=False)
    if params["per"] == "referral":
        return count_frame(
            period=counted.period, child=counted.child, date=counted.day, met=counted.met
        )
    return _per_child(counted, count_frame)


@attrs.frozen(kw_only=True)
class _Counted:
    """The referrals counted, one per (period, child and day): what both forms share."""

    period: np.ndarray
    child: np.ndarray
    day: np.ndarray
    previous: np.ndarray  # the child's previous referral day, NaT for a first referral
    met: np.ndarray
    record: Any  # the referral ids (Arrow strings from the loader), when asked for


def _counted(tables: Mapping[str, pd.DataFrame], periods: Periods, *, with_ids: bool) -> _Counted:
    referrals = tables["referrals"]
    child = referrals["child"].to_numpy(np.int64)
    day = days(referrals["referral_date"])
    # Only the histories of children referred in some period are read (all of each one).
    chosen = _children_with_rows_in(child, day, periods)
    child, day = child[chosen], day[chosen]
    ids = text_values(referrals["referral_id"], chosen) if with_ids else None
    keep = once_per_child_day(child, day, ids)
    child, day = child[keep], day[keep]
    previous = np.full(len(child), np.datetime64("NaT"), dtype="datetime64[D]")
    same_child = np.zeros(len(child), dtype=bool)
    same_child[1:] = child[1:] == child[:-1]
    previous[1:] = np.where(same_child[1:], day[:-1], np.datetime64("NaT"))

    period, row = rows_in_periods(day, periods)
    child, day, previous = child[row], day[row], previous[row]
    has_previous = ~np.isnat(previous)
    met = np.zeros(len(row), dtype=bool)
    met[has_previous] = day[has_previous] <= add_months(previous[has_previous], 12)
    return _Counted(
        period=period,
        child=child,
        day=day,
        previous=previous,
        met=met,
        # one take of the identifiers, of the counted rows only
        record=None if ids is None else ids[keep[row]],
    )


def _per_child(counted: _Counted, frame: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    """``per="child"``: one row per period and child, met when any of its referrals is."""
    per_child = (
        pd.DataFrame(
            {
                "period": counted.period,
                "child": counted.child,
                "date": counted.day,
                "met": counted.met,
            }
        )
        .groupby(["period", "child"], sort=True)
        .agg(date=("date", "min"), met=("met", "any"))
        .reset_index()
    )
    return frame(
        period=per_child["period"].to_numpy(),
        child=per_child["child"].to_numpy(),
        date=per_child["date"].to_numpy(),
        met=per_child["met"].to_numpy(),
    )


def _children_with_rows_in(child: np.ndarray, day: np.ndarray, periods: Periods) -> np.ndarray:
    """The rows of the children who have a row dated in the span of the periods."""
    if not len(periods) or not len(child) or child.min() < 0:
        return np.arange(len(child))
    counted = (day >= periods.start.min()) & (day <= periods.end.max())
    wanted = np.zeros(int(child.max()) + 1, dtype=bool)
    wanted[child[counted]] = True
    return np.flatnonzero(wanted[child])


REREFERRALS_12M = Indicator(
    id="national.rereferrals_12m",
    section="front_door",
    order=30,
    plain=(
        "Of the referrals made, how many were for a child already referred in the 12 months "
        "before. A high figure can mean earlier work with the family did not last."
    ),
    count_label="referrals",
    of_which_label="within 12 months of a previous referral",
    headline="ytd",
    headline_reason=(
        "DfE publishes it by collection year (April to March) and the seed report quotes it "
        "year to date"
    ),
    title="Re-referrals within 12 months",
    description=(
        "Numerator: referrals in the period made within 12 months of the same child's previous "
        "referral (p < referral date <= p + 12 months; the previous referral may be before the "
        "period). Denominator: referrals with a referral date in the period, counted once per "
        "child and date. Exclusions: none (NFA referrals stay in)."
    ),
    kind="flow",
    unit="%",
    polarity="lower",
    tables={"referrals": ("referral_id", "referral_date")},
    lookback="12 months",
    compute=rereferrals_12m,
    count=rereferrals_12m_counts,
    parameters=(
        Parameter(
            name="per",
            default="referral",
            choices=("referral", "child"),
            description=(
                "'referral': the headline rate over referrals; 'child': children with a "
                "referral in the period, numerator those with at least one re-referral"
            ),
        ),
    ),
    source="DfE Characteristics of children in need, table C1 (re-referrals within 12 months)",
    definition_version="2014-15",
    benchmark=BenchmarkLink(
        key="rereferrals_12m",
        like_for_like=True,
        reason=(
            "referrals within 12 months of a previous referral of the same child, over all "
            "referrals, counted per referral (the default per='referral'), as table C1"
        ),
    ),
)
