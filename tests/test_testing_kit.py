"""The public test kit, safeguarding_metrics.testing: its strategies make coherent data, and
check_indicator passes a sound indicator and fails broken ones."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Mapping
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import safeguarding_metrics as sm
import safeguarding_metrics.testing as kit
from safeguarding_metrics import Indicator
from safeguarding_metrics.calendar import add_months, add_working_days, wd
from safeguarding_metrics.cohort import cohort_frame, days, rows_in_periods
from safeguarding_metrics.model import Referral
from safeguarding_metrics.testing import (
    IndicatorCheckError,
    assert_result_bounds,
    boundary_dates,
    case_histories,
    check_indicator,
    dates,
    make_dataset,
    shuffled,
    split_children,
)
from safeguarding_metrics_national.rereferrals import REREFERRALS_12M

# The fixtures are opt-in, exactly as a plugin author's conftest.py would do it.
pytest_plugins = ["safeguarding_metrics.testing.pytest_plugin"]

QUICK = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _day(value: Any) -> dt.date:
    return np.datetime64(value, "D").astype(object)  # type: ignore[no-any-return]


# -- the public surface ------------------------------------------------------------------------


def test_public_names_are_exported() -> None:
    for name in kit.__all__:
        assert getattr(kit, name) is not None
    assert {"check_indicator", "case_histories", "datasets", "referrals", "dates"} <= set(
        kit.__all__
    )


def test_the_pytest_plugin_is_never_registered_automatically() -> None:
    modules = [ep.value for ep in metadata.entry_points(group="pytest11")]
    assert not any(m.startswith("safeguarding_metrics") for m in modules)


def test_opt_in_fixtures(indicator_checker: Any, make_dataset: Any) -> None:
    dataset = make_dataset(
        [Referral(referral_id="R1", child_id="C1", referral_date=dt.date(2015, 4, 1))],
        tables=["referrals", "cp_plans"],
    )
    assert dataset.has("referrals") and dataset.has("cp_plans")
    report = indicator_checker(REREFERRALS_12M, max_examples=3, properties=("bounds",))
    assert report.properties == ("bounds",)


def test_make_dataset_keeps_empty_tables() -> None:
    dataset = make_dataset({"referrals": [], "assessments": []})
    assert dataset.has("referrals") and dataset.has("assessments")
    assert len(dataset.tables["referrals"]) == 0
    assert dataset.quality.empty


def test_unknown_property_and_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown properties"):
        check_indicator(REREFERRALS_12M, properties=("bounds", "speed"))
    with pytest.raises(sm.ParameterError):
        check_indicator(REREFERRALS_12M, params={"per": "family"})


# -- strategies: coherent data -----------------------------------------------------------------


def _check_timelines(history: Mapping[str, list[Any]]) -> None:
    """The promises of case_histories, checked record by record (plain Python, small data)."""
    referral_days: dict[str, set[dt.date]] = defaultdict(set)
    for r in history["referrals"]:
        referral_days[r.child_id].add(r.referral_date)
    for a in history["assessments"]:
        assert any(d <= a.start_date for d in referral_days[a.child_id])
        assert a.authorised_date is None or a.authorised_date >= a.start_date
    plans = defaultdict(list)
    for p in history["cp_plans"]:
        plans[p.child_id].append(p)
    by_id = {p.plan_id: p for p in history["cp_plans"]}
    for child_plans in plans.values():
        child_plans.sort(key=lambda p: p.start_date)
        for earlier, later in itertools.pairwise(child_plans):
            assert earlier.end_date is not None and earlier.end_date <= later.start_date
    for review in history["cp_reviews"]:
        plan = by_id[review.plan_id]
        assert plan.start_date < review.review_date
        assert plan.end_date is None or review.review_date <= plan.end_date
    episodes = defaultdict(list)
    for e in history["care_episodes"]:
        episodes[e.child_id].append(e)
    for child_episodes in episodes.values():
        child_episodes.sort(key=lambda e: e.start_date)
        assert child_episodes[0].rne == "S"
        for earlier, later in itertools.pairwise(child_episodes):
            # never overlapping; a gap starts a new period of care (or a new short break)
            assert earlier.end_date is not None and earlier.end_date <= later.start_date
            if earlier.end_date < later.start_date:
                assert later.rne == "S"
            else:
                assert later.rne in ("P", "L", "T", "U", "B")
    for adoption in history["adoptions"]:
        if adoption.adoption_order_date is not None:
            adoptive = [
                e
                for e in episodes[adoption.child_id]
                if e.placement in ("A3", "A4", "A5", "A6")
                and e.end_date == adoption.adoption_order_date
            ]
            assert adoptive, "an adoption order ends an A3-A6 placement"
    for table in ("missing", "allocations", "cin_plans"):
        for row in history[table]:
            assert row.end_date is None or row.end_date >= row.start_date
    for table, rows in history.items():
        for row in rows:
            for field in type(row).__attrs_attrs__:
                value = getattr(row, field.name)
                if isinstance(value, dt.datetime):
                    value = value.date()
                if isinstance(value, dt.date):
                    assert value <= kit.DEFAULT_END, f"{table}: {value} after the history ends"


@settings(QUICK, max_examples=20)
@given(case_histories(max_children=6))
def test_histories_are_coherent_and_load_without_any_finding(history: dict[str, list[Any]]) -> None:
    _check_timelines(history)
    dataset = make_dataset(history)
    assert dataset.quality.empty, dataset.quality.to_string()
    counts = dataset.counts
    assert (counts["read"] == counts["used"]).all()
    assert set(dataset.tables) == set(sm.model.table_specs())


@QUICK
@given(kit.datasets(tables=("referrals", "cp_plans", "cp_reviews"), max_children=5))
def test_datasets_are_validated_with_every_table_present(dataset: sm.Dataset) -> None:
    assert {"referrals", "cp_plans", "cp_reviews"} == set(dataset.tables)
    assert dataset.quality.empty


def test_boundary_days_come_up_often() -> None:
    # Hypothesis never runs one choice sequence twice, so single draws would under-count
    # repeats: draw lists of days, as a history draws many days per example.
    seen: Counter[dt.date] = Counter()

    @settings(max_examples=40, derandomize=True, database=None)
    @given(st.lists(dates(), min_size=20, max_size=20))
    def draw(days: list[dt.date]) -> None:
        seen.update(days)

    draw()
    total = sum(seen.values())
    special = set(itertools.chain.from_iterable(boundary_dates().values()))
    assert sum(n for d, n in seen.items() if d in special) / total > 0.3
    assert seen[dt.date(2016, 2, 29)] / total > 0.03  # about one draw in twelve
    named = [
        dt.date.fromisoformat(d)
        for d in ("2015-12-25", "2015-12-28", "2016-03-31", "2015-04-01", "2015-04-06")
    ]
    assert set(named) <= special  # each is a boundary the strategy aims at...
    # ...and most come up in a few hundred draws (which ones depends on hypothesis's choices)
    assert sum(seen[d] > 0 for d in named) >= 3, {d: seen[d] for d in named}


def test_timescales_are_hit_exactly_and_a_day_off() -> None:
    found: Counter[str] = Counter()

    @settings(max_examples=80, derandomize=True, database=None, deadline=None)
    @given(case_histories(tables=("referrals", "assessments", "section47", "cp_plans")))
    def collect(history: dict[str, list[Any]]) -> None:
        by_child: dict[str, list[dt.date]] = defaultdict(list)
        for r in history["referrals"]:
            by_child[r.child_id].append(r.referral_date)
        for child_days in by_child.values():
            for a, b in itertools.combinations(sorted(child_days), 2):
                if a == b:
                    found["same day"] += 1
                twelve = _day(add_months(a, 12))
                if b == twelve:
                    found["12 months"] += 1
                if b == twelve + dt.timedelta(days=1):
                    found["12 months and a day"] += 1
                if (a.month, a.day, b.month, b.day, b.year - a.year) == (2, 28, 2, 29, 1):
                    found["28 February to 29 February"] += 1
        for a in history["assessments"]:
            if a.authorised_date is not None:
                found[f"{wd(a.start_date, a.authorised_date)} working days"] += 1
        for s in history["section47"]:
            if s.icpc_date is not None and s.icpc_date == _day(add_working_days(s.start_date, 15)):
                found["ICPC on the 15th working day"] += 1
            if s.icpc_date is not None and s.icpc_date < s.start_date:
                found["ICPC before the enquiry"] += 1

    collect()
    for what in (
        "same day",
        "12 months",
        "12 months and a day",
        "45 working days",
        "46 working days",
        "ICPC on the 15th working day",
        "ICPC before the enquiry",
    ):
        assert found[what] > 0, f"{what} never came up: {found}"


def test_dates_after_hits_each_timescale_exactly_and_a_day_off() -> None:
    start = dt.date(2015, 2, 28)
    spans: Counter[str] = Counter()

    @settings(max_examples=30, derandomize=True, database=None)
    @given(
        st.lists(
            kit.dates_after(start, months=(24,), working_days=(45,), days=(42,)),
            min_size=20,
            max_size=20,
        )
    )
    def draw(days_after: list[dt.date]) -> None:
        for day in days_after:
            assert day > start
            months24 = _day(add_months(start, 24))
            if abs((day - months24).days) <= 1:
                spans[f"24 months {(day - months24).days:+d}"] += 1
            spans[f"{wd(start, day)} working days"] += 1
            spans[f"{(day - start).days} days"] += 1

    draw()
    for what in ("24 months +0", "24 months -1", "24 months +1", "45 working days",
                 "46 working days", "41 days", "42 days", "43 days"):  # fmt: skip
        assert spans[what] >= 10, (what, spans.most_common(12))


@QUICK
@given(
    case_histories(
        tables=("children", "referrals", "workers", "allocations"), max_children=6
    ).flatmap(lambda h: st.tuples(st.just(h), shuffled(h), split_children(h)))
)
def test_shuffled_and_split_histories(data: tuple[Any, Any, Any]) -> None:
    history, mixed, (left, right) = data
    for name, rows in history.items():
        assert Counter(mixed[name]) == Counter(rows)
        children_left = {r.child_id for r in left[name] if hasattr(r, "child_id")}
        children_right = {r.child_id for r in right[name] if hasattr(r, "child_id")}
        assert not children_left & children_right
        if name == "workers":
            assert left[name] == right[name] == rows  # records of no child go to both sides
        else:
            assert Counter(left[name]) + Counter(right[name]) == Counter(rows)


# -- check_indicator on a sound indicator --------------------------------------------------------


def test_check_indicator_passes_on_rereferrals() -> None:
    report = check_indicator(REREFERRALS_12M, max_examples=8)
    assert report.properties == kit.PROPERTIES
    assert all(report.examples[p] > 0 for p in report.properties)
    assert report.indicator == "national.rereferrals_12m"
    assert "order" in str(report)


def test_check_indicator_by_id_with_a_plugin_and_both_parameters() -> None:
    import safeguarding_metrics_national.rereferrals as plugin_module

    class Plugin:
        @sm.hookimpl
        def register_indicators(self) -> list[Indicator]:
            return [plugin_module.REREFERRALS_12M]

    report = check_indicator(
        "national.rereferrals_12m",
        registry=[("national", Plugin())],
        max_examples=6,
        properties=("bounds", "additivity"),
        params=[{"per": "referral"}, {"per": "child"}],
    )
    assert report.params == ({"per": "referral"}, {"per": "child"})


def test_partition_is_opt_in_and_skipped_for_snapshots() -> None:
    report = check_indicator(REREFERRALS_12M, max_examples=8, properties=("partition",))
    assert report.properties == ("partition",)
    snapshot = _indicator("snapshot_count", _open_referrals, kind="snapshot", unit="count")
    report = check_indicator(snapshot, max_examples=3, properties=("bounds", "partition"))
    assert "partition" in report.skipped


# -- check_indicator fails broken indicators -----------------------------------------------------


def _indicator(
    name: str, compute: Any, *, kind: str = "flow", unit: str = "%", **kw: Any
) -> Indicator:
    return Indicator(
        id=f"broken.{name}",
        title=name,
        description="a deliberately broken indicator, for the test kit's own tests",
        kind=kind,
        unit=unit,
        polarity="lower",
        tables=kw.pop("tables", {"referrals": ("referral_id", "referral_date")}),
        compute=compute,
        **kw,
    )


def _referral_rows(tables: Mapping[str, pd.DataFrame], periods: sm.Periods) -> tuple[Any, ...]:
    referrals = tables["referrals"]
    child = referrals["child"].to_numpy(np.int64)
    day = days(referrals["referral_date"])
    period, row = rows_in_periods(day, periods)
    return referrals, child, day, period, row


def _open_referrals(
    tables: Mapping[str, pd.DataFrame], periods: sm.Periods, params: Any
) -> pd.DataFrame:
    _, child, day, _, _ = _referral_rows(tables, periods)
    period = np.repeat(np.arange(len(periods)), len(day))
    row = np.tile(np.arange(len(day)), len(periods))
    met = day[row] <= periods.end[period]
    return cohort_frame(period=period, child=child[row], date=day[row], met=met)


def _first_listed(
    tables: Mapping[str, pd.DataFrame], periods: sm.Periods, params: Any
) -> pd.DataFrame:
    """Met when the referral is the first row of its child *as listed*: depends on row order."""
    referrals, child, day, period, row = _referral_rows(tables, periods)
    first = ~pd.Series(child).duplicated().to_numpy()
    return cohort_frame(
        period=period,
        child=child[row],
        record=referrals["referral_id"].to_numpy()[row],
        date=day[row],
        met=first[row],
    )


def _negative_mean(
    tables: Mapping[str, pd.DataFrame], periods: sm.Periods, params: Any
) -> pd.DataFrame:
    """Days from the period's end back to the referral: negative (the subtraction is reversed)."""
    _, child, day, period, row = _referral_rows(tables, periods)
    value = (day[row] - periods.end[period]).astype("timedelta64[D]").astype(float)
    return cohort_frame(period=period, child=child[row], date=day[row], value=value)


def _crashes_when_empty(
    tables: Mapping[str, pd.DataFrame], periods: sm.Periods, params: Any
) -> pd.DataFrame:
    """Assumes there is at least one referral."""
    referrals, child, day, period, row = _referral_rows(tables, periods)
    earliest = referrals.sort_values("referral_date")["referral_date"].iloc[0]
    return cohort_frame(
        period=period, child=child[row], date=day[row], met=day[row] > np.datetime64(earliest, "D")
    )


def _relative_to_everyone(
    tables: Mapping[str, pd.DataFrame], periods: sm.Periods, params: Any
) -> pd.DataFrame:
    """Met when later than the median referral of *all* children: not additive over children."""
    _, child, day, period, row = _referral_rows(tables, periods)
    median = np.sort(day)[len(day) // 2] if len(day) else np.datetime64("NaT", "D")
    return cohort_frame(period=period, child=child[row], date=day[row], met=day[row] > median)


def _undeclared_table(
    tables: Mapping[str, pd.DataFrame], periods: sm.Periods, params: Any
) -> pd.DataFrame:
    """Reads assessments without declaring it."""
    assessments = tables["assessments"]
    return _first_listed({"referrals": assessments}, periods, params)


def _missing_met(
    tables: Mapping[str, pd.DataFrame], periods: sm.Periods, params: Any
) -> pd.DataFrame:
    """Leaves 'met' missing where it cannot decide, which the engine would count as not met."""
    _, child, day, period, row = _referral_rows(tables, periods)
    met = pd.array(np.where(day[row] == periods.end[period], None, True), dtype="boolean")
    return cohort_frame(period=period, child=child[row], date=day[row], met=met)


def _mean_with_gaps(
    tables: Mapping[str, pd.DataFrame], periods: sm.Periods, params: Any
) -> pd.DataFrame:
    """Days since the child's previous referral, missing for a first referral, which is
    neither counted nor listed as excluded: dropped silently."""
    _, child, day, period, row = _referral_rows(tables, periods)
    order = np.lexsort((day, child))
    gap = np.full(len(day), np.nan)
    same = child[order][1:] == child[order][:-1]
    steps = (day[order][1:] - day[order][:-1]).astype("timedelta64[D]").astype(float)
    gap[order[1:]] = np.where(same, steps, np.nan)
    return cohort_frame(period=period, child=child[row], date=day[row], value=gap[row])


_CLOSURE_GROUPS = {f"RC{k}": "closed" for k in range(1, 10)}


def _closure_groups(
    tables: Mapping[str, pd.DataFrame], periods: sm.Periods, params: Any
) -> pd.DataFrame:
    """Looks closure reasons up in a fixed table: a new (unknown) code raises KeyError."""
    referrals, child, day, period, row = _referral_rows(tables, periods)
    # text columns are pandas' str dtype: a missing value is NaN, not None
    reasons = referrals["closure_reason"].to_numpy(dtype=object)
    closed = np.array([isinstance(r, str) and _CLOSURE_GROUPS[r] == "closed" for r in reasons])
    return cohort_frame(period=period, child=child[row], date=day[row], met=closed[row])


def _expect_failure(indicator: Indicator, prop: str, **kwargs: Any) -> IndicatorCheckError:
    kwargs.setdefault("max_examples", 25)
    with pytest.raises(IndicatorCheckError) as caught:
        check_indicator(indicator, properties=(prop,), **kwargs)
    error = caught.value
    assert isinstance(error, AssertionError)
    assert error.property == prop
    assert error.indicator == indicator.id
    message = str(error)
    assert f"fails property {prop!r}" in message
    assert "Minimal counterexample (synthetic data):" in message
    return error


def test_fails_an_indicator_whose_cohort_depends_on_row_order() -> None:
    error = _expect_failure(_indicator("first_listed", _first_listed), "order")
    assert "shuffled" in str(error)
    # reduced to what it needs: one child with two referrals (listed as given, then shuffled)
    assert error.counterexample.count("referral_id=") == 4
    assert (
        len({line.split()[1] for line in error.counterexample.splitlines() if "child_id=" in line})
        == 1
    )


def test_fails_an_indicator_that_crashes_on_empty_input() -> None:
    error = _expect_failure(_indicator("crashes_when_empty", _crashes_when_empty), "empty")
    assert "IndexError" in error.detail


def test_fails_an_indicator_with_a_negative_mean() -> None:
    broken = _indicator("negative_mean", _negative_mean, unit="days")
    error = _expect_failure(broken, "bounds")
    assert "negative" in error.detail


def test_fails_a_mean_that_drops_rows_silently() -> None:
    error = _expect_failure(_indicator("gaps", _mean_with_gaps, unit="days"), "bounds")
    # the engine itself refuses such a cohort: the indicator is not computable
    assert "no 'value' and no exclusion reason" in error.detail


def test_fails_an_indicator_that_leaves_met_missing() -> None:
    error = _expect_failure(_indicator("missing_met", _missing_met), "bounds")
    assert "'met'" in error.detail


def test_fails_an_indicator_that_reads_a_table_it_does_not_declare() -> None:
    error = _expect_failure(_indicator("undeclared", _undeclared_table), "bounds")
    assert "not_computable" in error.detail and "KeyError" in error.detail


def test_fails_an_indicator_that_is_not_additive_over_children() -> None:
    error = _expect_failure(_indicator("relative", _relative_to_everyone), "additivity")
    assert "the two sets of children give" in error.detail


def test_fails_an_indicator_that_crashes_on_an_unknown_code() -> None:
    broken = _indicator(
        "closure_groups",
        _closure_groups,
        tables={"referrals": ("referral_id", "referral_date", "closure_reason")},
    )
    check_indicator(broken, max_examples=5, properties=("bounds", "order"))  # sound on clean data
    error = _expect_failure(broken, "bad_input")
    assert "KeyError" in error.detail and "'ZZ9' (unknown code)" in error.counterexample
    # reduced: only the records the faults are in are left (at most three)
    listed = [line for line in error.counterexample.splitlines() if line.startswith("    ")]
    assert 1 <= len(listed) <= 3


def test_numerator_above_denominator_is_out_of_bounds() -> None:
    # The engine aggregates a per cent cohort row by row, so no cohort can make the numerator
    # exceed the denominator through calculate(); the bounds check is shown on a results frame.
    frame = pd.DataFrame(
        {
            "period_start": [dt.date(2015, 4, 1)],
            "period_end": [dt.date(2015, 4, 30)],
            "window": ["period"],
            "la": [None],
            "status": ["ok"],
            "unit": ["%"],
            "numerator": [3.0],
            "denominator": [2.0],
            "value": [150.0],
        }
    )
    with pytest.raises(AssertionError, match=r"numerator 3 > denominator 2"):
        assert_result_bounds(frame)
    frame.loc[0, ["numerator", "value"]] = [2.0, 90.0]
    with pytest.raises(AssertionError, match=r"is not 100\.0"):
        assert_result_bounds(frame)
    frame.loc[0, ["denominator", "numerator", "value"]] = [0.0, 0.0, 0.0]
    with pytest.raises(AssertionError, match="denominator of 0"):
        assert_result_bounds(frame)
