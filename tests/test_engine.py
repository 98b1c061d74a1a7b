"""The engine: aggregation, windows, direction of travel, targets, breakdowns, failures."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

import safeguarding_metrics as sm
import safeguarding_metrics_national as national
from safeguarding_metrics.engine import direction_of_travel, display_round, target_status
from safeguarding_metrics.indicator import Target, Unit
from safeguarding_metrics.model import Allocation, Referral, Worker

D = dt.date
REGISTRY = sm.build_registry([("national", national)])
RR = "national.rereferrals_12m"


def referrals(*items: tuple[str, str, str]) -> list[Referral]:
    return [
        Referral(referral_id=rid, child_id=child, referral_date=dt.date.fromisoformat(day))
        for rid, child, day in items
    ]


def calc(dataset: sm.Dataset, **kwargs: object) -> sm.Results:
    kwargs.setdefault("registry", REGISTRY)
    kwargs.setdefault("indicators", [RR])
    # the period's own figures: re-referrals' headline (ytd, issue 16) would add rows
    kwargs.setdefault("headlines", {RR: "period"})
    return sm.calculate(dataset, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(2.25, 1, 2.3), (2.35, 1, 2.4), (2.675, 2, 2.68), (-2.25, 1, -2.3), (0.5, 0, 1.0)],
)
def test_display_rounding_is_half_up(value: float, decimals: int, expected: float) -> None:
    assert display_round(value, decimals) == expected


def test_direction_of_travel() -> None:
    assert direction_of_travel(20.0, 22.0, Unit.PERCENT, "lower") == "improving"
    assert direction_of_travel(22.0, 20.0, Unit.PERCENT, "lower") == "worsening"
    assert direction_of_travel(22.0, 20.0, Unit.PERCENT, "higher") == "improving"
    # equal at display precision (one decimal place for per cent)
    assert direction_of_travel(22.04, 21.96, Unit.PERCENT, "higher") == "unchanged"
    assert direction_of_travel(22.0, None, Unit.PERCENT, "higher") is None
    assert direction_of_travel(math.nan, 1.0, Unit.PERCENT, "higher") is None


def test_target_status_and_default_tolerances() -> None:
    t = Target(indicator="x.y", value=90.0)
    assert target_status(90.0, t, Unit.PERCENT, "higher") == "green"
    assert target_status(88.0, t, Unit.PERCENT, "higher") == "amber"  # 2 points short
    assert target_status(87.9, t, Unit.PERCENT, "higher") == "red"
    low = Target(indicator="x.y", value=20.0)
    assert target_status(19.0, low, Unit.PERCENT, "lower") == "green"
    assert target_status(22.0, low, Unit.PERCENT, "lower") == "amber"
    days = Target(indicator="x.y", value=400.0)  # other units: 5% of the target = 20 days
    assert target_status(420.0, days, Unit.DAYS, "lower") == "amber"
    assert target_status(420.1, days, Unit.DAYS, "lower") == "red"
    assert target_status(50.0, None, Unit.PERCENT, "higher") is None
    tight = Target(indicator="x.y", value=90.0, tolerance=0.5)
    assert target_status(89.0, tight, Unit.PERCENT, "higher") == "red"


def test_monthly_results_with_previous_value_and_direction() -> None:
    ds = sm.Dataset.from_records(
        referrals(
            ("R1", "A", "2014-05-01"),
            ("R2", "A", "2015-04-10"),  # within 12 months of R1: re-referral (April)
            ("R3", "B", "2015-04-20"),  # first referral (April)
            ("R4", "C", "2015-05-02"),  # first referral (May)
        )
    )
    frame = calc(ds, start="2015-04-01", end="2015-06-30", every="month").frame
    assert frame["period"].tolist() == ["2015-04", "2015-05", "2015-06"]
    assert frame["numerator"].tolist() == [1, 0, 0]
    assert frame["denominator"].tolist() == [2, 1, 0]
    assert frame["value"].iloc[0] == 50.0 and frame["value"].iloc[1] == 0.0
    assert pd.isna(frame["value"].iloc[2])  # undefined when the denominator is 0
    assert frame["direction"].tolist()[:2] == [None, "improving"]  # lower is better
    assert frame["status"].unique().tolist() == ["ok"]
    assert frame["unit"].unique().tolist() == ["%"]


def test_windows_ytd_and_rolling12() -> None:
    ds = sm.Dataset.from_records(
        referrals(
            ("R1", "A", "2014-08-01"),
            ("R2", "A", "2015-05-01"),
            ("R3", "B", "2015-06-15"),
        )
    )
    frame = calc(
        ds, start="2015-06-01", end="2015-06-30", windows=("period", "ytd", "rolling12")
    ).frame
    got = {
        w: (n, d)
        for w, n, d in frame[["window", "numerator", "denominator"]].itertuples(index=False)
    }
    assert got == {"period": (0, 1), "ytd": (1, 2), "rolling12": (1, 3)}
    assert frame["period_start"].nunique() == 1  # the row names the period, not the window


def test_missing_table_is_not_computable_and_does_not_abort() -> None:
    ds = sm.Dataset.from_records([Worker(worker_id="W1", team="North")])
    results = calc(ds, start="2015-04-01", end="2015-04-30")
    row = results.frame.iloc[0]
    assert row["status"] == "not_computable"
    assert "referrals" in row["reason"]
    assert pd.isna(row["numerator"]) and pd.isna(row["value"])
    record = results.to_records()[0]
    assert record["value"] is None and record["numerator"] is None


def test_a_failing_indicator_is_reported_not_raised() -> None:
    import attrs

    from safeguarding_metrics_national.rereferrals import REREFERRALS_12M

    def explode(tables: object, periods: object, params: object) -> pd.DataFrame:
        raise ZeroDivisionError("oops")

    bad = attrs.evolve(REREFERRALS_12M, id="national.exploding", compute=explode)
    ds = sm.Dataset.from_records(referrals(("R1", "A", "2015-04-01")))
    results = sm.calculate(
        ds, start="2015-04-01", end="2015-04-30", indicators=[bad, RR], registry=REGISTRY
    )
    frame = results.frame
    by_id = frame.loc[frame["window"] == "period"].set_index("indicator")  # not the ytd headline
    assert by_id.loc["national.exploding", "status"] == "not_computable"
    assert "ZeroDivisionError" in by_id.loc["national.exploding", "reason"]
    assert by_id.loc[RR, "status"] == "ok"


def test_parameters_are_checked() -> None:
    ds = sm.Dataset.from_records(referrals(("R1", "A", "2015-04-01")))
    with pytest.raises(sm.UsageError, match="no parameter 'pr'"):
        calc(ds, start="2015-04-01", end="2015-04-30", params={RR: {"pr": "child"}})
    with pytest.raises(sm.UsageError, match="one of"):
        calc(ds, start="2015-04-01", end="2015-04-30", params={RR: {"per": "family"}})
    with pytest.raises(sm.UsageError, match="not being computed"):
        calc(ds, start="2015-04-01", end="2015-04-30", params={"national.x": {"a": 1}})
    with pytest.raises(sm.UsageError):
        calc(ds, start="2015-05-01", end="2015-04-30")
    with pytest.raises(sm.UsageError, match="windows"):
        calc(ds, start="2015-04-01", end="2015-04-30", windows=("weekly",))


def test_targets_first_found_wins() -> None:
    ds = sm.Dataset.from_records(
        referrals(("R1", "A", "2014-05-01"), ("R2", "A", "2015-04-10"), ("R3", "B", "2015-04-11"))
    )  # April: 1 of 2 = 50%
    given = {RR: 49.0}
    council = {RR: [Target(indicator=RR, value=60.0, tolerance=5.0)]}
    frame = calc(
        ds, start="2015-04-01", end="2015-04-30", targets=given, council_targets=council
    ).frame
    assert frame["target"].tolist() == [49.0]
    assert frame["target_status"].tolist() == ["amber"]  # lower is better, 1 point over
    frame = calc(ds, start="2015-04-01", end="2015-04-30", council_targets=council).frame
    assert frame["target"].tolist() == [60.0] and frame["target_status"].tolist() == ["green"]
    dated = {
        RR: [
            Target(indicator=RR, value=10.0, valid_to="2015-03-31"),
            Target(indicator=RR, value=45.0, valid_from="2015-04-01"),
        ]
    }
    frame = calc(ds, start="2015-04-01", end="2015-04-30", council_targets=dated).frame
    assert frame["target"].tolist() == [45.0] and frame["target_status"].tolist() == ["red"]


def test_breakdown_by_team_and_worker_counts_a_shared_child_under_each() -> None:
    ds = sm.Dataset.from_records(
        [
            *referrals(
                ("R1", "A", "2014-05-01"),
                ("R2", "A", "2015-04-10"),
                ("R3", "B", "2015-04-20"),
                ("R4", "C", "2015-04-21"),
            ),
            Worker(worker_id="W1", team="North"),
            Worker(worker_id="W2", team="South"),
            Allocation(child_id="A", worker_id="W1", start_date=D(2015, 4, 1)),
            Allocation(child_id="A", worker_id="W2", start_date=D(2015, 4, 1)),
            # B's allocation ended the day before the referral: B is unallocated on its date
            Allocation(
                child_id="B", worker_id="W1", start_date=D(2015, 1, 1), end_date=D(2015, 4, 20)
            ),
            Allocation(child_id="C", worker_id="W2", start_date=D(2015, 4, 21)),
        ]
    )
    results = calc(ds, start="2015-04-01", end="2015-04-30")
    bd = results.breakdown
    team = bd[bd["level"] == "team"].set_index("group")
    assert team.loc["North", ["numerator", "denominator"]].tolist() == [1, 1]
    assert team.loc["South", ["numerator", "denominator"]].tolist() == [1, 2]
    assert team.loc["Unallocated", ["numerator", "denominator"]].tolist() == [0, 1]
    worker = bd[bd["level"] == "worker"].set_index("group")
    assert worker.loc["W2", "value"] == 50.0
    # the total is 1 of 3: the breakdown does not add up because A counts under both teams
    assert results.frame["denominator"].tolist() == [3]


def test_drilldown_decodes_child_ids_only_when_asked() -> None:
    ds = sm.Dataset.from_records(referrals(("R1", "A", "2014-05-01"), ("R2", "A", "2015-04-10")))
    results = calc(ds, start="2015-04-01", end="2015-04-30")
    listing = results.drilldown(RR)
    assert listing["child_id"].tolist() == ["A"]
    assert listing["record"].tolist() == ["R2"]
    assert "child_id" not in results.drilldown(RR, with_ids=False).columns
    assert "A" not in json.dumps(results.to_records())


def test_pooled_dataset_gives_one_row_per_authority() -> None:
    frames = {
        "referrals": pd.DataFrame(
            {
                "la": ["372", "372", "373"],
                "referral_id": ["R1", "R2", "R1"],
                "child_id": ["C1", "C1", "C1"],
                "referral_date": ["2015-01-01", "2015-04-02", "2015-04-03"],
            }
        )
    }
    ds = sm.Dataset.from_frames(frames)
    frame = calc(ds, start="2015-04-01", end="2015-04-30", benchmarks=False).frame
    assert frame["la"].tolist() == ["372", "373"]
    assert frame["numerator"].tolist() == [1, 0]
    assert frame["denominator"].tolist() == [1, 1]


def test_results_are_ordered_by_indicator_then_period() -> None:
    ds = sm.Dataset.from_records(referrals(("R1", "A", "2015-04-01")))
    frame = calc(
        ds, start="2015-04-01", end="2015-09-30", every="quarter", windows=("ytd", "period")
    ).frame
    assert frame["period"].tolist() == ["2015-16 Q1"] * 2 + ["2015-16 Q2"] * 2
    assert frame["window"].tolist() == ["period", "ytd"] * 2
    starts = frame["period_start"].to_numpy()
    assert np.all(starts[:-1] <= starts[1:])


def test_exclusion_reasons_gives_the_first_true_reason() -> None:
    from safeguarding_metrics.cohort import exclusion_reasons

    got = exclusion_reasons(
        (np.array([True, False, True, False]), "first"),
        (np.array([True, True, False, False]), "second"),
    )
    assert got.tolist() == ["first", "second", "first", None]
    with pytest.raises(ValueError, match="at least one"):
        exclusion_reasons()


def test_breakdown_has_the_same_columns_with_or_without_allocations() -> None:
    from safeguarding_metrics.engine import BREAKDOWN_COLUMNS

    ds = sm.Dataset.from_records(referrals(("R1", "A", "2015-04-01")))
    assert list(calc(ds, start="2015-04-01", end="2015-04-30").breakdown.columns) == list(
        BREAKDOWN_COLUMNS
    )
    with_allocations = sm.Dataset.from_records(
        [
            *referrals(("R1", "A", "2015-04-01")),
            Allocation(child_id="A", worker_id="W1", start_date=D(2015, 1, 1)),
        ]
    )
    frame = calc(with_allocations, start="2015-04-01", end="2015-04-30").breakdown
    assert list(frame.columns) == list(BREAKDOWN_COLUMNS)
