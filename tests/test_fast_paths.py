"""The fast paths of issue 9 give exactly what the plain pandas code they replace gives."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding_metrics.cohort import sort_key, sort_with_ties, text_ids
from safeguarding_metrics.model import clean, dataset
from safeguarding_metrics_national._shared import once_per_child_day

# Text with Python's whitespace (ASCII, the separators \x1c-\x1f, NBSP, U+3000, ...) at the
# ends and inside, empty strings and missing values.
_SPACES = "\t\n\x0b\x0c\r\x1c\x1f \x85\xa0\u1680\u2000\u2028\u202f\u205f\u3000"
_TEXT = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from("ab1Z" + _SPACES + "é\u00e9\U0001f600"), max_size=5),
)


def _text_by_pandas(values: pd.Series) -> pd.Series:
    """The loader's text cleaning as it was written before the Arrow path."""
    out = values.astype(object)
    mask = pd.isna(out)
    out = out.where(mask, out.astype(str).str.strip())
    return out.where(~mask & (out != ""), None)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(_TEXT, max_size=30))
def test_text_matches_pandas_strip(values: list[str | None]) -> None:
    series = pd.Series(values, dtype=object)
    expected = _text_by_pandas(series)
    for given_series in (series, series.astype("str")):
        for shared in (False, True):
            got = clean._text_and_arrow(given_series, shared=shared)[0]
            assert got.dtype == object
            assert got.tolist() == expected.tolist()


def test_text_of_numbers_is_unchanged() -> None:
    series = pd.Series([1, 2.5, None, "x "], dtype=object)
    assert clean._text(series).tolist() == ["1", "2.5", None, "x"]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["b", "a", "c", "a1", None])), max_size=25
    )
)
def test_sort_with_ties_is_a_stable_sort_by_key_then_tie(
    rows: list[tuple[int, str | None]],
) -> None:
    frame = pd.DataFrame(rows, columns=["key", "tie"]).astype({"key": "int64", "tie": object})
    expected = frame.sort_values(["key", "tie"], kind="stable").index.to_numpy()
    key = frame["key"].to_numpy()
    assert np.array_equal(sort_with_ties(key, frame["tie"]), expected)
    assert np.array_equal(sort_with_ties(key, frame["tie"].to_numpy()), expected)


def test_text_ids_as_astype_str() -> None:
    assert text_ids(pd.Series(["a", "b"], dtype=object)).tolist() == ["a", "b"]
    assert text_ids(pd.Series([1, 22])).tolist() == ["1", "22"]
    assert text_ids(np.array(["x"], dtype=object)).dtype == object


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 3),
            st.one_of(st.none(), st.dates(dt.date(2015, 1, 1), dt.date(2015, 1, 4))),
            st.sampled_from(["r2", "r1", "r10", "x"]),
        ),
        max_size=25,
    )
)
def test_once_per_child_day_matches_sort_and_drop_duplicates(rows: list[tuple]) -> None:
    frame = pd.DataFrame(
        {
            "child": np.array([r[0] for r in rows], dtype=np.int64),
            "day": np.array([r[1] for r in rows], dtype="datetime64[D]"),
            "id": np.array([r[2] for r in rows], dtype=object),
        }
    )
    expected = (
        frame.sort_values(["child", "day", "id"], kind="stable")
        .drop_duplicates(["child", "day"], keep="first")
        .index.to_numpy()
    )
    got = once_per_child_day(
        frame["child"].to_numpy(),
        frame["day"].to_numpy(dtype="datetime64[D]"),
        frame["id"].to_numpy(),
    )
    assert np.array_equal(got, expected)


@settings(max_examples=40, deadline=None)
@given(
    ids=st.lists(
        st.lists(st.text(alphabet="ab9é\U0001f600 ", min_size=1, max_size=3), max_size=12),
        min_size=1,
        max_size=3,
    )
)
def test_child_codes_by_arrow_match_pandas(ids: list[list[str]]) -> None:
    keys = {f"t{i}": pd.Series(v, dtype=object) for i, v in enumerate(ids)}
    coded = dataset._arrow_codes(keys)
    assert coded is not None
    uniques, codes = coded
    everything = [v for values in ids for v in values]
    expected = np.sort(np.array(list(dict.fromkeys(everything)), dtype=object))
    assert uniques.tolist() == expected.tolist()
    index = pd.Index(expected)
    for name, series in keys.items():
        assert codes[name].tolist() == index.get_indexer(series).tolist()


@settings(max_examples=60, deadline=None)
@given(
    columns=st.integers(1, 3).flatmap(
        lambda k: st.lists(
            st.tuples(*[st.integers(-5, 2**18) for _ in range(k)]), min_size=1, max_size=20
        )
    )
)
def test_sort_key_sorts_as_lexsort(columns: list[tuple[int, ...]]) -> None:
    arrays = [np.array(c, dtype=np.int64) for c in zip(*columns, strict=True)]
    key = sort_key(*arrays)
    assert key is not None
    assert np.array_equal(np.argsort(key, kind="stable"), np.lexsort(arrays[::-1]))


def test_sort_key_gives_up_beyond_63_bits() -> None:
    wide = np.array([0, 2**40], dtype=np.int64)
    assert sort_key(wide, wide) is None
