"""Equality codes and the finders of repeats (issue 20): exactly what pandas finds.

``coded.repeated`` rules rows out by counting bins before pandas compares the survivors; the
row hashes take a subset of rows without copying columns and skip a column with no value;
``clean_table`` looks for exact repeats and shared keys among the rows whose key repeats.
Each is compared here with the plain pandas answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding_metrics.model import clean, coded
from safeguarding_metrics.model.tables import table_spec

_INT64 = st.integers(-(2**63), 2**63 - 1)


def _pandas_repeated(values: np.ndarray) -> np.ndarray:
    return pd.Series(values).duplicated(keep=False).to_numpy()


@settings(max_examples=200, deadline=None)
@given(
    values=st.one_of(
        st.lists(_INT64, max_size=60),  # arbitrary, mostly distinct
        st.lists(st.integers(-3, 3), max_size=60),  # many repeats
        st.lists(st.sampled_from([0, -1, 2**63 - 1, -(2**63)]), max_size=60),  # edges
        st.integers(0, 60).map(lambda n: [7] * n),  # all equal
    ),
    rounds_from=st.sampled_from([2, 5, 1 << 16]),
    most_bins_log2=st.sampled_from([1, 3, 25]),
)
def test_repeated_is_pandas_duplicated_keep_false(
    values: list[int], rounds_from: int, most_bins_log2: int
) -> None:
    """The same mask as pandas for any int64 values (empty and one value too), with the bin
    rounds forced on small arrays and with very few bins (many values sharing each bin)."""
    array = np.array(values, dtype=np.int64)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(coded, "_DIRECT_BELOW", rounds_from)
        patch.setattr(coded, "_MOST_BINS_LOG2", most_bins_log2)
        got = coded.repeated(array)
        got_unsigned = coded.repeated(array.view(np.uint64))
    assert got.dtype == bool
    np.testing.assert_array_equal(got, _pandas_repeated(array))
    np.testing.assert_array_equal(got_unsigned, got)
    if ((array >= -(2**31)) & (array < 2**31)).all():
        np.testing.assert_array_equal(coded.repeated(array.astype(np.int32)), got)


@pytest.mark.parametrize("share", [0.0, 0.001, 0.3, 1.0])
def test_repeated_at_size_is_pandas_duplicated(share: float) -> None:
    """At a size where the rounds run by default (300,000 values): none, a few, many and
    every value repeated; small values (codes) and row hashes alike."""
    rng = np.random.default_rng(20)
    n = 300_000
    values = rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64)
    copied = rng.random(n) < share
    values[copied] = values[rng.integers(0, n, int(copied.sum()))]
    np.testing.assert_array_equal(coded.repeated(values), _pandas_repeated(values))
    small = rng.integers(0, int(n * 0.8), n, dtype=np.int64)  # codes: many repeats
    np.testing.assert_array_equal(coded.repeated(small), _pandas_repeated(small))


@settings(max_examples=100, deadline=None)
@given(
    columns=st.lists(st.lists(st.integers(-2, 2), min_size=12, max_size=12), max_size=4),
    picked=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_row_hashes_of_a_subset_and_without_a_blank_column(
    columns: list[list[int]], picked: list[bool]
) -> None:
    """Hashing some rows gives those rows' hashes; a column of one broadcast code changes
    nothing; equal rows have equal hashes."""
    codes = [np.array(c, dtype=np.int64) for c in columns]
    rows = np.flatnonzero(picked)
    whole = coded.row_hashes(codes, 12)
    np.testing.assert_array_equal(coded.row_hashes(iter(codes), len(rows), rows), whole[rows])
    blank = np.broadcast_to(np.int64(coded.MISSING), (12,))
    np.testing.assert_array_equal(coded.row_hashes([blank, *codes, blank], 12), whole)
    narrow = [c.astype(np.int8) for c in codes]
    np.testing.assert_array_equal(coded.row_hashes(narrow, 12), whole)
    table = pd.DataFrame({i: c for i, c in enumerate(codes)})
    if len(codes):
        equal = table.duplicated(keep=False).to_numpy()
        assert (_pandas_repeated(whole) | ~equal).all()


def test_column_codes_of_a_column_without_values_and_of_booleans() -> None:
    """A column of ``None`` only is one code on every row, held once (no Arrow conversion);
    booleans are 0/1 and 2 where missing."""
    for dtype in (object, "str"):
        blank = coded.column_codes(pd.Series([None] * 5, dtype=dtype))
        assert blank.tolist() == [coded.MISSING] * 5
        assert blank.strides == (0,)
    some = coded.column_codes(pd.Series([None, "a", None, "a"], dtype=object))
    assert some[1] == some[3] and some[0] == some[2] and some[0] != some[1]
    flags = coded.column_codes(pd.Series([True, None, False, True], dtype="boolean"))
    assert flags.dtype == np.int64
    assert flags.tolist() == [1, 2, 0, 1]
    assert coded.column_codes(pd.Series([True, False])).tolist() == [1, 0]


_ID = st.sampled_from(["R1", "R2", "R3"])
_CHILD = st.sampled_from(["C1", "C2"])
_DAY = st.sampled_from(["2015-01-01", "2015-02-01"])


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.tuples(_ID, _CHILD, _DAY, st.sampled_from(["RC1", "", "RC2"])), max_size=25),
    authorities=st.sampled_from([None, ["A"], ["A", "B"]]),
    blank_la=st.booleans(),
)
def test_repeats_and_shared_keys_through_key_suspects_match_the_reference(
    rows: list[tuple[str, str, str, str]], authorities: list[str] | None, blank_la: bool
) -> None:
    """Exact repeats and shared keys, found among the rows whose key repeats, are those the
    reference path finds over every row: the same rows set aside for the same reasons, with
    and without an authority column (blank or not)."""
    frame = pd.DataFrame(
        rows, columns=["referral_id", "child_id", "referral_date", "closure_reason"]
    )
    if authorities is not None:
        frame["la"] = [authorities[i % len(authorities)] for i in range(len(frame))]
    elif blank_la:
        frame["la"] = ""
    spec = table_spec("referrals")
    fast = clean.clean_table(spec, frame, file="referrals.csv", pivot_year=2016)
    reference = clean.clean_table(
        spec, frame, file="referrals.csv", pivot_year=2016, _reference=True
    )
    pd.testing.assert_frame_equal(fast.faults, reference.faults)
    # the rows kept (the text columns' dtype is the text cleaning's business, tested there)
    np.testing.assert_array_equal(fast.frame["_row"], reference.frame["_row"])
    assert fast.set_aside == reference.set_aside


def test_key_suspects_hold_every_repeat() -> None:
    """The mask the repeats are looked for in: rows whose key repeats among the candidates,
    and no others."""
    frame = pd.DataFrame(
        {"referral_id": ["R1", "R2", "R1", "R3", "R2"], "nfa": [True, False, True, None, True]}
    )
    codes: dict[str, np.ndarray] = {}
    candidates = np.array([True, True, True, True, False])
    got = clean._key_suspects(frame, ["referral_id"], candidates, codes)
    assert got.tolist() == [True, False, True, False, False]
    assert set(codes) == {"referral_id"}  # coded once, kept for the repeats


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda width: st.lists(
            st.text(alphabet="AZaz09 -'é\u3000", min_size=1, max_size=width).map(
                lambda t, w=width: (t.encode() * w)[:w].decode("utf-8", errors="ignore")
            ),
            min_size=1,
            max_size=30,
        )
    )
)
def test_text_hashes_of_one_width_are_those_of_any_width(values: list[str]) -> None:
    """Identifiers of one byte length take the fixed-width route; its hashes are exactly the
    general route's over the same longest value (forced here by adding an empty value, then
    compared row by row: hashes are compared within one column's call only)."""
    values = [v for v in values if v] or ["x"]
    widths = {len(v.encode()) for v in values}
    if len(widths) != 1:
        values = [v for v in values if len(v.encode()) == max(widths)]
    fixed = coded.text_hashes(pa.array(values))
    mixed = coded.text_hashes(pa.array([*values, ""]))  # another length: the general route
    assert fixed is not None and mixed is not None
    np.testing.assert_array_equal(fixed, mixed[: len(values)])


def _one_width(width: int) -> st.SearchStrategy[str]:
    """Text of exactly ``width`` UTF-8 bytes (identifiers of one format, and odd ones)."""
    return (
        st.text(alphabet="AZaz09 -'é\u3000\x00", min_size=1, max_size=width)
        .map(lambda t: (t.encode() * width)[:width].decode("utf-8", errors="ignore"))
        .filter(lambda t: len(t.encode()) == width)
    )


_TEXTS = st.one_of(
    # one width up to 8 bytes (the words' route), with repeats
    st.integers(1, 9).flatmap(lambda w: st.lists(_one_width(w), min_size=1, max_size=40)),
    # mixed widths, missing values, empty text (Arrow's route)
    st.lists(st.one_of(st.none(), st.text(alphabet="AZaé0 ", max_size=10)), max_size=40),
)


@settings(max_examples=200, deadline=None)
@given(values=_TEXTS, large=st.booleans(), start=st.integers(0, 3))
def test_dictionary_encoded_is_arrows_dictionary_encode(
    values: list[str | None], large: bool, start: int
) -> None:
    """The same codes (first appearance, MISSING where missing) and the same distinct values
    as Arrow's ``dictionary_encode``, of ``string`` and ``large_string`` text, sliced or not
    (an offset into its buffers)."""
    kind = pa.large_string() if large else pa.string()
    array = pa.array(["pad"] * start + values, type=kind).slice(start)
    codes, distinct = coded.dictionary_encoded(array)
    encoded = array.dictionary_encode()
    expected = pa.compute.fill_null(encoded.indices, coded.MISSING).to_numpy()
    np.testing.assert_array_equal(codes, expected)
    assert codes.dtype == np.int64
    assert distinct.type == kind
    assert distinct.equals(encoded.dictionary)


@settings(max_examples=200, deadline=None)
@given(width=st.integers(1, 8), data=st.data())
def test_text_words_are_exact_and_give_the_text_back(width: int, data: st.DataObject) -> None:
    values = data.draw(st.lists(_one_width(width), min_size=1, max_size=30))
    array = pa.array(values, type=pa.large_string())
    found = coded.text_words(array)
    assert found is not None and found[1] == width
    words = found[0]
    for i, a in enumerate(values):  # equal words exactly where the values are equal
        for j, b in enumerate(values):
            assert (words[i] == words[j]) == (a == b)
    back = coded.text_from_words(words, width, pa.large_string())
    assert back.equals(array)


def test_text_words_only_for_one_width_up_to_eight_bytes() -> None:
    assert coded.text_words(pa.array(["ab", "abc"])) is None
    assert coded.text_words(pa.array(["ab", None])) is None
    assert coded.text_words(pa.array(["abcdefghi"])) is None
    assert coded.text_words(pa.array([], type=pa.string())) is None
    assert coded.text_words(pa.array([""])) is None
    assert coded.text_words(pa.array([1, 2])) is None


@settings(max_examples=200, deadline=None)
@given(
    parts=st.one_of(
        st.integers(1, 8).flatmap(
            lambda w: st.lists(
                st.lists(_one_width(w), min_size=0, max_size=15, unique=True), max_size=4
            )
        ),
        st.lists(
            st.lists(st.text(alphabet="AZaé0 ", min_size=1, max_size=9), unique=True),
            max_size=4,
        ),
    )
)
def test_sorted_distinct_sorts_by_bytes_on_either_route(parts: list[list[str]]) -> None:
    """The union of the parts' values sorted by their UTF-8 bytes, and each value's position
    in it; the words' route (one width) and Arrow's give the same."""
    arrays = [pa.array(p, type=pa.string()) for p in parts]
    if not arrays:
        return
    codes, uniques = coded.sorted_distinct(arrays)
    expected = sorted({v for p in parts for v in p}, key=lambda v: v.encode())
    assert uniques.to_pylist() == expected
    assert uniques.type == pa.large_string()
    flat = [v for p in parts for v in p]
    assert [expected[c] for c in codes] == flat
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(coded, "text_words", lambda array: None)
        general = coded.sorted_distinct(arrays)
    np.testing.assert_array_equal(codes, general[0])
    assert uniques.equals(general[1])


@settings(max_examples=100, deadline=None)
@given(values=st.lists(_INT64, max_size=50), block=st.sampled_from([1, 3, 8, 1 << 16]))
def test_mixing_in_place_by_blocks_is_mixing(values: list[int], block: int) -> None:
    """The blocked in-place mix gives :func:`coded._mix`'s values, whatever the block size
    (a last block shorter than the others, a single value, none)."""
    held = np.array(values, dtype=np.int64).view(np.uint64)
    expected = coded._mix(held.copy())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(coded, "_MIX_BLOCK", block)
        mixed = held.copy()
        coded._mix_in_place(mixed)
    np.testing.assert_array_equal(mixed, expected)
