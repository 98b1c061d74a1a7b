"""Assessments: completed within 45 working days (DfE children in need, table C2), and the
number completed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, Parameter, Periods
from safeguarding_metrics.benchmarks import BenchmarkLink
from safeguarding_metrics.cohort import NAT, count_flow, days, nullable_int, take_text
from safeguarding_metrics.declared import Deadline, DeadlineRows, Limit, LinkedStart

__all__ = [
    "ASSESSMENTS_45WD",
    "ASSESSMENTS_COMPLETED",
    "RULE",
    "assessments_45wd",
    "assessments_45wd_counts",
    "assessments_completed",
]

#: Working Together to Safeguard Children (2013 onwards): the maximum timescale of an
#: assessment under the Children Act 1989 [working days].
TIMESCALE = 45


def _authorised(assessments: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Start and authorisation days, the authorisation blanked when before the start."""
    start = days(assessments["start_date"])
    authorised = days(assessments["authorised_date"])
    # The loader already leaves such rows out (a negative interval); kept here so the compute
    # function holds on any table handed to it.
    authorised = np.where(authorised >= start, authorised, NAT)
    return start, authorised


def _details(rows: DeadlineRows, tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The drill-down's columns: the assessment's start, the clock's, the working days taken
    (missing without a clock start) and the 45th working day."""
    return {
        "start_date": rows.start,
        "clock_start": rows.clock,
        "working_days": nullable_int(rows.elapsed, rows.present),
        "due_date": rows.due,
    }


#: The rule of ``national.assessments_45wd``: authorised within 45 working days of the clock
#: start; counted in the period of the authorisation; an authorisation before the start is
#: ignored (the loader sets it aside); the clock may start at the linked referral.
RULE = Deadline(
    table="assessments",
    record="assessment_id",
    start="start_date",
    stop="authorised_date",
    within=Limit(TIMESCALE, "working days", count_start_day="count_start_day"),
    counted="stop",
    stop_before_start="no stop",
    linked_start=LinkedStart(
        parameter="clock_start",
        value="referral",
        table="referrals",
        key="referral_id",
        column="referral_date",
        reason="no linked referral (referral_id missing or not found)",
    ),
    details=_details,
)

_DEFINITION = """
Assessments authorised in the period that were completed within 45 working days [%].

Numerator
    Assessments with ``wd(clock start, authorised_date) <= 45``: the working days ``D``
    with ``clock start < D <= authorised_date``; with ``count_start_day`` the start day
    counts too (``wd_inclusive``).
Denominator
    Assessments with ``authorised_date`` in the period (and not before ``start_date``),
    counted as records.
Exclusions
    With ``clock_start="referral"``: an assessment with no linked referral (its
    ``referral_id`` missing, or naming no referral of the same child) is listed as
    excluded, outside both numerator and denominator. An authorisation before the start
    is a data error, set aside at load (its ``authorised_date`` is left out); an
    assessment not yet authorised falls in no period.

Parameters
----------
tables
    ``assessments`` (``assessment_id``, ``start_date``, ``authorised_date``,
    ``referral_id``) and ``referrals`` (``referral_id``, ``referral_date``).
periods
    The periods; the whole history is used, a period only chooses what is counted.
params
    ``clock_start``: ``"assessment"`` (default: the assessment's ``start_date``, as DfE
    table C2 times it) or ``"referral"`` (the linked referral's ``referral_date``, as
    Working Together words it). ``count_start_day``: count the working days in
    ``[start, authorised]`` (the CIN validator's convention, stricter by one day when the
    start is a working day); default false.

Notes
-----
Working days are Monday to Friday except England and Wales bank holidays, substitute days
included: an assessment started Thursday 2015-04-02 (Good Friday 2015-04-03, Easter
Monday 2015-04-06, 4 and 25 May 2015 are holidays) and authorised on Wednesday 2015-06-10
took 45 working days and is on time; authorised Thursday 2015-06-11 it took 46 and is
late. An authorisation on
a weekend day after the 45th working day still counts 45 working days and is on time.
With ``clock_start="referral"`` an authorisation dated before the referral gives a
negative count and is on time, the formula read to the letter. The detail columns
``clock_start``, ``working_days`` and ``due_date`` (the 45th working day) explain each
row.

References
----------
HM Government, *Working Together to Safeguard Children* (2013 onwards): "the maximum
timeframe for the assessment to conclude ... should be within 45 working days from the
point of referral". DfE, *Characteristics of children in need*, table C2 (assessments
completed, by duration from start to authorisation), from 2013-14. DfE, *Children in
need census: guide*, AssessmentActualStartDate and AssessmentAuthorisationDate.
"""


def assessments_completed(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Assessments authorised (completed) in the period [count].

    Numerator
        Assessments with ``authorised_date`` in the period, counted as records.
    Denominator
        None: a count.
    Exclusions
        An authorisation before the start is a data error, set aside at load; an assessment
        not yet authorised falls in no period.

    Parameters
    ----------
    tables
        ``assessments`` (``assessment_id``, ``start_date``, ``authorised_date``).
    periods
        The periods.
    params
        None.

    Notes
    -----
    The denominator of ``national.assessments_45wd`` with ``clock_start="assessment"``.

    References
    ----------
    DfE, *Characteristics of children in need*, table C2 (assessments completed in the year).
    """
    assessments = tables["assessments"]
    _, authorised = _authorised(assessments)
    frame = pd.DataFrame(
        {
            "child": assessments["child"].to_numpy(np.int64),
            "id": take_text(assessments["assessment_id"]),
            "authorised": authorised,
        }
    )
    return count_flow(frame, "authorised", "id", periods)


ASSESSMENTS_45WD = RULE.indicator(
    doc=_DEFINITION,
    id="national.assessments_45wd",
    section="assessment",
    order=10,
    plain=(
        "Of the assessments completed, how many were completed within 45 working days of "
        "starting, the national time limit, so that families know quickly what help they will "
        "get."
    ),
    count_label="assessments completed",
    of_which_label="within 45 working days",
    title="Assessments completed within 45 working days",
    description=(
        "Numerator: assessments authorised within 45 working days of their start "
        "(wd(start, authorised) <= 45, the start day not counted). Denominator: assessments "
        "with an authorisation date in the period (not before their start), counted as "
        "records. With clock_start='referral' the clock starts on the linked referral's date "
        "and an assessment without a linked referral is excluded and listed."
    ),
    kind="flow",
    unit="%",
    polarity="higher",
    tables={"assessments": ("assessment_id", "start_date", "authorised_date", "referral_id")},
    optional_tables={"referrals": ("referral_id", "referral_date")},
    lookback="12 months",
    parameters=(
        Parameter(
            name="clock_start",
            default="assessment",
            choices=("assessment", "referral"),
            description=(
                "'assessment': count from the assessment's start date (DfE table C2); "
                "'referral': from the linked referral's date (Working Together's wording); "
                "an assessment with no linked referral is then excluded and listed"
            ),
        ),
        Parameter(
            name="count_start_day",
            default=False,
            type=bool,
            description=(
                "count the working days in [start, authorised] (the CIN validator's "
                "convention, one day stricter when the start is a working day) instead of the "
                "elapsed working days (start, authorised]"
            ),
        ),
    ),
    source=(
        "Working Together to Safeguard Children 2013 (45 working days); DfE Characteristics "
        "of children in need, table C2 (from 2013-14)"
    ),
    definition_version="2014-15",
    benchmark=BenchmarkLink(
        key="Continue_Assess_Comp",
        like_for_like=True,
        reason=(
            "continuous assessments authorised within 45 working days of their start, over "
            "those authorised, as the CIN census counts them (with clock_start='referral' "
            "the clock is another one)"
        ),
    ),
)

#: The cohort and count forms of ``national.assessments_45wd`` (from :data:`RULE`).
assessments_45wd = ASSESSMENTS_45WD.compute
assessments_45wd_counts = ASSESSMENTS_45WD.count

ASSESSMENTS_COMPLETED = Indicator(
    id="national.assessments_completed",
    section="assessment",
    order=20,
    plain="How many social work assessments were completed: the volume of work.",
    count_label="assessments completed",
    title="Assessments completed",
    description=(
        "Assessments with an authorisation date in the period (not before their start), "
        "counted as records."
    ),
    kind="flow",
    unit="count",
    polarity="neutral",
    tables={"assessments": ("assessment_id", "start_date", "authorised_date")},
    populated={"assessments": ("authorised_date",)},
    lookback="12 months",
    compute=assessments_completed,
    source="DfE Characteristics of children in need, table C2 (assessments completed)",
    definition_version="2014-15",
    benchmark=None,
)
