"""Shared by the children in need census tests: running indicators, and a plain-Python reference
implementation of every definition in ``indicators.md``, written independently of the library
(its own bank holiday list, month arithmetic and loops over records)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import pandas as pd

import safeguarding_metrics as sm
import safeguarding_metrics_national as national
from safeguarding_metrics.model import (
    Assessment,
    CpPlan,
    CpReview,
    Referral,
    Section47,
    table_spec,
)
from safeguarding_metrics_national.cin_census import CIN_CENSUS

D = dt.date.fromisoformat
DAY = dt.timedelta(days=1)
REGISTRY = sm.build_registry([("national", national)])
CIN_IDS = tuple(i.id for i in CIN_CENSUS)
COUNTS = tuple(i.id for i in CIN_CENSUS if i.unit == "count")
FLOWS = tuple(i.id for i in CIN_CENSUS if i.kind == "flow")
CIN_TABLES = ("referrals", "assessments", "section47", "cp_plans", "cp_reviews")

#: England and Wales bank holidays 2012-2017, copied from the indicator reference (spec).
HOLIDAYS = frozenset(
    D(d)
    for d in [
        "2012-01-02",
        "2012-04-06",
        "2012-04-09",
        "2012-05-07",
        "2012-06-04",
        "2012-06-05",
        "2012-08-27",
        "2012-12-25",
        "2012-12-26",
        "2013-01-01",
        "2013-03-29",
        "2013-04-01",
        "2013-05-06",
        "2013-05-27",
        "2013-08-26",
        "2013-12-25",
        "2013-12-26",
        "2014-01-01",
        "2014-04-18",
        "2014-04-21",
        "2014-05-05",
        "2014-05-26",
        "2014-08-25",
        "2014-12-25",
        "2014-12-26",
        "2015-01-01",
        "2015-04-03",
        "2015-04-06",
        "2015-05-04",
        "2015-05-25",
        "2015-08-31",
        "2015-12-25",
        "2015-12-28",
        "2016-01-01",
        "2016-03-25",
        "2016-03-28",
        "2016-05-02",
        "2016-05-30",
        "2016-08-29",
        "2016-12-26",
        "2016-12-27",
        "2017-01-02",
        "2017-04-14",
        "2017-04-17",
        "2017-05-01",
        "2017-05-29",
        "2017-08-28",
        "2017-12-25",
        "2017-12-26",
    ]
)


def calc(
    records: Iterable[Any],
    indicators: Sequence[str],
    *,
    start: str = "2015-04-01",
    end: str = "2016-03-31",
    every: str | None = None,
    periods: Sequence[sm.Period] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    all_tables: bool = False,
) -> sm.Results:
    """Run indicators over records; ``all_tables``: every CIN table present, empty or not."""
    if all_tables:
        by_table: dict[str, list[dict[str, Any]]] = {name: [] for name in CIN_TABLES}
        for record in records:
            by_table[type(record).table].append(attrs.asdict(record, recurse=False))
        dataset = sm.Dataset.from_frames(
            {
                name: pd.DataFrame(rows, columns=list(table_spec(name).column_names))
                for name, rows in by_table.items()
            }
        )
    else:
        dataset = sm.Dataset.from_records(list(records))
    return sm.calculate(
        dataset,
        start=None if periods else start,
        end=None if periods else end,
        every=every,
        periods=periods,
        # the definitions alone: a column declared populated but empty in every record makes
        # a figure not computable (issue 15), which tests/test_quality_flags.py tests
        indicators=[attrs.evolve(REGISTRY.get(i), populated={}) for i in indicators],
        params=params,
        registry=REGISTRY,
        benchmarks=False,
        breakdown=False,
    )


def figures(results: sm.Results, indicator: str) -> list[tuple[int, int | None]]:
    """(numerator, denominator) per period, in order; the denominator None for counts."""
    frame = results.frame
    rows = frame[(frame["indicator"] == indicator) & (frame["window"] == "period")]
    assert (rows["status"] == "ok").all(), rows["reason"].tolist()
    out = []
    for num, den in zip(rows["numerator"], rows["denominator"], strict=True):
        out.append((int(num), None if den != den else int(den)))
    return out


def figures_by_period(
    results: sm.Results, indicator: str
) -> dict[tuple[dt.date, dt.date], tuple[int, int | None]]:
    """(numerator, denominator) keyed by (period start, period end)."""
    frame = results.frame
    rows = frame[(frame["indicator"] == indicator) & (frame["window"] == "period")]
    assert (rows["status"] == "ok").all(), rows["reason"].tolist()
    return {
        (start, end): (int(num), None if den != den else int(den))
        for start, end, num, den in zip(
            rows["period_start"],
            rows["period_end"],
            rows["numerator"],
            rows["denominator"],
            strict=True,
        )
    }


def excluded(results: sm.Results, indicator: str) -> list[int]:
    frame = results.frame
    rows = frame[(frame["indicator"] == indicator) & (frame["window"] == "period")]
    return [int(x) for x in rows["excluded"]]


# -- the reference arithmetic -------------------------------------------------------------------


def is_working(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def ref_wd(a: dt.date, b: dt.date) -> int:
    """Working days D with a < D <= b (negative backwards)."""
    if b < a:
        return -ref_wd(b, a)
    return sum(1 for k in range(1, (b - a).days + 1) if is_working(a + k * DAY))


def ref_wd_inclusive(a: dt.date, b: dt.date) -> int:
    return ref_wd(a, b) + (1 if is_working(a) else 0)


def ref_add_months(day: dt.date, n: int) -> dt.date:
    year, month0 = divmod(day.month - 1 + n, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def nth_working_day_after(day: dt.date, n: int) -> dt.date:
    found, d = 0, day
    while found < n:
        d += DAY
        if is_working(d):
            found += 1
    return d


def is_open(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    return start <= day and (end is None or end > day)


def month_periods(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    out, first = [], start
    while first <= end:
        nxt = ref_add_months(first.replace(day=1), 1)
        out.append((first, min(nxt - DAY, end)))
        first = nxt
    return out


# -- the reference definitions ------------------------------------------------------------------


def reference(
    records: Sequence[Any],
    periods: Sequence[tuple[dt.date, dt.date]],
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, list[tuple[int, int | None]]]:
    """Every CIN census measure by the plain reading of its definition, loop by loop."""
    params = params or {}
    refs = [r for r in records if isinstance(r, Referral)]
    asms = [r for r in records if isinstance(r, Assessment)]
    s47s = [r for r in records if isinstance(r, Section47)]
    plans = [r for r in records if isinstance(r, CpPlan)]
    reviews = [r for r in records if isinstance(r, CpReview)]

    # referrals once per child and day, the lowest id kept
    once: dict[tuple[str, dt.date], Referral] = {}
    for r in sorted(refs, key=lambda r: r.referral_id):
        once.setdefault((r.child_id, r.referral_date), r)
    unique_refs = list(once.values())

    p45 = params.get("national.assessments_45wd", {})
    clock_start = p45.get("clock_start", "assessment")
    incl45 = p45.get("count_start_day", False)
    incl15 = params.get("national.icpc_15wd", {}).get("count_start_day", False)
    pnfa = params.get("national.referrals_nfa", {})
    after_assessment = pnfa.get("after_assessment", False)
    year_param = str(pnfa.get("collection_year", "latest"))

    out: dict[str, list[tuple[int, int | None]]] = {i: [] for i in CIN_IDS}
    for ps, pe in periods:

        def within(day: dt.date | None, ps: dt.date = ps, pe: dt.date = pe) -> bool:
            return day is not None and ps <= day <= pe

        # assessments
        num = den = done = 0
        for a in asms:
            if not within(a.authorised_date):
                continue
            done += 1
            if clock_start == "referral":
                linked = [
                    r.referral_date
                    for r in refs
                    if r.referral_id == a.referral_id and r.child_id == a.child_id
                ]
                if not linked:
                    continue
                clock = linked[0]
            else:
                clock = a.start_date
            count = (ref_wd_inclusive if incl45 else ref_wd)(clock, a.authorised_date)
            den += 1
            num += count <= 45
        out["national.assessments_45wd"].append((num, den))
        out["national.assessments_completed"].append((done, None))

        # section 47
        num = den = 0
        for s in s47s:
            if within(s.icpc_date):
                den += 1
                count = (ref_wd_inclusive if incl15 else ref_wd)(s.start_date, s.icpc_date)
                num += s.icpc_date >= s.start_date and count <= 15
        out["national.icpc_15wd"].append((num, den))
        out["national.s47_started"].append((sum(within(s.start_date) for s in s47s), None))

        # child protection plans
        num = den = 0
        for p in plans:
            if within(p.start_date):
                den += 1
                earlier = any(
                    q.child_id == p.child_id and q.start_date < p.start_date for q in plans
                )
                num += earlier or (p.previous_plans or 0) >= 1
        out["national.cpp_second_subsequent"].append((num, den))
        open_now = [p for p in plans if is_open(p.start_date, p.end_date, pe)]
        out["national.cpp_open_2y"].append(
            (sum(ref_add_months(p.start_date, 24) <= pe for p in open_now), len(open_now))
        )
        ended = [p for p in plans if within(p.end_date)]
        out["national.cpp_ended_2y"].append(
            (sum(p.end_date >= ref_add_months(p.start_date, 24) for p in ended), len(ended))
        )
        out["national.cpp_started"].append((sum(within(p.start_date) for p in plans), None))
        out["national.cpp_ended"].append((len(ended), None))
        out["national.cpp_open"].append((len(open_now), None))
        num = den = 0
        for p in open_now:
            due = ref_add_months(p.start_date, 3)
            if due > pe:
                continue
            den += 1
            held = sorted(
                {
                    r.review_date
                    for r in reviews
                    if r.plan_id == p.plan_id
                    and r.child_id == p.child_id
                    and p.start_date < r.review_date <= pe
                }
            )
            ok = True
            for r in held:
                ok = ok and r <= due
                due = ref_add_months(r, 6)
            num += ok and pe <= due
        out["national.cpp_reviews_on_time"].append((num, den))

        # referrals and children in need
        in_period = [r for r in unique_refs if within(r.referral_date)]
        out["national.referrals"].append((len(in_period), None))
        if year_param == "latest":
            year = 9999
        elif year_param == "period":
            year = pe.year + 1 if pe.month >= 4 else pe.year
        else:
            year = int(year_param[:4]) + (1 if "-" in year_param else 0)
        nfa = 0
        for r in in_period:
            hit = bool(r.nfa)
            if after_assessment:
                hit = hit or r.closure_reason == "RC8"
                hit = hit or (r.closure_reason == "RC9" and year >= 2022)
            nfa += hit
        out["national.referrals_nfa"].append((nfa, len(in_period)))
        children = {
            r.child_id for r in refs if is_open(r.referral_date, r.closure_date, pe) and not r.nfa
        }
        out["national.children_in_need"].append((len(children), None))
    return out


# -- the reference checked against the facts the spec states ------------------------------------


def test_reference_working_days_follow_the_spec() -> None:
    assert ref_wd(D("2015-04-02"), D("2015-04-02")) == 0
    # Thursday before Easter 2015 to the Tuesday after: Good Friday and Easter Monday are out
    assert ref_wd(D("2015-04-02"), D("2015-04-07")) == 1
    # Christmas 2015: Boxing Day fell on a Saturday, its substitute is Monday 28 December
    assert ref_wd(D("2015-12-24"), D("2015-12-29")) == 1
    assert ref_wd(D("2015-12-29"), D("2015-12-24")) == -1
    assert ref_wd_inclusive(D("2015-12-24"), D("2015-12-29")) == 2
    assert ref_wd_inclusive(D("2015-12-26"), D("2015-12-29")) == 1
    assert nth_working_day_after(D("2015-12-26"), 1) == D("2015-12-29")


def test_reference_month_rule_follows_the_spec() -> None:
    assert ref_add_months(D("2016-02-29"), -12) == D("2015-02-28")
    assert ref_add_months(D("2015-08-31"), 6) == D("2016-02-29")
    assert ref_add_months(D("2012-02-29"), 24) == D("2014-02-28")
    assert month_periods(D("2015-04-15"), D("2015-06-10")) == [
        (D("2015-04-15"), D("2015-04-30")),
        (D("2015-05-01"), D("2015-05-31")),
        (D("2015-06-01"), D("2015-06-10")),
    ]


def test_reference_agrees_with_the_library_calendar() -> None:
    from safeguarding_metrics.calendar import add_months, wd, wd_inclusive

    start = D("2014-12-01")
    for k in range(0, 500, 7):
        a = start + k * DAY
        for n in (1, 15, 16, 45, 46):
            b = nth_working_day_after(a, n)
            assert wd(a, b) == ref_wd(a, b) == n
            assert wd_inclusive(a, b) == ref_wd_inclusive(a, b)
        assert add_months(a, 3).item() == ref_add_months(a, 3)
