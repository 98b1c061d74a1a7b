"""Text columns as Arrow strings through the cohort blocks: the same values, no Python objects.

The loader leaves text as pandas' ``str`` dtype; the blocks take rows from the Arrow array and
compare in Arrow. Each test checks the Arrow route against the object route it replaced.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding_metrics.cohort import (
    _text_column,
    cohort_frame,
    count_flow,
    count_frame,
    open_per_child,
    sort_with_ties,
    take_text,
    text_equals,
    text_ids,
    text_values,
)
from safeguarding_metrics.indicator import Periods

TEXT = pd.StringDtype("pyarrow", na_value=np.nan)

_values = st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "B", "é", "a ", "", "10"])))


def _arrow(values: list[str | None]) -> pd.Series:
    return pd.Series(pd.array(values, dtype=TEXT))


def _rows(n: int) -> np.ndarray:
    return np.random.default_rng(n).integers(0, n, n) if n else np.zeros(0, dtype=np.int64)


def test_take_text_keeps_arrow_strings() -> None:
    series = _arrow(["x", None, "y"])
    taken = take_text(series, np.array([2, 1, 0]))
    assert isinstance(taken.dtype, pd.StringDtype)
    assert taken[0] == "y" and pd.isna(taken[1]) and taken[2] == "x"
    assert take_text(series) is series.array


def test_take_text_other_columns_as_objects() -> None:
    series = pd.Series([5, 6, 7])
    taken = take_text(series, np.array([2, 0]))
    assert taken.dtype == object and taken.tolist() == [7, 5]
    assert take_text(np.array(["p", "q"], dtype=object), np.array([1])).tolist() == ["q"]


@settings(max_examples=100, deadline=None)
@given(_values, st.sampled_from(["a", "B", "", "z"]))
def test_text_equals_as_objects_compare(values: list[str | None], code: str) -> None:
    arrow, rows = _arrow(values), _rows(len(values))
    objects = arrow.astype(object).to_numpy()
    assert np.array_equal(text_equals(arrow, code), objects == code)
    assert np.array_equal(text_equals(arrow, code, rows), objects[rows] == code)
    plain = pd.Series(values, dtype=object)
    assert np.array_equal(text_equals(plain, code, rows), plain.to_numpy()[rows] == code)


@settings(max_examples=100, deadline=None)
@given(_values)
def test_text_values_as_text_ids(values: list[str | None]) -> None:
    arrow, rows = _arrow(values), _rows(len(values))
    got = pd.Series(text_values(arrow, rows), dtype=object)
    want = pd.Series(text_ids(arrow)[rows], dtype=object)
    pd.testing.assert_series_equal(got, want)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.one_of(st.none(), st.sampled_from(["b", "a", "é", "A"])))
    )
)
def test_sort_with_ties_on_arrow_as_on_objects(pairs: list[tuple[int, str | None]]) -> None:
    keys = np.array([k for k, _ in pairs], dtype=np.int64)
    arrow = _arrow([i for _, i in pairs])
    want = sort_with_ties(keys, arrow.astype(object).to_numpy())
    assert np.array_equal(sort_with_ties(keys, arrow), want)
    assert np.array_equal(sort_with_ties(keys, arrow.array), want)


@pytest.mark.parametrize(
    "values",
    [
        ["a", 1],
        [None, None],
        [],
        ["a", np.nan, None],
        ["a", b"x"],
        ["r1", "r2"],
    ],
)
def test_text_column_as_pandas_infers(values: list[object]) -> None:
    objects = np.array(values, dtype=object)
    got = pd.DataFrame({"x": _text_column(objects, len(objects))})["x"]
    pd.testing.assert_series_equal(got, pd.DataFrame({"x": objects})["x"])


def test_cohort_frame_same_from_arrow_and_objects() -> None:
    ids = _arrow(["r1", None, "r3", "r4"])
    reasons = np.array([None, "too young", None, "too young"], dtype=object)
    common: dict[str, Any] = {
        "period": np.zeros(4, dtype=np.int64),
        "child": np.arange(4),
        "met": True,
    }
    from_arrow = cohort_frame(record=ids, excluded=reasons, **common)
    from_objects = cohort_frame(record=ids.astype(object).to_numpy(), excluded=reasons, **common)
    pd.testing.assert_frame_equal(from_arrow, from_objects)
    assert isinstance(from_arrow["record"].dtype, pd.StringDtype)
    nothing = cohort_frame(**common)
    assert nothing["excluded"].dtype == object and nothing["excluded"].isna().all()


def _periods() -> Periods:
    starts = np.array(["2020-01-01", "2020-02-01"], dtype="datetime64[D]")
    ends = np.array(["2020-01-31", "2020-02-29"], dtype="datetime64[D]")
    return Periods(start=starts, end=ends)


def test_count_flow_and_open_per_child_keep_arrow_records() -> None:
    frame = pd.DataFrame(
        {
            "child": np.array([1, 1, 2, 3], dtype=np.int64),
            "start_date": np.array(
                ["2020-01-05", "2020-01-05", "2020-02-10", "2019-12-01"], dtype="datetime64[D]"
            ),
            "end_date": np.array(["NaT", "NaT", "NaT", "2020-02-01"], dtype="datetime64[D]"),
            "plan_id": pd.array(["p9", "p1", None, "p3"], dtype=TEXT),
        }
    )
    objects = frame.assign(plan_id=frame["plan_id"].astype(object))
    flows = count_flow(frame, "start_date", "plan_id", _periods())
    pd.testing.assert_frame_equal(flows, count_flow(objects, "start_date", "plan_id", _periods()))
    opened = open_per_child(frame, "plan_id", _periods())
    assert opened.loc[opened["child"] == 1, "record"].tolist() == ["p1", "p1"]
    pd.testing.assert_frame_equal(opened, open_per_child(objects, "plan_id", _periods()))


@pytest.mark.parametrize(
    "reasons",
    [[None, "too young"], [None, None], [np.nan, np.nan], ["a", 1]],
)
def test_count_frame_reasons_as_pandas_holds_them(reasons: list[object]) -> None:
    common: dict[str, Any] = {"period": np.zeros(2, dtype=np.int64), "child": np.arange(2)}
    got = count_frame(excluded=reasons, met=[True, False], **common)["excluded"]
    want = pd.DataFrame({"excluded": np.asarray(reasons, dtype=object)})["excluded"]
    pd.testing.assert_series_equal(got, want)
    if any(isinstance(r, str) for r in reasons) and all(isinstance(r, str | None) for r in reasons):
        arrow = pd.Series(pd.array(reasons, dtype=TEXT))
        pd.testing.assert_series_equal(count_frame(excluded=arrow, **common)["excluded"], want)
