"""The children in need census measures of the ``national`` plugin: worked examples computed by
hand, boundaries as hypothesis properties, and a plain-Python reference on generated histories.

Working-day arithmetic in the comments: ``wd(a, b)`` counts the working days D with
``a < D <= b``; bank holidays 2015: 3 and 6 April (Easter), 4 and 25 May, 31 August, 25 and
28 December (Boxing Day fell on a Saturday: Monday 28 December is its substitute); 2016:
1 January, 25 and 28 March.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import safeguarding_metrics as sm
from safeguarding_metrics.model import Assessment, CpPlan, CpReview, Referral, Section47

from .test_national_reference import (
    CIN_IDS,
    COUNTS,
    DAY,
    FLOWS,
    REGISTRY,
    D,
    calc,
    excluded,
    figures,
    figures_by_period,
    month_periods,
    nth_working_day_after,
    ref_add_months,
    ref_wd,
    ref_wd_inclusive,
    reference,
)

A45, ICPC = "national.assessments_45wd", "national.icpc_15wd"
SECOND, OPEN2Y, ENDED2Y = (
    "national.cpp_second_subsequent",
    "national.cpp_open_2y",
    "national.cpp_ended_2y",
)
REVIEWS = "national.cpp_reviews_on_time"
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assessment(aid: str, child: str, start: str, authorised: str | None, **kw: Any) -> Assessment:
    return Assessment(
        assessment_id=aid,
        child_id=child,
        start_date=D(start),
        authorised_date=None if authorised is None else D(authorised),
        **kw,
    )


def s47(sid: str, child: str, start: str, icpc: str | None, **kw: Any) -> Section47:
    return Section47(
        s47_id=sid,
        child_id=child,
        start_date=D(start),
        icpc_date=None if icpc is None else D(icpc),
        **kw,
    )


def plan(pid: str, child: str, start: str, end: str | None = None, **kw: Any) -> CpPlan:
    return CpPlan(
        plan_id=pid,
        child_id=child,
        start_date=D(start),
        end_date=None if end is None else D(end),
        **kw,
    )


def review(pid: str, child: str, day: str) -> CpReview:
    return CpReview(plan_id=pid, child_id=child, review_date=D(day))


def referral(rid: str, child: str, day: str, closed: str | None = None, **kw: Any) -> Referral:
    return Referral(
        referral_id=rid,
        child_id=child,
        referral_date=D(day),
        closure_date=None if closed is None else D(closed),
        **kw,
    )


# -- worked examples ------------------------------------------------------------------------------

ASSESSMENTS = [
    # assessments_45wd reads referrals too (for clock_start="referral"): the table must exist
    referral("R0", "C9", "2014-01-01"),
    # Thursday 2015-04-02 to Wednesday 2015-06-10. April after the 2nd: 7-10 (4), 13-17 (9),
    # 20-24 (14), 27-30 (18); May: 1 (19), 5-8 (23; the 4th is a holiday), 11-15 (28),
    # 18-22 (33), 26-29 (37; the 25th is a holiday); June: 1-5 (42), 8-10 (45). 45: met.
    assessment("A1", "C1", "2015-04-02", "2015-06-10"),
    # The same start, authorised Thursday 2015-06-11: 46 working days, late.
    assessment("A2", "C1", "2015-04-02", "2015-06-11"),
    # Tuesday 2015-10-27 to Thursday 2015-12-31: October 28-30 (3); November 21 working days
    # (24); December 1-4 (28), 7-11 (33), 14-18 (38), 21-24 (42), 29-31 (45; the 25th and the
    # substitute 28th are holidays). 45: met.
    assessment("A3", "C2", "2015-10-27", "2015-12-31"),
    # The same start, authorised Monday 2016-01-04 (1 January a holiday): 46, late.
    assessment("A4", "C2", "2015-10-27", "2016-01-04"),
    # Started Easter Saturday 2015-04-04: the first working day after it is Tuesday 7 April,
    # as for A1, so 2015-06-10 is again 45 working days: met. The start day is not a working
    # day, so counting it (count_start_day) changes nothing: met either way.
    assessment("A5", "C3", "2015-04-04", "2015-06-10"),
    # not authorised, and authorised after the period: in no period
    assessment("A6", "C3", "2016-03-01", None),
    assessment("A7", "C4", "2016-03-01", "2016-04-01"),
]


def test_assessments_45wd_worked_example() -> None:
    results = calc(ASSESSMENTS, [A45, "national.assessments_completed"])
    assert figures(results, A45) == [(3, 5)]  # A1, A3, A5 of A1-A5
    assert figures(results, "national.assessments_completed") == [(5, None)]
    rows = results.drilldown(A45).set_index("record")
    assert rows.loc["A1", "working_days"] == 45 and rows.loc["A2", "working_days"] == 46
    assert rows.loc["A3", "due_date"] == pd.Timestamp("2015-12-31")


def test_assessments_45wd_counting_the_start_day() -> None:
    # A1 and A3 start on a working day, so each count is one more: 46, late. A5 starts on a
    # Saturday: still 45, met. A2 and A4: 47, late.
    results = calc(ASSESSMENTS, [A45], params={A45: {"count_start_day": True}})
    assert figures(results, A45) == [(1, 5)]
    rows = results.drilldown(A45).set_index("record")
    # counting the start day, the 45th day of A1 is the 44th working day after it
    assert rows.loc["A1", "due_date"] == pd.Timestamp("2015-06-09")


def test_assessments_45wd_from_the_referral() -> None:
    records = [
        referral("R1", "C1", "2015-03-31"),
        referral("R2", "C1", "2015-04-20"),
        referral("R3", "C2", "2015-04-20"),
        # from R1 (Tuesday 31 March): 1 and 2 April, then the 45 of A1 above: 47, late
        assessment("A1", "C1", "2015-04-02", "2015-06-10", referral_id="R1"),
        # from R2 (Monday 20 April): the 45 of A1 less 7-10 and 13-17 April and 20 April
        # (10): 35, met
        assessment("A2", "C1", "2015-04-21", "2015-06-10", referral_id="R2"),
        # no referral_id, and a referral of another child: excluded and listed
        assessment("A3", "C1", "2015-04-21", "2015-06-10"),
        assessment("A4", "C1", "2015-04-21", "2015-06-10", referral_id="R3"),
    ]
    results = calc(records, [A45], params={A45: {"clock_start": "referral"}})
    assert figures(results, A45) == [(1, 2)]
    assert excluded(results, A45) == [2]
    default = calc(records, [A45])
    assert figures(default, A45) == [(4, 4)]  # from their own start dates: all within 45


SECTION47 = [
    # Thursday 2015-03-12 to Thursday 2015-04-02: 13 (1), 16-20 (6), 23-27 (11), 30-31 (13),
    # 1-2 April (15). Day 15: met.
    s47("S1", "C1", "2015-03-12", "2015-04-02"),
    # To Tuesday 2015-04-07: Good Friday and Easter Monday are holidays, so day 16: late.
    s47("S2", "C2", "2015-03-12", "2015-04-07"),
    # Friday 2015-12-11 to Tuesday 2016-01-05: 14-18 (5), 21-24 (9), 29-31 (12; the 25th and
    # 28th are holidays), 4-5 January (14; the 1st is a holiday). 14: met.
    s47("S3", "C3", "2015-12-11", "2016-01-05"),
    # a conference dated the day before its enquiry: in the denominator, not met
    s47("S4", "C4", "2015-06-10", "2015-06-09"),
    # a conference the same day: 0 working days, met
    s47("S5", "C5", "2015-06-10", "2015-06-10"),
    # no conference (not required): no period; a conference with the flag set: counted
    s47("S6", "C6", "2015-06-01", None, icpc_not_required=True),
    s47("S7", "C7", "2015-06-01", "2015-06-05", icpc_not_required=True),
]


def test_icpc_15wd_worked_example() -> None:
    results = calc(SECTION47, [ICPC, "national.s47_started"])
    assert figures(results, ICPC) == [(4, 6)]  # S1, S3, S5, S7 of S1-S5, S7
    # S1 and S2 started before 1 April 2015: the other five enquiries started in the period
    assert figures(results, "national.s47_started") == [(5, None)]
    # counting the start day: S1 16 (late), S3 15 (met: a Friday start), S5 1, S7 5 (met)
    counted = calc(SECTION47, [ICPC], params={ICPC: {"count_start_day": True}})
    assert figures(counted, ICPC) == [(3, 6)]
    # the conference before its enquiry is not a data error
    assert not (results.dataset.quality["table"] == "section47").any()


PLANS = [
    plan("P1", "C1", "2014-05-01", "2014-12-01"),
    plan("P2", "C1", "2015-06-01"),  # an earlier plan of the child: second
    plan("P3", "C2", "2015-07-01", previous_plans=2),  # previous plans elsewhere: second
    plan("P4", "C3", "2015-08-01", "2016-02-01", previous_plans=0),  # a first plan
    plan("P5", "C4", "2015-09-01", "2015-09-01"),  # two plans starting the same day:
    plan("P6", "C4", "2015-09-01"),  # neither is earlier than the other
    plan("P7", "C5", "2015-10-01", "2015-12-01"),  # first
    plan("P8", "C5", "2016-01-10"),  # second
]


def test_cpp_second_subsequent_worked_example() -> None:
    results = calc(PLANS, [SECOND, "national.cpp_started"])
    assert figures(results, SECOND) == [(3, 7)]  # P2, P3, P8 of P2-P8
    assert figures(results, "national.cpp_started") == [(7, None)]


def test_cpp_open_and_ended_two_years_worked_example() -> None:
    records = [
        # open at 2016-03-31: lasted 24 months exactly (2014-03-31 + 24 months = 2016-03-31)
        plan("P1", "C1", "2014-03-31"),
        # open, 24 months reached on 2016-04-01: not yet
        plan("P2", "C2", "2014-04-01"),
        # ends on the period's last day: not open at its end, but ended in the period, and
        # short of two years (2013-04-02 + 24 months = 2015-04-02 <= 2016-03-31: met!)
        plan("P3", "C3", "2013-04-02", "2016-03-31"),
        # ended after exactly two years (2013-04-01 to 2015-04-01): met
        plan("P4", "C4", "2013-04-01", "2015-04-01"),
        # ended one day short of two years (2013-05-01 + 24 months = 2015-05-01): not met
        plan("P5", "C5", "2013-05-01", "2015-04-30"),
        # open, started in the period
        plan("P6", "C6", "2015-06-01", "2016-04-01"),
    ]
    results = calc(
        records,
        [OPEN2Y, ENDED2Y, "national.cpp_open", "national.cpp_ended"],
    )
    assert figures(results, OPEN2Y) == [(1, 3)]  # P1 of P1, P2, P6
    assert figures(results, ENDED2Y) == [(2, 3)]  # P3, P4 of P3, P4, P5
    assert figures(results, "national.cpp_open") == [(3, None)]
    assert figures(results, "national.cpp_ended") == [(3, None)]


def test_cpp_open_two_years_on_29_february() -> None:
    # started 2012-02-29: 24 months later is 2014-02-28 (clamped), reached at that month's end
    records = [plan("P1", "C1", "2012-02-29"), plan("P2", "C2", "2012-03-01")]
    results = calc(records, [OPEN2Y], start="2014-01-01", end="2014-03-31", every="month")
    assert figures(results, OPEN2Y) == [(0, 2), (1, 2), (2, 2)]


REVIEW_RECORDS = [
    # first review due 2015-11-29 + 3 months = 2016-02-29, held then: on time; next due
    # 2016-08-29
    plan("P1", "C1", "2015-11-29"),
    review("P1", "C1", "2016-02-29"),
    # the same, held on 2016-03-01: late
    plan("P2", "C2", "2015-11-29"),
    review("P2", "C2", "2016-03-01"),
    # first review due 2016-03-31, not held yet at 2016-03-31: on time
    plan("P3", "C3", "2015-12-31"),
    # first review due 2016-04-01: not yet in the population at 2016-03-31
    plan("P4", "C4", "2016-01-01"),
    # 2015-05-28 (due 2015-05-28) then 2015-11-27 (due 2015-11-28); next due 2016-05-27
    plan("P5", "C5", "2015-02-28"),
    review("P5", "C5", "2015-05-28"),
    review("P5", "C5", "2015-11-27"),
    # the first review a day late (due 2015-05-28): not on time, whatever follows
    plan("P6", "C6", "2015-02-28"),
    review("P6", "C6", "2015-05-29"),
    review("P6", "C6", "2015-08-01"),
    # reviewed on time on 2015-05-30, then nothing: due 2015-11-30, overdue at 2016-03-31
    plan("P7", "C7", "2015-03-01"),
    review("P7", "C7", "2015-05-30"),
    # 2015-08-31 (due 2015-09-01), next due 2015-08-31 + 6 months = 2016-02-29, held then
    plan("P9", "C9", "2015-06-01"),
    review("P9", "C9", "2015-08-31"),
    review("P9", "C9", "2016-02-29"),
    # reviews before and on the start day do not count: no review, due 2015-09-01, overdue
    plan("P10", "C10", "2015-06-01"),
    review("P10", "C10", "2015-05-20"),
    review("P10", "C10", "2015-06-01"),
    # a review recorded under another child does not count: due 2016-01-01, overdue
    plan("P11", "C11", "2015-10-01"),
    review("P11", "C12", "2015-12-01"),
]


def test_cpp_reviews_on_time_worked_example() -> None:
    results = calc(REVIEW_RECORDS, [REVIEWS])
    # population: P1-P3, P5-P7, P9-P11 (9); on time: P1, P3, P5, P9
    assert figures(results, REVIEWS) == [(4, 9)]
    rows = results.drilldown(REVIEWS).set_index("record")
    assert rows.loc["P9", "next_review_due"] == pd.Timestamp("2016-08-29")
    assert rows.loc["P6", "late_reviews"] == 1 and rows.loc["P10", "reviews_held"] == 0


def test_cpp_review_due_on_29_february_month_by_month() -> None:
    # At the end of February 2016 P1's review (held 29 February) is on time, and P2's, due
    # the same day and not yet held, is not overdue on 29 February; in March P2's is late.
    records = REVIEW_RECORDS[:4]
    results = calc(records, [REVIEWS], start="2016-01-01", end="2016-03-31", every="month")
    # January: neither first review due yet (due 2016-02-29 > 2016-01-31)
    assert figures(results, REVIEWS) == [(0, 0), (2, 2), (1, 2)]


CONTEXT_REFERRALS = [
    referral("R1", "C1", "2015-04-01"),
    referral("R2", "C1", "2015-06-01"),
    # same child and day as R2: counted once, R2 (the lowest id) is the record
    referral("R2b", "C1", "2015-06-01", nfa=True),
    referral("R3", "C2", "2015-05-01", "2016-03-31", closure_reason="RC8"),
    referral("R4", "C3", "2015-05-01", "2016-04-01", closure_reason="RC9"),
    referral("R5", "C4", "2016-03-31"),
    referral("R6", "C5", "2016-02-01", nfa=True),
    referral("R7", "C6", "2016-04-01"),
    referral("R8", "C7", "2010-01-01", "2015-01-01"),
]


def test_referrals_and_nfa_worked_example() -> None:
    nfa = "national.referrals_nfa"
    results = calc(CONTEXT_REFERRALS, ["national.referrals", nfa])
    assert figures(results, "national.referrals") == [(6, None)]  # R1-R6, R2b counted once
    assert figures(results, nfa) == [(1, 6)]  # R6
    latest = calc(CONTEXT_REFERRALS, [nfa], params={nfa: {"after_assessment": True}})
    assert figures(latest, nfa) == [(3, 6)]  # R6, R3 (RC8) and R4 (RC9)
    for year in ("2020-21", "2021", "period"):
        # RC9 exists from 2021-22: before, only RC8 closes "after assessment"
        older = calc(
            CONTEXT_REFERRALS,
            [nfa],
            params={nfa: {"after_assessment": True, "collection_year": year}},
        )
        assert figures(older, nfa) == [(2, 6)], year
    with pytest.raises(sm.UsageError, match="collection_year"):
        calc(CONTEXT_REFERRALS, [nfa], params={nfa: {"collection_year": "2015-17"}})


def test_children_in_need_worked_example() -> None:
    results = calc(CONTEXT_REFERRALS, ["national.children_in_need"])
    # at 2016-03-31: C1 (R1 and R2 open: once), C3 (closed the day after), C4 (referred that
    # day); not C2 (closed that day), C5 (no further action), C6 (later), C7 (closed long ago)
    assert figures(results, "national.children_in_need") == [(3, None)]
    rows = results.drilldown("national.children_in_need")
    assert sorted(rows["child_id"]) == ["C1", "C3", "C4"]
    assert rows.set_index("child_id").loc["C1", "record"] == "R2"  # the latest open referral


# -- boundaries as properties ---------------------------------------------------------------------

around_holidays = st.one_of(
    st.dates(D("2015-02-15"), D("2015-04-10")),  # 45 working days run over Easter 2015
    st.dates(D("2015-10-10"), D("2015-12-31")),  # ... and over Christmas 2015
    st.dates(D("2014-01-01"), D("2016-12-31")),
)


@FAST
@given(start=around_holidays, n=st.sampled_from([44, 45, 46]), count_start_day=st.booleans())
def test_assessment_on_the_45th_and_46th_working_day(
    start: dt.date, n: int, count_start_day: bool
) -> None:
    authorised = nth_working_day_after(start, n)
    results = calc(
        [
            referral("R1", "C1", start.isoformat()),
            assessment("A1", "C1", start.isoformat(), authorised.isoformat()),
        ],
        [A45],
        start=str(start),
        end=str(authorised + 400 * DAY),
        params={A45: {"count_start_day": count_start_day}},
    )
    count = (ref_wd_inclusive if count_start_day else ref_wd)(start, authorised)
    assert figures(results, A45) == [(int(count <= 45), 1)]
    if not count_start_day:
        assert (count <= 45) == (n <= 45)


@FAST
@given(
    start=around_holidays,
    n=st.sampled_from([15, 16]),
    back=st.integers(1, 30),
    count_start_day=st.booleans(),
)
def test_icpc_on_the_15th_and_16th_working_day_and_before_the_enquiry(
    start: dt.date, n: int, back: int, count_start_day: bool
) -> None:
    icpc = nth_working_day_after(start, n)
    records = [
        s47("S1", "C1", start.isoformat(), icpc.isoformat()),
        s47("S2", "C2", start.isoformat(), (start - back * DAY).isoformat()),
    ]
    results = calc(
        records,
        [ICPC],
        start=str(start - 40 * DAY),
        end=str(icpc),
        params={ICPC: {"count_start_day": count_start_day}},
    )
    count = (ref_wd_inclusive if count_start_day else ref_wd)(start, icpc)
    # the conference before its enquiry is in the denominator and never met
    assert figures(results, ICPC) == [(int(count <= 15), 2)]


@FAST
@given(start=st.dates(D("2012-01-01"), D("2016-12-31")) | st.sampled_from([D("2012-02-29")]))
def test_a_plan_of_exactly_two_years(start: dt.date) -> None:
    two_years = ref_add_months(start, 24)
    records = [
        plan("P1", "C1", start.isoformat(), two_years.isoformat()),
        plan("P2", "C2", start.isoformat(), (two_years - DAY).isoformat()),
        plan("P3", "C3", start.isoformat()),
    ]
    # the day before the second anniversary and the anniversary, as single-day periods
    periods = [sm.Period(two_years - DAY, two_years - DAY), sm.Period(two_years, two_years)]
    results = sm.calculate(
        sm.Dataset.from_records(records),
        periods=periods,
        indicators=[OPEN2Y, ENDED2Y],
        registry=REGISTRY,
        benchmarks=False,
        breakdown=False,
    )
    # the day before: P1 and P3 open, short of 2 years; P2 ends that day, short
    # on the anniversary: P3 open and 2 years old; P1 ends that day, after 2 years
    assert figures(results, OPEN2Y) == [(0, 2), (1, 1)]
    assert figures(results, ENDED2Y) == [(0, 1), (1, 1)]


@FAST
@given(start=st.dates(D("2014-01-01"), D("2016-12-31")), late=st.integers(0, 1))
def test_a_review_on_its_due_day_or_one_day_after(start: dt.date, late: int) -> None:
    due = ref_add_months(start, 3)
    held = due + late * DAY
    records = [plan("P1", "C1", start.isoformat()), review("P1", "C1", held.isoformat())]
    results = calc(records, [REVIEWS], start=str(held), end=str(held))
    assert figures(results, REVIEWS) == [(1 - late, 1)]


@pytest.mark.parametrize(
    ("start", "first", "second", "on_time"),
    [
        ("2015-11-29", "2016-02-29", None, True),  # first review due on 29 February
        ("2015-11-30", "2016-02-29", None, True),  # 30 November + 3 months: 29 February
        ("2015-11-29", "2016-03-01", None, False),
        ("2015-06-01", "2015-08-31", "2016-02-29", True),  # 31 August + 6 months
        ("2015-06-01", "2015-08-31", "2016-03-01", False),
    ],
)
def test_reviews_due_on_29_february(
    start: str, first: str, second: str | None, on_time: bool
) -> None:
    records = [plan("P1", "C1", start), review("P1", "C1", first)]
    if second is not None:
        records.append(review("P1", "C1", second))
    results = calc(records, [REVIEWS], start="2016-03-01", end="2016-03-01")
    assert figures(results, REVIEWS) == [(int(on_time), 1)]


@FAST
@given(month=st.integers(1, 23), length=st.integers(0, 800))
def test_plans_ending_on_the_last_day_of_a_month(month: int, length: int) -> None:
    periods = month_periods(D("2015-04-01"), D("2017-03-31"))
    _, last = periods[month]
    start = last - length * DAY
    records = [plan("P1", "C1", start.isoformat(), last.isoformat())]
    results = calc(
        records,
        ["national.cpp_open", "national.cpp_ended", ENDED2Y],
        start="2015-04-01",
        end="2017-03-31",
        every="month",
    )
    ended = figures(results, "national.cpp_ended")
    assert [k for k, (n, _) in enumerate(ended) if n] == [month]  # ended in its month
    opened = figures(results, "national.cpp_open")
    assert opened[month] == (0, None)  # not open at the end of the day it ends
    before = periods[month - 1][1]
    assert opened[month - 1] == (int(start <= before), None)
    two_years = ref_add_months(start, 24) <= last
    assert figures(results, ENDED2Y)[month] == (int(two_years), 1)


# -- generated case histories -----------------------------------------------------------------

DAYS = st.dates(D("2013-06-01"), D("2017-03-31"))


@st.composite
def child_history(draw: st.DrawFn, child: str) -> list[Any]:
    """One child's referrals, assessments, enquiries, sequential plans and their reviews."""
    out: list[Any] = []
    ref_ids = []
    for k in range(draw(st.integers(0, 3))):
        day = draw(DAYS)
        nfa = draw(st.sampled_from([None, False, True]))
        closed = draw(st.none() | st.integers(0, 500))
        if nfa:
            closed = draw(st.sampled_from([None, 0]))
        rid = f"R{child}{k}"
        ref_ids.append(rid)
        out.append(
            Referral(
                referral_id=rid,
                child_id=child,
                referral_date=day,
                nfa=nfa,
                closure_date=None if closed is None else day + closed * DAY,
                closure_reason=draw(st.sampled_from([None, "RC1", "RC8", "RC9"])),
            )
        )
    for k in range(draw(st.integers(0, 3))):
        day = draw(DAYS)
        took = draw(st.none() | st.integers(0, 100))
        link = draw(st.sampled_from([None, "RX", *ref_ids]))
        out.append(
            Assessment(
                assessment_id=f"A{child}{k}",
                child_id=child,
                start_date=day,
                authorised_date=None if took is None else day + took * DAY,
                referral_id=link,
            )
        )
    for k in range(draw(st.integers(0, 2))):
        day = draw(DAYS)
        took = draw(st.none() | st.integers(-5, 40))
        out.append(
            Section47(
                s47_id=f"S{child}{k}",
                child_id=child,
                start_date=day,
                icpc_date=None if took is None else day + took * DAY,
                icpc_not_required=draw(st.sampled_from([None, True])),
            )
        )
    day = draw(DAYS) - 400 * DAY
    n_plans = draw(st.integers(0, 3))
    for k in range(n_plans):
        length = draw(st.integers(0, 900))
        open_ended = k == n_plans - 1 and draw(st.booleans())
        pid = f"P{child}{k}"
        out.append(
            CpPlan(
                plan_id=pid,
                child_id=child,
                start_date=day,
                end_date=None if open_ended else day + length * DAY,
                previous_plans=draw(st.sampled_from([None, 0, 1, 3])),
            )
        )
        for offset in draw(st.lists(st.integers(-10, 420), max_size=4)):
            out.append(CpReview(plan_id=pid, child_id=child, review_date=day + offset * DAY))
        day = day + length * DAY + draw(st.integers(0, 60)) * DAY
    return out


@st.composite
def histories(draw: st.DrawFn, prefix: str = "C", max_children: int = 5) -> list[Any]:
    n = draw(st.integers(0, max_children))
    records: list[Any] = []
    for k in range(n):
        records.extend(draw(child_history(f"{prefix}{k}")))
    return records


params_strategy = st.fixed_dictionaries(
    {
        A45: st.fixed_dictionaries(
            {
                "clock_start": st.sampled_from(["assessment", "referral"]),
                "count_start_day": st.booleans(),
            }
        ),
        ICPC: st.fixed_dictionaries({"count_start_day": st.booleans()}),
        "national.referrals_nfa": st.fixed_dictionaries(
            {
                "after_assessment": st.booleans(),
                "collection_year": st.sampled_from(["latest", "period", "2016", "2021-22"]),
            }
        ),
    }
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=histories(), params=params_strategy, seed=st.integers(0, 2**16))
def test_against_the_reference_by_year_and_by_month(
    records: list[Any], params: dict[str, dict[str, Any]], seed: int
) -> None:
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)  # input order never matters
    years = [(D("2014-04-01"), D("2015-03-31")), (D("2015-04-01"), D("2016-03-31"))]
    months = month_periods(D("2015-04-01"), D("2016-03-31"))
    # years and months in one run: periods may overlap, each is computed on its own
    periods = [sm.Period(a, b) for a, b in years + months]
    results = calc(shuffled, CIN_IDS, periods=periods, params=params, all_tables=True)
    want = reference(records, years + months, params)
    for indicator in CIN_IDS:
        got = figures_by_period(results, indicator)
        assert [got[p] for p in years + months] == want[indicator], indicator
        # a year is its twelve months: flows add up, snapshots are the last month's
        year, by_month = got[years[1]], [got[p] for p in months]
        if indicator in FLOWS:
            assert year[0] == sum(m[0] for m in by_month), indicator
            if year[1] is not None:
                assert year[1] == sum(m[1] or 0 for m in by_month), indicator
        else:
            assert year == by_month[-1], indicator


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=histories("A", 4), second=histories("B", 4))
def test_disjoint_children_add_up(first: list[Any], second: list[Any]) -> None:
    a = calc(first, CIN_IDS, every="quarter", all_tables=True)
    b = calc(second, CIN_IDS, every="quarter", all_tables=True)
    both = calc(first + second, CIN_IDS, every="quarter", all_tables=True)
    for indicator in CIN_IDS:
        summed = [
            (x[0] + y[0], None if x[1] is None else x[1] + (y[1] or 0))
            for x, y in zip(figures(a, indicator), figures(b, indicator), strict=True)
        ]
        assert figures(both, indicator) == summed, indicator


# -- empty, missing and bad input -------------------------------------------------------------


def test_empty_tables_give_zeros_and_no_value() -> None:
    from safeguarding_metrics.model import table_spec

    frames = {
        name: pd.DataFrame(columns=list(table_spec(name).column_names))
        for name in ("referrals", "assessments", "section47", "cp_plans", "cp_reviews")
    }
    dataset = sm.Dataset.from_frames(frames)
    results = sm.calculate(
        dataset,
        start="2015-04-01",
        end="2016-03-31",
        every="quarter",
        indicators=list(CIN_IDS),
        registry=REGISTRY,
        benchmarks=False,
    )
    frame = results.frame
    assert (frame["status"] == "ok").all()
    assert (frame["numerator"] == 0).all()
    percent = frame[frame["unit"] == "%"]
    assert percent["value"].isna().all() and (percent["denominator"] == 0).all()
    counts = frame[frame["unit"] == "count"]
    assert counts["denominator"].isna().all() and (counts["value"] == 0).all()


def test_missing_tables_make_indicators_not_computable_without_failing() -> None:
    results = calc([referral("R1", "C1", "2015-06-01")], CIN_IDS)
    frame = results.frame.set_index("indicator")
    assert frame.loc["national.referrals", "status"] == "ok"
    assert frame.loc[REVIEWS, "status"] == "not_computable"
    assert "cp_plans" in frame.loc[REVIEWS, "reason"]
    assert "assessments" in frame.loc[A45, "reason"]
    assert frame.loc["national.children_in_need", "numerator"] == 1


def test_bad_records_are_left_out_only_where_their_fields_are_read() -> None:
    frames = {
        "referrals": pd.DataFrame(
            {"referral_id": ["R1"], "child_id": ["C1"], "referral_date": ["2015-06-01"]}
        ),
        "cp_plans": pd.DataFrame(
            {
                "plan_id": ["P1", "P2", "P3"],
                "child_id": ["C1", "C2", "C3"],
                "start_date": ["2015-06-01", "2015-06-01", "2015-07-01"],
                # P1 ends before it starts: a negative interval
                "end_date": ["2015-05-01", "", "2015-12-01"],
                # P3's previous_plans is not a number
                "previous_plans": ["", "1", "two"],
            }
        ),
        "assessments": pd.DataFrame(
            {
                "assessment_id": ["A1", "A2"],
                "child_id": ["C1", "C1"],
                "start_date": ["2015-06-10", "2015-06-10"],
                # A1 authorised before it started
                "authorised_date": ["2015-06-09", "2015-06-11"],
            }
        ),
        "section47": pd.DataFrame(
            {
                "s47_id": ["S1", "S2"],
                "child_id": ["C1", "C2"],
                "start_date": ["2015-06-10", "2015-06-10"],
                "icpc_date": ["not a date", "2015-06-09"],
            }
        ),
    }
    dataset = sm.Dataset.from_frames(frames)
    results = sm.calculate(
        dataset,
        start="2015-04-01",
        end="2016-03-31",
        indicators=list(CIN_IDS),
        registry=REGISTRY,
        benchmarks=False,
        breakdown=False,
    )
    # P1 counts as a plan started, but not among plans ended or open; P3 counts everywhere
    # but in the second-plan measure, which reads previous_plans
    assert figures(results, "national.cpp_started") == [(3, None)]
    assert figures(results, "national.cpp_open") == [(1, None)]  # P2
    assert figures(results, "national.cpp_ended") == [(1, None)]  # P3
    assert figures(results, SECOND) == [(1, 2)]  # P2 (previous_plans 1) of P1, P2
    assert figures(results, "national.assessments_completed") == [(1, None)]
    assert figures(results, A45) == [(1, 1)]
    # S1's conference date is unreadable: not in the ICPC measure, still an enquiry started
    assert figures(results, ICPC) == [(0, 1)]
    assert figures(results, "national.s47_started") == [(2, None)]
    quality = results.dataset.quality
    listed = set(zip(quality["table"], quality["column"], strict=True))
    assert {
        ("cp_plans", "end_date"),
        ("cp_plans", "previous_plans"),
        ("assessments", "authorised_date"),
        ("section47", "icpc_date"),
    } <= listed
    counts = results.dataset.counts.set_index("table")
    assert (counts["read"] == counts["used"] + counts["set_aside"]).all()


def test_metadata_parameters_and_benchmarks() -> None:
    meta = {i.id: i.metadata() for i in REGISTRY if i.id in CIN_IDS}
    assert set(meta) == set(CIN_IDS)
    json.dumps(list(meta.values()))  # JSON-ready
    params = {p["name"]: p for p in meta[A45]["parameters"]}
    assert params["clock_start"]["default"] == "assessment"
    assert params["clock_start"]["choices"] == ["assessment", "referral"]
    assert params["count_start_day"]["default"] is False
    assert [p["name"] for p in meta[ICPC]["parameters"]] == ["count_start_day"]
    # every measure with a published equivalent links to it (issue 18), like for like
    linked = {
        ICPC: "CP_conf_15days",
        SECOND: "cpp_second_subsequent",
        OPEN2Y: "cpp_open_2y",
        A45: "Continue_Assess_Comp",
        ENDED2Y: "CPPlans2yrs",
        "national.cpp_reviews_on_time": "RevCP",
        "national.referrals_nfa": "CIN_Refferals_NFA",
        "national.rereferrals_12m": "rereferrals_12m",
    }
    found = {i: m["benchmark"] for i, m in meta.items() if m["benchmark"] is not None}
    assert found == {i: k for i, k in linked.items() if i in meta}
    assert all(meta[i]["benchmark_link"]["like_for_like"] for i in found)
    assert all(m["definition_version"] for m in meta.values())
    assert all(m["unit"] == "count" for i, m in meta.items() if i in COUNTS)
    nfa = {p["name"]: p for p in meta["national.referrals_nfa"]["parameters"]}
    assert nfa["collection_year"]["default"] == "latest"
    for indicator in REGISTRY:
        if indicator.id in CIN_IDS:
            doc = indicator.compute.__doc__ or ""
            for section in ("Numerator", "Denominator", "Exclusions", "Notes", "References"):
                assert section in doc, (indicator.id, section)


def test_cli_json_run(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from safeguarding_metrics.cli import main

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "section47.csv").write_text(
        "s47_id,child_id,start_date,icpc_date\n"
        "S1,C1,2015-03-12,2015-04-02\n"
        "S2,C2,2015-03-12,2015-04-07\n",
        encoding="utf-8",
    )
    code = main(
        [
            "calculate",
            str(folder),
            "--start",
            "2015-04-01",
            "--end",
            "2016-03-31",
            "--every",
            "month",
            "--indicator",
            ICPC,
            "--param",
            f"{ICPC}.count_start_day=true",
            "--no-benchmarks",
            "--format",
            "json",
            "-q",
        ]
    )
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    april = next(r for r in rows if r["period_start"] == "2015-04-01")
    # counting the start day, S1's conference is day 16: late
    assert (april["numerator"], april["denominator"]) == (0, 2)
