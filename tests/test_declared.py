"""Declared measures (safeguarding_metrics.declared), the boundary checks of the test kit, and
the public building blocks the bundled plugins share (safeguarding_metrics.cohort)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import safeguarding_metrics as sm
from safeguarding_metrics import Periods
from safeguarding_metrics.calendar import wd
from safeguarding_metrics.cohort import (
    cohort_frame,
    days,
    first_event,
    first_on_or_after,
    latest_event,
    open_per_child,
    rows_in_periods,
)
from safeguarding_metrics.declared import (
    Choice,
    Deadline,
    Events,
    FirstEvent,
    Limit,
    OpenRecords,
    Recency,
    declaration_of,
)
from safeguarding_metrics.model import CinPlan, Contact, Section47, Visit
from safeguarding_metrics.testing import (
    Boundary,
    IndicatorCheckError,
    case_histories,
    check_boundary,
    check_indicator,
    make_dataset,
    run_indicator,
)

D = dt.date
REGISTRY = sm.default_registry()
DECLARED = (
    "national.assessments_45wd",
    "national.icpc_15wd",
    "rotherham.mash_decision_24h",
    "rotherham.cp_visits_2w",
    "rotherham.plans_up_to_date_cp",
    "rotherham.plans_up_to_date_cin",
    "rotherham.plans_up_to_date_cla",
)


def d64(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


# -- limits ---------------------------------------------------------------------------------------


def test_working_days_elapsed_as_the_dfe_counts() -> None:
    limit = Limit(45, "working days")
    # Easter 2015 and the May holidays: 2015-04-02 to 2015-06-10 is 45 working days
    start = d64("2015-04-02", "2015-04-02", "2015-04-02")
    stop = d64("2015-06-10", "2015-06-11", "2015-06-13")
    assert limit.elapsed(start, stop).tolist() == [45, 46, 47]
    assert limit.met(start, stop).tolist() == [True, False, False]
    assert str(limit.due_day(start[:1])[0]) == "2015-06-10"
    strict = Limit(45, "working days", strict=True)
    assert strict.met(start, stop).tolist() == [False, False, False]


def test_a_weekend_after_the_last_working_day_is_within_elapsed_but_not_by_the_due_day() -> None:
    # Thursday 2015-10-08: the first working day after it is Friday the 9th
    start, saturday = d64("2015-10-08"), d64("2015-10-10")
    assert Limit(1, "working days").met(start, saturday).tolist() == [True]
    assert Limit(1, "working days", by="due day").met(start, saturday).tolist() == [False]
    assert str(Limit(1, "working days").last_day_within(start)[0]) == "2015-10-11"
    assert str(Limit(1, "working days", by="due day").last_day_within(start)[0]) == "2015-10-09"


def test_the_start_day_counted() -> None:
    # Friday 2015-12-11 to Tuesday 2016-01-05: 14 working days elapsed, 15 with the start day
    start, stop = d64("2015-12-11"), d64("2016-01-05")
    assert Limit(15, "working days").elapsed(start, stop).tolist() == [14]
    counted = Limit(15, "working days", count_start_day=True)
    assert counted.elapsed(start, stop).tolist() == [15]
    assert counted.met(start, d64("2016-01-06")).tolist() == [False]
    assert Limit(15, "working days").met(start, d64("2016-01-06")).tolist() == [True]


def test_months_follow_the_forward_rule() -> None:
    limit = Limit(6, "months")
    start = d64("2015-08-31", "2015-08-31", "2015-06-30", "2015-06-30")
    stop = d64("2016-02-29", "2016-03-01", "2015-12-30", "2015-12-31")
    assert limit.met(start, stop).tolist() == [True, False, True, False]
    assert str(limit.due_day(start[:1])[0]) == "2016-02-29"
    assert Limit(6, "months", strict=True).met(start, stop).tolist() == [False, False] * 2


def test_hours_compare_moments() -> None:
    received = np.array(["2015-04-02T23:00", "2015-04-02T23:00"], dtype="datetime64[ns]")
    decided = np.array(["2015-04-03T23:00", "2015-04-03T23:01"], dtype="datetime64[ns]")
    assert Limit(24, "hours").met(received, decided).tolist() == [True, False]
    assert Limit(24, "hours").elapsed(received, decided)[1] == pytest.approx(24 + 1 / 60)


def test_days_and_missing_values() -> None:
    limit = Limit(14, "days")
    start = d64("2015-12-17", "NaT", "2015-12-16")
    end = d64("2015-12-31", "2015-12-31", "2015-12-31")
    assert limit.met(start, end).tolist() == [True, False, False]
    assert limit.elapsed(start, end).tolist() == [14, -1, 15]


def test_parameters_and_choices_resolve() -> None:
    limit = Limit(6, "months", parameter="months", count_start_day=False)
    assert limit.resolve({"months": "3"}).n == 3 and limit.resolve({}).n == 6
    days_counted = Limit(15, "working days", count_start_day="count_start_day")
    assert days_counted.resolve({"count_start_day": True}).count_start_day is True
    choice = Choice("within", {"24h": Limit(24, "hours"), "1wd": Limit(1, "working days")}, "24h")
    assert choice.resolve({}).unit == "hours"
    assert choice.resolve({"within": "1wd"}).unit == "working days"
    with pytest.raises(sm.NotComputable, match="within"):
        choice.resolve({"within": "2wd"})


def test_bad_declarations_are_refused() -> None:
    with pytest.raises(ValueError, match="unit"):
        Limit(3, "weeks")
    with pytest.raises(ValueError, match="counted"):
        Deadline(
            table="section47",
            record="s47_id",
            start="start_date",
            stop="icpc_date",
            within=Limit(15, "working days"),
            counted="closed",
        )


# -- a deadline measure of a few lines -------------------------------------------------------------

ICPC_10WD = Deadline(
    table="section47",
    record="s47_id",
    start="start_date",
    stop="icpc_date",
    within=Limit(10, "working days"),
).indicator(
    id="doncaster.icpc_10wd",
    title="Conferences within 10 working days",
    description="Numerator: conferences within 10 working days. Denominator: conferences.",
    polarity="higher",
)


def test_a_declaration_is_an_indicator_with_both_forms() -> None:
    assert ICPC_10WD.kind == "flow" and ICPC_10WD.unit == "%"
    assert dict(ICPC_10WD.tables) == {"section47": ("s47_id", "start_date", "icpc_date")}
    assert ICPC_10WD.count is not None
    assert isinstance(declaration_of(ICPC_10WD), Deadline)
    assert declaration_of(REGISTRY.get("national.rereferrals_12m")) is None


def test_a_deadline_counts_the_stops_in_the_period() -> None:
    # Friday 2015-12-11: its 10th working day after is Tuesday 2015-12-29 (Christmas Day and
    # the Boxing Day substitute are holidays); a conference on the 30th took 11
    data = make_dataset(
        [
            Section47(
                s47_id="S1", child_id="C1", start_date=D(2015, 12, 11), icpc_date=D(2015, 12, 24)
            ),
            Section47(
                s47_id="S2", child_id="C2", start_date=D(2015, 12, 11), icpc_date=D(2015, 12, 30)
            ),
            Section47(
                s47_id="S3", child_id="C3", start_date=D(2015, 12, 14), icpc_date=D(2015, 12, 10)
            ),
            Section47(s47_id="S4", child_id="C4", start_date=D(2015, 12, 14)),
        ]
    )
    results = run_indicator(ICPC_10WD, data, start="2015-12-01", end="2015-12-31")
    row = results.frame.iloc[0]
    assert (row.numerator, row.denominator) == (1, 3)
    cohort = results.cohorts[ICPC_10WD.id].set_index("record")
    assert cohort["met"].to_dict() == {"S1": True, "S2": False, "S3": False}  # S3: before its start
    assert (
        cohort.loc["S1", "elapsed"] == 9 and str(cohort.loc["S1", "due_date"])[:10] == "2015-12-29"
    )
    counts = run_indicator(ICPC_10WD, data, start="2015-12-01", end="2015-12-31", cohorts=False)
    pd.testing.assert_frame_equal(results.frame, counts.frame)


def _first_visit(counted: str) -> sm.Indicator:
    return Deadline(
        table="cin_plans",
        record="plan_id",
        start="start_date",
        stop=FirstEvent("visits", "visit_date", where=("visit_type", "cin")),
        within=Limit(10, "working days"),
        counted=counted,
        pending_reason="no visit yet, not yet due",
    ).indicator(
        id=f"doncaster.first_visit_{counted}",
        title="First visit within 10 working days",
        description="Numerator: plans first visited within 10 working days of their start.",
        polarity="higher",
    )


FIRST_VISIT_RECORDS = [
    # started Thursday 2015-12-03: the 10th working day after it is Thursday 2015-12-17
    CinPlan(plan_id="N1", child_id="C1", start_date=D(2015, 12, 3)),
    Visit(child_id="C1", visit_date=D(2015, 12, 17), visit_type="cin"),
    Visit(child_id="C1", visit_date=D(2015, 12, 1), visit_type="cin"),  # before: not the first
    CinPlan(plan_id="N2", child_id="C2", start_date=D(2015, 12, 3)),
    Visit(child_id="C2", visit_date=D(2015, 12, 18), visit_type="cin"),
    Visit(child_id="C2", visit_date=D(2015, 12, 10), visit_type="cp"),  # another kind
    CinPlan(plan_id="N3", child_id="C3", start_date=D(2015, 12, 3)),  # no visit: late by the end
    CinPlan(plan_id="N4", child_id="C4", start_date=D(2015, 12, 30)),  # no visit, not yet due
]


def test_a_stop_that_is_the_first_event_in_another_table() -> None:
    indicator = _first_visit("start")
    assert dict(indicator.tables)["visits"] == ("visit_date", "visit_type")
    results = run_indicator(
        indicator, make_dataset(FIRST_VISIT_RECORDS), start="2015-12-01", end="2015-12-31"
    )
    cohort = results.cohorts[indicator.id].set_index("record")
    assert cohort["met"].to_dict() == {"N1": True, "N2": False, "N3": False, "N4": False}
    assert cohort["excluded"].to_dict()["N4"] == "no visit yet, not yet due"
    row = results.frame.iloc[0]
    assert (row.numerator, row.denominator, row.excluded) == (1, 3, 1)


def test_a_deadline_counted_while_open_is_late_once_it_has_passed() -> None:
    indicator = _first_visit("open")
    assert indicator.kind == "snapshot"
    data = make_dataset(FIRST_VISIT_RECORDS)
    # at the end of 2015-12-17 N1 has been visited (closed) and N4 has not started; N2 and N3,
    # still open at the end of their last day within, are late
    results = run_indicator(indicator, data, start="2015-12-17", end="2015-12-17")
    cohort = results.cohorts[indicator.id].set_index("record")
    assert cohort["met"].to_dict() == {"N2": False, "N3": False}
    results = run_indicator(indicator, data, start="2015-12-16", end="2015-12-16")
    assert results.cohorts[indicator.id]["met"].tolist() == [True, True, True]


def test_the_bundled_deadline_keeps_its_drilldown_columns() -> None:
    data = make_dataset(
        [
            Contact(
                contact_id="K1",
                child_id="C1",
                received_at=dt.datetime(2015, 4, 2, 23, 0),
                decision_at=dt.datetime(2015, 4, 3, 23, 0),
            ),
            Contact(contact_id="K2", child_id="C2", received_at=dt.datetime(2015, 4, 30, 12, 0)),
        ]
    )
    results = run_indicator(
        "rotherham.mash_decision_24h", data, start="2015-04-01", end="2015-04-30", registry=REGISTRY
    )
    cohort = results.cohorts["rotherham.mash_decision_24h"].set_index("record")
    assert {"received_at", "decision_at", "deadline", "hours_to_decision"} <= set(cohort.columns)
    assert cohort.loc["K1", "met"] and cohort.loc["K1", "hours_to_decision"] == 24.0
    assert cohort.loc["K2", "excluded"] == "no decision yet, deadline after the period"


# -- recency ---------------------------------------------------------------------------------------


def _recency(new_cases: str) -> sm.Indicator:
    return Recency(
        cases=OpenRecords("cin_plans"),
        event=Events("visits", "visit_date", where=("visit_type", "cin")),
        within=Limit(20, "working days"),
        new_case=Limit(5, "working days"),
        new_cases=new_cases,
    ).indicator(
        id=f"doncaster.cin_seen_{new_cases.replace(' ', '_')}",
        title="Child in need plans seen in 20 working days",
        description="Numerator: plans whose child was seen in the last 20 working days.",
        polarity="higher",
    )


RECENCY_RECORDS = [
    CinPlan(plan_id="N1", child_id="C1", start_date=D(2015, 6, 1)),
    Visit(child_id="C1", visit_date=D(2015, 12, 1), visit_type="cin"),  # 20 working days
    CinPlan(plan_id="N2", child_id="C2", start_date=D(2015, 6, 1)),
    Visit(child_id="C2", visit_date=D(2015, 11, 30), visit_type="cin"),  # 21
    CinPlan(plan_id="N3", child_id="C3", start_date=D(2015, 12, 22)),  # 5 working days old
    CinPlan(plan_id="N4", child_id="C4", start_date=D(2015, 12, 21)),  # 6
]


@pytest.mark.parametrize(
    ("new_cases", "expected"),
    [
        ("met", {"N1": True, "N2": False, "N3": True, "N4": False}),
        ("not counted", {"N1": True, "N2": False, "N4": False}),
    ],
)
def test_recency_and_new_cases(new_cases: str, expected: Mapping[str, bool]) -> None:
    indicator = _recency(new_cases)
    assert wd(D(2015, 12, 22), D(2015, 12, 31)) == 5
    results = run_indicator(
        indicator, make_dataset(RECENCY_RECORDS), start="2015-12-31", end="2015-12-31"
    )
    cohort = results.cohorts[indicator.id].set_index("record")
    assert cohort["met"].to_dict() == expected
    assert str(cohort.loc["N1", "next_due"])[:10] == "2015-12-31"  # the 20th working day after


def test_recency_due_list_lists_new_cases_with_their_due_day() -> None:
    rule = declaration_of(_recency("not counted"))
    assert isinstance(rule, Recency)
    due = rule.due(
        event_rule="within {within} of the last visit", start_rule="first visit within {new}"
    )
    data = make_dataset(RECENCY_RECORDS)
    frame = due(data.tables, np.datetime64("2015-12-31"), {})
    by_child = dict(zip(frame["child"], frame["rule"], strict=True))
    assert "first visit within 5 working days" in by_child.values()
    assert "within 20 working days of the last visit" in by_child.values()
    new = frame.loc[~frame["in_population"]]
    # the day before its 6th working day (1 January is a holiday): it enters the population then
    assert len(new) == 1 and str(new["due_date"].iloc[0])[:10] == "2016-01-03"


# -- the bundled declared measures ----------------------------------------------------------------


@pytest.mark.parametrize("indicator_id", DECLARED)
def test_the_bundled_measures_are_declared_and_pass_their_boundary(indicator_id: str) -> None:
    indicator = REGISTRY.get(indicator_id)
    assert declaration_of(indicator) is not None
    assert "Numerator" in (indicator.compute.__doc__ or "")
    report = check_boundary(indicator, registry=REGISTRY)
    assert report.cases > 100 and report.periods > 40


def test_check_indicator_runs_the_declared_boundary() -> None:
    report = check_indicator(
        REGISTRY.get("national.icpc_15wd"),
        max_examples=4,
        properties=("bounds", "boundary"),
        params=[{}, {"count_start_day": True}],
    )
    assert report.properties == ("bounds", "boundary")
    assert report.examples["boundary"] > 200


# -- a hand-written definition with an off-by-one -------------------------------------------------


def _icpc_by_hand(strict: bool) -> sm.Indicator:
    def compute(
        tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
    ) -> pd.DataFrame:
        s47 = tables["section47"]
        start, icpc = days(s47["start_date"]), days(s47["icpc_date"])
        period, row = rows_in_periods(icpc, periods)
        count = (
            np.asarray(wd(start[row], icpc[row]), dtype=np.int64)
            if len(row)
            else np.zeros(0, np.int64)
        )
        met = (count < 15) if strict else (count <= 15)
        return cohort_frame(
            period=period,
            child=s47["child"].to_numpy(np.int64)[row],
            record=s47["s47_id"].astype(object).to_numpy()[row],
            date=icpc[row],
            met=met & (icpc[row] >= start[row]),
        )

    return sm.Indicator(
        id="doncaster.icpc_by_hand",
        title="ICPC within 15 working days",
        description="Numerator: conferences within 15 working days.",
        kind="flow",
        unit="%",
        polarity="higher",
        tables={"section47": ("s47_id", "start_date", "icpc_date")},
        compute=compute,
    )


ICPC_BOUNDARY = Boundary.deadline("section47", "start_date", "icpc_date", Limit(15, "working days"))


def test_a_hand_written_definition_passes_its_stated_boundary() -> None:
    report = check_boundary(_icpc_by_hand(strict=False), ICPC_BOUNDARY)
    assert report.cases > 100


def test_an_off_by_one_fails_the_boundary_check_naming_the_case() -> None:
    with pytest.raises(IndicatorCheckError, match="boundary") as raised:
        check_boundary(_icpc_by_hand(strict=True), ICPC_BOUNDARY)
    text = str(raised.value)
    assert "15 working days after" in text and "expected met, the indicator says not met" in text
    assert "Section47(" in text  # the synthetic records


def test_check_indicator_checks_the_boundaries_given() -> None:
    with pytest.raises(IndicatorCheckError, match="boundary"):
        check_indicator(
            _icpc_by_hand(strict=True),
            max_examples=2,
            properties=("boundary",),
            boundaries=[ICPC_BOUNDARY],
        )
    report = check_indicator(
        _icpc_by_hand(strict=False), max_examples=2, properties=("bounds", "boundary")
    )
    assert report.skipped["boundary"].startswith("no boundary")


def test_an_undeclared_indicator_needs_a_stated_boundary() -> None:
    with pytest.raises(ValueError, match="not declared"):
        check_boundary(_icpc_by_hand(strict=False))


# -- the strategies draw around the declared limits ----------------------------------------------


def test_histories_draw_around_a_declared_limit() -> None:
    found: Counter[int] = Counter()

    @settings(max_examples=60, derandomize=True, database=None, deadline=None)
    @given(case_histories(tables=ICPC_10WD, max_children=8))
    def collect(history: dict[str, list[Any]]) -> None:
        for s in history["section47"]:
            if s.icpc_date is not None and s.icpc_date >= s.start_date:
                found[wd(s.start_date, s.icpc_date)] += 1

    collect()
    # exactly the declared limit, and a working day either side of it
    assert found[10] > 0 and found[9] + found[11] > 0, found


def test_histories_draw_around_hours() -> None:
    from safeguarding_metrics.testing.strategies import _Builder

    builder = _Builder(
        draw=lambda strategy: None,
        wanted=frozenset({"contacts"}),
        start=D(2015, 4, 1),
        end=D(2016, 3, 31),
        max_referrals=1,
        limits=(Limit(4, "hours"),),
    )
    assert {239, 240, 241} <= set(builder.decision_minutes())  # and the national 24 hours
    assert {1439, 1440, 1441} <= set(builder.decision_minutes())
    found: Counter[float] = Counter()

    @settings(max_examples=60, derandomize=True, database=None, deadline=None)
    @given(case_histories(tables=("contacts",), max_children=8, limits=[Limit(4, "hours")]))
    def collect(history: dict[str, list[Any]]) -> None:
        for c in history["contacts"]:
            if c.decision_at is not None:
                found[(c.decision_at - c.received_at).total_seconds() / 60] += 1

    collect()
    assert found[239] + found[240] + found[241] > 0, found


# -- the public building blocks -----------------------------------------------------------------


def test_open_per_child_takes_the_earliest_open_record() -> None:
    plans = pd.DataFrame(
        {
            "child": [0, 0, 1, 2],
            "plan_id": ["P2", "P1", "P3", "P4"],
            "start_date": d64("2015-03-01", "2015-03-01", "2015-01-01", "2015-01-01"),
            "end_date": d64("NaT", "NaT", "2015-12-31", "2016-01-01"),
        }
    )
    periods = Periods(start=d64("2015-12-01"), end=d64("2015-12-31"))
    frame = open_per_child(plans, "plan_id", periods)
    assert frame["child"].tolist() == [0, 2]  # child 1's plan ended on the last day
    assert frame["record"].tolist() == ["P1", "P4"] and frame["open"].tolist() == [2, 1]


def test_latest_and_first_events() -> None:
    child = np.array([0, 0, 1, 1])
    day = d64("2015-01-05", "2015-03-01", "2015-02-01", "NaT")
    queries = d64("2015-02-01", "2015-02-01", "2015-01-01")
    query_child = np.array([0, 1, 2])
    assert latest_event(child, day, query_child, queries).astype(str).tolist() == [
        "2015-01-05",
        "2015-02-01",
        "NaT",
    ]
    assert first_on_or_after(child, day, query_child, queries).tolist() == [1, 2, -1]
    assert first_event(child, day, query_child, queries).astype(str).tolist() == [
        "2015-03-01",
        "2015-02-01",
        "NaT",
    ]


@settings(max_examples=80, deadline=None)
@given(case_histories(tables=("visits", "cin_plans"), max_children=6))
def test_first_on_or_after_agrees_with_a_scan(history: dict[str, list[Any]]) -> None:
    visits = history["visits"]
    plans = history["cin_plans"]
    codes = {
        c: i
        for i, c in enumerate(sorted({v.child_id for v in visits} | {p.child_id for p in plans}))
    }
    hit = first_on_or_after(
        np.array([codes[v.child_id] for v in visits], dtype=np.int64),
        np.array([v.visit_date for v in visits], dtype="datetime64[D]"),
        np.array([codes[p.child_id] for p in plans], dtype=np.int64),
        np.array([p.start_date for p in plans], dtype="datetime64[D]"),
    )
    by_child: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for i, v in enumerate(visits):
        by_child[v.child_id].append((v.visit_date, i))
    for plan, found in zip(plans, hit, strict=True):
        later = sorted(x for x in by_child[plan.child_id] if x[0] >= plan.start_date)
        if not later:
            assert found == -1
        else:
            assert visits[found].visit_date == later[0][0]


def test_recency_since_start_ignores_events_before_the_case() -> None:
    def indicator(since_start: bool) -> sm.Indicator:
        return Recency(
            cases=OpenRecords("cin_plans"),
            event=Events("visits", "visit_date", where=("visit_type", "cin")),
            within=Limit(30, "days"),
            new_case=Limit(3, "days"),
            since_start=since_start,
        ).indicator(
            id="doncaster.seen_since_start",
            title="Seen in 30 days",
            description="Numerator: plans seen in the last 30 days.",
            polarity="higher",
        )

    records = [
        # the plan started on the 20th; the visit on the 10th was before it
        CinPlan(plan_id="N1", child_id="C1", start_date=D(2015, 12, 20)),
        Visit(child_id="C1", visit_date=D(2015, 12, 10), visit_type="cin"),
    ]
    for since_start, met in ((False, True), (True, False)):
        results = run_indicator(
            indicator(since_start), make_dataset(records), start="2015-12-31", end="2015-12-31"
        )
        assert results.cohorts["doncaster.seen_since_start"]["met"].tolist() == [met]
