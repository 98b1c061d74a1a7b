"""The fast loading path against the reference path, on generated dirty datasets.

The loader finds repeats, shared keys and text faults on equality codes and reads typed
Parquet columns in their type (issue 20); the reference path (``_reference=True``) compares
the values themselves with pandas, as the loader did before. Every rule of
docs/data-quality.md runs on both: these tests mangle a small synthetic council (padded and
invisible characters, defused values, blanks, bad and far dates, unknown and spaced codes,
repeated rows, shared keys, authorities, extra columns), write it as CSV or Parquet, and
check that both paths give the same tables, field masks, findings, counts and child codes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding_metrics import load_dataset
from safeguarding_metrics.model import Dataset, table_spec, table_specs
from safeguarding_metrics.model.coded import column_codes, text_hashes
from safeguarding_metrics.synthetic import generate, write_csv

#: Rows kept of each generated table: enough for repeats and clashes, quick to load twice.
_ROWS = 25

_TEXT_FAULTS = (
    " {v} ",
    "\u00a0{v}",
    "{v}\u200b",
    "\ufeff{v}",
    "'-{v}",
    "'{v}",
    "",
    "   ",
    "{v}x",
    "{upper}",
    "{lower}",
)
_DATE_FAULTS = (
    "31/02/2015",
    "2015-13-01",
    "05/31/2017",
    "080517",
    "9999-12-31",
    "01/04/15",
    "1 Apr 2015",
    "42000",
    " 2015-04-01 ",
    "2015-04-01T10:00+01:00",
    "",
    "not a date",
)
_OTHER_FAULTS = ("", "x", "1.5", "inf", "99999999999999999999999", " 2 ", "Y", "no")


@functools.cache
def _base() -> dict[str, pd.DataFrame]:
    """A small dirty synthetic council: the first rows of each table."""
    frames = generate(scale=0.01, dirty=True)
    return {name: frame.head(_ROWS).reset_index(drop=True) for name, frame in frames.items()}


def _as_text(values: pd.Series) -> pd.Series:
    """A column as text cells (what a mangled column of a council's file holds)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        text = values.dt.strftime("%Y-%m-%d")
    else:
        text = values.astype(object).map(lambda v: None if pd.isna(v) else str(v))
    return text.astype(object).where(values.notna(), None)


@st.composite
def _mangled(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    """The base council with a few tables mangled cell by cell and row by row."""
    frames = {name: frame.copy() for name, frame in _base().items()}
    names = draw(st.lists(st.sampled_from(sorted(frames)), min_size=1, max_size=4, unique=True))
    for name in names:
        frame = frames[name]
        spec = table_spec(name)
        n = len(frame)
        if not n:
            continue
        for _ in range(draw(st.integers(1, 8))):
            column = draw(st.sampled_from(list(frame.columns)))
            kind = spec.column(column).kind if column in spec.column_names else "text"
            row = draw(st.integers(0, n - 1))
            original = frame[column].iloc[row]
            typed_cell = kind in ("date", "datetime") and draw(st.booleans())
            if typed_cell and pd.api.types.is_datetime64_any_dtype(frame[column].dtype):
                frame.loc[row, column] = draw(
                    st.sampled_from(
                        [pd.NaT, pd.Timestamp("1850-01-01"), pd.Timestamp("2101-06-01")]
                    )
                )
                continue
            frame[column] = _as_text(frame[column])
            value = "" if pd.isna(original) else str(original)
            if kind in ("date", "datetime"):
                cell = draw(st.sampled_from(_DATE_FAULTS))
            elif kind in ("id", "code", "text"):
                cell = draw(st.sampled_from(_TEXT_FAULTS)).format(
                    v=value, upper=value.upper(), lower=value.lower()
                )
                if kind == "code" and draw(st.booleans()):
                    cell = draw(st.sampled_from(["ZZ", "W B R I", " 1 ", "n e g"]))
            else:
                cell = draw(st.sampled_from(_OTHER_FAULTS))
            frame.loc[row, column] = cell
        for _ in range(draw(st.integers(0, 3))):  # exact repeats and shared keys
            source = draw(st.integers(0, n - 1))
            target = draw(st.integers(0, n - 1))
            if draw(st.booleans()):
                frame = pd.concat([frame, frame.iloc[[source]]], ignore_index=True)
            elif spec.key:
                for column in spec.key:
                    if column in frame.columns:
                        frame.loc[target, column] = frame[column].iloc[source]
        if draw(st.booleans()):  # authorities: one code, several, or some records without
            choices = draw(st.sampled_from([["372"], ["372", ""], ["372", "373"], [" 372", None]]))
            frame["la"] = [choices[i % len(choices)] for i in range(len(frame))]
        if draw(st.booleans()):
            frame["Notes"] = [["a", "", None][i % 3] for i in range(len(frame))]
        frames[name] = frame
    return frames


def _write(frames: dict[str, pd.DataFrame], folder: Path, form: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if form == "csv":
        write_csv(frames, folder)
        return
    for name, frame in frames.items():
        out = frame.copy()
        for column in out.columns:
            if out[column].dtype == object:  # mixed cells: written as text, as they read
                out[column] = out[column].map(
                    lambda v: v if v is None or isinstance(v, str) else str(v)
                )
        out.to_parquet(folder / f"{name}.parquet", index=False)


def assert_same_dataset(fast: Dataset, reference: Dataset) -> None:
    """Tables, field masks, findings, counts, unusable tables and child codes all equal."""
    assert sorted(fast.tables) == sorted(reference.tables)
    for name, frame in reference.tables.items():
        pd.testing.assert_frame_equal(fast.tables[name], frame, check_exact=True, obj=name)
        masks, expected = fast.field_faults.get(name, {}), reference.field_faults.get(name, {})
        assert sorted(masks) == sorted(expected), name
        for column, mask in expected.items():
            np.testing.assert_array_equal(masks[column], mask, err_msg=f"{name}.{column}")
    pd.testing.assert_frame_equal(fast.quality, reference.quality, check_exact=True)
    pd.testing.assert_frame_equal(fast.counts, reference.counts, check_exact=True)
    assert dict(fast.unusable) == dict(reference.unusable)
    np.testing.assert_array_equal(fast.child_ids, reference.child_ids)
    np.testing.assert_array_equal(fast.child_las, reference.child_las)


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_fast_and_reference_paths_agree_on_the_dirty_council(tmp_path: Path, form: str) -> None:
    """Every table of the generated dirty council (its documented faults), both formats."""
    frames = generate(scale=0.02, dirty=True)
    _write(frames, tmp_path / form, form)
    fast = load_dataset(tmp_path / form, cache=False)
    reference = load_dataset(tmp_path / form, cache=False, _reference=True)
    assert len(fast.quality) > 10  # the dirty council's faults are there
    assert_same_dataset(fast, reference)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(frames=_mangled(), form=st.sampled_from(["csv", "parquet"]))
def test_fast_and_reference_paths_agree_on_mangled_councils(
    tmp_path_factory: pytest.TempPathFactory, frames: dict[str, pd.DataFrame], form: str
) -> None:
    """Mangled cells, repeats, shared keys and authorities, in every table: same result."""
    folder = tmp_path_factory.mktemp("mangled") / form
    _write(frames, folder, form)
    fast = load_dataset(folder, cache=False)
    reference = load_dataset(folder, cache=False, _reference=True)
    assert_same_dataset(fast, reference)


def test_every_table_is_mangled_by_the_strategy() -> None:
    """The strategy can reach every canonical table (the base council has rows in each)."""
    assert set(_base()) == set(table_specs())
    assert all(len(frame) for frame in _base().values())


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["a", "ab", "abcdefgh9"])),
        max_size=30,
    ),
    cut=st.integers(0, 5),
)
def test_text_hashes_are_equal_for_equal_values(values: list[str | None], cut: int) -> None:
    """Equal text, equal hash (also in a slice of an array, as Arrow hands out); nulls one
    hash; and the codes of a text column agree with pandas' idea of equal."""
    array = pa.array(values, type=pa.string()).slice(min(cut, len(values)))
    hashed = text_hashes(array)
    assert hashed is not None
    held = array.to_pylist()
    for i, a in enumerate(held):
        for j, b in enumerate(held):
            if a == b:
                assert hashed[i] == hashed[j]
    codes = column_codes(pd.Series(held, dtype=object))
    duplicated = pd.Series(held, dtype=object).duplicated(keep=False).to_numpy()
    repeats = pd.Series(codes).duplicated(keep=False).to_numpy()
    assert (repeats | ~duplicated).all()  # every true repeat is a candidate


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", " a", None, "", "é"]),
            st.sampled_from([True, False, None]),
            st.sampled_from(["2015-01-01", "2015-01-02", None]),
            st.sampled_from([1, 2, None]),
            st.sampled_from([0.5, -0.0, 0.0, None]),
        ),
        max_size=30,
    )
)
def test_column_codes_find_every_repeat_pandas_finds(rows: list[tuple[object, ...]]) -> None:
    """Codes of text, boolean, date, integer and float columns: every row pandas calls a
    repeat shares its codes with an earlier one (the codes never split equal values)."""
    frame = pd.DataFrame(rows, columns=["text", "flag", "day", "count", "fte"])
    frame["text"] = frame["text"].astype(object)
    frame["flag"] = frame["flag"].astype("boolean")
    frame["day"] = pd.to_datetime(frame["day"])
    frame["count"] = frame["count"].astype("Int64")
    frame["fte"] = frame["fte"].astype("float64")
    for column in frame.columns:
        codes = column_codes(frame[column])
        expected = frame[column].duplicated(keep=False).to_numpy()
        got = pd.Series(codes).duplicated(keep=False).to_numpy()
        assert (got | ~expected).all(), column


def test_typed_dates_are_taken_as_they_are_within_the_years_a_timestamp_holds() -> None:
    """A typed column is read without conversion when every value is within 1678-2261; a
    value outside (1677, which ``datetime64[ns]`` still holds) is read as before: no date,
    with its year, which the loader reports as out of range."""
    from safeguarding_metrics.model.dates import parse_dates

    inside = pd.Series(pd.to_datetime(["2015-04-01 10:30", None, "1900-01-01 00:00"]))
    got = parse_dates(inside, with_time=False)
    assert got.stamps.tolist()[0] == pd.Timestamp("2015-04-01")
    assert got.stamps.isna().tolist() == [False, True, False]
    assert not got.unreadable.any()
    far = pd.Series(pd.to_datetime(["1677-12-31", "2015-04-01"]))
    got = parse_dates(far, with_time=True)
    assert got.unreadable.tolist() == [True, False]
    assert got.far_years[0] == 1677
    assert got.stamps[1] == pd.Timestamp("2015-04-01")
