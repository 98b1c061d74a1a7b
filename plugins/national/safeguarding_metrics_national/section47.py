"""Section 47 enquiries: initial child protection conferences within 15 working days (DfE
children in need, table C4), and the number of enquiries started."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, Parameter, Periods
from safeguarding_metrics.cohort import cohort_frame, days, rows_in_periods

from ._shared import count_flow, deadline, working_days

__all__ = ["ICPC_15WD", "S47_STARTED", "icpc_15wd", "s47_started"]

#: Working Together: the initial child protection conference within 15 working days of the
#: strategy discussion that started the section 47 enquiry [working days].
TIMESCALE = 15


def icpc_15wd(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Initial child protection conferences in the period held within 15 working days of the
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
    s47 = tables["section47"]
    start = days(s47["start_date"])
    icpc = days(s47["icpc_date"])
    period, row = rows_in_periods(icpc, periods)
    start_r, icpc_r = start[row], icpc[row]
    count = working_days(start_r, icpc_r, params["count_start_day"])
    met = (icpc_r >= start_r) & (count <= TIMESCALE)
    return cohort_frame(
        period=period,
        child=s47["child"].to_numpy(np.int64)[row],
        record=s47["s47_id"].astype(object).to_numpy()[row],
        date=icpc_r,
        met=met,
        extra={
            "start_date": start_r,
            "working_days": count,
            "due_date": deadline(start_r, TIMESCALE, params["count_start_day"]),
        },
    )


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

ICPC_15WD = Indicator(
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
    compute=icpc_15wd,
    parameters=(_COUNT_START_DAY,),
    source="DfE Characteristics of children in need, table C4; LG Inform 3217",
    definition_version="2014-15",
    benchmark="icpc_15wd",
)

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
