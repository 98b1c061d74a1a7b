"""Child protection plans: second or subsequent plans, plans lasting two years or more (open
and ended), reviews on time (DfE children in need, tables D3, D5, D7), and the numbers of
plans started, ended and open."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, Periods
from safeguarding_metrics.benchmarks import BenchmarkLink
from safeguarding_metrics.calendar import add_months, months_after
from safeguarding_metrics.cohort import (
    NAT,
    cohort_frame,
    count_flow,
    count_open,
    days,
    flow_cohort,
    int_column,
    rows_open_at_period_ends,
    take_text,
)

__all__ = [
    "CPP_ENDED",
    "CPP_ENDED_2Y",
    "CPP_OPEN",
    "CPP_OPEN_2Y",
    "CPP_REVIEWS_ON_TIME",
    "CPP_SECOND_SUBSEQUENT",
    "CPP_STARTED",
    "cpp_ended",
    "cpp_ended_2y",
    "cpp_open",
    "cpp_open_2y",
    "cpp_reviews_on_time",
    "cpp_second_subsequent",
    "cpp_started",
]

#: A plan "lasting two years or more" [months].
TWO_YEARS = 24
#: First review conference within 3 months of the plan's start, then at most every 6 months.
FIRST_REVIEW, LATER_REVIEWS = 3, 6

_DAY_BITS = 20
_EPOCH = np.datetime64("1800-01-01", "D")


def _plans(tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    plans = tables["cp_plans"]
    return plans, days(plans["start_date"]), days(plans["end_date"])


def cpp_second_subsequent(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Plans started in the period that are a second or subsequent plan for the child [%].

    Numerator
        Plans whose child has another plan starting strictly earlier anywhere in the data
        (before the period too), or whose ``previous_plans`` is 1 or more (a missing value is
        0): a second plan "ever", not only within a time limit.
    Denominator
        Plans with ``start_date`` in the period, counted as records (a child with two plans
        starting in the period counts twice; the later one is a second plan).
    Exclusions
        None. A plan whose ``previous_plans`` is not a whole number is left out (listed in the
        data-quality table).

    Parameters
    ----------
    tables
        ``cp_plans`` (``plan_id``, ``start_date``, ``previous_plans``).
    periods
        The periods; the whole history is used.
    params
        None.

    Notes
    -----
    Two plans of one child starting on the same day are not earlier than each other: neither
    is a second plan on that account. ``previous_plans`` carries plans held elsewhere (another
    authority, or before the data begin). The detail columns are ``first_plan_start`` (the
    child's earliest plan start in the data) and ``previous_plans``.

    References
    ----------
    DfE, *Characteristics of children in need*, table D3 (child protection plans starting
    during the year which were a second or subsequent plan); former NI 65.
    """
    plans = tables["cp_plans"]
    start = days(plans["start_date"])
    child = plans["child"].to_numpy(np.int64)
    first = (
        pd.Series(start, dtype="datetime64[s]")
        .groupby(child)
        .transform("min")
        .to_numpy()
        .astype("datetime64[D]")
    )
    previous = int_column(plans, "previous_plans")
    met = (start > first) | (previous >= 1)
    return flow_cohort(
        start,
        periods,
        child=child,
        record=take_text(plans["plan_id"]),
        met=met,
        extra={"first_plan_start": first, "previous_plans": previous},
    )


def cpp_open_2y(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Plans open at the end of the period that have lasted two years or more [%].

    Numerator
        Plans with ``add_months(start_date, 24) <= end`` (a plan started 2013-03-31 has
        lasted two years on 2015-03-31; one started 2012-02-29, on 2014-02-28).
    Denominator
        Plans open at the period's end ``end``: ``start_date <= end`` and (``end_date``
        missing or ``end_date > end``), counted as records.
    Exclusions
        None. A plan whose end date is before its start (or, once the cross-table rules run,
        that overlaps the child's next plan) is left out: its ``end_date`` is faulty.

    Parameters
    ----------
    tables
        ``cp_plans`` (``plan_id``, ``start_date``, ``end_date``).
    periods
        The periods; measured as at each period's last day.
    params
        None.

    Notes
    -----
    A plan ending on the period's last day is not open at its end. The detail column
    ``two_years_on`` is ``add_months(start_date, 24)``.

    References
    ----------
    DfE, *Characteristics of children in need*, table D5 (child protection plans at 31 March
    by length of time: "2 years or more").
    """
    plans, start, end = _plans(tables)
    period, row = rows_open_at_period_ends(start, end, periods)
    two_years_on = add_months(start[row], TWO_YEARS)
    return cohort_frame(
        period=period,
        child=plans["child"].to_numpy(np.int64)[row],
        record=take_text(plans["plan_id"], row),
        date=start[row],
        met=two_years_on <= periods.end[period],
        extra={"end_date": end[row], "two_years_on": two_years_on},
    )


def cpp_ended_2y(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Plans ended in the period that had lasted two years or more [%].

    Numerator
        Plans with ``end_date >= add_months(start_date, 24)``.
    Denominator
        Plans with ``end_date`` in the period, counted as records.
    Exclusions
        None. A plan whose end date is before its start (or overlaps the child's next plan,
        once the cross-table rules run) is left out: its ``end_date`` is faulty.

    Parameters
    ----------
    tables
        ``cp_plans`` (``plan_id``, ``start_date``, ``end_date``).
    periods
        The periods.
    params
        None.

    Notes
    -----
    A plan from 2013-04-01 to 2015-04-01 lasted exactly two years and is counted in the
    numerator; one ending 2015-03-31 is not. A plan ending on the period's last day is in the
    period. The detail column ``two_years_on`` is ``add_months(start_date, 24)``.

    References
    ----------
    DfE, *Characteristics of children in need*, table D7 (child protection plans ceasing
    during the year, by length of time); former NI 64.
    """
    plans, start, end = _plans(tables)
    two_years_on = months_after(start, TWO_YEARS)
    return flow_cohort(
        end,
        periods,
        child=plans["child"].to_numpy(np.int64),
        record=take_text(plans["plan_id"]),
        met=end >= two_years_on,
        extra={"start_date": start, "two_years_on": two_years_on},
    )


def _key(group: np.ndarray, day: np.ndarray) -> np.ndarray:
    """One sortable int64 per (group, day)."""
    return (np.asarray(group, dtype=np.int64) << _DAY_BITS) | (day - _EPOCH).astype(np.int64)


def cpp_reviews_on_time(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Plans open at the end of the period whose review conferences have all been on time [%].

    Numerator
        With the plan's reviews ``r1 < r2 < ... < rk`` in ``(start_date, end]``, due dates
        ``due1 = add_months(start_date, 3)`` and ``due(i+1) = add_months(r_i, 6)``: every
        ``r_i <= due_i`` and ``end <= due(k+1)`` (the next review is not yet overdue).
    Denominator
        Plans open at the period's end ``end`` whose first review has fallen due,
        ``add_months(start_date, 3) <= end``, counted as records.
    Exclusions
        None. Reviews belong to a plan by ``plan_id`` and child; a review on or before the
        plan's start day, after ``end``, or of no known plan is not counted (a review before
        its plan is listed by the cross-table rules). Two reviews of a plan on one day count
        once. A plan with a faulty end date is left out.

    Parameters
    ----------
    tables
        ``cp_plans`` (``plan_id``, ``start_date``, ``end_date``) and ``cp_reviews``
        (``plan_id``, ``review_date``).
    periods
        The periods; measured as at each period's last day.
    params
        None.

    Notes
    -----
    The month rule (``add_months`` clamps to the month's end): a plan started 2015-11-29 has
    its first review due on 2016-02-29, and a review then is on time, on 2016-03-01 late; a
    review on 2015-08-31 makes the next due on 2016-02-29. A late review makes the plan not
    on time for as long as it stays open, even after later reviews are held on time (the
    record is of every review). Detail columns: ``reviews_held``, ``late_reviews``,
    ``last_review`` and ``next_review_due``.

    References
    ----------
    HM Government, *Working Together to Safeguard Children*: the first child protection
    review conference within three months of the initial conference, later ones at
    intervals of no more than six months. The population (plans whose first review has fallen
    due) is this library's choice [D].
    """
    plans, start, end = _plans(tables)
    reviews = tables["cp_reviews"]
    child = plans["child"].to_numpy(np.int64)
    due1 = np.asarray(add_months(start, FIRST_REVIEW), dtype="datetime64[D]")

    # Each review to its plan (by plan_id and child), kept when after the plan's start.
    plan_index = pd.DataFrame(
        {
            "child": child,
            "plan_id": take_text(plans["plan_id"]),
            "plan": np.arange(len(plans), dtype=np.int64),
        }
    ).drop_duplicates(["child", "plan_id"], keep=False)
    held = pd.DataFrame(
        {
            "child": reviews["child"].to_numpy(np.int64),
            "plan_id": take_text(reviews["plan_id"]),
            "day": days(reviews["review_date"]),
        }
    ).merge(plan_index, on=["child", "plan_id"], how="inner")
    plan_of = held["plan"].to_numpy(np.int64)
    day = held["day"].to_numpy().astype("datetime64[D]")
    keep = ~np.isnat(day) & (day > start[plan_of])
    plan_of, day = plan_of[keep], day[keep]
    keys = np.unique(_key(plan_of, day))  # sorted, one per plan and day
    plan_of = keys >> _DAY_BITS
    day = (keys & ((1 << _DAY_BITS) - 1)).astype("timedelta64[D]") + _EPOCH

    # Each review's due date, whether it was late, and the late reviews so far in its plan.
    first_of_plan = np.ones(len(keys), dtype=bool)
    first_of_plan[1:] = plan_of[1:] != plan_of[:-1]
    previous = np.roll(day, 1)
    previous[first_of_plan] = day[first_of_plan]
    due = np.where(first_of_plan, due1[plan_of], add_months(previous, LATER_REVIEWS))
    late_so_far = np.cumsum(day > due)
    plan_first_position = np.maximum.accumulate(np.where(first_of_plan, np.arange(len(keys)), 0))
    before_plan = np.where(plan_first_position > 0, late_so_far[plan_first_position - 1], 0)
    late_in_plan: np.ndarray = late_so_far - before_plan

    # The plans open at each period's end, and their reviews up to it.
    period, row = rows_open_at_period_ends(start, end, periods)
    period_end = periods.end[period]
    due_row = due1[row]
    in_scope = due_row <= period_end
    period, row, period_end, due_row = (
        period[in_scope],
        row[in_scope],
        period_end[in_scope],
        due_row[in_scope],
    )
    upto = np.searchsorted(keys, _key(row, period_end), side="right")
    first = np.searchsorted(keys, _key(row, start[row]), side="right")
    held_count = upto - first
    last = np.maximum(upto - 1, 0)
    has = held_count > 0
    last_review = np.where(has, day[last] if len(keys) else NAT, NAT)
    late = np.where(has, late_in_plan[last] if len(keys) else 0, 0)
    next_due = np.where(
        has, add_months(np.where(has, last_review, due_row), LATER_REVIEWS), due_row
    )
    met = (late == 0) & (period_end <= next_due)
    return cohort_frame(
        period=period,
        child=child[row],
        record=take_text(plans["plan_id"], row),
        date=start[row],
        met=met,
        extra={
            "reviews_held": held_count.astype(np.int64),
            "late_reviews": np.asarray(late, dtype=np.int64),
            "last_review": last_review,
            "next_review_due": next_due,
        },
    )


def cpp_started(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Child protection plans started in the period [count].

    Numerator
        Plans with ``start_date`` in the period, counted as records.
    Denominator
        None: a count.
    Exclusions
        None.

    Parameters
    ----------
    tables
        ``cp_plans`` (``plan_id``, ``start_date``).
    periods
        The periods.
    params
        None.

    Notes
    -----
    The denominator of ``national.cpp_second_subsequent``.

    References
    ----------
    DfE, *Characteristics of children in need*, table D1 (plans starting during the year).
    """
    return count_flow(tables["cp_plans"], "start_date", "plan_id", periods)


def cpp_ended(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Child protection plans ended in the period [count].

    Numerator
        Plans with ``end_date`` in the period, counted as records.
    Denominator
        None: a count.
    Exclusions
        A plan with a faulty end date (before its start, or overlapping the child's next
        plan) is left out.

    Parameters
    ----------
    tables
        ``cp_plans`` (``plan_id``, ``start_date``, ``end_date``).
    periods
        The periods.
    params
        None.

    Notes
    -----
    A plan ending on the period's last day is in the period. The denominator of
    ``national.cpp_ended_2y``.

    References
    ----------
    DfE, *Characteristics of children in need*, table D7 (plans ceasing during the year).
    """
    return count_flow(tables["cp_plans"], "end_date", "plan_id", periods)


def cpp_open(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Child protection plans open at the end of the period [count].

    Numerator
        Plans open on the period's last day ``end`` (``start_date <= end`` and ``end_date``
        missing or after ``end``), counted as records.
    Denominator
        None: a count.
    Exclusions
        A plan with a faulty end date is left out.

    Parameters
    ----------
    tables
        ``cp_plans`` (``plan_id``, ``start_date``, ``end_date``).
    periods
        The periods; measured as at each period's last day.
    params
        None.

    Notes
    -----
    A plan ending on the period's last day is not open at its end. The denominator of
    ``national.cpp_open_2y``. Plans are records: a child with two overlapping plans would
    count twice, which the cross-table rule on overlapping plans prevents.

    References
    ----------
    DfE, *Characteristics of children in need*, table D5 (plans at 31 March).
    """
    return count_open(tables["cp_plans"], "start_date", "end_date", "plan_id", periods)


_PLANS = ("plan_id", "start_date", "end_date")
_SOURCE = "DfE Characteristics of children in need"

CPP_SECOND_SUBSEQUENT = Indicator(
    id="national.cpp_second_subsequent",
    section="child_protection",
    order=60,
    plain=(
        "Of the child protection plans started, how many were for a child who had been on a "
        "plan before, at any time. A high figure can mean that earlier plans ended too soon."
    ),
    count_label="plans started",
    of_which_label="a second or later plan",
    headline="ytd",
    headline_reason=(
        "DfE publishes it by collection year (April to March) and the seed report quotes it "
        "year to date"
    ),
    title="Child protection plans that are a second or subsequent plan",
    description=(
        "Numerator: plans whose child has another plan starting earlier in the data, or a "
        "previous_plans of 1 or more (missing = 0): a second plan ever. Denominator: plans "
        "starting in the period, counted as records."
    ),
    kind="flow",
    unit="%",
    polarity="lower",
    tables={"cp_plans": ("plan_id", "start_date", "previous_plans")},
    lookback="all",
    compute=cpp_second_subsequent,
    source=f"{_SOURCE}, table D3; former NI 65",
    definition_version="2014-15",
    benchmark=BenchmarkLink(
        key="cpp_second_subsequent",
        like_for_like=True,
        reason=(
            "plans starting that are a second or subsequent plan ever, over plans starting, "
            "as table D3"
        ),
    ),
)

CPP_OPEN_2Y = Indicator(
    id="national.cpp_open_2y",
    section="child_protection",
    order=80,
    plain=(
        "Of the child protection plans in place at the end of the period, how many had lasted "
        "two years or more. A plan is meant to bring change quickly; one lasting this long may "
        "not be working."
    ),
    count_label="plans open",
    of_which_label="lasting two years or more",
    title="Child protection plans open at the end lasting two years or more",
    description=(
        "Numerator: plans that have lasted at least 24 months at the period's end "
        "(add_months(start, 24) <= end). Denominator: plans open at the period's end, counted "
        "as records."
    ),
    kind="snapshot",
    unit="%",
    polarity="lower",
    tables={"cp_plans": _PLANS},
    compute=cpp_open_2y,
    source=f"{_SOURCE}, table D5 (plans at 31 March, 2 years or more)",
    definition_version="2014-15",
    benchmark=BenchmarkLink(
        key="cpp_open_2y",
        like_for_like=True,
        reason=(
            "plans open at a day lasting 2 years or more, over plans open then; the DfE "
            "counts at 31 March (table D5)"
        ),
    ),
)

CPP_ENDED_2Y = Indicator(
    id="national.cpp_ended_2y",
    section="child_protection",
    order=100,
    plain="Of the child protection plans that ended, how many had lasted two years or more.",
    count_label="plans ended",
    of_which_label="after two years or more",
    headline="ytd",
    headline_reason=(
        "DfE publishes it by collection year (April to March) and the seed report quotes it "
        "year to date"
    ),
    title="Child protection plans ended that lasted two years or more",
    description=(
        "Numerator: plans that had lasted at least 24 months when they ended "
        "(end >= add_months(start, 24)). Denominator: plans with an end date in the period, "
        "counted as records."
    ),
    kind="flow",
    unit="%",
    polarity="lower",
    tables={"cp_plans": _PLANS},
    lookback="all",
    compute=cpp_ended_2y,
    source=f"{_SOURCE}, table D7; former NI 64",
    definition_version="2014-15",
    benchmark=BenchmarkLink(
        key="CPPlans2yrs",
        like_for_like=True,
        reason="plans ending that had lasted 2 years or more, over plans ending, as table D7",
    ),
)

CPP_REVIEWS_ON_TIME = Indicator(
    id="national.cpp_reviews_on_time",
    section="child_protection",
    order=110,
    plain=(
        "Of the child protection plans in place long enough to have had a review, how many had "
        "every review on time: the first within three months, then every six months."
    ),
    count_label="plans due a review",
    of_which_label="with every review on time",
    title="Child protection plans with every review on time",
    description=(
        "Denominator: plans open at the period's end whose first review has fallen due "
        "(add_months(start, 3) <= end). Numerator: those whose reviews after the start and up "
        "to the end were each on time (first within 3 months of the start, then within 6 "
        "months of the previous review) and whose next review is not yet overdue."
    ),
    kind="snapshot",
    unit="%",
    polarity="higher",
    tables={"cp_plans": _PLANS, "cp_reviews": ("plan_id", "review_date")},
    compute=cpp_reviews_on_time,
    source="Working Together to Safeguard Children (review timescales); population [D]",
    definition_version="2014-15",
    benchmark=BenchmarkLink(
        key="RevCP",
        like_for_like=True,
        reason=(
            "plans open at a day for at least 3 months whose reviews were all on time "
            "(first within 3 months, then every 6), over those plans; the DfE counts at 31 "
            "March"
        ),
    ),
)

CPP_STARTED = Indicator(
    id="national.cpp_started",
    section="child_protection",
    order=30,
    plain="How many child protection plans were started in the period.",
    count_label="plans started",
    title="Child protection plans started",
    description="Plans with a start date in the period, counted as records.",
    kind="flow",
    unit="count",
    polarity="neutral",
    tables={"cp_plans": ("plan_id", "start_date")},
    compute=cpp_started,
    source=f"{_SOURCE}, table D1",
    definition_version="2014-15",
    benchmark=None,
)

CPP_ENDED = Indicator(
    id="national.cpp_ended",
    section="child_protection",
    order=40,
    plain="How many child protection plans came to an end in the period.",
    count_label="plans ended",
    title="Child protection plans ended",
    description="Plans with an end date in the period, counted as records.",
    kind="flow",
    unit="count",
    polarity="neutral",
    tables={"cp_plans": _PLANS},
    populated={"cp_plans": ("end_date",)},
    lookback="all",
    compute=cpp_ended,
    source=f"{_SOURCE}, table D7",
    definition_version="2014-15",
    benchmark=None,
)

CPP_OPEN = Indicator(
    id="national.cpp_open",
    section="child_protection",
    order=50,
    plain=(
        "How many child protection plans were in place at the end of the period: the children "
        "the service is protecting now."
    ),
    count_label="plans open",
    title="Child protection plans open at the end of the period",
    description="Plans open on the period's last day, counted as records.",
    kind="snapshot",
    unit="count",
    polarity="neutral",
    tables={"cp_plans": _PLANS},
    compute=cpp_open,
    source=f"{_SOURCE}, table D5",
    definition_version="2014-15",
    benchmark=None,
)
