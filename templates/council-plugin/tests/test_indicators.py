"""Tests of the council's measures: a worked example by hand, and the properties every
indicator must have (safeguarding_metrics.testing)."""

import datetime as dt
from collections.abc import Callable

import safeguarding_metrics as sm
from safeguarding_metrics.declared import Events, Limit
from safeguarding_metrics.model import CinPlan, Visit
from safeguarding_metrics.testing import Boundary, CheckReport, check_boundary, run_indicator

import safeguarding_metrics_example as example

ID = "example.cin_visits_20wd"

#: The definition's timescale, stated for the kit: a plan (of cin_plans) is met when its
#: child's latest cin visit is at most ``within`` working days before the end, or when the
#: plan itself is that young.
BOUNDARY = Boundary.recency(
    "cin_plans",
    Events("visits", "visit_date", where=("visit_type", "cin")),
    Limit(20, "working days", parameter="within"),
)


def test_worked_example(make_dataset: Callable[..., sm.Dataset]) -> None:
    """At 2015-12-31: 20 working days since a visit on 2015-12-01 is in time, 21 is late."""
    data = make_dataset(
        [
            CinPlan(plan_id="N1", child_id="C1", start_date=dt.date(2015, 6, 1)),
            Visit(child_id="C1", visit_date=dt.date(2015, 12, 1), visit_type="cin"),
            CinPlan(plan_id="N2", child_id="C2", start_date=dt.date(2015, 6, 1)),
            Visit(child_id="C2", visit_date=dt.date(2015, 11, 30), visit_type="cin"),
            CinPlan(plan_id="N3", child_id="C3", start_date=dt.date(2015, 12, 14)),  # new
            CinPlan(
                plan_id="N4",
                child_id="C4",
                start_date=dt.date(2015, 1, 5),
                end_date=dt.date(2015, 12, 31),  # ended on the last day: not open
            ),
        ],
        tables=["cin_plans", "visits"],
    )
    results = run_indicator(example.CIN_VISITS_20WD, data, start="2015-12-01", end="2015-12-31")
    row = results.frame.iloc[0]
    assert (row.numerator, row.denominator) == (2, 3)
    cohort = results.cohorts[ID].set_index("record")
    assert cohort["met"].to_dict() == {"N1": True, "N2": False, "N3": True}
    assert cohort.loc["N2", "working_days_since"] == 21


def test_parameter(make_dataset: Callable[..., sm.Dataset]) -> None:
    data = make_dataset(
        [
            CinPlan(plan_id="N1", child_id="C1", start_date=dt.date(2015, 6, 1)),
            Visit(child_id="C1", visit_date=dt.date(2015, 11, 30), visit_type="cin"),
        ]
    )
    results = run_indicator(
        example.CIN_VISITS_20WD, data, start="2015-12-31", end="2015-12-31", params={"within": 21}
    )
    assert results.frame.iloc[0].value == 100.0


def test_registered_with_its_comparator() -> None:
    """The plugin's own comparator, read from its package data, and the link to it."""
    registry = sm.build_registry([("example", example)])
    assert registry.problems == ()
    club = registry.comparators["example.club_cin_visits_20wd"]
    assert "EXAMPLE ONLY" in club.label
    assert club.values[("372", 2016)] == 92.5
    link = registry.get(ID).benchmark
    assert link is not None and link.key == club.key and link.like_for_like


def test_registered_with_its_target() -> None:
    registry = sm.build_registry([("example", example)])
    assert list(registry.indicators) == [ID]
    assert [t.value for t in registry.targets] == [90.0]


def test_boundary() -> None:
    """The cases at 19, 20 and 21 working days (the last visit, or the plan's start, before the
    end), ending on weekends, bank holidays, month ends and 29 February: an off-by-one in the
    definition (``<`` for ``<=``) fails here."""
    for params in ({}, {"within": 5}):
        report = check_boundary(example.CIN_VISITS_20WD, BOUNDARY, params=params)
        assert report.cases > 50


def test_properties(indicator_checker: Callable[..., CheckReport]) -> None:
    """Bounds, empty and missing tables, bad input, shuffled rows, disjoint children adding up,
    with the default parameter and another."""
    report = indicator_checker(ID, max_examples=5, params=[{}, {"within": 5}])
    assert "additivity" in report.properties
