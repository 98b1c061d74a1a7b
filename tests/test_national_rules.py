"""Cross-record data-quality rules for child protection plans and reviews
(:mod:`safeguarding_metrics.model.rules`), and their effect on the measures once applied."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import safeguarding_metrics as sm
from safeguarding_metrics.model.quality import QUALITY_COLUMNS
from safeguarding_metrics.model.rules import RULES, cross_table_faults

from .test_national_cin import plan, review
from .test_national_reference import REGISTRY, figures

RECORDS = [
    # C1: P1 never closed when P2 started: P1's end date is the faulty field
    plan("P1", "C1", "2015-01-05"),
    plan("P2", "C1", "2015-06-01"),
    # C2: P3 ends the day P4 starts: no overlap
    plan("P3", "C2", "2015-01-05", "2015-06-01"),
    plan("P4", "C2", "2015-06-01"),
    # C3: P5 ends after P6 starts (and P6 is nested in it)
    plan("P5", "C3", "2015-01-05", "2015-12-01"),
    plan("P6", "C3", "2015-02-01", "2015-03-01"),
    # C4: P7 ends before it starts (a negative interval, found at load): not reported again
    plan("P7", "C4", "2015-06-01", "2015-05-01"),
    plan("P8", "C4", "2015-06-02"),
    review("P2", "C1", "2015-05-20"),  # before its plan: left out
    review("P2", "C1", "2015-06-01"),  # on the start day: not a fault
    review("P9", "C1", "2015-06-01"),  # no such plan: a warning, kept
    review("P2", "C2", "2015-07-01"),  # P2 is not C2's plan: a warning, kept
    review("P4", "C2", "2015-08-01"),
]


def by_rule(found: list[Any]) -> dict[str, Any]:
    return {f.rule: f for f in found}


def test_each_rule_reports_the_rows_it_finds() -> None:
    dataset = sm.Dataset.from_records(RECORDS)
    # the loader has applied the rules; ask again with only the faults found row by row
    interval_faults = {"cp_plans": {"end_date": unwired_end_date_faults(dataset)}}
    found = by_rule(cross_table_faults(dataset.tables, field_faults=interval_faults))
    assert set(found) == {r.code for r in RULES}
    plans = dataset.tables["cp_plans"]
    overlap = found["cp_plans_overlap"]
    assert sorted(plans["plan_id"][overlap.mask]) == ["P1", "P5"]
    assert overlap.leaves_out and overlap.column == "end_date"
    reviews = dataset.tables["cp_reviews"]
    before = found["cp_review_before_plan"]
    assert reviews["review_date"][before.mask].tolist() == [pd.Timestamp("2015-05-20")]
    unknown = found["cp_review_unknown_plan"]
    assert not unknown.leaves_out and len(unknown) == 2
    for f in found.values():
        assert list(f.faults.columns) == list(QUALITY_COLUMNS)
        assert len(f.faults) == int(f.mask.sum())
        # rows as the user sees them (the source rows), never a child identifier
        assert f.faults["row"].tolist() == dataset.tables[f.table]["_row"][f.mask].tolist()
        assert not f.faults["reason"].str.contains("C1|C2|C3").any()
    assert "row 2" in overlap.faults["reason"].iloc[0]  # P1 overlaps P2, source row 2


def test_rules_read_uncoded_tables_too_and_keep_authorities_apart() -> None:
    frames = {
        "cp_plans": pd.DataFrame(
            {
                "_row": [2, 3, 4],
                "la": ["372", "372", "373"],
                "child_id": ["C1", "C1", "C1"],
                "plan_id": ["P1", "P2", "P1"],
                "start_date": pd.to_datetime(["2015-01-05", "2015-06-01", "2015-03-01"]),
                "end_date": pd.to_datetime([None, None, None]),
            }
        ),
        "cp_reviews": pd.DataFrame(
            {
                "_row": [2, 3],
                "la": ["373", "372"],
                "child_id": ["C1", "C1"],
                "plan_id": ["P1", "P1"],
                "review_date": pd.to_datetime(["2015-02-01", "2015-02-01"]),
            }
        ),
    }
    found = by_rule(cross_table_faults(frames, files={"cp_plans": "cp_plans.csv"}, field_faults={}))
    # the two C1 in 372 overlap; C1 in 373 is another child
    assert found["cp_plans_overlap"].mask.tolist() == [True, False, False]
    assert found["cp_plans_overlap"].faults["file"].tolist() == ["cp_plans.csv"]
    # the review in 373 precedes that authority's P1 (2015-03-01); the one in 372 does not
    assert found["cp_review_before_plan"].mask.tolist() == [True, False]
    assert "cp_review_unknown_plan" not in found


def test_no_tables_no_rows_no_faults() -> None:
    assert cross_table_faults({}) == []
    empty = sm.Dataset.from_frames(
        {
            "cp_plans": pd.DataFrame(columns=["plan_id", "child_id", "start_date"]),
            "cp_reviews": pd.DataFrame(columns=["plan_id", "child_id", "review_date"]),
        }
    )
    assert cross_table_faults(empty.tables) == []
    # reviews without a plans table: nothing can be said about them
    only_reviews = sm.Dataset.from_records([review("P1", "C1", "2015-01-01")])
    assert cross_table_faults(only_reviews.tables) == []


def unwired_end_date_faults(dataset: sm.Dataset) -> np.ndarray:
    """The end-date faults found row by row (negative intervals), without the rules'."""
    plans = dataset.tables["cp_plans"]
    return (plans["end_date"] < plans["start_date"]).fillna(False).to_numpy(dtype=bool)


def without_rules(dataset: sm.Dataset) -> sm.Dataset:
    """The dataset as it would be if the loader applied no cross-record rule."""
    field_faults = {t: dict(m) for t, m in dataset.field_faults.items()}
    field_faults["cp_plans"] = {"end_date": unwired_end_date_faults(dataset)}
    field_faults.pop("cp_reviews", None)
    rule_codes = "overlap|before the start of its plan|no plan"
    quality = dataset.quality[~dataset.quality["reason"].str.contains(rule_codes)]
    return attrs.evolve(dataset, field_faults=field_faults, quality=quality)


def test_applied_rules_set_the_faulty_fields_aside_from_the_measures_that_read_them() -> None:
    checked = sm.Dataset.from_records(RECORDS)  # the loader applies the rules
    raw = without_rules(checked)

    def run(dataset: sm.Dataset, indicator: str) -> list[tuple[int, int | None]]:
        results = sm.calculate(
            dataset,
            start="2015-04-01",
            end="2016-03-31",
            indicators=[indicator],
            registry=REGISTRY,
            benchmarks=False,
            breakdown=False,
        )
        return figures(results, indicator)

    # open at 2016-03-31: P1, P2, P4, P8 before; P1 is set aside after
    assert run(raw, "national.cpp_open") == [(4, None)]
    assert run(checked, "national.cpp_open") == [(3, None)]
    # plans started are read without end dates: unchanged (P2, P4, P7, P8 in the period)
    assert run(raw, "national.cpp_started") == run(checked, "national.cpp_started") == [(4, None)]
    # reviews: P1 leaves the population with its end date; P2's review before the plan is
    # left out and the one on its start day never counts: due 2015-09-01, none held, late
    assert run(raw, "national.cpp_reviews_on_time") == [(0, 4)]
    assert run(checked, "national.cpp_reviews_on_time") == [(0, 3)]
    listed = checked.quality[checked.quality["table"].isin(["cp_plans", "cp_reviews"])]
    # the negative interval, two overlaps, one review before its plan, two of no plan
    assert len(listed) == 1 + 2 + 1 + 2


_DAYS = pd.date_range("2015-01-01", periods=40, freq="7D")


@st.composite
def _plans_and_reviews(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    """Plans and reviews of a few children (ids that differ by case too), with shared,
    repeated and unknown plan ids, open and closed plans, reviews on every side of a start."""
    children = ["C1", "c1", "C2", "C10", "C3"]
    n_plans = draw(st.integers(0, 12))
    n_reviews = draw(st.integers(0, 12))
    plan_ids = [f"P{i}" for i in range(8)]

    def day() -> pd.Timestamp:
        return _DAYS[draw(st.integers(0, len(_DAYS) - 1))]

    plans = []
    for _ in range(n_plans):
        start = day()
        end = draw(st.one_of(st.none(), st.sampled_from(list(_DAYS))))
        plans.append((draw(st.sampled_from(children)), draw(st.sampled_from(plan_ids)), start, end))
    reviews = [
        (draw(st.sampled_from(children)), draw(st.sampled_from(plan_ids)), day())
        for _ in range(n_reviews)
    ]
    return {
        "cp_plans": pd.DataFrame(
            {
                "_row": np.arange(2, n_plans + 2),
                "child_id": [p[0] for p in plans],
                "plan_id": pd.Series([p[1] for p in plans], dtype="str"),
                "start_date": pd.to_datetime([p[2] for p in plans]),
                "end_date": pd.to_datetime([p[3] for p in plans]),
            }
        ),
        "cp_reviews": pd.DataFrame(
            {
                "_row": np.arange(2, n_reviews + 2),
                "child_id": [r[0] for r in reviews],
                "plan_id": pd.Series([r[1] for r in reviews], dtype="str"),
                "review_date": pd.to_datetime([r[2] for r in reviews]),
            }
        ),
    }


@settings(max_examples=150, deadline=None)
@given(_plans_and_reviews(), st.permutations(list(range(5))))
def test_rules_find_the_same_on_coded_children(
    frames: dict[str, pd.DataFrame], order: list[int]
) -> None:
    """The loader codes children before the rules when a dataset has one authority: the rules
    on integer codes (any coding, one code per identifier) find exactly what they find on
    the identifiers."""
    children = ["C1", "c1", "C2", "C10", "C3"]
    code = dict(zip(children, order, strict=True))
    coded = {
        name: frame.drop(columns=["child_id"]).assign(
            child=frame["child_id"].map(code).astype(np.int32)
        )
        for name, frame in frames.items()
    }
    on_ids = by_rule(cross_table_faults(frames, field_faults={}))
    on_codes = by_rule(cross_table_faults(coded, field_faults={}))
    assert set(on_ids) == set(on_codes)
    for rule, found in on_ids.items():
        np.testing.assert_array_equal(on_codes[rule].mask, found.mask, err_msg=rule)
        pd.testing.assert_frame_equal(on_codes[rule].faults, found.faults, obj=rule)
