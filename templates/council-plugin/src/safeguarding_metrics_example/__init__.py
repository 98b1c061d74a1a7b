"""Example Council's local measures: a safeguarding-metrics plugin (entry point ``example``).

A starting point for a council's own plugin: copy ``templates/council-plugin``, rename it (see
README.md) and replace the indicator with yours. Everything here is the public API of
``safeguarding_metrics``, the same building blocks the bundled ``national`` and ``rotherham``
plugins use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from safeguarding_metrics import Indicator, Parameter, Periods, Target, hookimpl
from safeguarding_metrics.benchmarks import BenchmarkLink, Comparator
from safeguarding_metrics.calendar import wd
from safeguarding_metrics.cohort import (
    cohort_frame,
    days,
    latest_event,
    rows_open_at_period_ends,
    take_text,
)

__all__ = [
    "CIN_VISITS_20WD",
    "cin_visits_20wd",
    "register_benchmarks",
    "register_indicators",
    "register_targets",
]


def cin_visits_20wd(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Child in need plans open at the end whose child was seen in the last 20 working days [%].

    Numerator
        Plans whose child has a ``cin`` visit ``v`` on or before ``end`` with
        ``wd(v, end) <= within`` (20 by default), or that started no more than ``within``
        working days before ``end`` (not yet due a visit).
    Denominator
        Child in need plans open at the period's end ``end``: ``start_date <= end`` and
        (``end_date`` missing or after ``end``), counted as plans.
    Exclusions
        None.

    Parameters
    ----------
    tables
        ``cin_plans`` (``plan_id``, ``start_date``, ``end_date``) and ``visits``
        (``visit_date``, ``visit_type``).
    periods
        The periods; measured as at each period's last day.
    params
        ``within``: working days [working days].

    Notes
    -----
    ``wd`` counts elapsed working days, the visit day not counted, England and Wales bank
    holidays excluded: a visit on Tuesday 2015-12-01 is 20 working days before 2015-12-31
    (Christmas Day and the Boxing Day substitute do not count) and in time; one on Monday
    2015-11-30 (21) is not. A visit after ``end`` does not count for that period. Detail
    columns: ``last_visit`` and ``working_days_since``.

    References
    ----------
    Example Council, children in need practice standard (illustrative): children in need are
    seen at least every four weeks.
    """
    plans = tables["cin_plans"]
    start, stop = days(plans["start_date"]), days(plans["end_date"])
    period, row = rows_open_at_period_ends(start, stop, periods)
    end = periods.end[period]
    child = plans["child"].to_numpy(np.int64)[row]

    visits = tables["visits"]
    cin = visits.loc[(visits["visit_type"] == "cin").to_numpy(dtype=bool, na_value=False)]
    # the day of each child's latest cin visit on or before the end (NaT: never visited)
    last = latest_event(cin["child"].to_numpy(np.int64), days(cin["visit_date"]), child, end)
    seen = ~np.isnat(last)
    since = np.full(len(row), -1, dtype=np.int64)
    since[seen] = wd(last[seen], end[seen])

    within = int(params["within"])
    new_plan = np.asarray(wd(start[row], end), dtype=np.int64) <= within
    return cohort_frame(
        period=period,
        child=child,
        record=take_text(plans["plan_id"], row),
        date=start[row],
        met=(seen & (since <= within)) | new_plan,
        extra={"last_visit": last, "working_days_since": since},
    )


CIN_VISITS_20WD = Indicator(
    id="example.cin_visits_20wd",
    section="children_in_need",
    order=30,
    plain=(
        "Of the child in need plans open at the end of the period, how many had the child seen "
        "by their social worker in the 20 working days (about four weeks) before, or had "
        "started too recently to be due a visit (the council's practice standard)."
    ),
    count_label="child in need plans open",
    of_which_label="child seen in the last 20 working days",
    title="Child in need plans with the child seen in the last 20 working days",
    description=(
        "Denominator: child in need plans open at the period's end. Numerator: those whose child "
        "had a cin visit at most 20 working days before the end, or that started at most 20 "
        "working days before it."
    ),
    kind="snapshot",
    unit="%",
    polarity="higher",
    tables={
        "cin_plans": ("plan_id", "start_date", "end_date"),
        "visits": ("visit_date", "visit_type"),
    },
    compute=cin_visits_20wd,
    parameters=(
        Parameter(
            name="within",
            default=20,
            type=int,
            description="the most working days since the last visit (default 20)",
        ),
    ),
    source="Example Council children in need practice standard (illustrative)",
    definition_version="2016-17",
    benchmark=BenchmarkLink(
        key="example.club_cin_visits_20wd",
        like_for_like=True,
        reason="the club's members count child in need plans open at 31 March the same way",
    ),
)


@hookimpl
def register_indicators() -> Iterable[Indicator]:
    """The council's local measures."""
    return [CIN_VISITS_20WD]


@hookimpl
def register_targets() -> Iterable[Target]:
    """The council's default targets (a council's targets file overrides them)."""
    return [
        Target(
            indicator="example.cin_visits_20wd",
            value=90.0,
            tolerance=5.0,
            source="Example Council improvement plan (illustrative)",
        )
    ]


@hookimpl
def register_benchmarks() -> Iterable[Comparator]:
    """The council's own comparators: here a regional benchmarking club's figures, read from
    a CSV shipped inside this package (``data/club_cin_visits.csv``: area, year, value).

    EXAMPLE ONLY: the figures are invented, for an imaginary club, to show the shape. Replace
    the file with your club's published figures (and say where they come from in ``source``).
    """
    return [
        Comparator.from_csv(
            __package__ or "safeguarding_metrics_example",
            "data/club_cin_visits.csv",
            key="example.club_cin_visits_20wd",
            label="EXAMPLE ONLY (invented figures): regional club, CIN plans with the child seen",
            source="an imaginary regional benchmarking club (invented example figures)",
            polarity="higher",
            decimals=1,
        )
    ]
