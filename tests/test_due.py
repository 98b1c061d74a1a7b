"""Due lists (issue 10): worked examples at the boundaries, teams and workers, missing tables,
and the registry's handling of the ``register_due_lists`` hook."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

import safeguarding_metrics as sm
import safeguarding_metrics_national as national
import safeguarding_metrics_rotherham as rotherham
from safeguarding_metrics.due import LIST_COLUMNS, DueList, due_frame, due_lists
from safeguarding_metrics.model import (
    Allocation,
    Assessment,
    CareEpisode,
    CarePlan,
    ClaReview,
    Contact,
    CpPlan,
    CpReview,
    Section47,
    Visit,
    Worker,
    table_specs,
)
from safeguarding_metrics.testing import make_dataset

D = dt.date


@pytest.fixture(scope="module")
def registry() -> sm.Registry:
    return sm.build_registry([("national", national), ("rotherham", rotherham)])


def _dataset(records: list[Any]) -> sm.Dataset:
    """Every canonical table present (empty where no record is given)."""
    return make_dataset(records, tables=list(table_specs()))


def _row(result: Any, due_id: str, child: str) -> pd.Series:
    frame = result.lists[due_id]
    rows = frame.loc[frame["child_id"] == child]
    assert len(rows) == 1, f"{child} appears {len(rows)} times in {due_id}"
    return rows.iloc[0]


def _not_met(data: sm.Dataset, indicator: str, day: str, registry: sm.Registry) -> int:
    row = sm.calculate(
        data, start=day, end=day, indicators=[indicator], benchmarks=False, registry=registry
    ).frame.iloc[0]
    return int(row.denominator - row.numerator)


def _episode(child: str, start: D, end: D | None = None, **kw: Any) -> CareEpisode:
    values = dict(rne="S", legal_status="C2", placement="U3")
    values.update(kw)
    return CareEpisode(child_id=child, start_date=start, end_date=end, **values)


# -- the day a timescale runs out, and the day after ---------------------------------------------


def test_cla_visit_is_due_today_on_its_due_date_and_overdue_the_day_after(registry) -> None:
    data = _dataset(
        [
            _episode("C1", D(2015, 6, 1)),
            Visit(child_id="C1", visit_date=D(2015, 11, 2), visit_type="cla"),
        ]
    )
    on_the_day = due_lists(data, "2015-12-14", registry=registry)
    row = _row(on_the_day, "national.cla_visits", "C1")
    assert row.due_date == pd.Timestamp("2015-12-14")  # 42 days after the last visit
    assert (row.band, row.days_left, row.not_met) == ("due_7", 0, False)
    assert pd.isna(row.days_overdue)
    assert _not_met(data, "national.cla_visits_on_time", "2015-12-14", registry) == 0

    next_day = due_lists(data, "2015-12-15", registry=registry)
    row = _row(next_day, "national.cla_visits", "C1")
    assert (row.band, row.days_overdue, row.not_met) == ("overdue", 1, True)
    assert pd.isna(row.days_left)
    assert _not_met(data, "national.cla_visits_on_time", "2015-12-15", registry) == 1


def test_cp_review_not_yet_in_the_population_is_listed_then_overdue_the_day_after(
    registry,
) -> None:
    data = _dataset([CpPlan(plan_id="P1", child_id="C1", start_date=D(2015, 10, 15))])
    early = _row(due_lists(data, "2016-01-05", registry=registry), "national.cp_reviews", "C1")
    assert early.due_date == pd.Timestamp("2016-01-15")  # add_months(start, 3)
    assert (early.band, early.days_left, early.in_population, early.not_met) == (
        "due_within",
        10,
        False,
        False,
    )
    today = _row(due_lists(data, "2016-01-15", registry=registry), "national.cp_reviews", "C1")
    assert (today.band, today.days_left, today.in_population) == ("due_7", 0, True)
    late = _row(due_lists(data, "2016-01-16", registry=registry), "national.cp_reviews", "C1")
    assert (late.band, late.days_overdue, late.not_met, late.record) == ("overdue", 1, True, "P1")
    assert _not_met(data, "national.cpp_reviews_on_time", "2016-01-16", registry) == 1


def test_cp_review_held_late_is_in_the_overdue_band_with_its_next_due_date(registry) -> None:
    # The indicator counts the plan as not met until it ends; the overdue band is exactly the
    # cases counting against it, so the plan is there, with the next review's due date.
    data = _dataset(
        [
            CpPlan(plan_id="P1", child_id="C1", start_date=D(2015, 1, 10)),
            CpReview(plan_id="P1", child_id="C1", review_date=D(2015, 4, 20)),  # due 04-10
        ]
    )
    result = due_lists(data, "2015-10-15", registry=registry)  # next due 2015-10-20
    row = _row(result, "national.cp_reviews", "C1")
    assert (row.band, row.days_left, row.not_met) == ("overdue", 5, True)
    assert pd.isna(row.days_overdue)
    assert "earlier review was late" in row.rule
    # kept even when its next review is after the horizon: it counts against the indicator
    row = _row(due_lists(data, "2015-08-01", registry=registry), "national.cp_reviews", "C1")
    assert (row.band, row.not_met) == ("overdue", True)
    assert _not_met(data, "national.cpp_reviews_on_time", "2015-08-01", registry) == 1


def test_first_cla_review_after_a_sunday_start_is_never_overdue_outside_the_population(
    registry,
) -> None:
    # Period of care from Sunday 2015-11-01: the 20th working day after it is Friday 11-27
    # (26 days), but the indicator counts the child only from the 28th day, 11-29.
    data = _dataset([_episode("C1", D(2015, 11, 1))])
    eve = _row(due_lists(data, "2015-11-28", registry=registry), "national.cla_reviews", "C1")
    assert eve.due_date == pd.Timestamp("2015-11-28")
    assert (eve.band, eve.days_left, eve.in_population, eve.not_met) == ("due_7", 0, False, False)
    day = _row(due_lists(data, "2015-11-29", registry=registry), "national.cla_reviews", "C1")
    assert (day.band, day.days_overdue, day.in_population, day.not_met) == (
        "overdue",
        1,
        True,
        True,
    )
    assert _not_met(data, "national.cla_reviews_on_time", "2015-11-28", registry) == 0
    assert _not_met(data, "national.cla_reviews_on_time", "2015-11-29", registry) == 1


def test_plan_with_no_update_falls_due_the_day_before_its_eleventh_working_day(registry) -> None:
    data = _dataset(
        [
            CpPlan(plan_id="P1", child_id="C1", start_date=D(2015, 12, 14)),  # Monday
            CpPlan(plan_id="P2", child_id="C2", start_date=D(2015, 12, 15)),  # Tuesday
            CarePlan(child_id="C3", plan_type="cp", updated_date=D(2015, 7, 1)),
            CpPlan(plan_id="P3", child_id="C3", start_date=D(2015, 6, 1)),
        ]
    )
    result = due_lists(data, "2015-12-31", registry=registry)
    c1 = _row(result, "rotherham.plans_cp", "C1")  # 11th working day: 12-31
    assert (c1.due_date, c1.band, c1.days_overdue, c1.not_met) == (
        pd.Timestamp("2015-12-30"),
        "overdue",
        1,
        True,
    )
    c2 = _row(result, "rotherham.plans_cp", "C2")  # 11th working day: 2016-01-04
    assert (c2.due_date, c2.days_left, c2.in_population) == (pd.Timestamp("2016-01-03"), 3, False)
    c3 = _row(result, "rotherham.plans_cp", "C3")  # add_months(2015-07-01, 6)
    assert (c3.due_date, c3.band) == (pd.Timestamp("2016-01-01"), "due_7")
    assert _not_met(data, "rotherham.plans_up_to_date_cp", "2015-12-31", registry) == 1


def test_mash_contact_due_during_the_day_and_overdue_once_its_deadline_passed(registry) -> None:
    data = _dataset(
        [
            Contact(contact_id="K1", child_id="C1", received_at=dt.datetime(2015, 12, 30, 10)),
            Contact(contact_id="K2", child_id="C2", received_at=dt.datetime(2015, 12, 30, 0, 0)),
            Contact(
                contact_id="K3",
                child_id="C3",
                received_at=dt.datetime(2015, 12, 30, 9),
                decision_at=dt.datetime(2015, 12, 31, 8),
            ),
        ]
    )
    result = due_lists(data, "2015-12-31", registry=registry)
    k1 = _row(result, "rotherham.mash_decisions", "C1")
    assert k1.due_at == pd.Timestamp("2015-12-31T10:00")
    assert (k1.band, k1.days_left) == ("due_7", 0)
    k2 = _row(result, "rotherham.mash_decisions", "C2")  # deadline: midnight ending 12-30
    assert (k2.due_date, k2.band, k2.days_overdue) == (pd.Timestamp("2015-12-30"), "overdue", 1)
    assert "C3" not in set(result.lists["rotherham.mash_decisions"]["child_id"])  # decided
    one_wd = due_lists(
        data,
        "2015-12-31",
        registry=registry,
        params={"rotherham.mash_decision_24h": {"within": "1wd"}},
    )
    k1 = _row(one_wd, "rotherham.mash_decisions", "C1")  # first working day after: 12-31
    assert (k1.due_date, k1.due_at) == (pd.Timestamp("2015-12-31"), pd.Timestamp("2016-01-01"))


# -- bank holidays ---------------------------------------------------------------------------------


def test_bank_holidays_in_the_next_seven_days_move_working_day_due_dates(registry) -> None:
    data = _dataset(
        [
            # Friday 2015-12-11: the 15th working day after it skips 25 and 28 December and
            # 1 January: Wednesday 2016-01-06 (without holidays it would be 12-31).
            Section47(s47_id="S1", child_id="C1", start_date=D(2015, 12, 11)),
            # Monday 2015-10-26: the 45th working day after it is 2015-12-30 (without 25 and
            # 28 December it would be 12-28); with the start day counted, the 44th: 12-29.
            Assessment(assessment_id="A1", child_id="C2", start_date=D(2015, 10, 26)),
        ]
    )
    result = due_lists(data, "2015-12-24", registry=registry)
    s1 = _row(result, "national.icpc", "C1")
    assert (s1.due_date, s1.days_left, s1.band) == (pd.Timestamp("2016-01-06"), 13, "due_within")
    assert sm.wd("2015-12-11", "2016-01-06") == 15
    a1 = _row(result, "national.assessments", "C2")
    assert (a1.due_date, a1.days_left, a1.band) == (pd.Timestamp("2015-12-30"), 6, "due_7")
    assert sm.wd("2015-10-26", "2015-12-30") == 45
    counted = due_lists(
        data,
        "2015-12-24",
        registry=registry,
        params={"national.assessments_45wd": {"count_start_day": True}},
    )
    assert _row(counted, "national.assessments", "C2").due_date == pd.Timestamp("2015-12-29")


# -- a case closed today leaves the list -----------------------------------------------------------


def test_cases_closed_on_the_day_leave_the_lists(registry) -> None:
    today = D(2015, 12, 31)
    data = _dataset(
        [
            _episode("C1", D(2015, 6, 1), end=today),  # ceased to be looked after today
            _episode("C2", D(2015, 6, 1)),
            Visit(child_id="C2", visit_date=today, visit_type="cla"),  # visited today
            ClaReview(child_id="C2", review_date=D(2015, 6, 26)),
            ClaReview(child_id="C2", review_date=D(2015, 9, 20)),
            CpPlan(plan_id="P3", child_id="C3", start_date=D(2015, 1, 5), end_date=today),
            Assessment(
                assessment_id="A4", child_id="C4", start_date=D(2015, 11, 2), authorised_date=today
            ),
            Assessment(assessment_id="A5", child_id="C5", start_date=D(2015, 11, 2)),
            Section47(s47_id="S6", child_id="C6", start_date=D(2015, 12, 1), icpc_date=today),
            Section47(
                s47_id="S7", child_id="C7", start_date=D(2015, 12, 1), icpc_not_required=True
            ),
            Section47(s47_id="S8", child_id="C8", start_date=D(2015, 12, 1)),
        ]
    )
    result = due_lists(data, today, registry=registry, include_later=True)
    listed = {k: set(v["child_id"]) for k, v in result.lists.items()}
    assert "C1" not in listed["national.cla_visits"] | listed["national.cla_reviews"]
    assert _row(result, "national.cla_visits", "C2").due_date == pd.Timestamp("2016-02-11")
    assert "C2" not in set(due_lists(data, today, registry=registry).lists["national.cla_visits"])
    assert "C3" not in listed["national.cp_reviews"] | listed["rotherham.cp_visits"]
    assert listed["national.assessments"] == {"C5"}
    assert listed["national.icpc"] == {"C8"}


# -- teams and workers -----------------------------------------------------------------------------


def _allocated() -> sm.Dataset:
    return _dataset(
        [
            Worker(worker_id="W1", team="Locality North"),
            Worker(worker_id="W2", team="Locality South"),
            Worker(worker_id="W3"),
            CpPlan(plan_id="P1", child_id="C1", start_date=D(2015, 12, 1)),
            CpPlan(plan_id="P2", child_id="C2", start_date=D(2015, 12, 1)),
            CpPlan(plan_id="P3", child_id="C3", start_date=D(2015, 12, 1)),
            CpPlan(plan_id="P4", child_id="C4", start_date=D(2015, 12, 10)),
            Visit(child_id="C4", visit_date=D(2015, 12, 28), visit_type="cp"),
            Allocation(child_id="C1", worker_id="W1", start_date=D(2015, 12, 1)),
            Allocation(child_id="C1", worker_id="W2", start_date=D(2015, 12, 1)),
            Allocation(child_id="C2", worker_id="W3", start_date=D(2015, 12, 1)),
            Allocation(  # ended: C3 is unallocated on the day
                child_id="C3", worker_id="W1", start_date=D(2015, 12, 1), end_date=D(2015, 12, 20)
            ),
            Allocation(child_id="C4", worker_id="W2", start_date=D(2015, 12, 10)),
        ]
    )


def test_team_and_worker_from_the_allocations_open_on_the_day(registry) -> None:
    result = due_lists(_allocated(), "2015-12-31", registry=registry)
    visits = result.lists["rotherham.cp_visits"]
    assert sorted(zip(visits["child_id"], visits["team"], visits["worker_id"], strict=True)) == [
        ("C1", "Locality North", "W1"),
        ("C1", "Locality South", "W2"),
        ("C2", "No team recorded", "W3"),
        ("C3", "Unallocated", "Unallocated"),
        ("C4", "Locality South", "W2"),
    ]
    # overdue first (most overdue first), then by due date
    assert list(visits["band"]) == ["overdue"] * 4 + ["due_within"]
    assert visits["due_date"].is_monotonic_increasing
    summary = result.summary.set_index(["due_list", "team"])
    assert summary.loc[("rotherham.cp_visits", "All teams"), "overdue"] == 3  # each child once
    assert summary.loc[("rotherham.cp_visits", "Locality South"), "listed"] == 2
    assert result.teams == (
        "Locality North",
        "Locality South",
        "No team recorded",
        "Unallocated",
    )


def test_team_and_worker_filters(registry) -> None:
    data = _allocated()
    south = due_lists(data, "2015-12-31", team="Locality South", registry=registry)
    assert set(south.lists["rotherham.cp_visits"]["child_id"]) == {"C1", "C4"}
    assert south.teams == ("Locality South",)
    w1 = due_lists(data, "2015-12-31", worker="W1", registry=registry)
    assert list(w1.lists["rotherham.cp_visits"]["child_id"]) == ["C1"]
    none = due_lists(data, "2015-12-31", team="Unallocated", registry=registry)
    assert list(none.lists["rotherham.cp_visits"]["child_id"]) == ["C3"]


def test_within_sets_the_horizon(registry) -> None:
    data = _allocated()
    assert "C4" not in set(
        due_lists(data, "2015-12-31", within=7, registry=registry).lists["rotherham.cp_visits"][
            "child_id"
        ]
    )  # due 2016-01-11, 11 days ahead
    wide = due_lists(data, "2015-12-31", within=30, registry=registry)
    assert "C4" in set(wide.lists["rotherham.cp_visits"]["child_id"])
    with pytest.raises(sm.UsageError):
        due_lists(data, "2015-12-31", within=-1, registry=registry)
    with pytest.raises(sm.UsageError):
        due_lists(data, "2015-13-01", registry=registry)
    with pytest.raises(sm.UsageError):
        due_lists(data, "2015-12-31", ids=["national.nothing"], registry=registry)


# -- empty and missing data ------------------------------------------------------------------------


def test_missing_tables_make_a_list_not_available_not_a_crash(registry) -> None:
    data = sm.Dataset.from_records(
        [Visit(child_id="C1", visit_date=D(2015, 12, 1), visit_type="cp")]
    )
    result = due_lists(data, "2015-12-31", registry=registry)
    assert set(result.unavailable) == set(registry.due_lists)
    assert "cp_plans" in result.unavailable["rotherham.cp_visits"]
    assert all(len(frame) == 0 for frame in result.lists.values())
    rows = result.summary.set_index("due_list")
    assert rows.loc["rotherham.cp_visits", "status"] == "not available"
    assert any("not available" in w for w in result.warnings)
    assert len(result.frame) == 0 and list(result.frame.columns) == list(LIST_COLUMNS)


def test_empty_tables_give_empty_lists(registry) -> None:
    data = _dataset([])
    result = due_lists(data, "2015-12-31", registry=registry)
    assert not result.unavailable
    assert all(len(frame) == 0 for frame in result.lists.values())
    assert (result.summary["listed"] == 0).all()


def test_every_due_list_feeds_a_registered_indicator(registry) -> None:
    assert len(registry.due_lists) == 10
    for due_id, due_list in registry.due_lists.items():
        assert due_list.indicator in registry.indicators, due_id
        assert registry.due_list_provenance[due_id].plugin == due_id.split(".")[0]
        for table, columns in due_list.tables.items():
            assert set(columns) <= set(table_specs()[table].column_names), due_id


# -- the hook: isolation and clashes ---------------------------------------------------------------


def _list(due_id: str) -> DueList:
    return DueList(
        id=due_id,
        title="Test list",
        description="everything, due today",
        tables={"cp_plans": ("start_date",)},
        compute=lambda tables, as_at, params: due_frame(
            child=tables["cp_plans"]["child"].to_numpy(),
            due_date=np.full(len(tables["cp_plans"]), as_at),
        ),
    )


class _Plugin:
    def __init__(self, produce: Any) -> None:
        self.produce = produce

    @sm.hookimpl
    def register_due_lists(self) -> Any:
        return self.produce()


def test_a_due_list_id_outside_the_plugins_name_breaks_that_plugin() -> None:
    registry = sm.build_registry(
        [("alpha", _Plugin(lambda: [_list("alpha.x")])), ("beta", _Plugin(lambda: [_list("x.y")]))]
    )
    assert list(registry.due_lists) == ["alpha.x"]
    assert registry.due_list_provenance["alpha.x"].plugin == "alpha"
    errors = {p.name: p.error for p in registry.plugins}
    assert "due list id 'x.y' does not start with the plugin's name 'beta.'" in errors["beta"]
    assert errors["alpha"] is None


def test_a_broken_due_list_hook_isolates_its_plugin() -> None:
    def boom() -> Any:
        raise RuntimeError("no")

    registry = sm.build_registry(
        [
            ("national", national),
            ("broken", _Plugin(boom)),
            ("wrongtype", _Plugin(lambda: ["not a due list"])),
        ]
    )
    assert "national.cla_visits" in registry.due_lists
    broken = {p.name: p.error for p in registry.plugins if p.error}
    assert "register_due_lists() raised RuntimeError" in broken["broken"]
    assert "not DueList" in broken["wrongtype"]
    data = _dataset([CpPlan(plan_id="P1", child_id="C1", start_date=D(2015, 1, 1))])
    with pytest.raises(sm.PluginError):
        due_lists(data, "2015-12-31", registry=registry)
    result = due_lists(data, "2015-12-31", registry=registry, allow_broken_plugins=True)
    assert any("broken" in w for w in result.warnings)


def test_two_plugins_registering_one_id_is_a_clash() -> None:
    import types

    def plugin(name: str) -> Any:
        return types.SimpleNamespace(
            register_due_lists=sm.hookimpl(lambda: [_list(f"{name}.x")]),
        )

    # the same id can only come from plugins of the same name: one registered twice under
    # two entries is simulated by a plugin returning the id twice
    twice = types.SimpleNamespace(
        register_due_lists=sm.hookimpl(lambda: [_list("dup.x"), _list("dup.x")])
    )
    registry = sm.build_registry([("dup", twice), ("other", plugin("other"))])
    assert "dup.x" not in registry.due_lists
    assert any("'dup.x' is registered by more than one plugin" in p for p in registry.problems)
    assert "other.x" in registry.due_lists


def test_a_failing_compute_is_reported_not_raised() -> None:
    import types

    def compute(tables: Any, as_at: Any, params: Any) -> Any:
        raise ValueError("broken")

    bad = DueList(
        id="bad.x",
        title="Bad",
        description="fails",
        tables={"cp_plans": ("start_date",)},
        compute=compute,
    )
    plugin = types.SimpleNamespace(register_due_lists=sm.hookimpl(lambda: [bad]))
    registry = sm.build_registry([("bad", plugin)])
    data = _dataset([CpPlan(plan_id="P1", child_id="C1", start_date=D(2015, 1, 1))])
    result = due_lists(data, "2015-12-31", registry=registry)
    assert "failed" in result.unavailable["bad.x"]
