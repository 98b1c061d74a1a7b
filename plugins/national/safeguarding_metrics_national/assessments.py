"""Assessments: completed within 45 working days (DfE children in need, table C2), and the
number completed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, NotComputable, Parameter, Periods
from safeguarding_metrics.cohort import DayIndex, cohort_frame, count_frame, days
from safeguarding_metrics.views import shared

from ._shared import NAT, count_flow, deadline, nullable_int, working_days

__all__ = [
    "ASSESSMENTS_45WD",
    "ASSESSMENTS_COMPLETED",
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


def assessments_45wd(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Assessments authorised in the period that were completed within 45 working days [%].

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
    timed = _timed(tables, periods, params)
    return cohort_frame(
        period=timed.period,
        child=timed.child,
        record=tables["assessments"]["assessment_id"].iloc[timed.row].astype(object).to_numpy(),
        date=timed.authorised,
        met=timed.met,
        excluded=(
            np.full(len(timed.position), None, dtype=object)
            if timed.excluded is None
            else timed.excluded
        ),
        extra={
            "start_date": timed.start,
            "clock_start": timed.clock,
            "working_days": nullable_int(timed.count, timed.present),
            "due_date": deadline(timed.clock, TIMESCALE, params["count_start_day"]),
        },
    )


def assessments_45wd_counts(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """The count form of :func:`assessments_45wd`: the same rows, no ids or details."""
    timed = _timed(tables, periods, params)
    return count_frame(
        period=timed.period,
        child=timed.child,
        date=timed.authorised,
        met=timed.met,
        excluded=timed.excluded,
    )


@attrs.frozen(kw_only=True)
class _ByAuthorisation:
    """The assessments sorted by authorisation (blanked when before the start, as
    ``_authorised`` does), with their start days and children in that order."""

    index: DayIndex
    start: np.ndarray
    child: np.ndarray

    @classmethod
    def of(cls, assessments: pd.DataFrame) -> _ByAuthorisation:
        start, authorised = _authorised(assessments)
        index = DayIndex.of(authorised)
        return cls(
            index=index,
            start=start[index.order],
            child=assessments["child"].to_numpy()[index.order],
        )


@attrs.frozen(kw_only=True)
class _Timed:
    """The assessments counted, one entry per (period, assessment): what both forms share."""

    period: np.ndarray
    position: np.ndarray  # position in the order of authorisation
    order: np.ndarray  # the rows of the assessments table in that order
    child: np.ndarray
    start: np.ndarray
    authorised: np.ndarray
    clock: np.ndarray
    count: np.ndarray  # working days, -1 where there is no clock start
    present: np.ndarray  # has a clock start
    met: np.ndarray
    excluded: np.ndarray | None  # the reason per row, None when nothing is excluded

    @property
    def row(self) -> np.ndarray:
        """Each entry's row in the assessments table."""
        return self.order[self.position]


def _timed(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> _Timed:
    assessments = tables["assessments"]
    # The assessments sorted by authorisation once per dataset: each call then searches, and
    # reads the days and children of a period as a run of the sorted arrays.
    by = shared(
        tables,
        "national.assessments_45wd: by authorisation",
        "assessments",
        lambda: _ByAuthorisation.of(assessments),
    )
    period, position = by.index.positions_in_periods(periods)
    auth = by.index.sorted_days[position]
    start = by.start[position]
    child = by.child[position]

    excluded: np.ndarray | None = None
    if params["clock_start"] == "referral":
        if "referrals" not in tables:
            raise NotComputable("clock_start='referral' needs the referrals table")
        referrals = tables["referrals"]
        linked = pd.DataFrame(
            {
                "child": referrals["child"].to_numpy(np.int64),
                "referral_id": referrals["referral_id"].astype(object).to_numpy(),
                "clock": days(referrals["referral_date"]),
            }
        ).drop_duplicates(["child", "referral_id"])
        wanted = pd.DataFrame(
            {
                "child": child.astype(np.int64),
                "referral_id": assessments["referral_id"]
                .astype(object)
                .to_numpy()[by.index.order[position]],
            }
        )
        clock = (
            wanted.merge(linked, on=["child", "referral_id"], how="left")["clock"]
            .to_numpy()
            .astype("datetime64[D]")
        )
        excluded = np.full(len(position), None, dtype=object)
        excluded[np.isnat(clock)] = "no linked referral (referral_id missing or not found)"
    else:
        clock = start

    present = ~np.isnat(clock)
    if present.all():  # always so when the clock starts with the assessment
        count = working_days(clock, auth, params["count_start_day"])
    else:
        count = np.full(len(position), -1, dtype=np.int64)
        count[present] = working_days(clock[present], auth[present], params["count_start_day"])
    return _Timed(
        period=period,
        position=position,
        order=by.index.order,
        child=child,
        start=start,
        authorised=auth,
        clock=clock,
        count=count,
        present=present,
        met=present & (count <= TIMESCALE),
        excluded=excluded,
    )


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
            "id": assessments["assessment_id"].astype(object).to_numpy(),
            "authorised": authorised,
        }
    )
    return count_flow(frame, "authorised", "id", periods)


ASSESSMENTS_45WD = Indicator(
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
    compute=assessments_45wd,
    count=assessments_45wd_counts,
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
    benchmark=None,
)

ASSESSMENTS_COMPLETED = Indicator(
    id="national.assessments_completed",
    section="assessment",
    order=20,
    plain=(
        "How many social work assessments were completed: the volume of work."
    ),
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
