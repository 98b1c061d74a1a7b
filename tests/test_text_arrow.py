"""Cleaning gives text columns as Arrow strings (``TEXT_DTYPE``) without a Python string per
row, with the values, codes and findings of the reference route (Python objects)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding_metrics.model import clean, dataset, table_spec
from safeguarding_metrics.model.clean import TEXT_DTYPE, clean_table
from safeguarding_metrics.model.coded import MISSING

#: Every character Python strips (each range of ``clean._SPACES``, both ends and the middle).
_EVERY_SPACE = "".join(sorted({chr(c) for a, b in clean._SPACES for c in (a, (a + b) // 2, b)}))
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
#: Characters that are *not* Python whitespace but that other definitions call space.
_NOT_SPACES = "\u180e\u200b\ufeff"
_PIECES = st.sampled_from(
    [
        *_EVERY_SPACE,
        *_INVISIBLE,
        *_NOT_SPACES,
        "'",
        "'=",
        "'-1",
        "'+",
        "'@",
        "'\t",
        "'\r",
        "=",
        "a",
        "B",
        "1",
        "é",
        "\U0001f600",
        "C01",
    ]
)
_VALUE = st.one_of(st.none(), st.just(""), st.lists(_PIECES, max_size=5).map("".join))


def _plain(values: pd.Series) -> list[object]:
    """Values as Python objects, ``None`` where missing (whatever the dtype)."""
    held = values.astype(object)
    return [None if pd.isna(v) else v for v in held]


def _same_where_equal(codes: np.ndarray, values: list[object]) -> None:
    """Codes equal exactly where values are equal (missing ones: :data:`MISSING`)."""
    for i, value in enumerate(values):
        assert (codes[i] == MISSING) == (value is None)
        for j in range(i + 1, len(values)):
            if values[j] == value:
                assert codes[i] == codes[j]


@settings(max_examples=150, deadline=None)
@given(values=st.lists(_VALUE, max_size=25), as_str=st.booleans())
def test_text_coded_gives_the_reference_values_as_arrow_text(
    values: list[str | None], as_str: bool
) -> None:
    series = pd.Series(values, dtype=object)
    if as_str:
        series = series.astype(TEXT_DTYPE)
    expected = clean._text_and_arrow(pd.Series(values, dtype=object))[0].tolist()
    for shared in (False, True):
        text, arrow, codes, distinct = clean._text_coded(series, shared)
        # Arrow text as it comes; no text at all (empty, all missing) once made final
        assert (text.dtype == TEXT_DTYPE) == (arrow is not None)
        assert clean._as_text(text).dtype == TEXT_DTYPE
        assert _plain(text) == _plain(clean._as_text(text)) == expected
        if not len(values) or arrow is None:
            continue
        if shared:
            assert codes is not None and distinct is not None
            assert distinct.null_count == 0
            assert len(distinct) == len(set(distinct.to_pylist()))
            _same_where_equal(codes, expected)
            # exact: each code is the position of its value among the distinct values
            for code, value in zip(codes, expected, strict=True):
                if value is not None:
                    assert distinct[int(code)].as_py() == value
            assert set(distinct.to_pylist()) == {v for v in expected if v is not None}
        elif codes is not None:
            _same_where_equal(codes, expected)


def test_text_that_is_not_text_keeps_its_route() -> None:
    for series, expected in (
        (pd.Series([1, 2.5, None, " x ", "'-3"], dtype=object), ["1", "2.5", None, "x", "-3"]),
        (pd.Series([566910.0, np.nan, 1.5]), ["566910", None, "1.5"]),
    ):
        text, arrow, codes, distinct = clean._text_coded(series, shared=True)
        assert arrow is None and codes is None and distinct is None
        assert text.tolist() == clean._text_and_arrow(series)[0].tolist() == expected
        assert _plain(clean._as_text(text)) == expected


def _referrals(rows: list[tuple[str | None, str | None, str | None]]) -> pd.DataFrame:
    """A referrals table of Arrow text: (child, closure reason, source) per row."""
    child, reason, source = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "referral_id": [f"R{i}" for i in range(len(rows))],
            "child_id": list(child),
            "referral_date": ["2015-06-01"] * len(rows),
            "closure_reason": list(reason),
            "source": list(source),
        }
    ).astype(TEXT_DTYPE)


def _cleaned_both_ways(frame: pd.DataFrame) -> tuple[clean.CleanTable, clean.CleanTable]:
    spec = table_spec("referrals")
    return (
        clean_table(spec, frame, file="referrals.csv"),
        clean_table(spec, frame, file="referrals.csv", _reference=True),
    )


def _assert_same(fast: clean.CleanTable, reference: clean.CleanTable) -> None:
    assert list(fast.frame.columns) == list(reference.frame.columns)
    for column in fast.frame.columns:
        assert _plain(fast.frame[column]) == _plain(reference.frame[column]), column
    pd.testing.assert_frame_equal(fast.faults, reference.faults)
    assert (fast.read, fast.set_aside) == (reference.read, reference.set_aside)


def test_text_columns_come_out_as_arrow_text_with_the_reference_findings() -> None:
    # spaces RE2's \s does not know (\x0b, \x1c, U+3000, NBSP) inside and around codes
    frame = _referrals(
        [
            ("C1", "RC\x0b1", "1A"),
            (" C2\u3000", "RC1", "'-2"),
            ("C1", "\u3000R C\x1c1 ", "1A"),
            ("", "RC1", "1 B"),
            ("C3", "xx\u00a0y", " "),
            ("C3", "xx y", None),
        ]
    )
    fast, reference = _cleaned_both_ways(frame)
    for column in ("referral_id", "child_id", "closure_reason", "source"):
        assert fast.frame[column].dtype == TEXT_DTYPE, column
    _assert_same(fast, reference)
    assert fast.frame["closure_reason"].tolist()[:3] == ["RC1", "RC1", "RC1"]
    reasons = fast.faults["reason"].tolist()
    assert "required value is empty" in reasons
    assert reasons.count("unknown code 'xxy'; record kept") == 2


def test_child_codes_are_the_kept_rows_positions_among_distinct_identifiers() -> None:
    frame = _referrals(
        [
            ("C2", "RC1", "1A"),
            (" C1", "RC1", "1A"),
            ("C9", "RC1", "1A"),
            ("C1 ", "RC2", None),
            ("'-C3", "RC1", "1A"),
            ("C9", "RC3", "1A"),
        ]
    )
    frame.loc[5, "referral_id"] = "R2"  # C9's two records share their key: both set aside
    fast, reference = _cleaned_both_ways(frame)
    _assert_same(fast, reference)
    assert fast.child_codes is not None
    positions, distinct = fast.child_codes
    assert isinstance(distinct, pa.Array) and distinct.null_count == 0
    kept = fast.frame["child_id"].tolist()
    assert kept == ["C2", "C1", "C1", "-C3"]
    assert distinct.take(pa.array(positions)).to_pylist() == kept
    # each kept identifier once, and no other (C9's records were all set aside)
    assert sorted(distinct.to_pylist()) == ["-C3", "C1", "C2"]
    assert reference.child_codes is None


def test_child_codes_are_left_unknown_when_invisible_characters_were_removed() -> None:
    frame = _referrals([("C1\u200b", "RC1", "1A"), ("C1", "RC1", "1A"), ("C2", "RC1", "1A")])
    fast, reference = _cleaned_both_ways(frame)
    _assert_same(fast, reference)
    assert fast.child_codes is None
    assert fast.frame["child_id"].dtype == TEXT_DTYPE
    assert fast.frame["child_id"].tolist() == ["C1", "C1", "C2"]
    assert any("invisible characters" in r for r in fast.faults["reason"])


def test_identifiers_that_are_numbers_become_arrow_text() -> None:
    frame = pd.DataFrame(
        {
            "referral_id": [1.0, 2.0, 3.0],
            "child_id": [10, 11, 10],
            "referral_date": ["2015-06-01"] * 3,
            "closure_reason": ["RC1", None, "RC1"],
        }
    )
    fast, reference = _cleaned_both_ways(frame)
    _assert_same(fast, reference)
    assert fast.frame["referral_id"].dtype == TEXT_DTYPE
    assert fast.frame["child_id"].tolist() == ["10", "11", "10"]
    assert fast.child_codes is None  # not text: coded by value
    # text columns the file does not have: no value, as Arrow text already
    for column in ("source", "la"):
        assert fast.frame[column].dtype == TEXT_DTYPE and fast.frame[column].isna().all()


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(_VALUE, max_size=25),
    large=st.booleans(),
    cut=st.integers(0, 3),
)
def test_byte_checks_miss_no_value_the_expressions_find(
    values: list[str | None], large: bool, cut: int
) -> None:
    array = pa.array(values, type=pa.large_string() if large else pa.string())
    array = array.slice(min(cut, len(array)))  # an array that starts within its buffers
    edges = pc.fill_null(pc.match_substring_regex(array, clean._EDGE_OR_DEFUSED), False)
    maybe = clean._edge_candidates(array)
    block, clean._BLOCK = clean._BLOCK, 4  # the same, looked at four values at a time
    try:
        assert np.array_equal(clean._edge_candidates(array), maybe)
    finally:
        clean._BLOCK = block
    assert not (edges.to_numpy(zero_copy_only=False) & ~maybe).any()
    invisible = pc.fill_null(pc.match_substring_regex(array, clean._INVISIBLE), False)
    if invisible.true_count:
        assert clean._may_hold_invisible(array)
    plain = all(v is None or v.isascii() for v in array.to_pylist())
    if plain:
        assert not clean._may_hold_invisible(array)


def test_a_cleaned_table_needs_no_conversion_afterwards() -> None:
    frame = _referrals([("C1", "RC1", "1A"), (" C2", None, "'-2"), ("C1", "RC 2", None)])
    fast = _cleaned_both_ways(frame)[0]
    # the very frame, so that CleanTable.child_codes still describes the frame indicators get
    assert dataset._with_arrow_text("referrals", fast.frame) is fast.frame
    source = fast.frame["source"]
    assert clean.as_arrow_text(source, shared=True) is source
