"""Section 47 enquiries: initial child protection conferences within 15 working days (DfE
children in need, table C4), and the number of enquiries started."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from safeguarding_metrics import Indicator, Parameter, Periods
from safeguarding_metrics.benchmarks import BenchmarkLink
from safeguarding_metrics.cohort import count_flow
from safeguarding_metrics.declared import Deadline, DeadlineRows, Limit

__all__ = ["ICPC_15WD", "RULE", "S47_STARTED", "icpc_15wd", "s47_started"]

#: Working Together: the initial child protection conference within 15 working days of the
#: strategy discussion that started the section 47 enquiry [working days].
TIMESCALE = 15


def _details(rows: DeadlineRows, tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The drill-down's columns: the enquiry's start, the working days to the conference and
    the 15th working day."""
    return {"start_date": rows.start, "working_days": rows.elapsed, "due_date": rows.due}


#: The rule of ``national.icpc_15wd``: the conference within 15 working days of the start of
#: the enquiry, counted in the period of the conference; one dated before the enquiry is late.
RULE = Deadline(
    table="section47",
    record="s47_id",
    start="start_date",
    stop="icpc_date",
    within=Limit(TIMESCALE, "working days", count_start_day="count_start_day"),
    counted="stop",
    stop_before_start="not met",
    details=_details,
)

_DEFINITION = """
Initial child protection conferences in the period held within 15 working days of the
start of their section 47 enquiry [%].

Numerator
    Enquiries with ``icpc_date >= start_date`` and ``wd(start_date, icpc_date) <= 15``
    (the working days ``D`` with ``start_date < D <= icpc_date``; with
    ``count_start_day`` the start day counts too, ``wd_inclusive``).
Denominator
    Section 47 enquiries with ``icpc_date`` in the period, counted as records.
Exclusions
    None. A conference dated before its enquiry stays in the denominator and is not met:
    it is not a negative interval to set aside. An ``icpc_not_required`` flag beside a
    date is ignored (the table's column is not read). An enquiry without a conference
    date falls in no period.

Parameters
----------
tables
    ``section47`` (``s47_id``, ``start_date``, ``icpc_date``).
periods
    The periods; the whole history is used.
params
    ``count_start_day``: count the working days in ``[start, icpc]`` (the CIN validator's
    convention, stricter by one day when the start is a working day); default false.

Notes
-----
A strategy discussion on Friday 2015-12-11 and a conference on Tuesday 2016-01-05: the
working days after the 11th are 14-18, 21-24 (9), 29-31 (Boxing Day's substitute Monday
2015-12-28 and Christmas Day are holidays: 12), 4 and 5 January (1 January is a holiday:
14): 14 working days, on time. Day 15 is on time, day 16 is late. The detail columns
``working_days`` and ``due_date`` (the 15th working day) explain each row.

References
----------
HM Government, *Working Together to Safeguard Children*: the initial child protection
conference "within 15 working days of the strategy discussion". DfE, *Characteristics of
children in need*, table C4 (ICPCs by working days from the start of the section 47
enquiry); LG Inform metric 3217.
"""


def s47_started(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Section 47 enquiries started in the period [count].

    Numerator
        Enquiries with ``start_date`` (the strategy discussion) in the period, counted as
        records.
    Denominator
        None: a count.
    Exclusions
        None (an enquiry without a usable start date is set aside at load).

    Parameters
    ----------
    tables
        ``section47`` (``s47_id``, ``start_date``).
    periods
        The periods.
    params
        None.

    Notes
    -----
    Whether a conference followed, and when, does not matter.

    References
    ----------
    DfE, *Characteristics of children in need*, table C4 (section 47 enquiries).
    """
    s47 = tables["section47"]
    return count_flow(s47, "start_date", "s47_id", periods)


_COUNT_START_DAY = Parameter(
    name="count_start_day",
    default=False,
    type=bool,
    description=(
        "count the working days in [start, conference] (the CIN validator's convention, one "
        "day stricter when the start is a working day) instead of the elapsed working days "
        "(start, conference]"
    ),
)

ICPC_15WD = RULE.indicator(
    doc=_DEFINITION,
    id="national.icpc_15wd",
    section="child_protection",
    order=20,
    plain=(
        "Of the initial child protection conferences held, how many were held within 15 working "
        "days of the enquiry starting, so that a plan to protect the child is agreed quickly."
    ),
    count_label="conferences held",
    of_which_label="within 15 working days",
    title="Initial child protection conferences within 15 working days",
    description=(
        "Numerator: conferences held on or after the start of their section 47 enquiry and "
        "within 15 working days of it (wd(start, conference) <= 15, the start day not "
        "counted). Denominator: section 47 enquiries with a conference date in the period, "
        "counted as records; a conference dated before its enquiry stays in, not met."
    ),
    kind="flow",
    unit="%",
    polarity="higher",
    tables={"section47": ("s47_id", "start_date", "icpc_date")},
    lookback="3 months",
    parameters=(_COUNT_START_DAY,),
    source="DfE Characteristics of children in need, table C4; LG Inform 3217",
    definition_version="2014-15",
    benchmark=BenchmarkLink(
        key="CP_conf_15days",
        like_for_like=True,
        reason=(
            "initial conferences within 15 working days of the start of the section 47 "
            "enquiry, over the conferences held: the DfE's published percentage"
        ),
    ),
)

#: The cohort of ``national.icpc_15wd`` (from :data:`RULE`).
icpc_15wd = ICPC_15WD.compute

S47_STARTED = Indicator(
    id="national.s47_started",
    section="child_protection",
    order=10,
    plain=(
        "How many child protection enquiries (section 47) were started, where a child was "
        "thought to be suffering or likely to suffer significant harm."
    ),
    count_label="enquiries started",
    title="Section 47 enquiries started",
    description="Section 47 enquiries whose start (strategy discussion) falls in the period.",
    kind="flow",
    unit="count",
    polarity="neutral",
    tables={"section47": ("s47_id", "start_date")},
    compute=s47_started,
    source="DfE Characteristics of children in need, table C4 (section 47 enquiries)",
    definition_version="2014-15",
    benchmark=None,
)
