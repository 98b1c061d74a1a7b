"""Count forms, ``calculate(cohorts=False)``, day indexes and what indicators share per dataset."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import safeguarding_metrics as sm
from safeguarding_metrics import Periods, UsageError
from safeguarding_metrics.cohort import DayIndex, cohort_frame, count_frame, days, rows_in_periods
from safeguarding_metrics.looked_after import CareHistory
from safeguarding_metrics.synthetic import generate
from safeguarding_metrics.testing import IndicatorCheckError, check_indicator
from safeguarding_metrics.views import TableViews, shared

_BASE = np.datetime64("2015-01-01", "D")


@pytest.fixture(scope="module")
def council() -> sm.Dataset:
    return sm.Dataset.from_frames(generate(scale=0.2))


# -- DayIndex ------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    offsets=st.lists(st.one_of(st.none(), st.integers(0, 400)), max_size=60),
    bounds=st.lists(st.tuples(st.integers(-10, 410), st.integers(0, 60)), max_size=5),
)
def test_day_index_finds_the_rows_of_each_period_as_a_scan_does(
    offsets: list[int | None], bounds: list[tuple[int, int]]
) -> None:
    """Overlapping periods, NaT, ties: by period, then day, then row, like a plain scan."""
    dates = np.array(
        [np.datetime64("NaT") if o is None else _BASE + o for o in offsets], dtype="datetime64[D]"
    )
    periods = Periods(
        start=[_BASE + a for a, _ in bounds], end=[_BASE + a + length for a, length in bounds]
    )
    expected_period, expected_row = [], []
    for p, (start, end) in enumerate(zip(periods.start, periods.end, strict=True)):
        inside = [r for r in range(len(dates)) if start <= dates[r] <= end]
        for r in sorted(inside, key=lambda r: (dates[r], r)):
            expected_period.append(p)
            expected_row.append(r)
    for got in (DayIndex.of(dates).rows_in_periods(periods), rows_in_periods(dates, periods)):
        assert got[0].tolist() == expected_period
        assert got[1].tolist() == expected_row


def test_day_index_is_read_only() -> None:
    index = DayIndex.of(np.array(["2015-01-02", "NaT", "2015-01-01"], dtype="datetime64[D]"))
    assert index.order.tolist() == [2, 0]
    with pytest.raises(ValueError):
        index.order[0] = 1


# -- what indicators share -----------------------------------------------------------------------


def test_shared_is_built_once_per_dataset_key_and_columns(council: sm.Dataset) -> None:
    calls: list[str] = []

    def build(label: str) -> object:
        calls.append(label)
        return object()

    first = TableViews({"referrals": council.view("referrals", ["referral_date"])}, council)
    again = TableViews({"referrals": council.view("referrals", ["referral_date"])}, council)
    other_columns = TableViews({"referrals": council.view("referrals", ["nfa"])}, council)
    a = first.shared("k", "referrals", lambda: build("a"))
    assert again.shared("k", "referrals", lambda: build("b")) is a
    assert other_columns.shared("k", "referrals", lambda: build("c")) is not a
    assert first.shared("another key", "referrals", lambda: build("d")) is not a
    # a plain mapping, or views without a dataset, have no cache
    plain = {"referrals": council.view("referrals", ["referral_date"])}
    shared(plain, "k", "referrals", lambda: build("e"))
    TableViews(plain).shared("k", "referrals", lambda: build("f"))
    assert calls == ["a", "c", "d", "e", "f"]
    assert dict(first) == {"referrals": first["referrals"]} and len(first) == 1


def test_care_history_is_shared_between_calls_and_read_only(council: sm.Dataset) -> None:
    columns = ("start_date", "end_date", "rne", "legal_status", "placement", "long_term")
    views = [
        TableViews({"care_episodes": council.view("care_episodes", columns)}, council)
        for _ in range(2)
    ]
    history = CareHistory.shared(views[0])
    assert CareHistory.shared(views[1]) is history
    other = sm.Dataset.from_frames(generate(scale=0.2))
    elsewhere = TableViews({"care_episodes": other.view("care_episodes", columns)}, other)
    assert CareHistory.shared(elsewhere) is not history
    built = CareHistory.from_episodes(views[0]["care_episodes"])
    np.testing.assert_array_equal(built.child, history.child)
    pd.testing.assert_series_equal(history.column("long_term"), history.frame["long_term"])
    with pytest.raises(ValueError):
        history.start[0] = np.datetime64("2000-01-01")


# -- count forms through the engine --------------------------------------------------------------


def _nfa_arrays(tables, periods):  # type: ignore[no-untyped-def]
    referrals = tables["referrals"]
    day = days(referrals["referral_date"])
    period, row = rows_in_periods(day, periods)
    nfa = referrals["nfa"].to_numpy(dtype=bool, na_value=False)
    return referrals, day, period, row, nfa


def _nfa(tables, periods, params):  # type: ignore[no-untyped-def]
    referrals, day, period, row, nfa = _nfa_arrays(tables, periods)
    return cohort_frame(
        period=period,
        child=referrals["child"].to_numpy()[row],
        record=referrals["referral_id"].to_numpy()[row],
        date=day[row],
        met=nfa[row],
    )


def _nfa_counts(tables, periods, params):  # type: ignore[no-untyped-def]
    referrals, day, period, row, nfa = _nfa_arrays(tables, periods)
    return count_frame(
        period=period, child=referrals["child"].to_numpy()[row], date=day[row], met=nfa[row]
    )


def _nfa_counts_wrong(tables, periods, params):  # type: ignore[no-untyped-def]
    """Drops the last referral of each call: a count form that disagrees with its cohort."""
    frame = _nfa_counts(tables, periods, params)
    return frame.iloc[:-1] if len(frame) else frame


def _indicator(count):  # type: ignore[no-untyped-def]
    return sm.Indicator(
        id="test.nfa",
        title="NFA referrals",
        description="Numerator: NFA referrals. Denominator: referrals.",
        kind="flow",
        unit="%",
        polarity="lower",
        tables={"referrals": ("referral_id", "referral_date", "nfa")},
        compute=_nfa,
        count=count,
    )


def test_cohorts_false_gives_the_same_results_and_breakdown_and_no_cohort(
    council: sm.Dataset,
) -> None:
    for indicator in (_indicator(_nfa_counts), _indicator(None)):
        kept, counted = (
            sm.calculate(
                council,
                start="2015-04-01",
                end="2016-03-31",
                every="month",
                windows=("period", "ytd"),
                indicators=[indicator],
                benchmarks=False,
                cohorts=cohorts,
            )
            for cohorts in (True, False)
        )
        pd.testing.assert_frame_equal(kept.frame, counted.frame)
        key = ["level", "group", "period_start", "period_end"]
        pd.testing.assert_frame_equal(
            kept.breakdown.sort_values(key).reset_index(drop=True),
            counted.breakdown.sort_values(key).reset_index(drop=True),
        )
        assert kept.frame["denominator"].sum() > 0 and len(kept.breakdown) > 0
        assert "test.nfa" in kept.cohorts and not counted.cohorts
        with pytest.raises(UsageError, match="cohorts=False"):
            counted.drilldown("test.nfa")


def test_a_count_form_missing_a_column_makes_the_indicator_not_computable(
    council: sm.Dataset,
) -> None:
    def no_met(tables, periods, params):  # type: ignore[no-untyped-def]
        return _nfa_counts(tables, periods, params).drop(columns=["met"])

    results = sm.calculate(
        council,
        start="2015-04-01",
        end="2015-04-30",
        indicators=[_indicator(no_met)],
        benchmarks=False,
        cohorts=False,
    )
    row = results.frame.iloc[0]
    assert row["status"] == "not_computable" and "met" in row["reason"]


def test_check_indicator_catches_a_count_form_that_disagrees() -> None:
    check_indicator(_indicator(_nfa_counts), max_examples=10, properties=("bounds",))
    with pytest.raises(IndicatorCheckError, match="count form"):
        check_indicator(_indicator(_nfa_counts_wrong), max_examples=10, properties=("bounds",))


def test_count_frame_columns() -> None:
    frame = count_frame(
        period=np.array([0, 1]),
        child=np.array([3, 4]),
        date=np.array(["2015-04-01", "2015-05-02"], dtype="datetime64[D]"),
        met=[True, False],
    )
    assert list(frame.columns) == ["period", "child", "date", "excluded", "met"]
    assert frame["excluded"].isna().all() and frame["met"].dtype == bool
    reasons = count_frame(period=[0], child=[1], value=[2.5], excluded=["no date of birth"])
    assert reasons["excluded"].tolist() == ["no date of birth"]
    assert reasons["value"].tolist() == [2.5] and "met" not in reasons.columns


@pytest.mark.parametrize(
    "indicator",
    ["national.rereferrals_12m", "national.assessments_45wd", "national.cla_visits_on_time"],
)
def test_bundled_count_forms_match_their_cohorts_on_the_council(
    council: sm.Dataset, indicator: str
) -> None:
    registry = sm.default_registry()
    params = [{}]
    if indicator == "national.rereferrals_12m":
        params.append({"per": "child"})
    elif indicator == "national.assessments_45wd":
        params += [{"clock_start": "referral"}, {"count_start_day": True}]
    else:
        params.append({"reg28_special_cases": True})
    assert registry.get(indicator).count is not None
    for p in params:
        for every in ("month", "quarter", None):
            kept, counted = (
                sm.calculate(
                    council,
                    start=dt.date(2014, 4, 1),
                    end=dt.date(2016, 3, 31),
                    every=every,
                    windows=("period", "rolling12"),
                    indicators=[indicator],
                    params={indicator: p},
                    benchmarks=False,
                    cohorts=cohorts,
                )
                for cohorts in (True, False)
            )
            pd.testing.assert_frame_equal(kept.frame, counted.frame)
            assert kept.frame["denominator"].sum() > 0
