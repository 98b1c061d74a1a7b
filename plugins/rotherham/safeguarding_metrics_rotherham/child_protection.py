"""Child protection: children on a plan for over two years, repeat plans within two years of the
last, and visits in the last two weeks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, Periods
from safeguarding_metrics.benchmarks import BenchmarkLink
from safeguarding_metrics.calendar import months_after
from safeguarding_metrics.cohort import (
    NAT,
    cohort_frame,
    days,
    flow_cohort,
    open_per_child,
    take_text,
    text_values,
)
from safeguarding_metrics.declared import Events, Limit, OpenRecords, Recency, RecencyRows

__all__ = [
    "CPP_OVER_2Y",
    "CPP_REPEAT_2Y",
    "CP_VISITS_2W",
    "VISITS_RULE",
    "cp_visits_2w",
    "cpp_over_2y",
    "cpp_repeat_2y",
]

#: "Over two years", and the regional repeat-plan window [months].
TWO_YEARS = 24
#: The local visiting standard: seen in the last two weeks [days].
VISIT_WINDOW_DAYS = 14

_PLANS = ("plan_id", "start_date", "end_date")
_REPORT = (
    "Rotherham MBC, Safeguarding Children and Families Performance 2015/16 3rd Quarter Report, "
    "Improving Lives Select Commission, 3 February 2016"
)


def cpp_over_2y(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children on a child protection plan that has lasted two years or more at the end [count].

    Numerator
        Children with a plan open at the period's end ``end`` that has lasted at least 24
        months, ``add_months(start_date, 24) <= end``; each child counted once.
    Denominator
        None: a count. The cohort lists every child on a plan at ``end`` (``met`` says whether
        the plan has lasted two years), so the drill-down and the team breakdown show the
        children on plans beside those over two years.
    Exclusions
        None. A plan whose end date is faulty (before its start) is left out by the loader.

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
    Open on ``end``: ``start_date <= end`` and (``end_date`` missing or after ``end``), so a
    plan ending on the period's last day is not counted. A plan started 2013-12-31 has lasted
    two years on 2015-12-31; one started 2012-02-29 on 2014-02-28. When a child has two open
    plans (overlapping plans, a data fault) the earliest started counts. Detail columns:
    ``plan_start``, ``two_years_on`` (``add_months(plan_start, 24)``) and ``open_plans``.

    References
    ----------
    Performance report, 3 February 2016, paragraph 3.2.2: "At the end of December only one
    child was subject to a CPP for over 2 years compared to 18 in April."
    """
    open_now = open_per_child(tables["cp_plans"], "plan_id", periods)
    start = days(open_now["start"])
    two_years_on = months_after(start, TWO_YEARS)
    return cohort_frame(
        period=open_now["period"].to_numpy(np.int64),
        child=open_now["child"].to_numpy(np.int64),
        record=take_text(open_now["record"]),
        date=start,
        met=two_years_on <= days(open_now["end"]),
        extra={
            "plan_start": start,
            "two_years_on": two_years_on,
            "open_plans": open_now["open"].to_numpy(np.int64),
        },
    )


def cpp_repeat_2y(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Plans started in the period within two years of the end of the child's previous plan [%].

    Numerator
        Plans for which the same child has another plan ``q`` that ended before this one
        started, and this one started within 24 months after it ended:
        ``q.end_date <= start_date <= add_months(q.end_date, 24)``.
    Denominator
        Plans with ``start_date`` in the period, counted as records (a child with two plans
        starting in the period counts twice), as for ``national.cpp_second_subsequent``.
    Exclusions
        None. ``previous_plans`` is not read: a plan held before the data begin, or elsewhere,
        has no known end date and cannot make a repeat. A plan whose end date is faulty is left
        out by the loader, as a plan and as an earlier plan.

    Parameters
    ----------
    tables
        ``cp_plans`` (``plan_id``, ``start_date``, ``end_date``).
    periods
        The periods; the whole history is used.
    params
        None.

    Notes
    -----
    Only the latest earlier end needs checking, since ``add_months`` never decreases. A plan
    starting on the day the previous one ended is a repeat; one starting exactly 24 months
    after it (2013-06-30 to 2015-06-30) is too, a day later is not. The month rule clamps: a
    plan ended 2014-02-28 makes a repeat of one starting 2016-02-28, not 2016-02-29. An
    earlier plan still open, or one that ended after this one started (overlapping plans), does
    not make a repeat. Detail columns: ``previous_plan_end`` and ``repeat_window_end``.

    References
    ----------
    The regional (South Yorkshire) variant of the second-or-subsequent-plan measure: a plan
    "within the last two years" of a previous plan. DfE, *Characteristics of children in need*,
    table D3 for the national measure.
    """
    plans = tables["cp_plans"]
    frame = pd.DataFrame(
        {
            "child": plans["child"].to_numpy(np.int64),
            "start": days(plans["start_date"]),
            "end": days(plans["end_date"]),
            "id": text_values(plans["plan_id"]),
        }
    ).sort_values(["start", "child", "id"], kind="stable")
    frame = frame.reset_index(drop=True)
    frame["plan"] = np.arange(len(frame), dtype=np.int64)

    # Each plan against the child's other plans that had ended by its start (few per child).
    ended = frame.loc[frame["end"].notna(), ["child", "end", "plan"]]
    pairs = frame[["child", "start", "plan"]].merge(ended, on="child", suffixes=("", "_q"))
    pairs = pairs.loc[
        (pairs["plan_q"].to_numpy() != pairs["plan"].to_numpy())
        & (days(pairs["end"]) <= days(pairs["start"]))
    ]
    latest = pairs.groupby("plan", sort=False)["end"].max()
    previous_end = np.full(len(frame), NAT)
    previous_end[latest.index.to_numpy(np.int64)] = days(latest)
    window_end = months_after(previous_end, TWO_YEARS)
    start = days(frame["start"])
    met = ~np.isnat(previous_end) & (start <= window_end)

    return flow_cohort(
        start,
        periods,
        child=frame["child"].to_numpy(np.int64),
        record=take_text(frame["id"]),
        met=met,
        extra={"previous_plan_end": previous_end, "repeat_window_end": window_end},
    )


def _visit_details(rows: RecencyRows, tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The drill-down's columns: the plan start, the latest cp visit and ``end - 14 days``."""
    return {
        "plan_start": rows.start,
        "last_visit": rows.last,
        "window_start": rows.end - np.timedelta64(VISIT_WINDOW_DAYS, "D"),
    }


#: The rule of ``rotherham.cp_visits_2w``: a cp visit in the last 14 days, or a plan younger
#: than that.
VISITS_RULE = Recency(
    cases=OpenRecords("cp_plans"),
    event=Events("visits", "visit_date", where=("visit_type", "cp")),
    within=Limit(VISIT_WINDOW_DAYS, "days"),
    new_cases="met",
    details=_visit_details,
)

_VISITS_DEFINITION = """
Children on a child protection plan at the end who were visited in the last two weeks [%].

Numerator
    Children with a ``cp`` visit in ``[end - 14 days, end]``, or whose plan started on or
    after ``end - 14 days`` (not yet due a visit under the local standard).
Denominator
    Children with a child protection plan open at the period's end ``end``, each counted
    once.
Exclusions
    None.

Parameters
----------
tables
    ``cp_plans`` (``plan_id``, ``start_date``, ``end_date``) and ``visits``
    (``visit_date``, ``visit_type``).
periods
    The periods; measured as at each period's last day.
params
    None.

Notes
-----
For a period ending 2015-12-31 a visit on 2015-12-17 (14 days before) counts and one on
2015-12-16 (15 days before) does not; a visit after ``end`` does not count for that period.
Only visits of type ``cp`` are read. When a child has two open plans the earliest start is
the plan's start. Detail columns: ``plan_start``, ``last_visit`` (the latest ``cp`` visit
on or before ``end``, at any time) and ``window_start`` (``end - 14 days``).

References
----------
Performance report, 3 February 2016, paragraph 3.2.4: "95.0% of children with a Child
Protection Plan had been visited in the last 2 weeks (local standard)".
"""


CPP_OVER_2Y = Indicator(
    id="rotherham.cpp_over_2y",
    section="child_protection",
    order=90,
    plain=(
        "How many children had been on the same child protection plan for two years or more at "
        "the end of the period. The fewer the better."
    ),
    count_label="children on a plan for two years or more",
    title="Children on a child protection plan for two years or more",
    description=(
        "Children on a child protection plan open at the period's end that has lasted at least "
        "24 months (add_months(start, 24) <= end), each child counted once. A count."
    ),
    kind="snapshot",
    unit="count",
    polarity="lower",
    tables={"cp_plans": _PLANS},
    compute=cpp_over_2y,
    source=f"{_REPORT}, para 3.2.2",
    definition_version="2015-16",
)

CPP_REPEAT_2Y = Indicator(
    id="rotherham.cpp_repeat_2y",
    benchmark=BenchmarkLink(
        key="PrevRegCPR",
        like_for_like=False,
        reason=(
            "timescale: a plan starting within 2 years of a previous plan's end; the DfE "
            "counts a second or subsequent plan ever"
        ),
    ),
    section="child_protection",
    order=70,
    plain=(
        "Of the child protection plans started, how many were for a child whose previous plan "
        "had ended within the two years before: children coming back onto a plan soon after one "
        "ended."
    ),
    count_label="plans started",
    of_which_label="within two years of a previous plan",
    title="Child protection plans starting within two years of a previous plan",
    description=(
        "Numerator: plans whose child had another plan that ended on or before this one's "
        "start, this one starting within 24 months after that end (q.end <= start <= "
        "add_months(q.end, 24)); previous_plans is not read. Denominator: plans starting in the "
        "period, counted as records."
    ),
    kind="flow",
    unit="%",
    polarity="lower",
    tables={"cp_plans": _PLANS},
    populated={"cp_plans": ("end_date",)},
    lookback="all",
    compute=cpp_repeat_2y,
    source="Regional variant of DfE table D3 (repeat plan within the last two years)",
    definition_version="2015-16",
)

CP_VISITS_2W = VISITS_RULE.indicator(
    doc=_VISITS_DEFINITION,
    id="rotherham.cp_visits_2w",
    section="child_protection",
    order=120,
    plain=(
        "Of the children on a child protection plan at the end of the period, how many had been "
        "seen by their social worker in the two weeks before (the local standard)."
    ),
    count_label="children on a plan",
    of_which_label="visited in the last two weeks",
    title="Children on a child protection plan visited in the last two weeks",
    description=(
        "Denominator: children on a child protection plan at the period's end. Numerator: those "
        "with a cp visit in [end - 14 days, end], or whose plan started on or after end - 14 "
        "days."
    ),
    kind="snapshot",
    unit="%",
    polarity="higher",
    tables={"cp_plans": _PLANS, "visits": ("visit_date", "visit_type")},
    source=f"{_REPORT}, para 3.2.4 (local standard)",
    definition_version="2015-16",
)

#: The cohort of ``rotherham.cp_visits_2w`` (from :data:`VISITS_RULE`).
cp_visits_2w = CP_VISITS_2W.compute
