"""Due lists against the indicators they feed, on generated data (issue 10).

For every snapshot measure, as at many days: the cases the list counts as not met are exactly
those the indicator counts as not met (denominator minus numerator), the cases it marks as in
the population are the indicator's denominator, and a case is overdue only when the indicator
counts it as not met: the overdue band is exactly the indicator's not met (for the review
measures it includes the cases not met because an earlier review was late). For
the flow measures, a record listed as open is counted on time when it closes on or before its
due date, and late when it closes on a working day after it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import safeguarding_metrics as sm
import safeguarding_metrics_national as national
import safeguarding_metrics_rotherham as rotherham
from safeguarding_metrics.calendar import is_working_day
from safeguarding_metrics.due import due_lists
from safeguarding_metrics.synthetic import generate
from safeguarding_metrics.testing import case_histories, make_dataset

#: Each snapshot due list and the indicator it feeds.
SNAPSHOT = {
    "national.cla_visits": "national.cla_visits_on_time",
    "national.cla_reviews": "national.cla_reviews_on_time",
    "national.cp_reviews": "national.cpp_reviews_on_time",
    "rotherham.cp_visits": "rotherham.cp_visits_2w",
    "rotherham.plans_cp": "rotherham.plans_up_to_date_cp",
    "rotherham.plans_cla": "rotherham.plans_up_to_date_cla",
    "rotherham.plans_cin": "rotherham.plans_up_to_date_cin",
}

#: Month ends, 29 February, weekends, bank holidays and the days around them, year ends.
DAYS = [
    "2014-01-05",
    "2014-02-28",
    "2014-03-31",
    "2014-04-18",
    "2014-08-25",
    "2014-12-24",
    "2014-12-28",
    "2015-01-01",
    "2015-02-28",
    "2015-03-31",
    "2015-04-03",
    "2015-04-06",
    "2015-05-25",
    "2015-06-30",
    "2015-08-29",
    "2015-08-31",
    "2015-09-30",
    "2015-11-30",
    "2015-12-25",
    "2015-12-28",
    "2015-12-31",
    "2016-01-01",
    "2016-02-29",
    "2016-03-31",
]


@pytest.fixture(scope="module")
def registry() -> sm.Registry:
    return sm.build_registry([("national", national), ("rotherham", rotherham)])


@pytest.fixture(scope="module")
def council() -> sm.Dataset:
    return sm.Dataset.from_frames(generate(seed=3, scale=0.1), source="synthetic")


def _cases(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per case (the lists repeat a case per allocated worker)."""
    return frame.drop_duplicates(["child_id", "record", "due_date"])


def _check_snapshots(data: sm.Dataset, days: list[str], registry: sm.Registry) -> None:
    results = sm.calculate(
        data,
        periods=[sm.Period.of(d, d) for d in days],
        indicators=list(SNAPSHOT.values()),
        benchmarks=False,
        breakdown=False,
        registry=registry,
    )
    figures = results.frame.set_index(["indicator", "period_end"])
    for day in days:
        made = due_lists(data, day, ids=list(SNAPSHOT), include_later=True, registry=registry)
        assert not made.unavailable
        for due_id, indicator in SNAPSHOT.items():
            row = figures.loc[(indicator, dt.date.fromisoformat(day))]
            cases = _cases(made.lists[due_id])
            not_met = int(row.denominator - row.numerator)
            where = f"{due_id} as at {day}"
            assert int(cases["not_met"].sum()) == not_met, where
            assert int(cases["in_population"].sum()) == int(row.denominator), where
            overdue = cases["band"].to_numpy() == "overdue"
            assert not (overdue & ~cases["not_met"].to_numpy(dtype=bool)).any(), where
            assert int(overdue.sum()) == not_met, where
            # the same cases as the indicator's cohort: compare the children not met
            cohort = results.drilldown(indicator)
            cohort = cohort.loc[
                (cohort["period_end"] == pd.Timestamp(day)) & cohort["excluded"].isna()
            ]
            late = cohort.loc[~cohort["met"].astype(bool), "child_id"]
            assert sorted(late) == sorted(cases.loc[cases["not_met"], "child_id"]), where


def test_overdue_counts_equal_the_indicators_not_met_on_the_synthetic_council(
    council: sm.Dataset, registry: sm.Registry
) -> None:
    _check_snapshots(council, DAYS, registry)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    history=case_histories(
        tables=(
            "care_episodes",
            "visits",
            "cla_reviews",
            "cp_plans",
            "cp_reviews",
            "cin_plans",
            "care_plans",
            "workers",
            "allocations",
        ),
        max_children=8,
        start=dt.date(2014, 1, 1),
        end=dt.date(2016, 3, 31),
    ),
    days=st.lists(
        st.sampled_from([*DAYS, "2015-10-31", "2015-12-14", "2015-12-15", "2016-01-04"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
)
def test_overdue_counts_equal_the_indicators_not_met_on_generated_histories(
    history: dict[str, list[object]], days: list[str]
) -> None:
    registry = sm.build_registry([("national", national), ("rotherham", rotherham)])
    _check_snapshots(make_dataset(history), sorted(days), registry)


def test_flow_lists_close_on_time_exactly_by_their_due_dates(
    council: sm.Dataset, registry: sm.Registry
) -> None:
    day = "2015-06-30"
    made = due_lists(
        council,
        day,
        ids=["national.assessments", "national.icpc", "rotherham.mash_decisions"],
        include_later=True,
        registry=registry,
    )
    later = sm.calculate(
        council,
        start="2015-07-01",
        end="2016-03-31",
        indicators=["national.assessments_45wd", "national.icpc_15wd"],
        benchmarks=False,
        breakdown=False,
        registry=registry,
    )
    for due_id, indicator in (
        ("national.assessments", "national.assessments_45wd"),
        ("national.icpc", "national.icpc_15wd"),
    ):
        listed = _cases(made.lists[due_id]).loc[:, ["record", "due_date"]]
        closed = later.drilldown(indicator).loc[:, ["record", "date", "met"]]
        both = listed.merge(closed, on="record")
        assert len(both) > 0, due_id
        closed_day = both["date"].to_numpy(dtype="datetime64[D]")
        due = both["due_date"].to_numpy(dtype="datetime64[D]")
        met = both["met"].to_numpy(dtype=bool)
        on_time = closed_day <= due
        late_working_day = (closed_day > due) & np.asarray(is_working_day(closed_day))
        assert met[on_time].all(), due_id
        assert not met[late_working_day].any(), due_id
        assert (on_time | late_working_day | (closed_day > due)).all()
    # every listed assessment or enquiry was open on the day
    for due_id in ("national.assessments", "national.icpc"):
        starts = made.lists[due_id]["record_start"]
        assert (starts <= pd.Timestamp(day)).all()
