"""Typed columns read and checked in their type (issue 20): Parquet ``date32`` arrives as
``datetime64``, typed dates are taken as they are, and the results are those of the routes
they replace (date objects; the same dates written as text)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding_metrics.model import clean, dates, files
from safeguarding_metrics.model.quality import Fault
from safeguarding_metrics.model.tables import table_spec

_DAYS = [
    dt.date(2015, 4, 1),
    None,
    dt.date(9999, 12, 31),  # beyond what datetime64[ns] holds
    dt.date(1850, 1, 1),  # held, but before the loader's 1900
    dt.date(201, 4, 1),
    dt.date(2016, 2, 29),
]


def _unreadable(reason: str) -> Fault:  # pragma: no cover - only called on a bad file
    raise AssertionError(reason)


def _referrals_file(path: Path) -> None:
    n = len(_DAYS)
    table = pa.table(
        {
            "referral_id": pa.array([f"R{i}" for i in range(n)], pa.large_string()),
            "child_id": pa.array([f"C{i % 3}" for i in range(n)], pa.large_string()),
            "referral_date": pa.array(_DAYS, pa.date32()),
            "closure_date": pa.array(list(reversed(_DAYS)), pa.date32()),
        }
    )
    pq.write_table(table, path)


def test_parquet_date32_is_read_as_datetime64_and_cleaned_as_date_objects_were(
    tmp_path: Path,
) -> None:
    """``date32`` columns arrive typed (no ``datetime.date`` per value) and the cleaned table,
    its findings and counts are those of the date objects pandas gives by default."""
    path = tmp_path / "referrals.parquet"
    _referrals_file(path)
    spec = table_spec("referrals")
    frame, rows, faults = files._read_parquet(path, spec, _unreadable)
    assert frame is not None and rows is not None and not faults
    assert pd.api.types.is_datetime64_dtype(frame["referral_date"].dtype)
    assert pd.api.types.is_datetime64_dtype(frame["closure_date"].dtype)
    as_objects = pd.read_parquet(path)  # the route before: datetime.date objects
    assert as_objects["referral_date"].dtype == object
    typed = clean.clean_table(spec, frame, file=str(path), rows=rows, pivot_year=2016)
    objects = clean.clean_table(spec, as_objects, file=str(path), rows=rows, pivot_year=2016)
    pd.testing.assert_frame_equal(typed.faults, objects.faults)
    pd.testing.assert_frame_equal(typed.frame, objects.frame)
    assert typed.field_faults.keys() == objects.field_faults.keys()
    for column, mask in typed.field_faults.items():
        np.testing.assert_array_equal(mask, objects.field_faults[column])
    assert (typed.read, typed.set_aside) == (objects.read, objects.set_aside)
    assert typed.set_aside == 4  # blank, 9999, 1850 and 0201: a required date unusable


_STAMP = st.one_of(
    st.none(),
    st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 12, 31)),
    st.dates(min_value=dt.date(1700, 1, 1), max_value=dt.date(2200, 12, 31)).map(
        lambda d: dt.datetime(d.year, d.month, d.day)
    ),
)


@settings(max_examples=100, deadline=None)
@given(
    stamps=st.lists(_STAMP, max_size=20),
    unit=st.sampled_from(["ns", "us", "ms", "s"]),
    with_time=st.booleans(),
)
def test_typed_dates_are_read_as_their_text_is(
    stamps: list[dt.datetime | None], unit: str, with_time: bool
) -> None:
    """A typed column (any unit) gives the timestamps, reasons, text and years of the same
    values written as ISO text; at midnight or not, with its time of day kept or dropped."""
    index = pd.RangeIndex(3, 3 + len(stamps))
    typed = pd.to_datetime(pd.Series(stamps, dtype=object)).set_axis(index)
    typed = typed.astype(f"datetime64[{unit}]")
    if unit == "s":
        stamps = [None if s is None else s.replace(microsecond=0) for s in stamps]
    elif unit == "ms":
        stamps = [
            None if s is None else s.replace(microsecond=s.microsecond // 1000 * 1000)
            for s in stamps
        ]
    text = pd.Series(
        [None if s is None else s.isoformat(timespec="microseconds") for s in stamps],
        index=index,
        dtype=object,
    )
    got = dates.parse_dates(typed, with_time=with_time)
    expected = dates.parse_dates(text, with_time=with_time)
    pd.testing.assert_series_equal(got.stamps, expected.stamps)
    pd.testing.assert_series_equal(got.reasons, expected.reasons)
    pd.testing.assert_series_equal(got.text, expected.text)
    np.testing.assert_array_equal(got.far_years, expected.far_years)
    np.testing.assert_array_equal(got.unreadable, expected.unreadable)


def test_typed_dates_at_midnight_are_not_copied() -> None:
    """Dates at midnight keep their array (no day-rounding pass); a time of day is dropped
    only where asked; the reasons and text of the column can be changed one without the
    other."""
    values = pd.Series(pd.to_datetime(["2015-04-01", None, "2016-02-29"])).astype("datetime64[ns]")
    got = dates.parse_dates(values, with_time=False)
    assert np.shares_memory(got.stamps.to_numpy(), values.to_numpy())
    timed = pd.Series(pd.to_datetime(["2015-04-01 10:30", "2016-02-29 23:59"]))
    assert dates.parse_dates(timed, with_time=False).stamps.dt.hour.tolist() == [0, 0]
    assert dates.parse_dates(timed, with_time=True).stamps.dt.hour.tolist() == [10, 23]
    got.reasons.iloc[0] = "changed"
    assert got.text.iloc[0] is None
    held = np.array(["2015-04-01", "NaT", "1969-12-31"], dtype="datetime64[ns]")
    assert dates._midnight(held) is held
    late = np.array(["1969-12-31T12:00"], dtype="datetime64[ns]")
    assert dates._midnight(late).tolist() == [np.datetime64("1969-12-31", "ns").item()]


# -- text dates read once per distinct value, and ISO date-times by pandas -------------------------

_ODD = st.sampled_from(
    [
        "",
        " ",
        None,
        "2015-02-30 10:00:00",
        "2015-04-01 25:00:00",
        "2015-04-01 10:60:00",
        "2015-04-01T10:00:00+01:00",
        "2015-07-01 12:00:00Z",
        "yesterday",
        "080517",
        "2017-13-01",
        "0201-04-01",
        "9999-12-31 23:59:59.999999999",
        "1677-06-01 10:00:00",
        " 2015-04-01 ",
        "31/04/2017",
        "42863.5",
    ]
)


@st.composite
def _date_text(draw: st.DrawFn) -> str | None:
    """A date or date-time as councils' files write it, or something that is no date."""
    if draw(st.booleans()):
        return draw(_ODD)
    at = draw(st.datetimes(min_value=dt.datetime(1650, 1, 1), max_value=dt.datetime(2300, 1, 1)))
    form = draw(st.sampled_from(["iso", "space", "T", "fraction", "dmy", "dmy-yy", "ymd8"]))
    if form == "iso":
        return at.strftime("%Y-%m-%d")
    if form in ("space", "T"):
        return at.strftime("%Y-%m-%d" + (" " if form == "space" else "T") + "%H:%M:%S")
    if form == "fraction":
        digits = draw(st.integers(1, 9))
        fraction = str(draw(st.integers(0, 10**digits - 1))).zfill(digits)
        return at.strftime("%Y-%m-%d %H:%M:%S.") + fraction
    if form == "dmy":
        return f"{at.day:02d}/{at.month:02d}/{at.year}"
    if form == "dmy-yy":
        return f"{at.day}/{at.month}/{at.year % 100:02d}"
    return at.strftime("%Y%m%d")


def _same(got: dates.ParsedDates, expected: dates.ParsedDates) -> None:
    pd.testing.assert_series_equal(got.stamps, expected.stamps)
    pd.testing.assert_series_equal(got.reasons, expected.reasons)
    pd.testing.assert_series_equal(got.text, expected.text)
    np.testing.assert_array_equal(got.far_years, expected.far_years)
    np.testing.assert_array_equal(got.unreadable, expected.unreadable)


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(_date_text(), min_size=1, max_size=12),
    with_time=st.booleans(),
    form=st.sampled_from(["objects", "arrow", "cells"]),
    per_row_pivot=st.booleans(),
)
def test_dates_read_by_distinct_value_as_value_by_value(
    cells: list[str | None], with_time: bool, form: str, per_row_pivot: bool
) -> None:
    """A long column of repeating text (as a CSV file gives it, Python objects, or a
    workbook's mix of text, numbers and date cells) reads the same whether each distinct
    value is read once or every value is read: dates, reasons, text and years, with one
    pivot year or one per row."""
    n = 10_000  # more than twice _DISTINCT_FROM: the text among the cells too
    held: list[object] = [cells[i % len(cells)] for i in range(n)]
    if form == "cells":
        held[::7] = [42863] * len(held[::7])
        held[3::11] = [dt.datetime(2015, 4, 1, 10, 30)] * len(held[3::11])
    column = pd.Series(held, dtype=object)
    if form == "arrow":
        column = column.astype(clean.TEXT_DTYPE)
    pivot: int | np.ndarray = 2016
    if per_row_pivot:
        pivot = np.where(np.arange(n) % 2 == 0, 2016, 1990)
    got = dates.parse_dates(column, with_time=with_time, pivot_year=pivot)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dates, "_DISTINCT_FROM", 10**9)
        expected = dates.parse_dates(column, with_time=with_time, pivot_year=pivot)
    _same(got, expected)


@settings(max_examples=100, deadline=None)
@given(cells=st.lists(_date_text(), min_size=1, max_size=30), with_time=st.booleans())
def test_iso_date_times_read_by_pandas_as_by_their_parts(
    cells: list[str | None], with_time: bool
) -> None:
    """ISO dates, and date-times with a space or a ``T`` and a fraction of a second (no zone),
    read by Arrow's cast or pandas' ISO parser, give what reading their parts gave: the same
    instants, and for those refused (hour 25, 30 February, far years) the same reasons."""
    column = pd.Series(cells, dtype=object)
    got = dates.parse_dates(column, with_time=with_time, pivot_year=2016)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dates, "_ISO_DATE_TIME", "x^")  # matches nothing: the parts read all
        expected = dates.parse_dates(column, with_time=with_time, pivot_year=2016)
    _same(got, expected)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dates, "_iso_by_arrow", lambda array: None)  # pandas reads them
        by_pandas = dates.parse_dates(column, with_time=with_time, pivot_year=2016)
    _same(got, by_pandas)


def _booleans_row_by_row(text: pd.Series) -> pd.Series:
    """The loader's reading of booleans as it was: every row lowered and looked up."""
    low = text.str.lower()
    parsed = pd.Series(pd.NA, index=text.index, dtype="boolean")
    parsed[low.isin(clean._TRUE).to_numpy()] = True
    parsed[low.isin(clean._FALSE).to_numpy()] = False
    return parsed


@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(
        st.one_of(
            st.none(),
            st.sampled_from(["true", "TRUE", "False", "t", "F", "1", "0", "Y", "n", "Yes", "NO"]),
            st.sampled_from(["yes ", "2", "", "\u212a", "\u0130", "ja", "-1"]),
            st.text(max_size=4),
        ),
        max_size=40,
    ),
    arrow=st.booleans(),
)
def test_booleans_read_on_distinct_values_as_row_by_row(
    cells: list[str | None], arrow: bool
) -> None:
    """Each distinct value read once gives what reading every row gave (any case, any text,
    missing values), from Python strings or Arrow text."""
    text = pd.Series(cells, dtype=object, index=pd.RangeIndex(5, 5 + len(cells)))
    expected = _booleans_row_by_row(text)
    if arrow:
        text = text.astype(clean.TEXT_DTYPE)
    pd.testing.assert_series_equal(clean._booleans(text), expected)
